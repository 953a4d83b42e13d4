"""Every bad input of issue 9 is a clear error (or a documented acceptance), never a change.

One table, one row per case: the file (its name and content) and the options of
``payback import`` -> the fragments the error must hold. Each case runs the real
command on a store that already holds one import, and checks that the command exits 2
with ``error: ...`` (no traceback) and that every table of the store is exactly as
before (content hashes compared). The cases a table row cannot hold (an existing file
as ``--db``, a read-only store, dates in queries, the documented acceptances) follow.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from payback.cli import main

ADS = "date,platform,campaign,impressions,clicks,cost,currency\n"
GOOD_ADS = ADS + "2024-10-01,google,Brand,100,10,12.5,USD\n"
ORDERS = "order_id,customer_id,time,revenue,status,currency\n"
LEADS = "lead_id,time,kind,status\n"
NAN, INF = float("nan"), float("inf")


def _parquet(**columns) -> Callable[[Path], None]:
    """A writer of a Parquet file with these columns (typed as given)."""
    return lambda path: pq.write_table(pa.table(columns), path)


def _ads_parquet(**override) -> Callable[[Path], None]:
    columns = {
        "date": ["2024-10-01", "2024-10-02"],
        "platform": ["google", "google"],
        "campaign": ["A", "B"],
        "impressions": [100, 100],
        "clicks": [10, 10],
        "cost": [1.5, 2.5],
        "currency": ["USD", "USD"],
    }
    return _parquet(**{**columns, **override})


def _orders_parquet(**override) -> Callable[[Path], None]:
    columns = {
        "order_id": ["O1", "O2"],
        "customer_id": ["C1", "C2"],
        "time": ["2024-10-01 10:00", "2024-10-02 10:00"],
        "revenue": [10.0, 20.0],
        "cogs": [4.0, 5.0],
        "status": ["confirmed", "confirmed"],
        "currency": ["USD", "USD"],
    }
    return _parquet(**{**columns, **override})


def _truncated_gzip(path: Path) -> None:
    body = ADS + "".join(f"2024-10-01,google,C{i},100,10,1.5,USD\n" for i in range(3000))
    data = gzip.compress(body.encode())
    path.write_bytes(data[: len(data) // 2])


@dataclass(frozen=True)
class Case:
    """A bad input: ``payback import KIND FILE ARGS`` must fail saying ``fragments``."""

    id: str
    kind: str
    name: str
    content: str | bytes | Callable[[Path], None] | None
    args: tuple[str, ...]
    fragments: tuple[str, ...]


CASES = [
    # 3. NaN and infinities in Parquet, refused like the same text in a CSV
    Case("csv nan cost", "ads", "ads.csv", ADS + "2024-10-01,google,A,100,10,nan,USD\n", (),
         ("row 2, column 'cost': unparsable number: got 'nan'",)),
    Case("parquet nan cost", "ads", "ads.parquet", _ads_parquet(cost=[1.5, NAN]), (),
         ("row 2, column 'cost': unparsable number: got 'nan'",)),
    Case("parquet inf cost", "ads", "ads.parquet", _ads_parquet(cost=[INF, 2.5]), (),
         ("row 1, column 'cost': unparsable number: got 'inf'",)),
    Case("parquet inf clicks", "ads", "ads.parquet", _ads_parquet(clicks=[10.0, INF]), (),
         ("row 2, column 'clicks': not a whole number: got 'inf'",)),
    Case("parquet nan conversion value", "ads", "ads.parquet",
         _ads_parquet(conversion_value=[NAN, 1.0]), (),
         ("row 1, column 'conversion_value': unparsable number: got 'nan'",)),
    Case("parquet nan revenue", "orders", "orders.parquet", _orders_parquet(revenue=[NAN, 1.0]),
         (), ("row 1, column 'revenue': unparsable number: got 'nan'",)),
    Case("parquet -inf cogs", "orders", "orders.parquet", _orders_parquet(cogs=[1.0, -INF]),
         (), ("row 2, column 'cogs': unparsable number: got '-inf'",)),
    Case("parquet inf costs amount", "costs", "costs.parquet",
         _parquet(date=["2024-10-01"], category=["rent"], amount=[INF], currency=["USD"]), (),
         ("row 1, column 'amount': unparsable number: got 'inf'",)),
    Case("parquet nan fx rate", "fx-rates", "fx.parquet",
         _parquet(date=["2024-10-01"], currency=["EUR"], rate=[NAN], base_currency=["USD"]),
         (), ("row 1, column 'rate': unparsable number: got 'nan'",)),
    # 5. a header spelled twice
    Case("repeated header", "ads", "ads.csv",
         "date,platform,campaign,impressions,clicks,cost,currency,cost\n"
         "2024-10-01,google,A,100,10,1,USD,2\n", (),
         ("the header 'cost' appears 2 times: 'cost' (column 6) and 'cost (2)' (column 8)",
          "--map cost='cost (2)'")),
    # 6. separators that read two ways (a silent 1000x otherwise)
    Case("comma thousands only", "ads", "ads.csv", ADS + '2024-10-01,google,A,100,10,"1,234",USD\n',
         (), ("column 'cost': the separator ',' reads two ways: got '1,234'",
              "--decimal-point (1,234.56) or --decimal-comma")),
    Case("dot three decimals only", "ads", "ads.csv",
         ADS + "2024-10-01,google,A,100,10,1.234,USD\n2024-10-02,google,A,100,10,2.500,USD\n",
         (), ("column 'cost': the separator '.' reads two ways: got '1.234'",
              "and 1 more: the separator '.' reads two ways in column 'cost' (1)")),
    Case("both decimal options", "ads", "ads.csv", GOOD_ADS, ("--decimal-comma", "--decimal-point"),
         ("--decimal-comma and --decimal-point contradict each other",)),
    # 7. dates outside 1900-2200
    Case("date 9999-12-31", "ads", "ads.csv", ADS + "9999-12-31,google,A,100,10,1,USD\n", (),
         ("row 2, column 'date': date out of range: got '9999-12-31'",
          "expected a date from 1900-01-01 to 2200-12-31")),
    Case("time 0001-01-01", "orders", "orders.csv", ORDERS + "O1,C1,0001-01-01,10,confirmed,USD\n",
         (), ("row 2, column 'time': date out of range: got '0001-01-01 00:00:00'",)),
    Case("parquet date 9999-12-31", "costs", "costs.parquet",
         _parquet(date=pa.array([__import__("datetime").date(9999, 12, 31)]), category=["rent"],
                  amount=[1.0], currency=["USD"]), (),
         ("column 'date': date out of range: got '9999-12-31'",)),
    Case("subscription end placeholder", "subscriptions", "subs.csv",
         "subscription_id,customer_id,start,end,price,currency\nS1,C1,2024-01-01,9999-12-31,9,USD\n",
         (), ("column 'end': date out of range", "leave the cell empty")),
    # 9. tracebacks before
    Case("impressions 1e20", "ads", "ads.csv",
         ADS + "2024-10-01,google,A,99999999999999999999,10,1,USD\n", (),
         ("row 2, column 'impressions': not a whole number: got '99999999999999999999'",)),
    Case("a folder as the file", "ads", "folder", None, (), ("a folder, not a file",)),
    Case("plain text named .csv.gz", "ads", "ads.csv.gz", GOOD_ADS, (),
         ("the file is named .gz but is not gzip-compressed", "rename it without .gz")),
    Case("truncated .csv.gz", "ads", "ads.csv.gz", _truncated_gzip, (),
         ("the compressed file is cut short or damaged",)),
    Case("date format %Q", "ads", "ads.csv", GOOD_ADS, ("--date-format", "%Q"),
         ("--date-format '%Q': '%Q' is not a date code",)),
    Case("dedupe window overflow", "leads", "leads.csv", LEADS + "L1,2024-10-01,call,valid\n",
         ("--dedupe-window", "99999999999d"), ("--dedupe-window '99999999999d': too long",)),
    Case("dedupe window without contact", "leads", "leads.csv",
         LEADS + "L1,2024-10-01,call,valid\n", ("--dedupe-window", "24h"),
         ("--dedupe-window needs a contact column", "--map contact=COLUMN")),
    # 10. unclear errors before
    Case("UTF-16LE without BOM", "ads", "ads.csv", GOOD_ADS.encode("utf-16-le"), (),
         ("the file is UTF-16LE text without a byte-order mark", "iconv -f UTF-16LE -t UTF-8")),
    Case("UTF-16BE without BOM", "ads", "ads.csv", GOOD_ADS.encode("utf-16-be"), (),
         ("the file is UTF-16BE text without a byte-order mark",)),
    Case("duplicate lead ids", "leads", "leads.csv",
         LEADS + "L1,2024-10-01,call,valid\nL1,2024-10-02,call,valid\n", (),
         ("duplicate lead id (also in row 2)", "--dedupe-window marks the repeats")),
    Case("duplicate cost rows", "costs", "costs.csv",
         "date,category,amount,currency\n2024-10-01,rent,1,USD\n2024-10-01,rent,2,USD\n", (),
         ("duplicate date and category", "add the rows up, or give them distinct categories")),
    Case("one bad --set status", "orders", "orders.csv",
         "order_id,customer_id,time,revenue,currency\n"
         + "".join(f"O{i},C1,2024-10-01,1,USD\n" for i in range(50)),
         ("--set", "status=completed"),
         ("--set status=completed: not a status of orders; expected one of confirmed, "
          "cancelled, returned, pending (or translate it with --status-map completed=STATUS)",)),
    Case("missing status column", "orders", "orders.csv",
         "order_id,customer_id,time,revenue,currency\nO1,C1,2024-10-01,1,USD\n", (),
         ("missing required column(s) 'status'",
          "(status is one of confirmed, cancelled, returned, pending)")),
    Case("missing kind column", "leads", "leads.csv", "lead_id,time,status\nL1,2024-10-01,valid\n",
         (), ("(kind is one of call, form, email, chat, signup, trial_order, other)",)),
    Case("whitespace-separated file", "orders", "CDNOW_master.txt",
         "00001 19970101 1 11.77\n00002 19970112 1 12.00\n", (),
         ("the file seems separated by spaces", "s/ +/,/g")),
    Case("CustomerID offered as a --map", "orders", "orders.csv",
         "order_id,CustomerID,time,revenue,status,currency\nO1,C1,2024-10-01,1,confirmed,USD\n",
         (), ("closest to 'customer_id': 'CustomerID'", "--map customer_id=CustomerID")),
    Case("unknown status word", "orders", "orders.csv", ORDERS + "O1,C1,2024-10-01,1,paid,USD\n",
         (), ("unknown status: got 'paid'", "--status-map WORD=STATUS")),
    Case("--status-map to a non-status", "orders", "orders.csv",
         ORDERS + "O1,C1,2024-10-01,1,paid,USD\n", ("--status-map", "paid=done"),
         ("--status-map paid=done: 'done' is not a status",)),
    Case("--status-map on ads", "ads", "ads.csv", GOOD_ADS, ("--status-map", "paid=confirmed"),
         ("--status-map applies to orders and leads imports only",)),
]  # fmt: skip


def _write(folder: Path, case: Case) -> Path:
    path = folder / case.name
    if case.content is None:
        path.mkdir()
    elif callable(case.content):
        case.content(path)
    elif isinstance(case.content, bytes):
        path.write_bytes(case.content)
    else:
        path.write_text(case.content, encoding="utf-8")
    return path


def snapshot(db: Path) -> dict[str, tuple[int, str | None]]:
    """Every table of the store: (rows, hash of its sorted rows)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {
            name: con.execute(
                f"SELECT count(*), md5(string_agg(CAST(t AS VARCHAR), '|' "
                f'ORDER BY CAST(t AS VARCHAR))) FROM "{name}" AS t'
            ).fetchone()
            for name in names
        }
    finally:
        con.close()


