"""DOMAIN.md section 1 worked examples, computed by the engine from stores of raw rows."""

from __future__ import annotations

import datetime as dt

import pytest

from payback.metrics import compute_metrics


def orders(n: int, revenue: float = 0.0, **kw) -> list[dict]:
    return [
        {"order_id": f"{kw.get('campaign', 'c1')}-{i}", "revenue": revenue, **kw} for i in range(n)
    ]


def test_banner_cost_200_with_40_orders_has_cpo_5(make_store):
    store = make_store(
        ads=[{"campaign": "banner", "cost": 200.0, "impressions": 5000, "clicks": 80}],
        orders=orders(40, campaign="banner"),
    )
    r = compute_metrics(store, by="campaign", metrics="cost,orders,cpo")
    assert r.groups.to_dict("records") == [
        {
            "platform": "google",
            "campaign": "banner",
            "cost": 200.0,
            "orders": 40,
            "cpo": 5.0,
            "is_total": False,
            "total_kind": None,
        }
    ]


def test_cpo_500_and_666_67_per_campaign_and_blended_in_totals(make_store):
    store = make_store(
        ads=[{"campaign": "small", "cost": 50_000.0}, {"campaign": "big", "cost": 100_000.0}],
        orders=orders(100, campaign="small") + orders(150, campaign="big"),
    )
    r = compute_metrics(store, by="campaign", metrics="cpo")
    by_campaign = dict(zip(r.groups["campaign"], r.groups["cpo"], strict=True))
    assert by_campaign["small"] == 500.0
    assert round(by_campaign["big"], 2) == 666.67
    assert r.totals["cpo"] == 150_000 / 250  # ratio of sums, not the mean of 500 and 666.67


@pytest.mark.parametrize(("clicks", "ctr"), [(100, 0.01), (1_000, 0.10)])
def test_ctr_of_10000_impressions(make_store, clicks, ctr):
    store = make_store(ads=[{"impressions": 10_000, "clicks": clicks, "cost": 1.0}])
    assert compute_metrics(store, by=(), metrics="ctr").totals["ctr"] == pytest.approx(ctr)


def test_cpc_of_bids_1_5_2_2_5_with_one_click_each_is_2(make_store):
    store = make_store(
        ads=[
            {"keyword": kw, "cost": cost, "clicks": 1, "impressions": 10}
            for kw, cost in (("a", 1.5), ("b", 2.0), ("c", 2.5))
        ]
    )
    r = compute_metrics(store, by="campaign", metrics="cpc")
    assert r.groups["cpc"].tolist() == [2.0]


@pytest.mark.parametrize(
    ("cost", "calls", "cpa"), [(100_000.0, 1_000, 100.0), (12_000.0, 32, 375.0)]
)
def test_cpa_of_calls_and_applications(make_store, cost, calls, cpa):
    store = make_store(ads=[{"cost": cost}], leads=[{"kind": "form"}] * calls)
    assert compute_metrics(store, by=(), metrics="cpa").totals["cpa"] == cpa


def test_cpa_515_25_excludes_failed_calls_and_duplicate_emails(make_store):
    leads = (
        [{"kind": "call", "status": "valid"}] * 11
        + [{"kind": "call", "status": "failed"}] * 3
        + [{"kind": "email", "status": "valid"}] * 18
        + [{"kind": "email", "status": "duplicate"}] * 4
        + [{"kind": "chat", "status": "valid"}] * 7
    )
    store = make_store(ads=[{"cost": 18_549.0}], leads=leads)
    r = compute_metrics(store, by="campaign", metrics="leads,cpa,cpl")
    assert r.totals == {"leads": 36, "cpa": 515.25}  # cpl is the same metric as cpa
    assert r.metrics == ("leads", "cpa")


def test_lead_cr_of_100_visitors_10_phones_is_10_percent(make_store):
    store = make_store(ads=[{"clicks": 100, "impressions": 1000}], leads=[{}] * 10)
    assert compute_metrics(store, by=(), metrics="lead_cr").totals["lead_cr"] == 0.10


def test_roi_200_percent_on_1m_invested_3m_income(make_store):
    store = make_store(ads=[{"cost": 1_000_000.0}], orders=orders(3, revenue=1_000_000.0))
    r = compute_metrics(store, by=(), metrics="roi,roas")
    assert r.totals == {"roi": 2.0, "roas": 3.0}


