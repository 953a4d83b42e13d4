"""The CLV-based commission designer: hand-computed designs for a partner within its
budget, one whose repeat commission must fall and one whose first-order commission must
fall too; on the demo shop, every number recomputed from the raw tables."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from payback.clv import predict_ltv
from payback.demo import generate_shop
from payback.errors import InputError
from payback.partners import design_commissions, parse_rules
from payback.store import open_store

RULES = """
[partners.P1]
new_rate = 0.10
returning_rate = 0.10

[partners.P2]
new_rate = 0.10
returning_rate = 0.30

[partners.P3]
fixed = 25.0

[partners.P4]
rate = 0.05
"""
#: partner, customer, revenue, day of 2024: every customer's first order, then repeats
ORDERS = [
    ("P1", "a1", 100.0, 10), ("P1", "a2", 100.0, 11), ("P1", "a3", 100.0, 12),
    ("P1", "a4", 100.0, 13), ("P1", "a1", 50.0, 60), ("P1", "a2", 50.0, 61),
    ("P2", "b1", 100.0, 20), ("P2", "b2", 100.0, 21), ("P2", "b1", 100.0, 80),
    ("P2", "b2", 100.0, 81),
    ("P3", "c1", 200.0, 30), ("P3", "c1", 100.0, 90),
    ("P4", "d1", 100.0, 40),
]  # fmt: skip


@pytest.fixture
def shop(store):
    n = len(ORDERS)
    partner, customer, revenue, day = (list(c) for c in zip(*ORDERS, strict=True))
    times = [dt.datetime(2024, 1, 1) + dt.timedelta(days=d) for d in day]
    ids = [f"o{i}" for i in range(n)]
    store.write(
        {
            "orders": pa.table({
                "order_id": ids, "customer_id": customer, "time": times, "revenue": revenue,
                "status": ["confirmed"] * n, "currency": ["EUR"] * n, "partner_id": partner,
            }),
            "partner_claims": pa.table({
                "claim_id": [f"k{i}" for i in range(n)], "partner_id": partner,
                "order_id": ids, "time": times, "revenue": revenue, "commission": [0.0] * n,
                "currency": ["EUR"] * n,
            }),
        },
        meta={"base_currency": "EUR"},
    )  # fmt: skip
    return store


def test_hand_computed_design(shop):
    design = design_commissions(
        shop, parse_rules(RULES), share=0.5, other_costs_per_customer=10.0,
        clv={"P1": 100.0, "P2": 60.0, "P3": 40.0},
    )  # fmt: skip
    rows = design.table.frame.set_index("partner_id")
    # P1: budget 0.5 x 100 = 50, max 40; a customer costs 10 + 0.5 x 5 = 12.5 now
    p1 = rows.loc["P1"]
    assert (p1.commission_budget, p1.max_commission) == (50.0, 40.0)
    assert (p1.first_orders, p1.repeat_orders, p1.repeat_per_first) == (4, 2, 0.5)
    assert (p1.first_commission, p1.repeat_commission, p1.headroom) == (10.0, 5.0, 27.5)
    assert (p1.max_first_commission, p1.max_first_rate) == (37.5, 0.375)  # 40 - 0.5 x 5
    assert (p1.max_repeat_commission, p1.max_repeat_rate) == (60.0, 1.2)  # (40 - 10) / 0.5
    assert (p1.recommended_first, p1.recommended_repeat, p1.profit_effect) == (10.0, 5.0, 0.0)
    assert p1.action == "keep: a customer may cost 27.50 more in commissions"
    # P2: max 30 - 10 = 20 < 10 + 1 x 30: the repeat commission falls to (20 - 10) / 1
    p2 = rows.loc["P2"]
    assert (p2.max_first_commission, p2.max_repeat_commission, p2.headroom) == (0.0, 10.0, -20.0)
    assert (p2.recommended_first, p2.recommended_repeat) == (10.0, 10.0)
    assert p2.profit_effect == 40.0  # 2 repeat orders x (30 - 10)
    assert p2.action == "lower the repeat-order commission to 10.00"
    # P3: max 20 - 10 = 10 is below the first order's 25: first 10, repeats 0
    p3 = rows.loc["P3"]
    assert (p3.recommended_first, p3.recommended_repeat) == (10.0, 0.0)
    assert p3.profit_effect == 40.0  # (25 - 10) + (25 - 0)
    assert p3.action == "lower the first-order commission to 10.00 and stop paying repeat orders"
    # P4: no CLV given, no repeat orders
    p4 = rows.loc["P4"]
    assert pd.isna(p4.max_commission) and p4.action == "no predicted CLV: keep"
    assert design.window == ("2023-04-01", "2024-03-31")  # the 12 months to the last claim


def test_without_rules_the_claimed_commissions_are_current(shop):
    design = design_commissions(shop, share=0.5, other_costs_per_customer=0, clv={"P1": 100})
    p1 = design.table.frame.set_index("partner_id").loc["P1"]
    assert (p1.first_commission, p1.repeat_commission, p1.headroom) == (0.0, 0.0, 50.0)


def test_no_claims(store):
    t = dt.datetime(2024, 1, 5)
    store.write({"orders": pa.table({"order_id": ["1"], "customer_id": ["a"], "time": [t],
                 "revenue": [1.0], "status": ["confirmed"], "currency": ["EUR"]})})  # fmt: skip
    with pytest.raises(InputError, match=r"no partner claims: .*payback import partner-claims"):
        design_commissions(store, share=0.3, other_costs_per_customer=0, clv={})


def test_bad_share_and_missing_costs(shop):
    with pytest.raises(InputError, match=r"share must be a fraction in \(0, 1\].*got 30"):
        design_commissions(shop, share=30, other_costs_per_customer=0, clv={})
    with pytest.raises(InputError, match=r"other costs per customer are unknown .*empty"):
        design_commissions(shop, share=0.3, clv={})


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    shop = generate_shop(1500, seed=11)
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with open_store(path) as store:
        store.write(shop.tables, meta={"base_currency": shop.currency})
    tables = {k: shop.tables[k].to_pandas() for k in ("orders", "partner_claims")}
    return str(path), tables


DEMO_RULES = "[partners.P01]\nrate = 0.12\n[partners.P02]\nrate = 0.07\n" \
             "[partners.P03]\nrate = 0.08\n[partners.P04]\nfixed = 8.0\n"  # fmt: skip
RATE = {"P01": (0.12, 0.0), "P02": (0.07, 0.0), "P03": (0.08, 0.0), "P04": (0.0, 8.0)}


def test_demo_design_recomputed(demo):
    path, raw = demo
    with open_store(path, read_only=True) as store:
        design = design_commissions(store, parse_rules(DEMO_RULES), share=0.3, margin=0.4,
                                    other_costs_per_customer=15.0)  # fmt: skip
        clv = predict_ltv(store, by="partner", margin=0.4, min_customers=100).by_source.frame
    got = design.table.frame.set_index("partner_id")
    # from the raw tables: confirmed orders' claims, the first claim of each order, the
    # last 12 months of claims; an order is a first order when the customer has no
    # confirmed order before it
    orders, claims = raw["orders"], raw["partner_claims"]
    bought = orders[orders.status == "confirmed"].sort_values(["time", "order_id"])
    first = bought.groupby("customer_id").order_id.first()
    claims = claims.sort_values(["time", "claim_id"]).drop_duplicates("order_id")
    claims = claims.merge(bought[["order_id", "customer_id", "revenue"]], on="order_id",
                          suffixes=("_claimed", ""))  # fmt: skip
    end = claims.time.max()
    claims = claims[
        claims.time >= end.normalize() + pd.Timedelta(days=1) - pd.DateOffset(months=12)
    ]
    claims["first"] = claims.order_id.isin(set(first))
    rate, fee = zip(*claims.partner_id.map(RATE), strict=True)
    claims["commission"] = (claims.revenue * np.array(rate) + np.array(fee)).round(2)
    value = clv.set_index("source").predicted_ltv
    for partner in RATE:
        mine = claims[claims.partner_id == partner]
        f, r = mine[mine["first"]], mine[~mine["first"]]
        ceiling = 0.3 * value[partner] - 15.0
        per_repeat = len(r) / len(f)
        row = got.loc[partner]
        assert (row.first_orders, row.repeat_orders) == (len(f), len(r))
        assert row.max_commission == pytest.approx(ceiling)
        assert row.first_commission == pytest.approx(f.commission.mean(), abs=0.005)
        assert row.repeat_commission == pytest.approx(r.commission.mean(), abs=0.005)
        want = max(ceiling - per_repeat * r.commission.mean(), 0.0)
        assert row.max_first_commission == pytest.approx(want, abs=0.005)
        assert row.max_first_rate == pytest.approx(want / f.revenue.mean(), rel=1e-4)
        want = max((ceiling - f.commission.mean()) / per_repeat, 0.0)
        assert row.max_repeat_commission == pytest.approx(want, abs=0.005)
    # the planted premium blog (P01) carries a higher commission than the cashback site
    assert got.loc["P01", "max_commission"] > got.loc["P02", "max_commission"]