@pytest.fixture
def seeded(tmp_path) -> Path:
    """A store holding one good ads import."""
    db = tmp_path / "store.duckdb"
    good = tmp_path / "good.csv"
    good.write_text(GOOD_ADS)
    assert main(["import", "ads", str(good), "--db", str(db)]) == 0
    return db


def _refused(capsys, args: list[str]) -> str:
    code = main(args)
    out = capsys.readouterr()
    assert code == 2, out.out + out.err
    assert out.err.startswith("error: ")
    assert "Traceback" not in out.err
    return " ".join(out.err.split())  # the message as one line


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_a_clear_error_and_changes_nothing(case, seeded, tmp_path, capsys):
    path = _write(tmp_path, case)
    before = snapshot(seeded)
    err = _refused(capsys, ["import", case.kind, str(path), "--db", str(seeded), *case.args])
    for fragment in case.fragments:
        assert fragment in err
    assert snapshot(seeded) == before


def test_one_bad_set_value_is_reported_once(seeded, tmp_path, capsys):
    case = next(c for c in CASES if c.id == "one bad --set status")
    path = _write(tmp_path, case)
    err = _refused(capsys, ["import", "orders", str(path), "--db", str(seeded), *case.args])
    assert err.count("completed") == 2  # the option as given, and the --status-map hint


