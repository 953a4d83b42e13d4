"""Spreadsheets in: a sheet of an .xlsx imports as its CSV twin does, errors name the sheet.

tests/data/xlsx/shop.xlsx is written by tests/data/xlsx/make_workbooks.py from the CSV
fixtures of tests/data/ingest (numbers, dates and times as typed cells): importing a
sheet must store exactly what importing the CSV stores.
"""

from __future__ import annotations

import importlib.util
import sys
from datetime import date

import pytest

from payback.cli import main
from payback.errors import DataError, InputError, ValidationErrors
from payback.ingest import import_file, list_imports
from payback.storage import PROVENANCE
from payback.store import open_store

DATA = __import__("pathlib").Path(__file__).resolve().parents[1] / "data"
BOOK = DATA / "xlsx" / "shop.xlsx"


def _maker():
    spec = importlib.util.spec_from_file_location(
        "make_workbooks", BOOK.parent / "make_workbooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _rows(store, table: str, order: str):
    return store.backend.con.execute(
        f"SELECT * EXCLUDE ({PROVENANCE}) FROM {table} ORDER BY {order}"
    ).fetchall()


@pytest.mark.parametrize(
    ("kind", "sheet", "twin", "table", "order"),
    [
        ("ads", None, "google_ads_keywords.csv", "ad_stats", "date, campaign, keyword"),
        ("orders", "Orders", "orders_utm.csv", "orders", "order_id"),
        ("orders", "orders", "orders_utm.csv", "orders", "order_id"),  # any case
    ],
)
def test_a_sheet_stores_what_its_csv_twin_stores(kind, sheet, twin, table, order):
    from_book, from_csv = open_store(":memory:"), open_store(":memory:")
    got = import_file(from_book, kind, BOOK, sheet=sheet)
    want = import_file(from_csv, kind, DATA / "ingest" / twin)
    assert _rows(from_book, table, order) == _rows(from_csv, table, order)
    assert (got.rows_read, got.platform, got.warnings) == (
        want.rows_read, want.platform, want.warnings)  # fmt: skip
    assert got.file == f"{BOOK}, sheet {'Keyword report' if sheet is None else 'Orders'!r}"


def test_the_first_sheet_is_a_google_report_with_its_totals_dropped():
    store = open_store(":memory:")
    result = import_file(store, "ads", BOOK)
    assert result.layout == "Google Ads UI report" and result.rows_read == 6
    assert result.warnings == ('2 "Total" row(s) at the end of the report skipped',)
    (cost, impressions, first) = store.backend.con.execute(
        "SELECT sum(cost), sum(impressions), min(date) FROM ad_stats"
    ).fetchone()
    assert (round(cost, 2), impressions, first) == (1224.05, 7990, date(2024, 10, 1))


def test_errors_name_the_sheet_row_and_column():
    store = open_store(":memory:")
    with pytest.raises(ValidationErrors) as caught:
        import_file(store, "ads", BOOK, sheet="Bad ads")
    found = [(e.file, e.row, e.column, e.value) for e in caught.value.errors]
    label = f"{BOOK}, sheet 'Bad ads'"
    assert found == [(label, 3, "cost", "n/a"), (label, 4, "cost", "-4")]
    assert store.row_count("ad_stats") == 0


def test_an_unknown_sheet_lists_the_sheets_and_sheet_needs_a_workbook():
    store = open_store(":memory:")
    with pytest.raises(InputError, match="expected one of 'Keyword report', 'Orders', 'Bad ads'"):
        import_file(store, "ads", BOOK, sheet="Ads")
    with pytest.raises(InputError, match="--sheet applies to spreadsheets"):
        import_file(store, "ads", DATA / "ingest" / "google_ads_keywords.csv", sheet="x")


def test_each_sheet_is_its_own_import_and_a_sheet_again_replaces_itself():
    store = open_store(":memory:")
    first = import_file(store, "orders", BOOK, sheet="Orders")
    import_file(store, "ads", BOOK)
    again = import_file(store, "orders", BOOK, sheet="Orders")
    assert again.supersedes == ((first.import_id, 7),)
    states = {(r.name, r.state) for r in list_imports(store)}
    assert states == {
        ("shop.xlsx#Orders", "superseded"),
        ("shop.xlsx#Orders", "active"),
        ("shop.xlsx#Keyword report", "active"),
    }
    assert store.row_count("orders") == 7


def test_a_value_right_of_the_header_is_named_by_its_cell(tmp_path):
    maker = _maker()
    path = tmp_path / "ragged.xlsx"
    maker.write_workbook(path, {"Ads": [
        ["date", "platform", "campaign", "impressions", "clicks", "cost", "currency"],
        [date(2024, 10, 1), "google", "Brand", 100.0, 5.0, 4.5, "USD"],
        [date(2024, 10, 2), "google", "Brand", 100.0, 5.0, 4.5, "USD", "", "note"],
    ]})  # fmt: skip
    with pytest.raises(DataError) as caught:
        import_file(open_store(":memory:"), "ads", path)
    e = caught.value
    assert (e.file, e.row, e.column, e.value) == (f"{path}, sheet 'Ads'", 3, "I", "note")
    assert "give column I a name in row 1" in str(e)


def test_the_fixture_is_what_its_script_writes(tmp_path, monkeypatch):
    maker = _maker()
    monkeypatch.setattr(maker, "HERE", tmp_path)
    maker.main()
    assert (tmp_path / "shop.xlsx").read_bytes() == BOOK.read_bytes()


def test_the_command_takes_sheet(tmp_path, capsys):
    db = str(tmp_path / "s.duckdb")
    assert main(["import", "orders", str(BOOK), "--sheet", "Orders", "--db", db]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Imported orders from {BOOK}, sheet 'Orders'\n")
    assert main(["import", "ads", str(BOOK), "--sheet", "Bad ads", "--db", db]) == 2
    err = capsys.readouterr().err
    assert f"{BOOK}, sheet 'Bad ads', row 3, column 'cost': unparsable number" in err
