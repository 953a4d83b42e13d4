"""Bad input: every problem names file, row, column, value, what was expected and the fix.

Nothing is imported when a file has a problem; up to ten problems are listed at once.
"""

from __future__ import annotations

import pytest

from payback.cli import main
from payback.errors import DataError, ValidationErrors
from payback.ingest import import_file

from .conftest import error_message as _message

ADS_HEADER = "date,platform,campaign,impressions,clicks,cost,currency\n"


def _ads(tmp_path, body, name="ads.csv"):
    path = tmp_path / name
    path.write_text(ADS_HEADER + body, encoding="utf-8")
    return path


def test_missing_required_column_lists_found_and_closest(store, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,customer,created_at,Revenue total,state,currency\n"
        "O1,C1,2024-10-01,10,confirmed,USD\n"
    )
    assert _message(store, "orders", path) == (
        f"{path}: missing required column(s) 'revenue', 'status' for orders (generic file); "
        "found 'order_id', 'customer', 'created_at', 'Revenue total', 'state', 'currency'; "
        "closest to 'revenue': 'Revenue total'; closest to 'status': 'state'. Fix: rename the "
        "column(s) or map them: --map revenue='Revenue total',status=state; for a value the "
        "file lacks use --set status=VALUE (status is one of confirmed, cancelled, returned, "
        "pending)"
    )


def test_unparsable_number(store, tmp_path):
    path = _ads(
        tmp_path,
        "2024-10-01,google,Brand,1000,10,12.5,USD\n2024-10-02,google,Brand,1000,10,12,3.4,USD\n",
    )
    # the second row has one field too many (an unquoted decimal comma)
    assert _message(store, "ads", path) == (
        f"{path}: 1 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 3: the row has 8 field(s) but the header has 7: got "
        "'2024-10-02,google,Brand,1000,10,12,3.4,USD', expected 7 fields separated by ','. "
        "Fix: quote values that contain the delimiter, or remove the stray row"
    )
    path = _ads(
        tmp_path,
        '2024-10-01,google,Brand,1000,10,"12,3.4",USD\n2024-10-02,google,Brand,1 000,10,4,USD\n',
    )
    assert _message(store, "ads", path) == (
        f"{path}: 2 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 2, column 'cost': unparsable number: got '12,3.4', expected a number "
        "like 1234.56 (a thousands separator ',' is allowed). Fix: correct the cell, or map "
        "another column with --map cost=COLUMN\n"
        f"  - {path}, row 3, column 'impressions': not a whole number: got '1 000', expected a "
        "whole number like 1200. Fix: correct the cell, or map another column with --map "
        "impressions=COLUMN"
    )
    assert store.row_count("ad_stats") == 0


def test_unparsable_date(store, tmp_path):
    path = _ads(
        tmp_path, "2024-10-01,google,Brand,1000,10,1,USD\n2024-10-32,google,Brand,1000,10,1,USD\n"
    )
    assert _message(store, "ads", path) == (
        f"{path}: 1 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 3, column 'date': unparsable date: got '2024-10-32', expected a date "
        "like 2024-10-31 (YYYY-MM-DD). Fix: correct the cell, or give the format with "
        "--date-format"
    )


def test_negative_cost_and_clicks_above_impressions(store, tmp_path):
    path = _ads(
        tmp_path,
        '2024-10-01,google,Brand,1000,10,-5.00,USD\n2024-10-02,google,Brand,100,250,"-1,200.5",'
        "USD\n",
    )
    # the cell as written, not the number read from it
    assert _message(store, "ads", path) == (
        f"{path}: 3 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 2, column 'cost': negative cost: got '-5.00', expected 0 or more. Fix: "
        "correct the row (refunds and returns are orders with status returned)\n"
        f"  - {path}, row 3, column 'clicks/impressions': more clicks than impressions: got "
        "'250 clicks, 100 impressions', expected clicks <= impressions. Fix: check the row; "
        "swapped columns? map them with --map clicks=...,impressions=...\n"
        f"  - {path}, row 3, column 'cost': negative cost: got '-1,200.5', expected 0 or more. "
        "Fix: correct the row (refunds and returns are orders with status returned)"
    )


