"""Google Ads UI report: title row, date-range row, header, "Total:" rows at the end."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from payback.ingest import import_file

from .conftest import totals


def _total_row(path):
    """The report's own "Total: Account" row, parsed independently with csv."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[2]
    total = next(r for r in rows if r[0] == "Total: Account")
    cell = dict(zip(header, total, strict=True))
    return {
        k: float(cell[k].replace(",", ""))
        for k in ("Impr.", "Clicks", "Cost", "Conversions", "Conv. value")
    }


def test_google_report_is_recognised_and_totals_match_its_total_row(store, data):
    path = data / "google_ads_keywords.csv"
    result = import_file(store, "ads", path)
    assert result.platform == "google"
    assert result.layout == "Google Ads UI report"
    assert result.rows_read == 6
    assert result.rows_in_store == 6
    assert result.currency == "USD"
    assert (result.date_min, result.date_max) == (dt.date(2024, 10, 1), dt.date(2024, 10, 3))
    assert '2 "Total" row(s) at the end of the report skipped' in result.warnings
    expected = _total_row(path)
    got = totals(
        store, "ad_stats", "impressions", "clicks", "cost", "conversions", "conversion_value"
    )
    assert got["impressions"] == expected["Impr."]
    assert got["clicks"] == expected["Clicks"]
    assert got["cost"] == pytest.approx(expected["Cost"])
    assert got["conversions"] == pytest.approx(expected["Conversions"])
    assert got["conversion_value"] == pytest.approx(expected["Conv. value"])


def test_google_dashes_are_empty_and_thousands_are_numbers(store, data):
    import_file(store, "ads", data / "google_ads_keywords.csv")
    t = store.table("ad_stats")
    row = store.execute(t.filter(t.keyword == "running shoes").order_by("date")).iloc[0]
    assert row["impressions"] == 2450  # "2,450"
    assert row["cost"] == pytest.approx(1020.75)  # "1,020.75"
    assert row["conversions"] != row["conversions"]  # "--" -> missing (NaN in pandas)
    assert row["platform"] == "google"
    assert row["match_type"] == "Phrase match"
    assert row["ad_group"] == "Running"


def test_google_utf16_tab_separated_excel_export(store, data, tmp_path):
    """Google's "Excel CSV" download is UTF-16 with tabs; it imports the same."""
    text = (data / "google_ads_keywords.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(text.splitlines()))
    out = tmp_path / "google_excel.csv"
    out.write_text("\n".join("\t".join(r) for r in rows) + "\n", encoding="utf-16")
    result = import_file(store, "ads", out)
    assert (result.platform, result.rows_read) == ("google", 6)
    assert totals(store, "ad_stats", "cost")["cost"] == pytest.approx(1224.05)


def test_platform_google_on_another_layout_says_what_it_expected(store, data):
    from payback.errors import DataError

    with pytest.raises(DataError) as e:
        import_file(store, "ads", data / "microsoft_ads_plain.csv", platform="google")
    path = data / "microsoft_ads_plain.csv"
    assert str(e.value) == (
        f"{path}: not a Google Ads UI report: none of the first 3 line(s) is its header (Day, "
        "Campaign, Ad group, Keyword, Match type, Currency code, Impr., Clicks, Cost, "
        "Conversions, Conv. value): expected a header line with at least Campaign, Impr., "
        "Clicks, Cost. Fix: use --platform auto, or --platform generic with --map canon=source"
    )


def test_rows_repeating_a_key_are_counted_exactly_and_kept(store, tmp_path):
    """Device rows repeat date/campaign/ad group/keyword: the warning counts the rows
    beyond the first of each key (here 2 + 1 = 3, counted by hand), the rows are kept."""
    header = "Day,Campaign,Ad group,Keyword,Currency code,Impr.,Clicks,Cost"
    rows = [
        "2024-10-01,C,G,k1,USD,10,1,1.00",
        "2024-10-01,C,G,k1,USD,20,2,2.00",  # repeats row 1
        "2024-10-01,C,G,k2,USD,30,3,3.00",
        "2024-10-01,C,G,k1,USD,40,4,4.00",  # repeats row 1 again
        "2024-10-02,C,G,k2,USD,50,5,5.00",
        "2024-10-01,C,G,k2,USD,60,6,6.00",  # repeats row 3
    ]
    path = tmp_path / "devices.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    result = import_file(store, "ads", path, platform="google")
    repeated = [w for w in result.warnings if "repeat the date/platform" in w]
    assert repeated == [
        "3 row(s) repeat the date/platform/campaign/ad group/keyword of another row (e.g. "
        "device or audience rows); they are kept as separate rows"
    ]
    assert result.rows_in_store == 6
    assert totals(store, "ad_stats", "impressions")["impressions"] == 210
    distinct = tmp_path / "distinct.csv"
    distinct.write_text("\n".join([header, rows[0], rows[2], rows[4]]) + "\n")
    result = import_file(store, "ads", distinct, platform="google")
    assert not [w for w in result.warnings if "repeat the" in w]


def test_key_columns_set_for_every_row_count_the_same_repeats(store, tmp_path):
    """Key columns with one value in every row (``--set``, a layout's platform) are left
    out of the key hash: the warning still counts the rows beyond the first of each key
    (counted by hand), also when every key column is set (every row repeats the first)."""
    fixed = {"date": "2024-10-01", "platform": "google", "campaign": "C", "currency": "USD"}
    path = tmp_path / "keywords.csv"
    path.write_text("keyword,impressions,clicks,cost\nk1,1,0,0\nk2,2,0,0\nk1,3,0,0\nk1,4,0,0\n")
    result = import_file(store, "ads", path, platform="generic", set_values=fixed)
    repeated = [w for w in result.warnings if "repeat the date/platform" in w]
    assert [w.split(" row(s)")[0] for w in repeated] == ["2"]  # k1 twice more
    assert result.rows_in_store == 4
    every = tmp_path / "every.csv"
    every.write_text("impressions,clicks,cost\n1,0,0\n2,0,0\n3,0,0\n")
    result = import_file(store, "ads", every, platform="generic", set_values=fixed)
    repeated = [w for w in result.warnings if "repeat the date/platform" in w]
    assert [w.split(" row(s)")[0] for w in repeated] == ["2"]
