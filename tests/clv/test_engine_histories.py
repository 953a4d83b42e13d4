"""predict_ltv(customers=False): the customers are grouped in the engine to distinct
histories (source, x, t_x, T, m) with their counts, only those rows leave it, and the
per-source results are those of the per-customer computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from payback.clv import predict_ltv
from payback.clv.by_source import shared_prediction
from payback.clv.histories import customer_expr, customer_histories
from payback.demo import generate_shop
from payback.store import open_store


@pytest.fixture(scope="module")
def shop():
    store = open_store(":memory:")
    store.write(generate_shop(1500, seed=5).tables)
    return store


def test_histories_hold_every_customer_once(shop):
    table = customer_histories(shop, "platform", None, "W")
    each = shop.execute(customer_expr(shop, "platform", None, "W"))
    key = ["source", "frequency", "recency", "T", "monetary_value"]
    expected = (  # recounted from the customers, in pandas
        each.assign(source=each.source.fillna("-"))
        .groupby(key, dropna=False)
        .agg(weights=("customer_id", "size"), first=("first_order_revenue", "sum"))
        .reset_index()
        .sort_values(key, na_position="last", kind="mergesort")
    )
    got = table.assign(source=table.source.fillna("-")).sort_values(
        key, na_position="last", kind="mergesort"
    )
    assert len(table) == len(expected) < len(each)
    once = each.frequency == 0  # one-time buyers share a history per source and age
    assert (table.frequency == 0).sum() < once.sum() / 2
    assert table.weights.sum() == len(each)
    np.testing.assert_array_equal(got[key[1:4]].to_numpy(float), expected[key[1:4]].to_numpy(float))
    # the mean repeat spend, computed in another plan: equal to the last bits
    np.testing.assert_allclose(got.monetary_value, expected.monetary_value, rtol=1e-14)
    np.testing.assert_array_equal(got.weights.to_numpy(), expected.weights.to_numpy(float))
    np.testing.assert_allclose(got.first_order_revenue, expected["first"], rtol=1e-12)


@pytest.mark.parametrize(
    ("by", "freq", "model"),
    [(None, "D", "bgnbd"), ("platform", "W", "bgnbd"), ("channel", "D", "mbgnbd")],
)
def test_by_source_equals_the_per_customer_fit(shop, by, freq, model):
    args = {"by": by, "freq": freq, "model": model, "min_customers": 300, "margin": 0.4}
    each = predict_ltv(shop, **args).by_source.frame
    grouped = predict_ltv(shop, **args, customers=False)
    assert len(grouped.customers.frame) == 0
    assert list(grouped.customers.frame.columns) == list(predict_ltv(shop).customers.frame.columns)
    # the same fit on weighted rows: equal up to the optimiser's rounding
    pd.testing.assert_frame_equal(grouped.by_source.frame, each, check_exact=False, rtol=1e-7)
    assert grouped.by_source.frame.customers.sum() == each.customers.sum() > 1000


def test_only_histories_leave_the_engine(shop, monkeypatch):
    """Every summary fetched from the engine (a frame with ``frequency``) is per customer
    when the customers are asked for, and the distinct histories when they are not."""
    fetched: list[tuple[bool, int]] = []
    execute = type(shop).execute

    def recording(self, expr, *a, **k):
        out = execute(self, expr, *a, **k)
        if hasattr(out, "columns") and "frequency" in out.columns:
            fetched.append(("customer_id" in out.columns, len(out)))
        return out

    monkeypatch.setattr(type(shop), "execute", recording)
    customers = predict_ltv(shop, freq="W").customers.frame
    assert fetched == [(True, len(customers))]
    fetched.clear()
    shared_prediction(shop, freq="W")  # an in-memory store: fitted, not cached
    histories = len(customer_histories(shop, None, None, "W"))
    assert set(fetched) == {(False, histories)} and histories < len(customers)


@pytest.mark.parametrize(("by", "freq"), [("platform", "W"), ("campaign", "D"), (None, "M")])
def test_one_join_with_the_kept_first_orders_is_the_two_joins(shop, monkeypatch, by, freq):
    """The source and first order carried through the summary's join with the kept first
    orders (DuckDB) are those of a second join with the acquisitions (Spark's way)."""
    import payback.clv.summary as summary

    assert summary.summary_with_first_orders(shop, lambda f: {}) is not None  # kept: one join
    one = shop.execute(customer_expr(shop, by, None, freq)).sort_values("customer_id")
    monkeypatch.setattr(summary, "_keeps_first_orders", lambda store: False)
    assert summary.summary_with_first_orders(shop, lambda f: {}) is None
    two = shop.execute(customer_expr(shop, by, None, freq)).sort_values("customer_id")
    assert list(one.columns) == list(two.columns) and len(one) == len(two) > 500
    pd.testing.assert_frame_equal(one.reset_index(drop=True), two.reset_index(drop=True),
                                  check_exact=False, rtol=1e-12)  # fmt: skip
    assert one.source.notna().any() and one.first_order_revenue.gt(0).all()
