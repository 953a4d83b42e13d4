"""Zero or missing denominators give null (never inf/NaN) and say why."""

from __future__ import annotations

import math

import pandas as pd

from payback.metrics import compute_metrics


def test_zero_denominators_give_null_with_the_reason(make_store):
    store = make_store(
        ads=[
            {"campaign": "spent", "cost": 50.0, "impressions": 100, "clicks": 0},
            {"campaign": "idle", "cost": 0.0, "impressions": 0, "clicks": 0},
        ]
    )
    r = compute_metrics(store, by="campaign", metrics="ctr,cpc,cpo,drr,roas,romi")
    rows = r.frame.set_index("campaign")
    assert pd.isna(rows.loc["spent", "cpc"]) and pd.isna(rows.loc["spent", "cpo"])
    assert rows.loc["spent", "ctr"] == 0.0
    assert rows.loc["spent", "romi"] == -1.0  # spent 50, no orders: all of it lost
    assert pd.isna(rows.loc["idle", "ctr"]) and pd.isna(rows.loc["idle", "roas"])
    for value in r.frame[["ctr", "cpc", "cpo", "drr", "roas", "romi"]].to_numpy().ravel():
        assert value is pd.NA or math.isfinite(value)
    assert r.reasons["cpc"] == "no clicks in 4 row(s)"  # both campaigns and both totals
    assert r.reasons["cpo"] == (  # the campaigns and Total (paid); Total (all) has no cpo
        "no confirmed orders in 3 row(s); Total (all) holds no ad ratios (see Total (paid)) "
        "in 1 row(s)"
    )
    assert r.reasons["ctr"] == "no impressions in 1 row(s)"
    assert r.reasons["roas"].startswith("no ad cost in 1 row(s); Total (all) holds no")
    ctr_why = r.cell_reasons["ctr"].astype(object)
    cells = dict(zip(r.frame["campaign"], ctr_why.where(ctr_why.notna(), None), strict=True))
    assert cells == {"idle": "no impressions", "spent": None, None: None}


def test_orders_without_ad_rows_have_null_cost_with_the_reason(make_store):
    store = make_store(
        ads=[{"campaign": "c1", "cost": 100.0}],
        orders=[{"campaign": "c1", "revenue": 10.0}, {"campaign": None, "platform": None}],
    )
    r = compute_metrics(store, by="campaign", metrics="cost,orders,cpo")
    organic = r.frame[r.frame["campaign"].isna() & ~r.frame["is_total"]].iloc[0]
    assert organic["cost"] is pd.NA and organic["orders"] == 1
    assert r.reasons["cost"] == "no ad statistics match this row in 1 row(s)"
    # the organic order counts in Total (all), not in the CPO of Total (paid)
    assert r.total("paid") == {"cost": 100.0, "orders": 1, "cpo": 100.0}
    assert r.total("all") == {"cost": 100.0, "orders": 2, "cpo": None}
    assert r.totals == {"cost": 100.0, "orders": 2, "cpo": 100.0}


def test_missing_cost_of_goods_is_never_read_as_zero(make_store):
    store = make_store(
        ads=[{"campaign": "a", "cost": 10.0}, {"campaign": "b", "cost": 10.0}],
        orders=[
            {"campaign": "a", "revenue": 100.0, "cogs": 40.0},
            {"campaign": "b", "revenue": 100.0, "cogs": 40.0},
            {"campaign": "b", "revenue": 100.0, "cogs": None},
        ],
    )
    r = compute_metrics(store, by="campaign", metrics="revenue,gross_profit,romi")
    rows = r.frame.set_index("campaign")
    assert rows.loc["a", "gross_profit"] == 60.0 and rows.loc["a", "romi"] == 5.0
    assert rows.loc["b", "gross_profit"] is pd.NA and rows.loc["b", "romi"] is pd.NA
    assert r.totals == {"revenue": 300.0, "gross_profit": None, "romi": None}
    assert r.reasons["romi"] == (  # campaign b and Total (paid); Total (all) has no romi
        "cost of goods missing on confirmed orders in 2 row(s); "
        "Total (all) holds no ad ratios (see Total (paid)) in 1 row(s)"
    )


def test_ads_have_no_partner_so_cost_by_partner_is_null_with_the_reason(make_store):
    store = make_store(
        ads=[{"cost": 100.0}],
        orders=[{"partner_id": "p1", "revenue": 30.0}, {"partner_id": "p1", "revenue": 20.0}],
    )
    r = compute_metrics(store, by="partner", metrics="orders,revenue,cost,cpo")
    assert r.groups[["partner", "orders", "revenue"]].to_dict("records") == [
        {"partner": "p1", "orders": 2, "revenue": 50.0}
    ]
    assert r.frame["cost"].isna().all() and r.frame["cpo"].isna().all()
    why = "ad statistics have no partner dimension, so ad metrics cannot be split by partner"
    assert r.reasons == {"cost": f"{why} in 2 row(s)", "cpo": f"{why} in 2 row(s)"}


def test_only_ad_metrics_by_partner_give_null_rows_not_an_error(make_store):
    store = make_store(ads=[{"cost": 5.0, "clicks": 1}])
    r = compute_metrics(store, by=(), metrics="cost,cpc", where={"partner": "p1"})
    assert r.totals == {"cost": None, "cpc": None}
    assert r.reasons["cpc"] == "ad statistics have no partner dimension to filter on in 1 row(s)"
    assert compute_metrics(store, by="partner", metrics="cpc").groups.empty
