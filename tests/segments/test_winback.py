"""Win-back list (`payback segments winback`): the predictions are asked of payback.clv
and the selection, values and ranking recomputed in pandas; the BG/NBD value of an alive
customer is recomputed from its published closed form (Fader, Hardie & Lee 2005, eq. 10
without the P(alive) factor)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import hyp2f1

from payback.cli import main
from payback.clv import predict_ltv
from payback.errors import InputError
from payback.segments import rfm, winback
from payback.store import open_store


@pytest.fixture(scope="module")
def predictions(demo):
    with open_store(demo[0], read_only=True) as store:
        return predict_ltv(store, model="mbgnbd").customers.frame


def test_the_list_is_the_low_p_alive_high_value_customers(demo, predictions):
    frame = predictions.assign(
        value_if_alive=predictions.clv / predictions.p_alive,
    )
    threshold = float(frame.value_if_alive.quantile(0.5))
    expected = frame[(frame.p_alive < 0.4) & (frame.value_if_alive >= threshold)]
    with open_store(demo[0], read_only=True) as store:
        got = winback(store, max_p_alive=0.4)
        segments = rfm(store, predict=False).customers.frame.set_index("customer_id").segment
    listed = got.customers.frame
    assert got.min_value == pytest.approx(threshold)
    assert set(listed.customer_id) == set(expected.customer_id)
    assert len(listed) > 20
    keyed = expected.set_index("customer_id").loc[listed.customer_id]
    np.testing.assert_allclose(listed.value_if_alive, keyed.value_if_alive, rtol=1e-6)
    np.testing.assert_allclose(listed.winback_value, keyed.value_if_alive - keyed.clv, rtol=1e-6)
    assert got.total_value == pytest.approx(
        float((keyed.value_if_alive - keyed.clv).sum()), rel=1e-6
    )
    assert listed.winback_value.is_monotonic_decreasing
    assert (listed.segment.to_numpy() == segments.loc[listed.customer_id].to_numpy()).all()
    # dormant segments dominate the list
    dormant = listed.segment.isin(["can't lose", "at risk", "hibernating", "about to sleep"])
    assert dormant.mean() > 0.5


def test_a_given_minimum_value_and_a_stricter_p_alive_shrink_the_list(demo):
    with open_store(demo[0], read_only=True) as store:
        loose = winback(store, max_p_alive=0.5, min_value=100.0).customers.frame
        strict = winback(store, max_p_alive=0.2, min_value=200.0).customers.frame
    assert set(strict.customer_id) < set(loose.customer_id)
    assert (loose.value_if_alive >= 100).all() and (strict.p_alive < 0.2).all()


def test_value_if_alive_is_the_bgnbd_expectation_of_an_alive_customer(demo):
    """clv / p_alive = spend x E[purchases in t | alive], the BG/NBD closed form."""
    with open_store(demo[0], read_only=True) as store:
        got = winback(store, model="bgnbd", max_p_alive=1.0, min_value=0.0, horizon_months=12)
        pred = predict_ltv(store, model="bgnbd", horizon_months=12)
    fit = pred.fits["pooled"][0]
    r, alpha, a, b = (fit.params[k] for k in ("r", "alpha", "a", "b"))
    rows = pred.customers.frame.set_index("customer_id")
    rows = rows[rows.frequency > 0].loc[lambda t: t.index.isin(got.customers.frame.customer_id)]
    row = rows.iloc[0]
    x, t_x, T = row["frequency"], row["recency"], row["T"]
    t = 12 * 365.25 / 12
    z = t / (alpha + T + t)
    alive = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
    )
    listed = got.customers.frame.set_index("customer_id").loc[row.name]
    assert listed.value_if_alive == pytest.approx(alive * row.expected_spend, rel=1e-6)
    assert t_x <= T


def test_errors(demo):
    with (
        open_store(demo[0], read_only=True) as store,
        pytest.raises(InputError, match="max_p_alive"),
    ):
        winback(store, max_p_alive=0)


def test_cli_csv_export(demo, tmp_path, capsys):
    out = tmp_path / "winback.csv"
    assert main(["segments", "winback", "--db", demo[0], "--format", "csv", "-o", str(out)]) == 0
    text = out.read_text().splitlines()
    assert text[0].startswith("customer_id,segment,")
    assert main(["segments", "winback", "--db", demo[0], "-n", "2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["rows"]) == 2 and data["total_value"] > 0
    assert len(text) - 1 > 2