# -- what a table row cannot hold ------------------------------------------------------------
def test_db_naming_a_csv_is_refused_and_the_csv_kept(tmp_path, capsys):
    data = tmp_path / "ads.csv"
    data.write_text(GOOD_ADS)
    err = _refused(capsys, ["import", "ads", str(data), "--db", str(data)])
    assert f"--db {data} is not a payback store (a DuckDB file)" in err
    assert data.read_text() == GOOD_ADS
    _refused(capsys, ["metrics", "--db", str(data)])


def test_db_naming_a_binary_file_is_refused(tmp_path, capsys):
    junk = tmp_path / "store.duckdb"
    junk.write_bytes(bytes(range(256)) * 8)
    good = tmp_path / "ads.csv"
    good.write_text(GOOD_ADS)
    assert "is not a payback store" in _refused(
        capsys, ["import", "ads", str(good), "--db", str(junk)]
    )
    assert junk.read_bytes() == bytes(range(256)) * 8


def test_a_failed_first_import_leaves_no_store_file(tmp_path, capsys):
    leads = tmp_path / "leads.csv"
    leads.write_text(LEADS + "L1,2024-10-01,call,valid\n")
    db = tmp_path / "new.duckdb"
    _refused(capsys, ["import", "leads", str(leads), "--db", str(db), "--dedupe-window", "24h"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leads.csv"]


def test_a_read_only_store_is_refused(seeded):
    from payback.errors import PaybackError
    from payback.ingest import import_file
    from payback.store import open_store

    path = seeded.parent / "more.csv"
    path.write_text(ADS + "2024-10-02,google,Brand,100,10,1,USD\n")
    before = snapshot(seeded)
    with open_store(seeded, read_only=True) as store, pytest.raises(PaybackError) as e:
        import_file(store, "ads", path)
    assert "is open read-only: nothing was imported" in str(e.value)
    assert snapshot(seeded) == before


@pytest.mark.parametrize(
    "args",
    [
        ["metrics", "--to", "9999-12-31"],
        ["metrics", "--from", "0001-01-01"],
        ["report", "--to", "9999-12-31"],
    ],
)
def test_a_period_outside_1900_2200_is_a_clear_cli_error(seeded, capsys, args):
    err = _refused(capsys, [*args, "--db", str(seeded)])
    assert "out of range: expected a date from 1900-01-01 to 2200-12-31" in err


@pytest.mark.parametrize(
    "url",
    [
        "/api/metrics?to=9999-12-31",
        "/api/headline?to=9999-12-31",
        "/api/timeseries?to=9999-12-31",
        "/api/report?to=9999-12-31",
        "/api/metrics?from=0001-01-01",
    ],
)
def test_a_period_outside_1900_2200_is_a_400(seeded, url):
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

    from payback.server import create_app

    with TestClient(create_app(seeded), base_url="http://127.0.0.1") as client:
        response = client.get(url)
    assert response.status_code == 400
    assert "out of range: expected a date from 1900-01-01 to 2200-12-31" in response.text


# -- documented acceptances ------------------------------------------------------------------
def _import(tmp_path, kind: str, text: str, *options: str) -> Path:
    db = tmp_path / "accept.duckdb"
    path = tmp_path / f"{kind}.csv"
    path.write_text(text)
    assert main(["import", kind, str(path), "--db", str(db), *options]) == 0
    return db


def _rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize(
    ("cells", "options", "costs"),
    [
        (['"1,234"'], ("--decimal-point",), [1234.0]),
        (["1.234", "2.500"], ("--decimal-point",), [1.234, 2.5]),
        (["1.234", "2.500"], ("--decimal-comma",), [1234.0, 2500.0]),
        (['"1,234"', "12.50"], (), [1234.0, 12.5]),  # a decimal point settles the commas
        (["1.234", "12.5"], (), [1.234, 12.5]),  # a cell with other decimals settles the dots
    ],
)
def test_separators_read_as_the_rule_says(tmp_path, capsys, cells, options, costs):
    body = "".join(f"2024-10-0{i + 1},google,A,100,10,{c},USD\n" for i, c in enumerate(cells))
    db = _import(tmp_path, "ads", ADS + body, *options)
    assert [r[0] for r in _rows(db, "SELECT cost FROM ad_stats ORDER BY date")] == costs


def test_counts_take_a_comma_between_thousands(tmp_path, capsys):
    db = _import(tmp_path, "ads", ADS + '2024-10-01,google,A,"12,345",10,1.5,USD\n')
    assert _rows(db, "SELECT impressions FROM ad_stats") == [(12345,)]


def test_status_map_translates_the_shops_words(tmp_path, capsys):
    text = (
        ORDERS + "O1,C1,2024-10-01,10,paid,USD\nO2,C1,2024-10-02,20,Refunded,USD\n"
        "O3,C2,2024-10-03,30,confirmed,USD\n"
    )
    db = _import(tmp_path, "orders", text, "--status-map", "paid=confirmed,refunded=returned")
    assert _rows(db, "SELECT order_id, status FROM orders ORDER BY 1") == [
        ("O1", "confirmed"),
        ("O2", "returned"),
        ("O3", "confirmed"),
    ]


def test_status_map_applies_to_leads_and_to_set(tmp_path, capsys):
    text = "lead_id,time,kind\nL1,2024-10-01,call\n"
    db = _import(tmp_path, "leads", text, "--set", "status=qualified", "--status-map",
                 "qualified=valid")  # fmt: skip
    assert _rows(db, "SELECT status FROM leads") == [("valid",)]


def test_the_suggested_map_imports(tmp_path, capsys):
    text = "order_id,CustomerID,time,revenue,status,currency\nO1,C1,2024-10-01,1,confirmed,USD\n"
    db = _import(tmp_path, "orders", text, "--map", "customer_id=CustomerID")
    assert _rows(db, "SELECT customer_id FROM orders") == [("C1",)]


def test_the_repeated_header_picked_by_map(tmp_path, capsys):
    text = "date,platform,campaign,impressions,clicks,cost,currency,cost\n"
    text += "2024-10-01,google,A,100,10,1,USD,2\n"
    db = _import(tmp_path, "ads", text, "--map", "cost=cost (2)")
    assert _rows(db, "SELECT cost FROM ad_stats") == [(2.0,)]
