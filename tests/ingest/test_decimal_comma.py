"""Decimal commas: a clear error without ``--decimal-comma``, European numbers with it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payback.cli import main
from payback.errors import ValidationErrors
from payback.ingest import import_file
from payback.ingest.parsing import decimal_comma_sql, lit, number_sql

from .conftest import totals

ADS_HEADER = "date,platform,campaign,impressions,clicks,cost,currency\n"


def _ads(tmp_path, body):
    path = tmp_path / "ads.csv"
    path.write_text(ADS_HEADER + body, encoding="utf-8")
    return path


def test_a_decimal_comma_says_so_and_how_to_write_the_cell(store, tmp_path):
    path = _ads(
        tmp_path,
        '2024-10-01,google,A,100,10,"12,5",USD\n'
        '2024-10-01,google,B,100,10,"1.234,56",USD\n'
        '2024-10-01,google,C,100,10,"1,250",USD\n'  # a thousands separator: 1250
        '2024-10-01,google,D,100,10,"12,3.4",USD\n',
    )
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "ads", path)
    assert str(e.value) == (
        f"{path}: 3 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 2, column 'cost': a decimal comma is not supported: got '12,5', "
        "expected a number like 1234.56. Fix: write 12.5 (or use --decimal-comma)\n"
        f"  - {path}, row 3, column 'cost': a decimal comma is not supported: got '1.234,56', "
        "expected a number like 1234.56. Fix: write 1234.56 (or use --decimal-comma)\n"
        f"  - {path}, row 5, column 'cost': unparsable number: got '12,3.4', expected a number "
        "like 1234.56 (a thousands separator ',' is allowed). Fix: correct the cell, or map "
        "another column with --map cost=COLUMN"
    )


def test_decimal_comma_reads_european_numbers(store, tmp_path):
    path = tmp_path / "ads.csv"
    path.write_text(
        "date;platform;campaign;impressions;clicks;cost;currency\n"
        "2024-10-01;google;A;1.234;10;12,5;USD\n"
        "2024-10-01;google;B;100;10;1.234,56;USD\n"
        "2024-10-01;google;C;100;10;7;USD\n"
    )
    result = import_file(store, "ads", path, decimal_comma=True)
    assert result.rows_read == 3
    assert totals(store, "ad_stats", "cost", "impressions") == {
        "cost": pytest.approx(12.5 + 1234.56 + 7),
        "impressions": 1234 + 100 + 100,
    }


def test_decimal_comma_refuses_a_decimal_point(store, tmp_path):
    path = _ads(tmp_path, "2024-10-01,google,A,100,10,12.5,USD\n")
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "ads", path, decimal_comma=True)
    assert str(e.value) == (
        f"{path}: 1 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 2, column 'cost': unparsable number: got '12.5', expected a number "
        "like 1.234,56 (--decimal-comma: a decimal comma, '.' between thousands). Fix: correct "
        "the cell, or map another column with --map cost=COLUMN"
    )


def test_cli_decimal_comma(data, tmp_path, capsys):
    db = str(tmp_path / "c.duckdb")
    path = str(data / "costs_decimal_comma.csv")
    assert main(["import", "costs", path, "--db", db]) == 2
    assert "Fix: write 1234.56 (or use --decimal-comma)" in capsys.readouterr().err
    assert main(["import", "costs", path, "--decimal-comma", "--db", db]) == 0
    from payback.store import open_store

    with open_store(db) as store:
        assert totals(store, "costs", "amount")["amount"] == pytest.approx(
            1234.56 + 12500 + 99.9 + 0.5
        )


def _european(cents: int) -> str:
    """An amount in cents written the European way, by hand: 1234567 -> '12.345,67'."""
    sign, cents = ("-" if cents < 0 else ""), abs(cents)
    whole, frac = divmod(cents, 100)
    groups = f"{whole:,}".replace(",", ".")
    return f"{sign}{groups},{frac:02d}"


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_european_numbers_read_back(cents):
    import duckdb

    text = _european(cents)
    got = duckdb.sql("SELECT " + number_sql(lit(text), decimal_comma=True)).fetchone()[0]
    assert got == pytest.approx(cents / 100, rel=1e-15, abs=1e-9)
    # read with decimal points the same text is no number, and is told a decimal comma
    assert duckdb.sql("SELECT " + number_sql(lit(text))).fetchone()[0] is None
    assert duckdb.sql("SELECT " + decimal_comma_sql(lit(text))).fetchone()[0] is True


_CELLS = st.one_of(
    st.integers(-(10**9), 10**9).map(lambda n: f"{n:,}"),  # 1,234,567
    st.floats(0, 1e7, allow_nan=False).map(lambda x: f"{x:,.2f}"),  # 12,345.60
    st.integers(0, 10**6).map(str),
    st.sampled_from(["1,23", "12,5", "1,2345", ",123", "1,,234", "1,234.", " 1,234 ", "x,1"]),
    st.sampled_from(["", "--", "1e3", "12.5", "n/a"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_CELLS, min_size=1, max_size=12))
def test_a_column_of_grouped_thousands_reads_as_with_the_pattern(cells):
    """:func:`grouped_thousands` says True only when removing every comma reads each cell
    as the thousands pattern does: the numbers (and the unparsable cells, NULL) are the
    same either way, and one cell like ``1,23`` keeps the pattern test."""
    import duckdb
    import pyarrow as pa

    from payback.ingest.parsing import grouped_thousands, number_text_sql, raw_sql

    column = pa.chunked_array([cells[: len(cells) // 2], cells[len(cells) // 2 :]], pa.string())
    grouped = grouped_thousands(column)
    with_commas = [c for c in cells if "," in c]
    pattern = r" *[-+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)? *"
    assert grouped == (bool(with_commas) and all(re.fullmatch(pattern, c) for c in with_commas))
    con = duckdb.connect()
    con.register("t", pa.table({"x": column}))
    raw = raw_sql("x", pa.string(), ("--",))
    read = [
        con.execute(
            f"SELECT {number_text_sql('r', grouped=g)} FROM (SELECT {raw} AS r FROM t)"
        ).fetchall()
        for g in (False, grouped)
    ]
    assert read[0] == read[1]


def test_a_thousands_column_with_one_cell_off_the_pattern_says_which(store, tmp_path):
    path = _ads(
        tmp_path,
        '2024-10-01,google,A,"1,200",10,1.5,USD\n'
        '2024-10-02,google,A,"12,34",10,1.5,USD\n'
        '2024-10-03,google,A,"2,500",10,1.5,USD\n',
    )
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "ads", path)
    assert str(e.value) == (
        f"{path}: 1 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 3, column 'impressions': not a whole number: got '12,34', expected "
        "a whole number like 1200. Fix: correct the cell, or map another column with --map "
        "impressions=COLUMN"
    )
    path.write_text(
        ADS_HEADER
        + '2024-10-01,google,A,"1,200",10,1.5,USD\n'
        + "2024-10-02,google,A,7,1,0.5,USD\n"
    )
    import_file(store, "ads", path)
    assert totals(store, "ad_stats", "impressions") == {"impressions": 1207}
