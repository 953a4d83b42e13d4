"""Generic files: canonical names or aliases, --map canon=source, --set canon=value.

The public Meta export KAG_conversion_data.csv and Fivetran's cross-platform ad report
must import; their totals are checked against an independent pandas sum of the file.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from payback.errors import DataError, InputError
from payback.ingest import import_file

from .conftest import totals

KAG_MAP = (
    "cost=Spent,campaign=xyz_campaign_id,ad_group=fb_campaign_id,keyword=ad_id,"
    "conversions=Total_Conversion"
)


def test_kag_meta_export_imports_with_map_and_set(store, public_data):
    path = public_data / "ads" / "KAG_conversion_data.csv"
    result = import_file(
        store, "ads", path, mapping=KAG_MAP, set_values="date=2017-08-31,platform=meta,currency=USD"
    )
    frame = pd.read_csv(path, encoding="utf-8-sig")
    assert result.rows_read == len(frame) == 1143
    assert result.rows_in_store == 1143
    assert result.platform == "generic"
    got = totals(store, "ad_stats", "cost", "clicks", "impressions", "conversions")
    assert got["cost"] == pytest.approx(frame["Spent"].sum(), rel=1e-12)
    assert got["clicks"] == frame["Clicks"].sum()
    assert got["impressions"] == frame["Impressions"].sum()
    assert got["conversions"] == frame["Total_Conversion"].sum()
    t = store.table("ad_stats")
    assert store.execute(t.platform.nunique()) == 1
    assert store.execute(t.campaign.nunique()) == frame["xyz_campaign_id"].nunique()


def test_fivetran_cross_platform_report(store, public_data):
    path = public_data / "ads" / "fivetran_ad_report_schema_example.csv"
    result = import_file(store, "ads", path, mapping="keyword=ad_name", currency="USD")
    frame = pd.read_csv(path)
    assert result.rows_read == len(frame)
    assert (result.date_min, result.date_max) == (dt.date(2025, 8, 10), dt.date(2025, 8, 12))
    columns = dict(result.columns)
    assert (columns["date"], columns["cost"], columns["campaign"]) == (
        "date_day",
        "spend",
        "campaign_name",
    )
    t = store.table("ad_stats")
    by_platform = store.execute(
        t.group_by("platform").aggregate(cost=t.cost.sum(), clicks=t.clicks.sum())
    ).set_index("platform")
    expected = frame.groupby("platform")[["spend", "clicks"]].sum()
    names = {"Google Ads": "google", "Facebook Ads": "meta", "TikTok Ads": "tiktok"}
    for source, platform in names.items():
        assert by_platform.loc[platform, "cost"] == pytest.approx(expected.loc[source, "spend"])
        assert by_platform.loc[platform, "clicks"] == expected.loc[source, "clicks"]


def test_generic_canonical_names_need_no_options(store, tmp_path):
    path = tmp_path / "ads.csv"
    path.write_text(
        "date,platform,campaign,impressions,clicks,cost,currency\n"
        "2024-10-01,Google Ads,Brand,1000,50,25.5,usd\n",
        encoding="utf-8",
    )
    result = import_file(store, "ads", path)
    row = store.execute(store.table("ad_stats")).iloc[0]
    assert (row["platform"], row["currency"], row["cost"]) == ("google", "USD", 25.5)
    assert result.platform == "generic"


def test_one_period_report_with_set_date(store, tmp_path):
    path = tmp_path / "october.csv"
    path.write_text("Campaign,Impressions,Clicks,Spend\nBrand,5000,100,80\nGeneric,9000,60,120\n")
    result = import_file(
        store, "ads", path, set_values=["date=2024-10-31", "platform=microsoft"], currency="EUR"
    )
    assert (result.date_min, result.currency, result.rows_read) == (dt.date(2024, 10, 31), "EUR", 2)
    assert totals(store, "ad_stats", "cost")["cost"] == 200


def test_map_to_a_missing_source_names_the_closest_header(store, public_data):
    path = public_data / "ads" / "KAG_conversion_data.csv"
    with pytest.raises(DataError) as e:
        import_file(store, "ads", path, mapping="cost=Spend")
    assert str(e.value) == (
        f"{path}: --map cost=Spend: the file has no column 'Spend': expected one of its columns: "
        "ad_id, xyz_campaign_id, fb_campaign_id, age, gender, interest, Impressions, Clicks, "
        "Spent, Total_Conversion, Approved_Conversion. Fix: did you mean 'Spent'?"
    )


def test_unknown_canonical_name_in_map_lists_the_table_columns(store, public_data):
    with pytest.raises(InputError) as e:
        import_file(
            store, "ads", public_data / "ads" / "KAG_conversion_data.csv", mapping="spend=Spent"
        )
    assert str(e.value) == (
        "--map spend=...: ads has no column 'spend' (closest: cost); columns: "
        "date, platform, account, campaign, ad_group, keyword, match_type, device, country, "
        "impressions, clicks, cost, currency, conversions, conversion_value"
    )
