"""Non-advertising costs per customer over the LTV horizon: DOMAIN.md section 3.

"Yearly sales 10,000,000, 500 customers, non-advertising costs 5,000,000: LTV = 20,000,
marginal CPO = 20,000 - 10,000 = 10,000." The LTV is a customer's first 12 months, so
the costs per customer subtracted from it are the costs of 12 months over the customers
of those months, not the costs of the whole data span over every customer ever seen.

The store: in 2023, 200 customers (campaign X) buy once for 100, and non-advertising
costs are 1,000,000; in 2024, 500 other customers (campaign Y) buy twice for 10,000 (on
15 January and 31 December: 20,000 a customer in their first 12 months, no cost of
goods) and the costs are 5,000,000. Horizon 12 months, data ending 31 December 2024.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from payback.economics import ceilings, non_ad_costs_per_customer
from payback.economics.ceilings import VerdictRules


@pytest.fixture
def shop(store):
    rows = [(f"x{i}", f"x{i}", dt.datetime(2023, 1, 15), 100.0, "X") for i in range(200)]
    for i in range(500):
        rows.append((f"y{i}-1", f"y{i}", dt.datetime(2024, 1, 15), 10_000.0, "Y"))
        rows.append((f"y{i}-2", f"y{i}", dt.datetime(2024, 12, 31, 18), 10_000.0, "Y"))
    order_id, customer_id, time, revenue, campaign = (list(c) for c in zip(*rows, strict=True))
    n = len(rows)
    months = [dt.date(year, m, 1) for year in (2023, 2024) for m in range(1, 13)]
    amounts = [1_000_000 / 12] * 12 + [400_000.0] * 11 + [600_000.0]
    store.write(
        {
            "orders": pa.table({
                "order_id": order_id, "customer_id": customer_id, "time": time,
                "revenue": revenue, "cogs": [0.0] * n, "status": ["confirmed"] * n,
                "currency": ["EUR"] * n, "platform": ["google"] * n, "campaign": campaign}),
            "ad_stats": pa.table({
                "date": [dt.date(2023, 1, 1), dt.date(2024, 1, 1)], "platform": ["google"] * 2,
                "campaign": ["X", "Y"], "impressions": [1000] * 2, "clicks": [100] * 2,
                "cost": [2_000.0, 50_000.0], "currency": ["EUR"] * 2}),
            "costs": pa.table({
                "date": months, "category": ["rent"] * 24, "amount": amounts,
                "currency": ["EUR"] * 24}),
        },
        meta={"base_currency": "EUR"},
    )  # fmt: skip
    return store


def test_domain_example_through_the_store(shop):
    costs = non_ad_costs_per_customer(shop, horizon_months=12)
    assert costs.amount == pytest.approx(5_000_000)
    assert costs.customers == 500
    assert costs.per_customer == pytest.approx(10_000)  # not 6,000,000 / 700 = 8,571.43
    assert (costs.first_month, costs.last_month) == ("2024-01", "2024-12")
    result = ceilings(shop, "campaign", predicted=False, rules=VerdictRules(min_customers=1))
    y = result.frame.set_index("campaign").loc["Y"]
    assert y["historical_margin_ltv"] == pytest.approx(20_000)
    assert y["marginal_cpo"] == pytest.approx(10_000)
    assert result.other_costs_per_customer == pytest.approx(10_000)


def test_the_window_follows_as_of_and_the_horizon(shop):
    # 2023 alone: 1,000,000 / 200 customers
    assert non_ad_costs_per_customer(shop, as_of="2023-12-31").per_customer == pytest.approx(5_000)
    # the last 3 complete months: October-December 2024, 400,000 x 2 + 600,000 over the 500
    # customers who bought in December
    q4 = non_ad_costs_per_customer(shop, horizon_months=3)
    assert q4.per_customer == pytest.approx(1_400_000 / 500)


def test_costs_not_covering_the_horizon_give_no_value_with_a_reason(shop):
    short = non_ad_costs_per_customer(shop, horizon_months=12, as_of="2023-06-30")
    assert short.per_customer is None
    assert "12 months" in short.reason and "2023-01" in short.reason
    result = ceilings(shop, "campaign", predicted=False, horizon_months=25)
    assert result.frame["marginal_cpo"].isna().all()
    assert "other_costs_per_customer" in result.table.reasons["other_costs_per_customer"]
