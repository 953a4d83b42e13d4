"""Months and weeks: --where month=YYYY-MM, week=YYYY-Www; months shown as YYYY-MM."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from payback.cli import main
from payback.errors import InputError
from payback.metrics import compute_metrics

from .conftest import arrow_rows

DAYS = [dt.date(2024, 9, 30), dt.date(2024, 10, 1), dt.date(2024, 10, 31), dt.date(2024, 11, 1)]
ADS = [{"date": d, "cost": 10.0 * (i + 1)} for i, d in enumerate(DAYS)]
ORDERS = [
    {"order_id": f"o{i}", "time": dt.datetime.combine(d, dt.time(23, 59)), "revenue": 5.0 * (i + 1)}
    for i, d in enumerate(DAYS)
]


@pytest.fixture
def store(make_store):
    return make_store(ads=ADS, orders=ORDERS)


def _sums(first: dt.date, last: dt.date) -> dict:
    """cost and revenue of the days first..last, from the raw rows."""
    return {
        "cost": sum(a["cost"] for a in ADS if first <= a["date"] <= last),
        "revenue": sum(o["revenue"] for o in ORDERS if first <= o["time"].date() <= last),
    }


@pytest.mark.parametrize("value", ["2024-10", "2024-10-01", "2024-10-17", dt.date(2024, 10, 31)])
def test_a_month_filter_takes_yyyy_mm_or_any_day_of_it(store, value):
    r = compute_metrics(store, by="month", metrics="cost,revenue", where={"month": value})
    assert r.groups["month"].tolist() == [dt.date(2024, 10, 1)]  # a date in the frame
    assert r.total("all") == _sums(dt.date(2024, 10, 1), dt.date(2024, 10, 31))
    assert r.warnings == ()


@pytest.mark.parametrize("value", ["2024-W40", "2024w40", "2024-10-06", "2024-09-30"])
def test_a_week_filter_takes_an_iso_week_or_any_day_of_it(store, value):
    # ISO week 40 of 2024: Monday 30 September to Sunday 6 October
    r = compute_metrics(store, by="week", metrics="cost,revenue", where=[f"week={value}"])
    assert r.groups["week"].tolist() == [dt.date(2024, 9, 30)]
    assert r.total("all") == _sums(dt.date(2024, 9, 30), dt.date(2024, 10, 6))


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("month=2024-13", "unparsable month '2024-13': expected YYYY-MM or a day YYYY-MM-DD"),
        ("month=Oct", "unparsable month 'Oct': expected YYYY-MM"),
        ("week=2024-W54", "unparsable week '2024-W54': expected YYYY-Www (ISO week)"),
        ("week=2024-10", "unparsable week '2024-10': expected YYYY-Www"),
        ("date=2024-10", "unparsable date '2024-10': expected YYYY-MM-DD"),
    ],
)
def test_a_bad_period_says_what_was_expected(store, where, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compute_metrics(store, by="month", metrics="cost", where=[where])


@pytest.fixture
def db(tmp_path):
    from payback.store import open_store

    path = tmp_path / "m.duckdb"
    with open_store(path) as s:
        s.write({"ad_stats": arrow_rows("ad_stats", ADS), "orders": arrow_rows("orders", ORDERS)})
    return str(path)


def _run(capsys, db, *args):
    code = main(["metrics", "--db", db, "--by", "month", "-m", "cost,revenue", *args])
    return code, capsys.readouterr().out


def test_text_formats_show_months_as_yyyy_mm(capsys, db, tmp_path):
    code, out = _run(capsys, db, "-f", "csv", "--where", "month=2024-10")
    october = _sums(dt.date(2024, 10, 1), dt.date(2024, 10, 31))
    assert (
        code == 0
        and out.splitlines()[1] == f"2024-10,{october['cost']},{october['revenue']},False,"
    )
    code, out = _run(capsys, db, "-f", "json")
    assert [r["month"] for r in json.loads(out)["rows"]] == [
        "2024-09",
        "2024-10",
        "2024-11",
        None,
        None,
    ]
    code, out = _run(capsys, db)
    assert "2024-10 " in out and "2024-10-01" not in out


def test_parquet_keeps_the_month_a_date(capsys, db, tmp_path):
    path = tmp_path / "m.parquet"
    code, _ = _run(capsys, db, "-f", "parquet", "-o", str(path))
    table = pq.read_table(path)
    assert code == 0 and table.schema.field("month").type == pa.date32()
    assert table.column("month").to_pylist()[:3] == [
        dt.date(2024, 9, 1), dt.date(2024, 10, 1), dt.date(2024, 11, 1),
    ]  # fmt: skip


def test_months_read_like_ltv_cohorts(store):
    from payback.clv import cohort_ltv
    from payback.output import formatted_dates

    months = compute_metrics(store, by="month", metrics="orders")
    cohorts = cohort_ltv(store, "month").frame

    shown = set(formatted_dates(months.groups)["month"])
    assert set(cohorts["cohort"]) <= shown and "2024-09" in shown
