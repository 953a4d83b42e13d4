"""A file with a header but no data rows is an error, unless --allow-empty says it is fine."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from payback.cli import main
from payback.ingest import import_file

from .conftest import error_message

ADS_HEADER = "date,platform,campaign,impressions,clicks,cost,currency\n"
FIX = (
    "expected at least one row under the header. Fix: export the data again (a filter or "
    "date range may have left it empty), or pass --allow-empty to import nothing"
)


def test_a_header_only_file_is_an_error(store, data, tmp_path):
    import_file(store, "ads", data / "google_ads_keywords.csv")
    path = tmp_path / "empty.csv"
    path.write_text(ADS_HEADER + "\n")  # a header and a blank line
    assert error_message(store, "ads", path) == (
        f"{path}: no data rows (1 blank line(s) skipped): {FIX}"
    )
    assert store.row_count("ad_stats") == 6


def test_a_report_of_totals_only_is_an_error(store, tmp_path):
    path = tmp_path / "google.csv"
    path.write_text(
        "Keyword report\nDay,Campaign,Ad group,Keyword,Impr.,Clicks,Cost,Currency code\n"
        "Total: Account,--,--,--,0,0,0.00,USD\n"
    )
    assert error_message(store, "ads", path) == (
        f'{path}: no data rows (1 "Total" row(s) at the end of the report skipped): {FIX}'
    )


def test_an_empty_parquet_file_is_an_error(store, tmp_path):
    path = tmp_path / "orders.parquet"
    names = ("order_id", "customer_id", "time", "revenue", "status", "currency")
    pq.write_table(pa.table({n: pa.array([], pa.string()) for n in names}), path)
    assert error_message(store, "orders", path) == f"{path}: no data rows: {FIX}"


def test_allow_empty_imports_nothing_and_says_so(data, tmp_path, capsys):
    db = str(tmp_path / "e.duckdb")
    path = tmp_path / "empty.csv"
    path.write_text(ADS_HEADER)
    assert main(["import", "ads", str(data / "google_ads_keywords.csv"), "--db", db]) == 0
    capsys.readouterr()
    assert main(["import", "ads", str(path), "--db", db]) == 2
    assert capsys.readouterr().err == f"error: {path}: no data rows: {FIX}\n"
    assert main(["import", "ads", str(path), "--db", db, "--allow-empty"]) == 0
    out = capsys.readouterr().out
    assert "  rows read             0\n  rows now in ad_stats  6\n" in out
    assert out.endswith(
        "warning: the file has no data rows: nothing was imported (--allow-empty)\n"
    )
