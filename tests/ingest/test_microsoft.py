"""Microsoft Advertising report: optional report header and copyright footer."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from payback.errors import ValidationErrors
from payback.ingest import import_file

from .conftest import totals


def _sums(path, skip):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = [r for r in csv.reader(f)][skip:]
    header = rows[0]
    body = [dict(zip(header, r, strict=True)) for r in rows[1:] if len(r) == len(header)]
    return {
        k: sum(float(r[k]) for r in body) for k in ("Impressions", "Clicks", "Spend", "Revenue")
    }


def test_microsoft_report_with_header_and_footer(store, data):
    path = data / "microsoft_ads_report.csv"
    result = import_file(store, "ads", path)
    assert (result.platform, result.rows_read, result.currency) == ("microsoft", 4, "USD")
    assert result.warnings == (
        "1 blank line(s) skipped",
        "1 footer line(s) skipped: ©2024 Microsoft Corporation. All rights reserved.",
    )
    expected = _sums(path, skip=9)
    got = totals(store, "ad_stats", "impressions", "clicks", "cost", "conversion_value")
    assert got["impressions"] == expected["Impressions"]
    assert got["clicks"] == expected["Clicks"]
    assert got["cost"] == pytest.approx(expected["Spend"])
    assert got["conversion_value"] == pytest.approx(expected["Revenue"])


def test_microsoft_us_dates_are_month_first(store, data):
    """10/1/2024 and 10/2/2024 fit both orders; the layout says month first: October."""
    result = import_file(store, "ads", data / "microsoft_ads_report.csv")
    assert (result.date_min, result.date_max) == (dt.date(2024, 10, 1), dt.date(2024, 10, 2))
    t = store.table("ad_stats")
    assert store.execute(t.account.max()) == "Shop"


def test_microsoft_report_without_header_and_footer(store, data):
    path = data / "microsoft_ads_plain.csv"
    result = import_file(store, "ads", path)
    assert (result.platform, result.rows_read, result.warnings) == ("microsoft", 2, ())
    assert totals(store, "ad_stats", "cost")["cost"] == pytest.approx(_sums(path, 0)["Spend"])


def test_microsoft_rows_line_must_match_the_rows_found(store, data, tmp_path):
    text = (data / "microsoft_ads_report.csv").read_text(encoding="utf-8")
    cut = tmp_path / "cut.csv"
    lines = text.splitlines()
    del lines[12]  # one data row lost in transit
    cut.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "ads", cut)
    assert str(e.value) == (
        f"{cut}: 1 problem(s) found; nothing was imported.\n"
        f"  - {cut}: the report says it has 4 rows but 3 were found: got 'Rows: 4', expected "
        "3 data rows. Fix: the download was cut short or edited: export the report again"
    )
