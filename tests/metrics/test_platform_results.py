"""Platform-reported results beside the shop's CPO: cost per result and platform ROAS.

The numbers are recomputed with pandas from the files themselves: the public Meta export
KAG_conversion_data.csv (Total_Conversion is its platform-reported results; it has no
conversion value and no orders), the demo shop's Meta Ads Manager export with its CRM
orders, and a small Ads Manager export with the headline "Results" column.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from payback.demo import run_demo
from payback.demo.exports import AD_FILES
from payback.ingest import import_file
from payback.metrics import CATALOGUE, compute_metrics, resolve_metrics
from payback.store import open_store

KAG = {"platform": "generic", "set_values": {"date": "2017-08-31", "platform": "meta"},
       "currency": "USD", "mapping": {"cost": "Spent", "campaign": "xyz_campaign_id"}}  # fmt: skip
SIDE_BY_SIDE = "cost,platform_results,cost_per_result,platform_value,platform_roas,orders,cpo"


def test_catalogue_entries_and_their_names():
    assert resolve_metrics("platform_results,platform_value,cost per conv".replace(" ", "_")) == (
        "platform_conversions",
        "platform_revenue",
        "cost_per_result",
    )
    cpr, proas = CATALOGUE["cost_per_result"], CATALOGUE["platform_roas"]
    assert (cpr.unit, cpr.lower_is_better, cpr.expression) == (
        "money", True, "cost / platform_conversions")  # fmt: skip
    assert (proas.unit, proas.lower_is_better, proas.expression) == (
        "ratio", False, "platform_revenue / cost")  # fmt: skip
    assert "platform" in cpr.label.lower() and "platform" in proas.label.lower()
    assert cpr.evaluate({"cost": 200.0, "platform_conversions": 40}) == 5.0
    assert cpr.evaluate({"cost": 200.0, "platform_conversions": 0}) is None
    overcount = CATALOGUE["platform_overcount"]
    assert overcount.evaluate({"platform_conversions": 50, "orders": 40}) == 1.25


def test_kag_shows_cost_per_result_beside_an_empty_cpo(public_data):
    path = public_data / "ads" / "KAG_conversion_data.csv"
    store = open_store(":memory:")
    result = import_file(store, "ads", path, **KAG)
    assert dict(result.columns)["conversions"] == "Total_Conversion"  # found by its name
    got = compute_metrics(store, by="campaign", metrics=SIDE_BY_SIDE)
    frame = got.frame[~got.frame.is_total].set_index("campaign")

    kag = pd.read_csv(path, encoding="utf-8-sig")
    sums = kag.groupby(kag.xyz_campaign_id.astype(str))[["Spent", "Total_Conversion"]].sum()
    expected = sums.Spent / sums.Total_Conversion
    assert sorted(frame.index) == sorted(expected.index) == ["1178", "916", "936"]
    for campaign, value in expected.items():  # money sums are kept to micro-units: rel=1e-6
        assert frame.loc[campaign, "cost_per_result"] == pytest.approx(value, rel=1e-6)
        assert frame.loc[campaign, "platform_conversions"] == sums.Total_Conversion[campaign]
    assert frame.loc["1178", "cost_per_result"] == pytest.approx(55_662.149959 / 2_669, rel=1e-6)
    total = got.frame[got.frame.is_total].iloc[0]
    assert total.cost_per_result == pytest.approx(
        kag.Spent.sum() / kag.Total_Conversion.sum(), rel=1e-9
    )
    # no orders and no conversion value in the file: missing, each with its reason
    assert frame.cpo.isna().all() and frame.platform_roas.isna().all()
    assert got.reasons["cpo"].startswith("no confirmed orders")
    assert got.reasons["platform_roas"].startswith("the platform reported no conversion value")


def test_demo_meta_export_beside_crm_cpo(tmp_path):
    demo = run_demo(tmp_path / "shop", customers=1500, seed=5, db=tmp_path / "s.duckdb")
    meta = pd.read_csv(tmp_path / "shop" / AD_FILES["meta"], dtype={"Day": str})
    meta = meta[meta.Day.notna()]  # the summary row has no day
    cost = meta.groupby("Campaign name")["Amount spent (USD)"].sum()
    results = meta.groupby("Campaign name")["Purchases"].sum()
    value = meta.groupby("Campaign name")["Purchases conversion value"].sum()
    orders = demo.shop.tables["orders"].to_pandas()
    confirmed = orders[(orders.status == "confirmed") & (orders.platform == "meta")]
    crm = confirmed.groupby("campaign").size()

    with open_store(tmp_path / "s.duckdb", read_only=True) as store:
        got = compute_metrics(store, by="campaign", where=["platform=meta"], metrics=SIDE_BY_SIDE)
    frame = got.frame[~got.frame.is_total].set_index("campaign")
    assert sorted(frame.index) == sorted(cost.index) and len(cost) >= 2
    for campaign in cost.index:
        row = frame.loc[campaign]
        assert row.cost_per_result == pytest.approx(cost[campaign] / results[campaign], rel=1e-6)
        assert row.platform_roas == pytest.approx(value[campaign] / cost[campaign], rel=1e-6)
        assert row.cpo == pytest.approx(cost[campaign] / crm[campaign], rel=1e-6)
        # the platform claims more than the shop confirms: its cost per result is lower
        assert row.cost_per_result < row.cpo
    total = got.frame[got.frame.total_kind == "paid"].iloc[0]
    assert total.platform_roas == pytest.approx(value.sum() / cost.sum(), rel=1e-6)
    assert not math.isnan(total.cpo)


def test_meta_results_column_is_the_platforms_conversions(tmp_path):
    path = tmp_path / "meta_results.csv"
    path.write_text(
        "Day,Campaign name,Ad set name,Ad name,Result indicator,Results,Purchases,"
        "Impressions,Link clicks,Amount spent (EUR),Purchases conversion value\n"
        "2024-10-01,Sales,All,A,actions:offsite_conversion.fb_pixel_purchase,4,4,9000,90,"
        "60.00,420.00\n"
        "2024-10-01,Traffic,All,B,actions:link_click,120,1,15000,120,30.00,95.00\n"
    )
    store = open_store(":memory:")
    result = import_file(store, "ads", path)
    assert result.platform == "meta" and dict(result.columns)["conversions"] == "Results"
    assert any("2 kinds of result" in w for w in result.warnings)
    got = compute_metrics(store, by="campaign", metrics="cost_per_result,platform_roas")
    frame = got.frame[~got.frame.is_total].set_index("campaign")
    assert frame.loc["Sales", "cost_per_result"] == pytest.approx(15.0)
    assert frame.loc["Traffic", "cost_per_result"] == pytest.approx(0.25)
    assert frame.loc["Sales", "platform_roas"] == pytest.approx(7.0)


def test_yandex_goal_columns_add_up_to_the_platforms_results():
    path = Path(__file__).resolve().parents[1] / "data" / "ingest" / "yandex_goals_report.tsv"
    store = open_store(":memory:")
    result = import_file(store, "ads", path, currency="RUB")
    assert result.platform == "yandex"
    assert dict(result.columns)["conversions"] == "Conversions"
    assert result.warnings[0] == (
        "conversions are the sum of 2 goal column(s) (goals 2718281, 3141592); revenue is the "
        "sum of 2 goal column(s) (goals 2718281, 3141592)"
    )
    got = compute_metrics(store, by="ad_group", metrics=SIDE_BY_SIDE)
    frame = got.frame[~got.frame.is_total].set_index("ad_group")

    tsv = pd.read_csv(path, sep="\t", skiprows=1, skipfooter=1, engine="python", na_values="--")
    goals = tsv.filter(like="Conversions_").sum(axis=1, min_count=1)
    value = tsv.filter(like="Revenue_").sum(axis=1, min_count=1) / 1e6
    tsv = tsv.assign(results=goals, value=value, cost=tsv.Cost / 1e6)
    sums = tsv.groupby("AdGroupName")[["cost", "results", "value"]].sum(min_count=1)
    sneakers = sums.loc["Sneakers"]
    assert (sneakers.results, sneakers.value) == (14, 20_900)
    assert frame.loc["Sneakers", "cost_per_result"] == pytest.approx(sneakers.cost / 14)
    assert frame.loc["Sneakers", "platform_roas"] == pytest.approx(20_900 / sneakers.cost)
    assert frame.loc["Boots", "cost_per_result"] is pd.NA  # no goal reached
    assert got.reasons["cost_per_result"].startswith("the platform reported no conversions")


def test_an_ad_export_alone_shows_the_platforms_results_by_default(public_data, tmp_path, capsys):
    from payback.cli import main

    db = str(tmp_path / "kag.duckdb")
    with open_store(db) as store:
        import_file(store, "ads", public_data / "ads" / "KAG_conversion_data.csv", **KAG)
    assert main(["metrics", "--by", "", "-f", "json", "--db", db]) == 0
    total = json.loads(capsys.readouterr().out)["rows"][0]
    assert list(total)[:7] == [
        "cost", "clicks", "platform_conversions", "platform_revenue", "cpc",
        "cost_per_result", "platform_roas"]  # fmt: skip
    assert total["cost_per_result"] == pytest.approx(58_705.229959 / 3_264, rel=1e-6)
    with open_store(db) as store:  # once the shop's orders are in, CPO and DRR are back
        import_file(store, "orders", Path(__file__).parents[1] / "data/ingest/orders_utm.csv")
    assert main(["metrics", "--by", "", "-f", "json", "--db", db]) == 0
    assert "cpo" in json.loads(capsys.readouterr().out)["rows"][0]
