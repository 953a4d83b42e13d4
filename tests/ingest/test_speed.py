"""Behaviour that came with the importer's speed work (speed itself is measured in
benchmarks/, not here): small files run on one DuckDB thread with the connection's own
setting restored afterwards, rows are stored in file order, blank lines are found the same
way as before, and a CSV is read without a row handler unless a row is ragged.
"""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payback.errors import PaybackError
from payback.ingest import import_file
from payback.ingest import stage as stage_module
from payback.ingest.platforms import GENERIC, Plan


def test_small_files_run_on_one_thread_and_restore_the_setting(store, data, tmp_path):
    con = store.backend.con
    con.execute("SET threads = 2")
    import_file(store, "ads", data / "google_ads_keywords.csv")
    assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("date,platform,campaign,impressions,clicks,cost,currency\nx,g,c,1,1,1,USD\n")
    with pytest.raises(PaybackError):
        import_file(store, "ads", bad)
    assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 2


def _stored(store, table, column):
    return store.backend.con.execute(f"SELECT {column} FROM {table}").fetchall()


def test_rows_are_stored_in_file_order_with_or_without_a_copy(store, data, tmp_path):
    # ads: written straight from the staged rows (no copy)
    import_file(store, "ads", data / "google_ads_keywords.csv")
    lines = (data / "google_ads_keywords.csv").read_text().splitlines()[3:9]
    assert [r[0] for r in _stored(store, "ad_stats", "keyword")] == [x.split(",")[3] for x in lines]
    # orders in EUR: joined with the rates, so sorted back into file order
    import_file(store, "fx-rates", data / "fx_rates.csv")
    import_file(store, "orders", data / "orders_eur.csv")
    lines = (data / "orders_eur.csv").read_text().splitlines()[1:]
    assert [r[0] for r in _stored(store, "orders", "order_id")] == [x.split(",")[0] for x in lines]
    # order lines numbered per order (a window): file order again
    path = tmp_path / "items.csv"
    path.write_text(
        "order_id,product_id,quantity,price,currency\n"
        "B,p1,1,1,USD\nA,p2,1,1,USD\nB,p3,1,1,USD\nA,p4,1,1,USD\n"
    )
    import_file(store, "order-items", path)
    assert _stored(store, "order_items", "product_id, line") == [
        ("p1", 1),
        ("p2", 1),
        ("p3", 2),
        ("p4", 2),
    ]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["", " ", "\t", "x", " 1 "]), min_size=3, max_size=3)))
def test_blank_lines_are_rows_whose_every_cell_is_blank(rows):
    # only the rows starting with an empty cell are looked at further: same result
    table = pa.table(
        {name: [r[i] for r in rows] for i, name in enumerate("abc")}
        | {"_row": list(range(2, len(rows) + 2))},
        schema=pa.schema([(n, pa.string()) for n in "abc"] + [("_row", pa.int64())]),
    )
    kept, notes = stage_module.data_rows(table, GENERIC, Plan({}), text=True)
    expected = [i + 2 for i, r in enumerate(rows) if any(c.strip() for c in r)]
    assert kept.column("_row").to_pylist() == expected
    blank = len(rows) - len(expected)
    assert notes == ([f"{blank:,} blank line(s) skipped"] if blank else [])


def test_csv_is_read_without_a_row_handler_unless_a_row_is_ragged(data, tmp_path, monkeypatch):
    import pyarrow.csv as pcsv

    from payback.ingest.readers import peek_file, read_csv

    handlers = []
    original = pcsv.read_csv

    def recording_read_csv(source, *, parse_options, **kwargs):
        handlers.append(parse_options.invalid_row_handler is not None)
        return original(source, parse_options=parse_options, **kwargs)

    monkeypatch.setattr(pcsv, "read_csv", recording_read_csv)
    clean = tmp_path / "clean.csv"
    clean.write_text('a,b\n1,"two\nlines"\n3,4\n')
    raw = read_csv(clean, peek_file(clean), header_index=0, delimiter=",")
    assert (handlers, raw.table.column("b").to_pylist()) == ([False], ["two\nlines", "4"])
    handlers.clear()
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3,4,5\n6,7\n")
    raw = read_csv(ragged, peek_file(ragged), header_index=0, delimiter=",")
    # the fast read fails on row 3, the second read collects it: the same result as before
    assert handlers == [False, True]
    assert (raw.table.column("a").to_pylist(), raw.malformed) == (["1", "6"], ((3, "3,4,5"),))
