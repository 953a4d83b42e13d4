"""LTV by acquisition source from a store: per-source fits, pooled fallback, history."""

from __future__ import annotations

import pytest
from scipy.special import hyp2f1

from payback.clv import (
    cohort_ltv,
    compress,
    customer_summary,
    fit_bgnbd,
    ltv_by_source,
    predict_ltv,
)
from payback.errors import InputError


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    from payback.demo import generate_shop
    from payback.store import open_store

    store = open_store(tmp_path_factory.mktemp("clv") / "shop.duckdb")
    shop = generate_shop(3000, seed=11)
    store.write(shop.tables, meta={"base_currency": shop.currency})
    yield store
    store.close()


def test_pooled_prediction_is_the_model_on_every_customer(shop):
    result = predict_ltv(shop, horizon_months=12, annual_discount_rate=0.1, margin=0.3)
    summary = shop.execute(customer_summary(shop))
    pooled, spend = result.fits["pooled"]
    direct = fit_bgnbd(compress(summary))
    assert pooled.params == pytest.approx(direct.params, rel=1e-9)
    assert len(result.customers.frame) == len(summary)
    row = result.by_source.frame.iloc[0]
    assert row.source == "all" and row.customers == len(summary)
    # predicted LTV of a new customer, by hand (Fader, Hardie & Lee 2005, eq. 9):
    # E[X(t)] = (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))],
    # t in days, the 12 month ends (365.25/12 days each) discounted at 10 % a year,
    # a repeat purchase worth the Gamma-Gamma mean p v/(q-1), the first order its SQL mean
    r, alpha, a, b = (pooled.params[k] for k in ("r", "alpha", "a", "b"))

    def purchases(t: float) -> float:
        z = t / (alpha + t)
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))

    p, q, v = (spend.params[k] for k in ("p", "q", "v"))
    cumulative = [0.0] + [purchases(k * 365.25 / 12) for k in range(1, 13)]
    repeat = sum((cumulative[k] - cumulative[k - 1]) / 1.1 ** (k / 12) for k in range(1, 13))
    (first_order,) = shop.backend.con.execute(
        """SELECT avg(revenue) FROM (
               SELECT revenue, row_number() OVER (PARTITION BY customer_id
                                                  ORDER BY time, order_id) AS k
               FROM orders WHERE status = 'confirmed') WHERE k = 1"""
    ).fetchone()
    expected = 0.3 * (first_order + p * v / (q - 1) * repeat)
    assert row.predicted_ltv == pytest.approx(expected, rel=1e-9)
    assert 0.3 * first_order < row.predicted_ltv < 0.3 * (first_order + 10 * spend.mean_spend)
    assert row.future_value_per_customer == pytest.approx(result.customers.frame.clv.mean())
    c = result.customers.frame
    assert c.p_alive.between(0, 1).all()
    assert (c.clv >= 0).all()


def test_by_source_fits_big_sources_and_pools_the_rest(shop):
    result = ltv_by_source(shop, "channel", horizon_months=12, min_customers=400)
    table = result.frame
    confirmed = shop.table("orders").filter(lambda t: t.status == "confirmed")
    assert table.customers.sum() == shop.execute(confirmed.customer_id.nunique())
    big = table.customers >= 400
    assert (table.model_fit[big] == "own").all()
    assert (table.model_fit[~big] == "pooled").all()
    assert (~big).any()  # the demo shop has small channels
    reason = result.reasons["model_fit"]
    for source in table.source[~big]:
        assert f"{source}: " in reason and "< 400: pooled fit" in reason
    # historical LTV is the cohort value at month 11 (the 12 first months)
    cohorts = cohort_ltv(shop, "channel").frame
    at = cohorts[cohorts.months_since_acquisition == 11].set_index("cohort")
    google = table.set_index("source").loc["google"]
    assert google.historical_ltv == pytest.approx(at.loc["google", "revenue_per_customer"])


def test_bad_arguments(shop):
    with pytest.raises(InputError, match="unknown source"):
        predict_ltv(shop, by="month")
    with pytest.raises(InputError, match="unknown model"):
        predict_ltv(shop, model="ggg")
    with pytest.raises(InputError, match="min_customers"):
        predict_ltv(shop, by="channel", min_customers=0)


def test_empty_store_says_what_to_do(store):
    with pytest.raises(InputError, match="no confirmed orders"):
        predict_ltv(store)
