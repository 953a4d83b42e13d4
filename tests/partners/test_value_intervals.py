"""`payback partners value --interval`: each partner's predicted CLV with its interval
(the parametric bootstrap of `payback ltv predict --interval`, aggregated per partner)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from payback.cli import main
from payback.clv import predict_ltv
from payback.clv.intervals import parameter_draws
from payback.demo import generate_shop
from payback.errors import InputError
from payback.partners import value
from payback.store import open_store

COLUMNS = ["predicted_clv", "predicted_clv_low", "predicted_clv_high"]


def _store(customers: int, seed: int):
    store = open_store(":memory:")
    store.write(generate_shop(customers, seed=seed).tables)
    return store


@pytest.fixture(scope="module")
def demo(demo_db):
    with open_store(demo_db, read_only=True) as store:
        return value(store, interval=0.9).frame.set_index("partner")


def test_demo_intervals_contain_the_point(demo):
    """The demo's numbers (3,000 customers, seed 11, 200 draws, 12 months, revenue)."""
    got = demo[COLUMNS].round(2)
    assert got.loc["P01"].tolist() == pytest.approx([240.25, 229.49, 250.34], abs=0.011)
    assert got.loc["P02"].tolist() == pytest.approx([47.38, 45.01, 50.04], abs=0.011)
    low, point, high = (
        demo[c] for c in ("predicted_clv_low", "predicted_clv", "predicted_clv_high")
    )
    assert ((low < point) & (point < high)).all()
    # the ranking by predicted CLV is the planted one: tea_blog, home_magazine, coupon_hub,
    # cashback_plus; their intervals do not overlap
    ranked = demo.sort_values("predicted_clv", ascending=False)
    assert ranked.index.tolist() == ["P01", "P04", "P03", "P02"]
    assert (
        ranked["predicted_clv_low"].to_numpy()[:-1] > ranked["predicted_clv_high"].to_numpy()[1:]
    ).all()


def test_interval_narrows_with_more_customers():
    """Four times the customers: each partner's relative width about halves (1/sqrt(n))."""
    width = {}
    for n in (1_500, 6_000):
        with _store(n, 11) as store:
            t = value(store, interval=0.9).frame.set_index("partner")
        width[n] = (t["predicted_clv_high"] - t["predicted_clv_low"]) / t["predicted_clv"]
    ratio = (width[6_000] / width[1_500]).dropna()
    assert len(ratio) == 4
    assert (ratio < 0.8).all(), ratio.to_dict()
    assert 0.3 < float(ratio.mean()) < 0.75


def test_recomputed_independently_on_a_small_shop():
    """Draw the pooled fit's parameters, compute every customer's expected purchases x
    expected spend per draw, average per partner, take the quantiles: the same bounds."""
    level, draws = 0.8, 300
    with _store(400, 2) as store:
        got = value(store, interval=level, draws=draws, seed=7).frame.set_index("partner")
        fit = predict_ltv(store, by="partner")
    count_fit, spend_fit = fit.fits["pooled"]
    customers = fit.customers.frame
    # the collector draws the spend model's parameters first (seed), then the count's
    spends = parameter_draws(spend_fit, draws, seed=7)
    counts = parameter_draws(count_fit, draws, seed=8)
    x, t_x, big_t = (customers[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    m = customers["monetary_value"].fillna(0).to_numpy(float)
    days = 12 * 365.25 / 12
    per_draw = np.array(
        [
            c.expected_purchases(days, x, t_x, big_t) * s.expected_spend(x, m)
            for c, s in zip(counts, spends, strict=True)
        ]
    )
    checked = 0
    for partner, row in got.iterrows():
        mine = (customers["source"] == partner).to_numpy()
        if not mine.any():
            continue
        means = per_draw[:, mine].mean(axis=1)
        low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
        assert row["predicted_clv_low"] == pytest.approx(low, rel=1e-9)
        assert row["predicted_clv_high"] == pytest.approx(high, rel=1e-9)
        point = count_fit.expected_purchases(days, x[mine], t_x[mine], big_t[mine])
        point = (point * spend_fit.expected_spend(x[mine], m[mine])).mean()
        assert row["predicted_clv"] == pytest.approx(point, rel=1e-9)
        checked += 1
    assert checked >= 3


def test_interval_needs_the_prediction(demo_db):
    with (
        open_store(demo_db, read_only=True) as store,
        pytest.raises(InputError, match="predicted=False"),
    ):
        value(store, predicted=False, interval=0.9)
    with open_store(demo_db, read_only=True) as store, pytest.raises(InputError, match="level"):
        value(store, interval=1.5)


def test_cli_interval(demo_db, demo, capsys):
    code = main(["partners", "value", "--db", demo_db, "--interval", "90%", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0
    rows = {r["partner"]: r for r in json.loads(out)["rows"]}
    assert rows["P01"]["predicted_clv_low"] == pytest.approx(demo.loc["P01", "predicted_clv_low"])
