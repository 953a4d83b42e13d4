"""New customers: one per customer, in the row of their first confirmed order, ties on time
broken by the smaller order id; checked against a plain pandas recount."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payback.metrics import compute_metrics

from .conftest import build_store

T = dt.datetime(2024, 3, 1, 12)


def test_two_orders_at_the_same_time_the_smaller_order_id_acquires(make_store):
    store = make_store(
        ads=[{"campaign": c, "cost": 10.0} for c in ("a", "b")],
        orders=[
            {"order_id": "o2", "customer_id": "ann", "time": T, "campaign": "a"},
            {"order_id": "o1", "customer_id": "ann", "time": T, "campaign": "b"},
            {"order_id": "o0", "customer_id": "ann", "time": T, "campaign": "a",
             "status": "cancelled"},  # not a purchase: never the first
            {"order_id": "o3", "customer_id": "bob", "time": T, "campaign": "a"},
            {"order_id": "o4", "customer_id": "bob", "time": T - dt.timedelta(seconds=1),
             "campaign": "b"},  # earlier, though its id is larger
        ],
    )  # fmt: skip
    r = compute_metrics(store, by="campaign", metrics="orders,new_customers,cac")
    rows = r.groups.set_index("campaign")[["orders", "new_customers", "cac"]].astype(object)
    assert rows.where(rows.notna(), None).to_dict("index") == {
        "a": {"orders": 2, "new_customers": 0, "cac": None},  # no customer acquired
        "b": {"orders": 2, "new_customers": 2, "cac": 5.0},  # ann by o1, bob by o4
    }


def _pandas_new_customers(orders: list[dict], start: dt.date | None) -> pd.Series:
    """New customers per campaign: sort by (time, order_id), first confirmed per customer."""
    o = pd.DataFrame(orders)
    o = o[o["status"] == "confirmed"].sort_values(["time", "order_id"])
    first = o.drop_duplicates("customer_id")
    if start is not None:
        first = first[first["time"] >= pd.Timestamp(start)]
    return first.groupby(first["campaign"].fillna("<none>")).size()


orders_with_ties = st.lists(
    st.fixed_dictionaries(
        {
            "customer_id": st.sampled_from(["c1", "c2", "c3", "c4"]),
            # few distinct times: many ties within a customer
            "time": st.sampled_from([T, T + dt.timedelta(hours=1), T + dt.timedelta(days=2)]),
            "campaign": st.sampled_from(["a", "b", "c", None]),
            "status": st.sampled_from(["confirmed", "confirmed", "cancelled"]),
        }
    ),
    max_size=25,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=orders_with_ties, ids=st.randoms(use_true_random=False), late=st.booleans())
def test_new_customers_match_a_sorted_recount(rows, ids, late):
    numbers = list(range(len(rows)))
    ids.shuffle(numbers)  # order ids unrelated to the row order or the time
    orders = [
        {**r, "order_id": f"o{n:03d}", "revenue": 1.0} for r, n in zip(rows, numbers, strict=True)
    ]
    start = (T + dt.timedelta(days=1)).date() if late else None
    with build_store(orders=orders) as store:
        r = compute_metrics(store, by="campaign", metrics="new_customers", start=start)
    got = r.groups.assign(key=r.groups["campaign"].fillna("<none>")).set_index("key")
    got = got.loc[got["new_customers"] > 0, "new_customers"]
    want = _pandas_new_customers(orders, start) if orders else pd.Series(dtype="int64")
    assert got.sort_index().to_dict() == want[want > 0].sort_index().to_dict()
    assert r.total("all")["new_customers"] == int(want.sum())