def test_a_rate_not_positive_shows_the_cell(store, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text("date,currency,rate,base_currency\n2024-10-01,EUR,0.000,USD\n")
    assert _message(store, "fx-rates", path) == (
        f"{path}: 1 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 2, column 'rate': rate not positive: got '0.000', expected a rate "
        "above 0. Fix: rate = units of base currency for one unit of the currency"
    )


def test_unknown_order_status_and_duplicate_order_ids(store, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,customer_id,time,revenue,status,currency\n"
        "O1,C1,2024-10-01,10,confirmed,USD\n"
        "O2,C2,2024-10-01,10,paid,USD\n"
        "O1,C1,2024-10-02,12,confirmed,USD\n"
    )
    assert _message(store, "orders", path) == (
        f"{path}: 2 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 3, column 'status': unknown status: got 'paid', expected one of "
        "confirmed, cancelled, returned, pending. Fix: use one of these values (case does not "
        "matter), or translate the file's words with --status-map WORD=STATUS (e.g. "
        "paid=confirmed,refunded=returned)\n"
        f"  - {path}, row 4, column 'order_id': duplicate order id (also in row 2): got 'O1', "
        "expected each order id once per file. Fix: remove the repeated row; lines of one order "
        "belong in an order-items file"
    )


def test_missing_value_in_a_required_column(store, tmp_path):
    path = _ads(tmp_path, "2024-10-01,google,,1000,10,1,USD\n")
    assert _message(store, "ads", path) == (
        f"{path}: 1 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 2, column 'campaign': missing value: got '', expected a campaign in "
        "every row (the column is required). Fix: fill the empty cells, or --set "
        "campaign=VALUE for all rows"
    )


def test_at_most_ten_problems_with_a_count_of_the_rest(store, tmp_path):
    body = "".join(f"2024-10-01,google,C{i},100,10,x{i},USD\n" for i in range(25))
    body += "".join(f"2024-10-02,google,D{i},100,10,-{i + 1},USD\n" for i in range(4))
    body += "".join(f"2024-10-0{i + 1},google,E{i},100,10,1,EURO\n" for i in range(9))
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "ads", _ads(tmp_path, body))
    assert len(e.value.errors) == 9  # three examples of each of the three problems
    assert e.value.total == 25 + 4 + 9
    assert e.value.unlisted == (
        ("unparsable number in column 'cost'", 22),
        ("negative cost in column 'cost'", 1),
        ("not an ISO 4217 currency code in column 'currency'", 6),
    )
    assert str(e.value).splitlines()[-1] == (
        "  - and 29 more: unparsable number in column 'cost' (22); negative cost in column "
        "'cost' (1); not an ISO 4217 currency code in column 'currency' (6)"
    )
    assert store.row_count("ad_stats") == 0


def test_problems_beyond_ten_are_counted(store, tmp_path):
    rows = []
    for i in range(12):
        cells = ["2024-10-01", "google", f"C{i}", "100", "10", "1", "USD"]
        cells[3 + i % 3] = "bad"  # impressions, clicks or cost
        rows.append(",".join(cells))
    path = tmp_path / "many.csv"
    rows += ["2024-10-99,google,X,1,1,1,USD", "2024-10-01,google,Y,1,1,1,usd$"] * 1
    rows += ["2024-10-01,google,Z,1,1,1,$$"]
    path.write_text(ADS_HEADER + "\n".join(rows) + "\n")
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "ads", path)
    # each kind in turn: 1 date, 3 impressions, 2 clicks, 2 costs and 2 codes = 10 listed
    assert [err.column for err in e.value.errors].count("impressions") == 3
    assert len(e.value.errors) == 10
    assert e.value.total == 15
    assert str(e.value).splitlines()[0] == f"{path}: 15 problem(s) found; nothing was imported."
    assert str(e.value).splitlines()[-1] == (
        "  - and 5 more: not a whole number in column 'impressions' (1); not a whole number "
        "in column 'clicks' (2); unparsable number in column 'cost' (2)"
    )


