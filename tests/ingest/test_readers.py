"""File formats: CSV, TSV, semicolons, UTF-8 BOM, CRLF, gzip, Parquet, progress bar."""

from __future__ import annotations

import gzip

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from payback.ingest import import_file
from payback.ingest.readers import peek_file

from .conftest import totals

ROWS = [
    ("2024-10-01", "google", "Brand", 1200, 50, 30.5, "USD"),
    ("2024-10-02", "google", "Generic", 800, 20, 12.25, "USD"),
]
NAMES = ["date", "platform", "campaign", "impressions", "clicks", "cost", "currency"]


def _text(delimiter=","):
    lines = [delimiter.join(NAMES)] + [delimiter.join(str(v) for v in r) for r in ROWS]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("name", "content", "encoding"),
    [
        ("plain.csv", _text(), "utf-8"),
        ("tabs.tsv", _text("\t"), "utf-8"),
        ("semicolons.csv", _text(";"), "utf-8"),
        ("pipes.txt", _text("|"), "utf-8"),
        ("bom.csv", _text(), "utf-8-sig"),
        ("crlf.csv", _text().replace("\n", "\r\n"), "utf-8"),
        ("utf16.csv", _text("\t"), "utf-16"),
    ],
)
def test_text_formats(store, tmp_path, name, content, encoding):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    result = import_file(store, "ads", path)
    assert result.rows_read == 2
    assert dict(result.columns)["date"] == "date"  # the BOM is not part of the first header
    assert totals(store, "ad_stats", "cost", "impressions") == {
        "cost": 30.5 + 12.25,
        "impressions": 2000,
    }


def test_gzip_csv(store, tmp_path):
    path = tmp_path / "ads.csv.gz"
    path.write_bytes(gzip.compress(_text().encode()))
    assert peek_file(path).compression == "gzip"
    assert import_file(store, "ads", path).rows_read == 2


def test_parquet_with_typed_columns(store, tmp_path):
    import datetime as dt

    path = tmp_path / "ads.parquet"
    table = pa.table(
        {
            "date": pa.array([dt.date(2024, 10, 1), dt.date(2024, 10, 2)]),
            "platform": ["google"] * 2,
            "campaign": ["Brand", "Generic"],
            "impressions": pa.array([1200, 800], pa.int64()),
            "clicks": pa.array([50.0, 20.0]),  # whole numbers as float: fine
            "Spend": [30.5, 12.25],
            "currency": ["USD"] * 2,
        }
    )
    pq.write_table(table, path)
    result = import_file(store, "ads", path)
    assert (result.rows_read, result.date_min) == (2, dt.date(2024, 10, 1))
    assert dict(result.columns)["cost"] == "Spend"
    assert totals(store, "ad_stats", "cost", "clicks") == {"cost": 42.75, "clicks": 70}


def test_parquet_google_layout_and_row_numbers(store, tmp_path):
    path = tmp_path / "bad.parquet"
    pq.write_table(
        pa.table(
            {
                "date": ["2024-10-01", "oops"],
                "platform": ["google"] * 2,
                "campaign": ["A", "B"],
                "impressions": [1, 2],
                "clicks": [0, 1],
                "cost": [1.0, 2.0],
                "currency": ["USD"] * 2,
            }
        ),
        path,
    )
    from payback.errors import ValidationErrors

    with pytest.raises(ValidationErrors) as e:
        import_file(store, "ads", path)
    assert e.value.errors[0].row == 2  # records of a Parquet file count from 1


def test_a_damaged_workbook_or_a_plain_zip_is_refused_with_the_fix(store, tmp_path):
    from payback.errors import DataError

    path = tmp_path / "report.xlsx"
    path.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(DataError) as e:
        import_file(store, "ads", path)
    text = str(e.value)
    assert text.startswith(f"{path}: cannot read the file as a spreadsheet: ")
    assert text.endswith(
        "expected an .xlsx, .xlsm, .xlsb, .xls or .ods workbook (not password-protected). "
        "Fix: open it in a spreadsheet program and save it again, or save the sheet as CSV UTF-8"
    )
    archive = tmp_path / "export.zip"
    with __import__("zipfile").ZipFile(archive, "w") as z:
        z.writestr("ads.csv", "date,cost\n")
    with pytest.raises(DataError) as e:
        import_file(store, "ads", archive)
    assert str(e.value) == (
        f"{archive}: a zip archive that is not a workbook cannot be read: expected a CSV, "
        "TSV, Parquet or .xlsx file. Fix: unzip it and import the files inside"
    )


def test_progress_bar_does_not_change_the_result(store, tmp_path, capsys):
    path = tmp_path / "ads.csv"
    path.write_text(_text())
    result = import_file(store, "ads", path, progress=True)
    assert result.rows_read == 2
    path_gz = tmp_path / "ads.csv.gz"
    path_gz.write_bytes(gzip.compress(_text().encode()))
    assert import_file(store, "ads", path_gz, progress=True).rows_in_store == 2


def test_quoted_newlines_and_delimiters_in_values(store, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,customer_id,time,revenue,status,currency,landing_url\n"
        'O1,C1,2024-10-01,10,confirmed,USD,"https://x.example/?utm_source=google&utm_campaign=a,b"\n'
        'O2,"C2\nsecond line",2024-10-01,"1,000.50",confirmed,USD,\n'
        "O3,C3,2024-10-01,5,confirmed,USD,\n"
    )
    result = import_file(store, "orders", path)
    assert result.rows_read == 3
    t = store.table("orders")
    got = store.execute(t.order_by("order_id"))
    assert got["campaign"].tolist()[0] == "a,b"
    assert got["revenue"].tolist() == [10, 1000.5, 5]
