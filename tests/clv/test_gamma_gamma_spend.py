"""Gamma-Gamma conditional expected spend: it exists only when ``p x + q > 1``.

The posterior of a customer's scale ``nu`` after ``x`` purchases of mean ``zbar`` is
Gamma(shape ``p x + q``, rate ``v + x zbar``); the expected value of one purchase is
``p E[1/nu]``, finite only when the shape exceeds 1. A customer without repeat purchases
(``x = 0``) gets the population mean ``p v / (q - 1)``, which does not exist for
``q <= 1``: the value is null with a reason, never a negative number or inf.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

import payback.clv.sources as sources
from payback.clv import GammaGammaFit, predict_ltv


def _posterior_mean_spend(p, q, v, x, zbar):
    """``p E[1/nu]`` by numerical integration over the gamma posterior of ``nu``."""
    posterior = stats.gamma(a=p * x + q, scale=1 / (v + x * zbar))
    value, _ = integrate.quad(lambda nu: p / nu * posterior.pdf(nu), 0, np.inf, limit=200)
    return value


def test_defined_values_match_the_posterior_integral():
    m = GammaGammaFit(p=2.0, q=0.8, v=10.0)
    spend = m.expected_spend([2, 5], [35.0, 12.0])
    # x = 2: 2 (10 + 70) / (4 + 0.8 - 1) = 160 / 3.8
    assert spend.tolist() == pytest.approx([160 / 3.8, 2 * (10 + 60) / (10 + 0.8 - 1)])
    for got, (x, z) in zip(spend.tolist(), [(2, 35.0), (5, 12.0)], strict=True):
        assert got == pytest.approx(_posterior_mean_spend(2.0, 0.8, 10.0, x, z), rel=1e-6)


@pytest.mark.parametrize(
    ("p", "q", "x"),
    [(2.0, 0.8, 0), (2.0, 1.0, 0), (0.1, 0.5, 1)],  # p x + q = 0.8, 1.0, 0.6: no mean
)
def test_no_finite_mean_is_null_with_a_reason(p, q, x):
    m = GammaGammaFit(p=p, q=q, v=10.0)
    spend = m.expected_spend([x, 10], [0.0 if x == 0 else 20.0, 20.0])
    assert spend.tolist()[0] is None  # before: p v/(q-1) = -100, inf; -7.5 for x = 1
    assert spend.tolist()[1] == pytest.approx(_posterior_mean_spend(p, q, 10.0, 10, 20.0))
    assert "p x + q <= 1" in m.spend_reason([x])
    assert m.mean_spend is None
    assert m.spend_reason([10]) is None


def test_the_usual_case_has_no_mask():
    m = GammaGammaFit(p=6.25, q=3.74, v=15.44)
    assert not np.ma.is_masked(m.expected_spend([0, 1, 8], [0.0, 10.0, 30.0]))
    assert m.spend_reason([0, 1, 8]) is None


def test_predict_ltv_carries_the_reason(monkeypatch):
    from payback.demo import generate_shop
    from payback.store import open_store

    store = open_store(":memory:")
    store.write(generate_shop(400, seed=2).tables)
    heavy_tail = GammaGammaFit(p=2.0, q=0.8, v=10.0)
    monkeypatch.setattr(sources, "fit_gamma_gamma", lambda *a, **k: heavy_tail)
    result = predict_ltv(store, horizon_months=6)
    c = result.customers.frame
    no_repeat = c.frequency == 0
    assert no_repeat.any() and (~no_repeat).any()
    assert c.expected_spend[no_repeat].isna().all() and c.clv[no_repeat].isna().all()
    assert (c.expected_spend[~no_repeat] > 0).all() and (c.clv[~no_repeat] >= 0).all()
    row = result.by_source.frame.iloc[0]
    assert row.predicted_ltv is None and row.future_value_per_customer is None
    reason = result.by_source.reasons
    assert result.customers.reasons["clv"] == reason["predicted_ltv"]
    assert "q = 0.8" in reason["predicted_ltv"]
    assert "p x + q <= 1" in reason["future_value_per_customer"]
