"""Yandex Direct Reports API TSV: report-name line, header, "Total rows: N"; micro-units."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from payback.errors import DataError, ValidationErrors
from payback.ingest import import_file

from .conftest import totals


def _sums(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))[1:-1]
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    num = lambda v: 0.0 if v == "--" else float(v)  # noqa: E731
    return {k: sum(num(r[k]) for r in body) for k in ("Impressions", "Clicks", "Cost", "Revenue")}


def test_yandex_report_money_in_micro_units(store, data):
    path = data / "yandex_direct_report.tsv"
    result = import_file(store, "ads", path, currency="RUB")
    assert (result.platform, result.rows_read, result.currency) == ("yandex", 4, "RUB")
    assert result.warnings == ("1 footer line(s) skipped: Total rows: 4",)
    assert (result.date_min, result.date_max) == (dt.date(2024, 10, 1), dt.date(2024, 10, 2))
    expected = _sums(path)
    got = totals(store, "ad_stats", "impressions", "clicks", "cost", "conversion_value")
    assert got["impressions"] == expected["Impressions"]
    assert got["clicks"] == expected["Clicks"]
    assert got["cost"] == pytest.approx(expected["Cost"] / 1_000_000)
    assert got["conversion_value"] == pytest.approx(expected["Revenue"] / 1_000_000)
    t = store.table("ad_stats")
    keywords = set(store.execute(t.keyword))
    assert "купить кроссовки" in keywords  # UTF-8 Cyrillic kept


def test_yandex_money_units_option_overrides_micro_units(store, data):
    import_file(store, "ads", data / "yandex_direct_report.tsv", currency="RUB", money_units=1)
    expected = _sums(data / "yandex_direct_report.tsv")
    assert totals(store, "ad_stats", "cost")["cost"] == pytest.approx(expected["Cost"])


def test_yandex_needs_a_currency(store, data):
    path = data / "yandex_direct_report.tsv"
    with pytest.raises(DataError) as e:
        import_file(store, "ads", path)
    assert str(e.value) == (
        f"{path}: missing required column(s) 'currency' for ads (Yandex Direct Reports API "
        "TSV); found 'Date', 'CampaignName', 'AdGroupName', 'Criterion', 'Impressions', "
        "'Clicks', 'Cost', 'Conversions', 'Revenue'; nothing close to 'currency'. Fix: rename "
        "the column(s) or map them: --map currency=COLUMN; for a value the file lacks (one "
        "date, the platform, the currency) use --set currency=VALUE (or --currency CODE)"
    )


def test_yandex_decimal_money_without_micro_units_is_an_error(store, tmp_path):
    path = tmp_path / "yandex_rub.tsv"
    path.write_text(
        '"Campaign report (2024-10-01 - 2024-10-01)"\n'
        "Date\tCampaignName\tImpressions\tClicks\tCost\n"
        "2024-10-01\tBrand\t100\t10\t12.50\n"
        "Total rows: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "ads", path, currency="RUB")
    assert str(e.value) == (
        f"{path}: 1 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 3, column 'Cost': a fraction in Yandex Direct Reports API TSV money, "
        "which is in micro-units: got '12.50', expected whole micro-units (1 = 1/1,000,000 of "
        "the currency). Fix: if the report was made with returnMoneyInMicros: false, import "
        "it with --money-units 1"
    )
    result = import_file(store, "ads", path, currency="RUB", money_units=1)
    assert totals(store, "ad_stats", "cost")["cost"] == pytest.approx(12.5)
    assert result.rows_read == 1


def test_yandex_total_rows_must_match(store, data, tmp_path):
    lines = (data / "yandex_direct_report.tsv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "cut.tsv"
    path.write_text("\n".join(lines[:3] + lines[-1:]) + "\n", encoding="utf-8")
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "ads", path, currency="RUB")
    assert "the report says it has 4 rows but 1 were found: got 'Total rows: 4'" in str(e.value)
