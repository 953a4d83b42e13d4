"""payback.output.write_frame: one way to print and save every result."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from payback.errors import InputError
from payback.output import format_value, render_table, to_csv, write_frame
from payback.present import Table

UNITS = {"cost": "money", "orders": "count", "ctr": "rate"}
REASONS = {"ctr": "no impressions in 1 row(s)"}


@pytest.fixture
def frame() -> pd.DataFrame:
    f = pd.DataFrame(
        {
            "campaign": ["=1+2", "+cmd", "-x", "@sum", "\tTab", "\rCR", "plain", None],
            "day": [dt.date(2024, 3, 1)] * 8,
            "cost": [1234.567, -5.0, 0.0, 1.0, 2.0, 3.0, 4.0, 1240.567],
            "orders": pd.array([1, 2, 3, 4, 5, 6, 7, 28], dtype="Int64"),
            "ctr": pd.array([0.0123, None, 0.5, 1.0, 0.0, 0.1, 0.2, 0.3], dtype="Float64"),
            "is_total": [False] * 7 + [True],
        }
    )
    return f


def _table(frame: pd.DataFrame) -> Table:
    return Table(frame, units=UNITS, reasons=REASONS, currency="EUR")


def test_csv_prefixes_formula_text_and_leaves_numbers(frame):
    text = to_csv(frame)
    lines = list(csv.reader(io.StringIO(text, newline="")))
    assert [line[0] for line in lines[1:]] == [
        "'=1+2", "'+cmd", "'-x", "'@sum", "'\tTab", "'\rCR", "plain", "",
    ]  # fmt: skip
    assert '"\'\rCR"' in text  # the carriage return is inside quotes
    assert lines[2][2] == "-5.0"  # a negative NUMBER stays a number
    assert lines[1][1:5] == ["2024-03-01", "1234.567", "1", "0.0123"]
    assert lines[2][4] == ""  # missing is empty


def test_table_shows_percent_money_dashes_total_and_reasons(frame):
    text = render_table(frame.iloc[[0, 1, 7]], units=UNITS, reasons=REASONS, currency="EUR")
    rows = [line for line in text.splitlines() if line.count("│") > 3]
    assert [c.strip() for c in rows[0].split("│")[1:-1]] == [
        "=1+2",
        "2024-03-01",
        "1,234.57",
        "1",
        "1.23 %",
    ]
    assert [c.strip() for c in rows[1].split("│")[1:-1]][-1] == "–"
    assert [c.strip() for c in rows[2].split("│")[1:-1]][:3] == ["Total", "", "1,240.57"]
    assert "– ctr: no impressions in 1 row(s)" in text and "money in EUR" in text
    assert "ctr (%)" in text


def test_table_text_is_not_read_as_rich_markup():
    text = render_table(pd.DataFrame({"campaign": ["[bold red]x[/]"], "n": [1]}))
    assert "[bold red]x[/]" in text


def test_json_records_keep_fractions_and_nulls(frame):
    buf = io.StringIO()
    frame = frame.assign(cost=[np.nan, np.inf, 0, 1, 2, 3, 4, 5])
    write_frame(_table(frame), "json", stream=buf, title="t")
    doc = json.loads(buf.getvalue())
    assert doc["rows"][0]["ctr"] == 0.0123 and doc["rows"][1]["ctr"] is None
    assert doc["rows"][0]["cost"] is None and doc["rows"][1]["cost"] is None  # never NaN/inf
    assert doc["rows"][0]["day"] == "2024-03-01" and doc["rows"][7]["campaign"] is None
    assert doc["reasons"] == {"ctr": "no impressions in 1 row(s)"} and doc["title"] == "t"
    assert doc["units"]["ctr"] == "rate" and doc["currency"] == "EUR"


def test_parquet_keeps_types_and_metadata(frame, tmp_path):
    path = tmp_path / "out" / "f.parquet"
    write_frame(_table(frame), "parquet", path)
    table = pq.read_table(path)
    assert table.column("orders").to_pylist() == [1, 2, 3, 4, 5, 6, 7, 28]
    assert json.loads(table.schema.metadata[b"payback"])["units"]["ctr"] == "rate"


def test_parquet_needs_a_file_and_formats_are_checked(frame):
    with pytest.raises(InputError, match=r"give --output FILE\.parquet"):
        write_frame(frame, "parquet")
    with pytest.raises(InputError, match="unknown format 'xlsx': expected one of table, csv"):
        write_frame(frame, "xlsx")


def test_output_file_gets_the_table_text(frame, tmp_path):
    path = tmp_path / "t.txt"
    write_frame(_table(frame), "table", path, title="by campaign")
    assert "by campaign" in path.read_text() and "1.23 %" in path.read_text()


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [(0.034, "rate", "3.40 %"), (2.0, "ratio", "2.00×"), (1e6, "money", "1,000,000.00"),
     (3, None, "3"), (0.125, None, "0.125"), (pd.NA, "rate", "–"), (12.5, "count", "12.50")],
)  # fmt: skip
def test_format_value(value, unit, shown):
    assert format_value(value, unit) == shown


def _table_rows(text: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("│")[1:-1]] for line in text.splitlines() if "│" in line]


def test_paid_and_all_totals_are_labelled_and_total_kind_is_not_a_column():
    frame = pd.DataFrame(
        {
            "platform": ["google", None, None, None],
            "orders": pd.array([4, 8, 4, 12], dtype="Int64"),
            "cpo": pd.array([100.0, None, 100.0, None], dtype="Float64"),
            "is_total": [False, False, True, True],
            "total_kind": [None, None, "paid", "all"],
        }
    )
    units = {"orders": "count", "cpo": "money"}
    text = render_table(frame, units=units)
    assert [r[0] for r in _table_rows(text)] == ["google", "(none)", "Total (paid)", "Total (all)"]
    assert "total_kind" not in text
    # only totals rows (no grain): a first column names them
    text = render_table(frame.iloc[2:].drop(columns="platform"), units=units)
    assert _table_rows(text) == [["Total (paid)", "4", "100.00"], ["Total (all)", "12", "–"]]
    # one totals row is just "Total"
    one = frame.iloc[[0, 3]].assign(total_kind=[None, "all"])
    assert _table_rows(render_table(one, units=units))[-1][0] == "Total"
    # CSV keeps the column
    assert to_csv(frame).splitlines()[0] == "platform,orders,cpo,is_total,total_kind"


def test_reasons_shared_by_columns_are_listed_once():
    frame = pd.DataFrame({"cpo": pd.array([None], dtype="Float64"),
                          "drr": pd.array([None], dtype="Float64")})  # fmt: skip
    text = render_table(frame, reasons={"cpo": "no ad cost", "drr": "no ad cost"})
    assert "– cpo, drr: no ad cost" in text and text.count("no ad cost") == 1


def test_a_wide_table_wraps_headers_and_never_cuts_a_value():
    names = ["platform_conversions", "conversion_gap", "new_customers", "revenue_gap"]
    frame = pd.DataFrame(
        {
            "campaign": ["Kitchen Textiles - Phrase", "Prospecting - Lookalike audiences"],
            "platform": ["microsoft", "google"],
            **{f"{n}_{i}": [123456.78, -0.5] for i in range(2) for n in names},
        }
    )
    units = {c: "money" for c in frame.columns[2:]}
    text = render_table(frame, units=units, width=160)
    assert "…" not in text
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 160  # it fits once the headers wrap
    header = [line for line in lines if line.startswith("┃")]
    assert len(header) > 1 and any("conversion_" in h and "gap" not in h for h in header)
    body = [r for r in lines if r.startswith("│")]
    assert [r.count("123,456.78") for r in body if "123,456.78" in r] == [8]  # numbers whole
    assert [r.count("-0.50") for r in body if "-0.50" in r] == [8]
    # a long text value wraps between its words, never cut
    campaign = " ".join(r.split("│")[1].strip() for r in body)
    assert " ".join(campaign.split()) == " ".join(frame["campaign"])


def test_a_table_too_wide_to_fit_is_drawn_wider_rather_than_cut():
    frame = pd.DataFrame({f"c{i}": ["x" * 30] for i in range(8)})
    text = render_table(frame, width=80)
    assert "…" not in text and text.count("x" * 30) == 8
    assert max(len(line) for line in text.splitlines()) == 8 * 33 + 1


def test_the_output_file_name_says_the_format_by_default(tmp_path):
    import pyarrow.parquet as pq

    from payback.errors import InputError
    from payback.output import write_frame

    frame = pd.DataFrame({"customer_id": ["a", "b"], "clv": [1.5, 2.25]})
    write_frame(frame, "table", tmp_path / "members.parquet")
    assert pq.read_table(tmp_path / "members.parquet").to_pandas().equals(frame)
    write_frame(frame, "table", tmp_path / "members.csv")
    assert pd.read_csv(tmp_path / "members.csv").equals(frame)
    write_frame(frame, "table", tmp_path / "members.txt")  # no format in the name: a table
    assert "customer_id" in (tmp_path / "members.txt").read_text()
    with pytest.raises(InputError, match=r"ends in \.parquet: ask for format parquet"):
        write_frame(frame, "csv", tmp_path / "other.parquet")
    assert not (tmp_path / "other.parquet").exists()
