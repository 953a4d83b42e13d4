"""Win-back list (`payback segments winback`): the dormant RFM segments (hibernating, at
risk, can't lose) and/or a P(alive) threshold, with the value if won back.

The customers selected are recomputed in pandas from the stored confirmed orders (RFM
scores by the quintile rule, the dormant cells of the built-in table written out here);
the model values from `payback.clv.predict_ltv`'s P(alive) and CLV; the BG/NBD value of an
alive customer from its published closed form (Fader, Hardie & Lee 2005, eq. 10 without
the P(alive) factor); the historical rate from the orders. UCI Online Retail is imported
with `payback import order-items --build-orders` (tests/data/online_retail, 115 whole
histories), where every count model with drop-out is degenerate and the NBD is used."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1
from tests.segments.conftest import stored_confirmed_orders

from payback.cli import main
from payback.clv import predict_ltv
from payback.errors import InputError
from payback.segments import winback
from payback.store import open_store

DORMANT = {"hibernating", "at risk", "can't lose"}


@pytest.fixture(scope="module")
def uci(uci_import):
    """The store file of the UCI lines imported with ``--build-orders``
    (tests/segments/conftest.py)."""
    return uci_import[0]


def pandas_rfm(path: str) -> pd.DataFrame:
    """Per customer: recency, frequency, monetary, scores, first order and whether the
    built-in table calls them dormant, in pandas from the orders table."""
    orders = stored_confirmed_orders(path)
    day = orders.time.max().normalize()
    per = orders.groupby("customer_id").agg(
        first=("time", "min"), last=("time", "max"), frequency=("time", "size"),
        monetary=("revenue", "sum"),
    )  # fmt: skip
    per["monetary"] = per.monetary.round(2)
    per["recency_days"] = (day - per["last"].dt.normalize()).dt.days
    per["tenure_days"] = (day - per["first"].dt.normalize()).dt.days
    n = len(per)
    # score = 1 + floor(5 x customers with a strictly worse value / customers)
    per["r"] = 1 + ((-per.recency_days).rank(method="min") - 1) * 5 // n
    per["f"] = 1 + (per.frequency.rank(method="min") - 1) * 5 // n
    per["m"] = 1 + (per.monetary.rank(method="min") - 1) * 5 // n
    r, f, m = per.r, per.f, per.m
    cant_lose = r.le(2) & f.ge(4) & m.ge(4)
    at_risk = r.le(2) & ((f == 3) | (f.ge(4) & m.le(3)) | ((f == 2) & m.ge(4)))
    hibernating = (r == 2) & ((f == 1) | ((f == 2) & m.le(3)))
    per["dormant"] = cant_lose | at_risk | hibernating
    per.index = per.index.astype(str)
    return per


def history_value(per: pd.DataFrame, months: float = 12.0) -> pd.Series:
    horizon = months * 365.25 / 12
    return per.monetary * horizon / np.maximum(per.tenure_days, horizon)


@pytest.fixture(scope="module")
def demo_rfm(demo):
    return pandas_rfm(demo[0])


@pytest.fixture(scope="module")
def predictions(demo):
    with open_store(demo[0], read_only=True) as store:
        frame = predict_ltv(store, model="mbgnbd").customers.frame
    return frame.set_index(frame.customer_id.astype(str))


def test_the_dormant_segments_with_their_model_value(demo, demo_rfm, predictions):
    with open_store(demo[0], read_only=True) as store:
        got = winback(store)
    listed = got.customers.frame.set_index("customer_id")
    expected = demo_rfm[demo_rfm.dormant]
    assert set(listed.index) == set(expected.index)
    assert len(listed) > 100 and set(listed.segment) == DORMANT
    assert got.note is None and got.basis == "model" and got.model == "mbgnbd"
    pred = predictions.loc[listed.index]
    alive = pred.clv.astype(float) / pred.p_alive.astype(float)
    np.testing.assert_allclose(listed.value_if_alive, alive, atol=0.006)
    np.testing.assert_allclose(listed.winback_value, alive - pred.clv.astype(float), atol=0.006)
    np.testing.assert_allclose(listed.p_alive, pred.p_alive.astype(float), rtol=1e-12)
    assert got.total_value == pytest.approx(listed.winback_value.sum(), abs=0.01)
    assert listed.winback_value.is_monotonic_decreasing
    assert (listed.tenure_days == expected.tenure_days.loc[listed.index]).all()
    assert not listed[["value_if_alive", "winback_value"]].isna().any().any()


def test_by_p_alive_only_and_both(demo, demo_rfm, predictions):
    low = set(predictions.index[predictions.p_alive.astype(float) < 0.4])
    with open_store(demo[0], read_only=True) as store:
        only_p = winback(store, segments=None, max_p_alive=0.4)
        both = winback(store, max_p_alive=0.4)
        named = winback(store, segments="can't lose")
    assert set(only_p.customers.frame.customer_id) == low and len(low) > 20
    dormant = set(demo_rfm.index[demo_rfm.dormant])
    assert set(both.customers.frame.customer_id) == low | dormant
    assert low - dormant and dormant - low  # the union is more than either
    assert set(named.customers.frame.segment) == {"can't lose"}
    assert only_p.max_p_alive == 0.4 and only_p.segments == ()


def test_a_minimum_value_or_quantile_shrinks_the_list(demo):
    with open_store(demo[0], read_only=True) as store:
        full = winback(store).customers.frame
        floor = winback(store, min_value=100.0)
        median = winback(store, value_quantile=0.5)
    assert set(floor.customers.frame.customer_id) == set(
        full.customer_id[full.value_if_alive >= 100]
    )
    assert median.min_value == pytest.approx(full.value_if_alive.quantile(0.5))
    assert len(median.customers.frame) == int((full.value_if_alive >= median.min_value).sum())


def test_value_if_alive_is_the_bgnbd_expectation_of_an_alive_customer(demo):
    """clv / p_alive = spend x E[purchases in t | alive], the BG/NBD closed form."""
    with open_store(demo[0], read_only=True) as store:
        got = winback(store, segments=None, model="bgnbd", max_p_alive=1.0, horizon_months=12)
        pred = predict_ltv(store, model="bgnbd", horizon_months=12)
    fit = pred.fits["pooled"][0]
    r, alpha, a, b = (fit.params[k] for k in ("r", "alpha", "a", "b"))
    rows = pred.customers.frame.set_index("customer_id")
    rows = rows[rows.frequency > 0].loc[lambda t: t.index.isin(got.customers.frame.customer_id)]
    row = rows.iloc[0]
    x, T = row["frequency"], row["T"]
    t = 12 * 365.25 / 12
    z = t / (alpha + T + t)
    alive = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
    )
    listed = got.customers.frame.set_index("customer_id").loc[row.name]
    assert listed.value_if_alive == pytest.approx(alive * row.expected_spend, abs=0.006)


def test_uci_degenerate_fit_lists_the_segments_with_their_historical_rate(uci):
    per = pandas_rfm(uci)
    with open_store(uci, read_only=True) as store:
        got = winback(store)
        by_p = winback(store, segments=None, max_p_alive=0.3)
    listed = got.customers.frame.set_index("customer_id")
    expected = per[per.dormant]
    assert set(listed.index) == set(expected.index) and len(listed) == 28
    assert got.basis == "history" and got.model is None
    assert "could not be fitted" in got.note and "degenerate" in got.note
    assert got.customers.reasons["p_alive"].startswith("P(alive) not used")
    np.testing.assert_allclose(
        listed.value_if_alive, history_value(expected).loc[listed.index], atol=0.006
    )
    assert (listed.winback_value == listed.value_if_alive).all()
    assert got.total_value == pytest.approx(history_value(expected).sum(), abs=0.01)
    assert not listed[["value_if_alive", "winback_value"]].isna().any().any()
    # a P(alive) threshold alone cannot be applied: the dormant segments instead, said so
    assert set(by_p.customers.frame.customer_id) == set(listed.index)
    assert "not applied" in by_p.note and by_p.max_p_alive is None


def test_uci_nbd_has_no_p_alive_and_values_by_the_model(uci):
    with open_store(uci, read_only=True) as store:
        got = winback(store, model="bgnbd")
        pred = predict_ltv(store, model="bgnbd").customers.frame
    assert got.model == "nbd" and "no drop-out" in got.note
    listed = got.customers.frame.set_index("customer_id")
    clv = pred.set_index(pred.customer_id.astype(str)).clv.astype(float).loc[listed.index]
    np.testing.assert_allclose(listed.value_if_alive, clv, atol=0.006)
    assert listed.p_alive.isna().all() and (listed.basis == "model").all()
    assert len(listed) == 28


def test_errors(demo):
    with open_store(demo[0], read_only=True) as store:
        with pytest.raises(InputError, match="max_p_alive"):
            winback(store, max_p_alive=0)
        with pytest.raises(InputError, match=r"unknown segment.*sleepy"):
            winback(store, segments="at risk,sleepy")
        with pytest.raises(InputError, match="nothing selects"):
            winback(store, segments="none")


def test_cli_mirrors_the_api_and_exports(demo, uci, tmp_path, capsys):
    out = tmp_path / "winback.csv"
    assert main(["segments", "winback", "--db", uci, "--format", "csv", "-o", str(out)]) == 0
    text = pd.read_csv(out, dtype={"customer_id": str})
    with open_store(uci, read_only=True) as store:
        api = winback(store).customers.frame
    assert list(text.customer_id) == list(api.customer_id)
    np.testing.assert_allclose(text.winback_value, api.winback_value)
    parquet = tmp_path / "winback.parquet"
    args = ["segments", "winback", "--db", demo[0], "--segments", "at risk", "-o", str(parquet)]
    assert main(args) == 0
    assert set(pd.read_parquet(parquet).segment) == {"at risk"}
    args = ["segments", "winback", "--db", uci, "-n", "2", "--no-predict", "--format", "json"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["rows"]) == 2 and data["basis"] == "history"
    assert data["total_value"] == pytest.approx(float(api.winback_value.sum()), abs=0.01)
    assert data["note"].startswith("no predictions asked")


def _half_cent_store():
    """Customers whose historical rate x 100 is an exact half (0.06 over 487 days: 4.5
    cents, numpy rounds it to 4, an engine's round half away to 5) or ties within a cent,
    and one recent big spender fixing the as-of day."""
    import datetime as dt

    import pyarrow as pa

    day = dt.datetime(2024, 6, 30)
    spent = {"a": 0.06, "b": 0.06, "c": 0.1, "d": 0.02, "e": 0.18, "f": 0.26, "g": 0.0,
             "h": 0.02}  # fmt: skip
    days = {"h": 1461}  # 0.02 over 1461 days: 0.5 cents, rounded to 0 (still listed)
    rows = [(k, v, day - dt.timedelta(days.get(k, 487))) for k, v in spent.items()]
    rows += [("z", 500.0, day)]
    store = open_store(":memory:")
    store.write({"orders": pa.table({
        "order_id": [f"o-{r[0]}" for r in rows], "customer_id": [r[0] for r in rows],
        "time": [r[2] for r in rows], "revenue": [r[1] for r in rows],
        "status": ["confirmed"] * len(rows), "currency": ["EUR"] * len(rows)})})  # fmt: skip
    return store


@pytest.mark.parametrize("top", [1, 2, 4, 15])
def test_the_reports_top_rows_count_and_total_are_the_whole_lists(demo, demo_rfm, top):
    from payback.segments.rfm import rfm_as_of, rfm_expr
    from payback.segments.rules import default_rules
    from payback.segments.winback import winback_from, winback_top

    everyone = tuple(default_rules().segments)
    with open_store(demo[0], read_only=True) as demo_store, _half_cent_store() as halves:
        for store, segments in ((demo_store, ("hibernating", "at risk", "can't lose")),
                                (halves, everyone)):  # fmt: skip
            day = rfm_as_of(store)
            members = rfm_expr(store, as_of=day)
            full = winback_from(store, members, day, "EUR", segments=segments, predict=False)
            short = winback_top(store, members, day, "EUR", top=top, segments=segments)
            pd.testing.assert_frame_equal(short.customers.frame,
                                          full.customers.frame.head(top))  # fmt: skip
            assert short.customers.reasons == full.customers.reasons
            assert (short.count, short.total_value) == (len(full.customers.frame),
                                                        full.total_value)  # fmt: skip
    # the half-cent store by hand: 4.5 cents -> 0.04 (to even), ties by customer id
    frame = full.customers.frame
    assert list(frame.customer_id) == ["z", "f", "e", "c", "a", "b", "d", "g", "h"]
    assert list(frame.value_if_alive) == [500.0, 0.2, 0.14, 0.08, 0.04, 0.04, 0.02, 0.0, 0.0]
    assert (short.count, short.total_value) == (9, 500.52)