@pytest.mark.parametrize(
    ("cost", "revenue", "drr"), [(500_000.0, 1_000_000.0, 0.5), (10_000.0, 30_000.0, 1 / 3)]
)
def test_drr(make_store, cost, revenue, drr):
    store = make_store(ads=[{"cost": cost}], orders=orders(1, revenue=revenue))
    assert compute_metrics(store, by=(), metrics="drr").totals["drr"] == pytest.approx(drr)
    assert round(drr * 100, 1) in (50.0, 33.3)


def test_romi_uses_gross_profit_and_aov_the_confirmed_orders(make_store):
    # 4 confirmed orders of 250 with cost of goods 100: gross profit 600; ads 400
    rows = [
        *orders(4, revenue=250.0, cogs=100.0),
        {"order_id": "x", "revenue": 999.0, "cogs": 1.0, "status": "cancelled"},
        {"order_id": "y", "revenue": 999.0, "cogs": 1.0, "status": "returned"},
    ]
    store = make_store(ads=[{"cost": 400.0}], orders=rows)
    r = compute_metrics(store, by=(), metrics="orders,revenue,gross_profit,aov,romi,roi")
    assert r.totals == {
        "orders": 4,
        "revenue": 1000.0,
        "gross_profit": 600.0,
        "aov": 250.0,
        "romi": (600.0 - 400.0) / 400.0,
        "roi": (1000.0 - 400.0) / 400.0,
    }


def test_cac_counts_a_customer_once_in_the_row_of_the_first_confirmed_order(make_store):
    t = dt.datetime(2024, 3, 1, 9)
    rows = [
        # anna: first order cancelled, first CONFIRMED one via "search" -> acquired by search
        {
            "order_id": "a0",
            "customer_id": "anna",
            "time": t,
            "status": "cancelled",
            "campaign": "social",
        },
        {
            "order_id": "a1",
            "customer_id": "anna",
            "time": t + dt.timedelta(days=1),
            "campaign": "search",
        },
        {
            "order_id": "a2",
            "customer_id": "anna",
            "time": t + dt.timedelta(days=2),
            "campaign": "social",
        },
        # ben: acquired by social, buys again via search
        {"order_id": "b1", "customer_id": "ben", "time": t, "campaign": "social"},
        {
            "order_id": "b2",
            "customer_id": "ben",
            "time": t + dt.timedelta(days=5),
            "campaign": "search",
        },
    ]
    store = make_store(
        ads=[{"campaign": "search", "cost": 300.0}, {"campaign": "social", "cost": 100.0}],
        orders=rows,
    )
    r = compute_metrics(store, by="campaign", metrics="orders,new_customers,cac")
    got = r.groups.set_index("campaign")[["orders", "new_customers", "cac"]].to_dict("index")
    assert got["search"] == {"orders": 2, "new_customers": 1, "cac": 300.0}
    assert got["social"] == {"orders": 2, "new_customers": 1, "cac": 100.0}
    assert r.totals == {"orders": 4, "new_customers": 2, "cac": 200.0}
    # a customer acquired before the date range is not new inside it
    from_2nd = compute_metrics(store, by=(), metrics="new_customers", start="2024-03-02")
    assert from_2nd.totals == {"new_customers": 1}  # anna's first confirmed order
    from_3rd = compute_metrics(store, by=(), metrics="new_customers", start="2024-03-03")
    assert from_3rd.totals == {"new_customers": 0}  # only repeat orders


def test_platform_conversions_sit_beside_crm_orders_with_their_gap(make_store):
    store = make_store(
        ads=[{"cost": 100.0, "conversions": 12.5, "conversion_value": 1500.0}],
        orders=orders(10, revenue=100.0),
    )
    r = compute_metrics(
        store,
        by=(),
        metrics="platform_conversions,orders,conversion_gap,platform_revenue,revenue,revenue_gap",
    )
    assert r.totals == {
        "platform_conversions": 12.5,
        "orders": 10,
        "conversion_gap": 2.5,
        "platform_revenue": 1500.0,
        "revenue": 1000.0,
        "revenue_gap": 500.0,
    }


def test_cpm_and_cr(make_store):
    store = make_store(
        ads=[{"impressions": 20_000, "clicks": 400, "cost": 300.0}], orders=orders(8)
    )
    r = compute_metrics(store, by=(), metrics="cpm,cr")
    assert r.totals == {"cpm": 15.0, "cr": 0.02}