def test_not_utf8_names_the_row(store, tmp_path):
    path = tmp_path / "cp1251.csv"
    path.write_bytes(ADS_HEADER.encode() + "2024-10-01,yandex,Обувь,1,1,1,RUB\n".encode("cp1251"))
    assert _message(store, "ads", path) == (
        f"{path}, row 2: the file is not UTF-8 text: expected UTF-8 (or UTF-16 with a byte-order "
        "mark). Fix: re-save the file as 'CSV UTF-8' (e.g. `iconv -f cp1251 -t utf-8 in.csv > "
        "out.csv`)"
    )


def test_unknown_kind_lists_the_kinds(store, tmp_path):
    assert _message(store, "sales", _ads(tmp_path, "")) == (
        "unknown import kind 'sales': expected one of ads, orders, leads, order-items, "
        "customers, costs, partner-claims, subscriptions, fx-rates, sessions, ad-extras"
    )


def test_cli_prints_the_error_and_exits_2(tmp_path, capsys):
    path = _ads(tmp_path, "2024-10-01,google,Brand,100,10,-1,USD\n")
    db = tmp_path / "cli.duckdb"
    code = main(["import", "ads", str(path), "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"error: {path}: 1 problem(s) found; nothing was imported.\n")
    assert "negative cost: got '-1', expected 0 or more" in err


def test_missing_file(store, tmp_path):
    with pytest.raises(DataError) as e:
        import_file(store, "ads", tmp_path / "nope.csv")
    assert str(e.value) == f"{tmp_path / 'nope.csv'}: file not found. Fix: check the path"


def test_the_checks_pass_counts_each_check_only_when_some_row_fails():
    """:meth:`Problems.run` asks for one failing row first (one OR predicate): the counts
    per check are those of each check alone (a NULL condition fails no row), and a
    relation where no row fails is read by that one query only."""
    import duckdb

    from payback.ingest.validate import Check, Problems

    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT range AS _row, "
        "CASE WHEN range = 5 THEN NULL ELSE range % 7 - 1 END AS cost, "
        "CASE WHEN range IN (5, 40) THEN NULL ELSE 'USD' END AS currency FROM range(1, 101)"
    )
    con.execute("CREATE VIEW clean AS SELECT * FROM t WHERE _row IN (1, 2, 3, 5)")
    checks = [
        Check("negative cost", "Cost", "cost < 0", "cost", "0 or more"),
        Check("huge cost", "Cost", "cost > 1000", "cost", "less"),
        Check("missing value", "Currency", "currency IS NULL AND cost IS NOT NULL", "''", "a code"),
    ]
    sent: list[str] = []

    class Counting:
        def execute(self, sql):
            sent.append(sql)
            return con.execute(sql)

    problems = Problems("f.csv")
    problems.run(Counting(), "t", checks)
    negative = [i for i in range(1, 101) if i != 5 and i % 7 == 0]
    assert [(g.label, g.count) for g in problems.groups] == [
        ("negative cost in column 'Cost'", len(negative)),  # rows 7, 14, ..., 98
        ("missing value in column 'Currency'", 1),  # row 40 (row 5 has no cost)
    ]
    assert [e.row for e in problems.groups[0].examples] == negative[:3]
    # row 5: every condition NULL or false; rows 1-3 pass: one query, no problem
    sent.clear()
    clean = Problems("f.csv")
    clean.run(Counting(), "clean", checks)
    assert not clean and len(sent) == 1
