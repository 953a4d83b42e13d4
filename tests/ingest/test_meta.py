"""Meta Ads Manager export: Reporting starts/ends, Day, "Amount spent (USD)", summary row."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from payback.errors import ValidationErrors
from payback.ingest import import_file

from .conftest import totals


def _summary_row(path):
    """The export's summary row (dimensions empty), read independently with csv."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return next(r for r in rows if not r["Campaign name"])


def test_meta_export_is_recognised_and_matches_its_summary_row(store, data):
    path = data / "meta_ads_manager.csv"
    result = import_file(store, "ads", path)
    assert (result.platform, result.layout) == ("meta", "Meta Ads Manager export")
    assert result.rows_read == 5  # the summary row is not data
    assert result.currency == "USD"  # from "Amount spent (USD)"
    assert dict(result.columns)["currency"] == "'USD' (header)"
    assert "the summary row (row 2) of the export skipped" in result.warnings
    summary = _summary_row(path)
    got = totals(
        store, "ad_stats", "impressions", "clicks", "cost", "conversions", "conversion_value"
    )
    assert got["impressions"] == int(summary["Impressions"])
    assert got["clicks"] == int(summary["Link clicks"])
    assert got["cost"] == pytest.approx(float(summary["Amount spent (USD)"]))
    assert got["conversions"] == pytest.approx(float(summary["Purchases"]))
    assert got["conversion_value"] == pytest.approx(float(summary["Purchases conversion value"]))


def test_meta_columns_map_to_campaign_ad_set_and_ad(store, data):
    import_file(store, "ads", data / "meta_ads_manager.csv")
    t = store.table("ad_stats")
    rows = store.execute(t.order_by(["date", "campaign", "keyword"]))
    first = rows.iloc[0]
    assert (str(first["date"])[:10], first["platform"]) == ("2024-10-01", "meta")
    assert (first["campaign"], first["ad_group"], first["keyword"]) == (
        "Prospecting",
        "Lookalike 1%",
        "Carousel B",
    )
    assert first["conversions"] != first["conversions"]  # blank purchases: missing, not 0


def test_meta_currency_suffix_disagreeing_with_currency_option_is_refused(store, data):
    from payback.errors import DataError

    path = data / "meta_ads_manager.csv"
    with pytest.raises(DataError) as e:
        import_file(store, "ads", path, currency="EUR")
    assert str(e.value) == (
        f"{path}: the file's money is in USD (currency (header)) but --currency says EUR. "
        "Fix: drop --currency, or import the file that is really in EUR"
    )


def test_meta_period_report_without_day_needs_a_date(store, data):
    path = data / "meta_one_period.csv"
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "ads", path)
    assert str(e.value) == (
        f"{path}: 2 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 2, column 'Reporting starts/Reporting ends': the reporting period "
        "spans several days and the file has no Day column: got '2024-10-01 to 2024-10-31', "
        "expected one day per row. Fix: export with Breakdown > By time > Day, or book the "
        "period on one date with --set date=YYYY-MM-DD\n"
        "  - and 1 more: the reporting period spans several days and the file has no Day "
        "column in column 'Reporting starts/Reporting ends' (1)"
    )
    assert store.row_count("ad_stats") == 0


def test_meta_period_report_with_set_date_books_the_period_on_that_day(store, data):
    result = import_file(store, "ads", data / "meta_one_period.csv", set_values="date=2024-10-31")
    assert result.currency == "EUR"
    assert (result.date_min, result.date_max) == (dt.date(2024, 10, 31),) * 2
    assert totals(store, "ad_stats", "cost")["cost"] == pytest.approx(3310.40 + 1290.10)


def test_meta_one_day_period_uses_reporting_starts(store, tmp_path):
    path = tmp_path / "meta_day.csv"
    path.write_text(
        "Reporting starts,Reporting ends,Campaign name,Ad set name,Ad name,Impressions,"
        "Link clicks,Amount spent (GBP)\n"
        "2024-10-05,2024-10-05,Prospecting,LAL,Video,1000,20,12.50\n",
        encoding="utf-8",
    )
    result = import_file(store, "ads", path)
    assert (result.date_min, result.currency) == (dt.date(2024, 10, 5), "GBP")
