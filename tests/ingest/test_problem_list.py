"""The list of problems an import stops with.

Every listed problem carries its fix; the count is the number of bad cells (or rows,
or repeated keys), of which at most ten are listed and the rest counted by kind.
"""

from __future__ import annotations

import pytest

from payback.errors import ValidationErrors
from payback.ingest import import_file

ADS_HEADER = "date,platform,campaign,impressions,clicks,cost,currency\n"
NUMBER = "expected a number like 1234.56 (a thousands separator ',' is allowed)"
FIX = "Fix: correct the cell, or map another column with --map cost=COLUMN"


def _problems(store, tmp_path, body, name="bad_number.csv"):
    path = tmp_path / name
    path.write_text(ADS_HEADER + body, encoding="utf-8")
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "ads", path)
    assert store.row_count("ad_stats") == 0
    return path, e.value


def test_every_listed_problem_carries_its_fix(store, tmp_path):
    body = "".join(f"2024-10-01,google,C{i},100,10,x{i},USD\n" for i in range(1, 5))
    path, error = _problems(store, tmp_path, body)
    assert [e.fix for e in error.errors] == [FIX.removeprefix("Fix: ")] * 3
    assert str(error) == (
        f"{path}: 4 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 2, column 'cost': unparsable number: got 'x1', {NUMBER}. {FIX}\n"
        f"  - {path}, row 3, column 'cost': unparsable number: got 'x2', {NUMBER}. {FIX}\n"
        f"  - {path}, row 4, column 'cost': unparsable number: got 'x3', {NUMBER}. {FIX}\n"
        "  - and 1 more: unparsable number in column 'cost' (1)"
    )


def test_every_repeated_key_carries_its_fix(store, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,customer_id,time,revenue,status,currency\n"
        + "".join(f"O{i % 2},C1,2024-10-01,10,confirmed,USD\n" for i in range(4))
    )
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "orders", path)
    fix = "remove the repeated row; lines of one order belong in an order-items file"
    assert [err.fix for err in e.value.errors] == [fix, fix]


def test_the_count_is_every_bad_cell(store, tmp_path):
    body = "".join(f"2024-10-01,google,C{i},100,10,x{i},USD\n" for i in range(1, 31))
    path, error = _problems(store, tmp_path, body)
    assert error.total == 30
    assert str(error).splitlines()[0] == f"{path}: 30 problem(s) found; nothing was imported."
    assert str(error).splitlines()[-1] == (
        "  - and 27 more: unparsable number in column 'cost' (27)"
    )


def test_each_bad_cell_of_a_row_counts_once(store, tmp_path):
    header = "date,platform,campaign,impressions,clicks,cost,currency,conversions\n"
    path = tmp_path / "kinds.csv"
    path.write_text(
        header
        + "2024-10-32,google,,x,y,-1,EURO,z\n"  # date, campaign, impr, clicks, cost, code, conv
        + "2024-10-01,google,C,1,5,1,USD,2\n"  # clicks > impressions
    )
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "ads", path)
    assert e.value.total == 8
    assert [err.row for err in e.value.errors] == [2] * 7 + [3]
    assert e.value.unlisted == ()


def test_repeated_keys_and_ragged_rows_are_counted(store, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,customer_id,time,revenue,status,currency\n"
        + "".join(f"O{i % 5},C1,2024-10-01,10,confirmed,USD\n" for i in range(10))
        + "O9,C1,2024-10-01,10,confirmed,USD,extra\n" * 4
    )
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "orders", path)
    # 4 rows with a field too many (3 listed), 5 order ids repeated (3 listed)
    assert e.value.total == 9
    assert str(e.value).splitlines()[-1] == (
        "  - and 3 more: a wrong number of fields (1); duplicate order id in column 'order_id' (2)"
    )


def test_problems_are_listed_by_row_then_column(store, data):
    path = data / "ads_with_problems.csv"
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "ads", path)
    assert [(err.row, err.column) for err in e.value.errors] == [
        (3, "cost"),
        (4, "clicks/impressions"),
        (5, "cost"),
        (6, "campaign"),
        (7, "date"),
    ]


def test_cells_of_one_row_follow_the_file_columns(store, tmp_path):
    path = tmp_path / "reordered.csv"
    path.write_text(
        "cost,currency,date,clicks,impressions,platform,campaign\n"
        "1,USD,2024-10-01,1,1,google,C\n"
        "-1,EURO,2024-10-32,9,1,google,\n"
    )
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "ads", path)
    assert str(e.value) == (
        f"{path}: 5 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 3, column 'cost': negative cost: got '-1', expected 0 or more. Fix: "
        "correct the row (refunds and returns are orders with status returned)\n"
        f"  - {path}, row 3, column 'currency': not an ISO 4217 currency code: got 'EURO', "
        "expected an active ISO 4217 code like USD, EUR or RUB. Fix: write the three-letter "
        "code of the money's currency (GBP for pounds, not UKP)\n"
        f"  - {path}, row 3, column 'date': unparsable date: got '2024-10-32', expected a date "
        "like 2024-10-31 (YYYY-MM-DD). Fix: correct the cell, or give the format with "
        "--date-format\n"
        f"  - {path}, row 3, column 'clicks/impressions': more clicks than impressions: got "
        "'9 clicks, 1 impressions', expected clicks <= impressions. Fix: check the row; "
        "swapped columns? map them with --map clicks=...,impressions=...\n"
        f"  - {path}, row 3, column 'campaign': missing value: got '', expected a campaign in "
        "every row (the column is required). Fix: fill the empty cells, or --set "
        "campaign=VALUE for all rows"
    )
