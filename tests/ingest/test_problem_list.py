"""The list of problems an import stops with: every problem carries its fix."""

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
        f"{path}: 3 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 2, column 'cost': unparsable number: got 'x1', {NUMBER}. {FIX}\n"
        f"  - {path}, row 3, column 'cost': unparsable number: got 'x2', {NUMBER}. {FIX}\n"
        f"  - {path}, row 4, column 'cost': unparsable number: got 'x3', {NUMBER}. "
        f"(1 more row(s) with the same problem.) {FIX}"
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
