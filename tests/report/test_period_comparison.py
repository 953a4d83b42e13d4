"""A report with --from/--to compares the period with the days just before it: when those
days begin before the data, the headline says so; when they hold no data, it does not
claim to show the whole history.

On UCI Online Retail's lines (tests/data/online_retail, orders built with
`--build-orders` as a user imports them; the data begin on 2010-12-01), before:
- `--from 2011-03-01 --to 2011-06-15` showed "Revenue +N % vs ..." against 2010-11-14 to
  2011-02-28 and nothing said that 17 of those 107 days come before the data;
- `--from 2010-12-01 --to 2010-12-31` (nothing before it) introduced the cards with
  "Totals of the whole history (2010-12-01 – 2010-12-31). Each change compares vs the
  previous 31 days (...): the last complete calendar month of the data with the month
  before", three claims that were all wrong.

The revenue and orders of both periods are summed here with DuckDB from the stored
confirmed orders.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from tests.segments.conftest import import_uci

from payback.report import render_report
from payback.report.cards import headline
from payback.report.views import Period
from payback.store import open_store

START, END = dt.date(2011, 3, 1), dt.date(2011, 6, 15)
BEFORE = Period(dt.date(2010, 11, 14), dt.date(2011, 2, 28))  # the 107 days before


@pytest.fixture(scope="module")
def uci_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("uci") / "uci.duckdb")
    import_uci(db)
    return db


def _sums(db: str, period: Period) -> tuple[int, float]:
    with duckdb.connect(db, read_only=True) as con:
        n, revenue = con.execute(
            "SELECT count(*), sum(revenue) FROM orders WHERE status = 'confirmed' "
            "AND CAST(time AS DATE) BETWEEN ? AND ?",
            [period.start, period.end],
        ).fetchone()
    return int(n), float(revenue or 0.0)


def test_a_previous_period_partly_before_the_data_says_so(uci_db):
    with open_store(uci_db, read_only=True) as store:
        h = headline(store, start=START, end=END)
    assert h.previous_period == BEFORE and h.previous_period.days == 107
    assert h.data_start == dt.date(2010, 12, 1) == h.data_begins
    assert h.intro == (
        "Each change compares the period with the previous 107 days (2010-11-14 – "
        "2011-02-28), which have data from 2010-12-01 on only: 17 of those days come before "
        "the data, so their totals are lower than a whole period's would be."
    )
    cards = {c.metric: c for c in h.cards}
    (orders_now, revenue_now), (orders_before, revenue_before) = (
        _sums(uci_db, Period(START, END)),
        _sums(uci_db, BEFORE),
    )
    assert (cards["orders"].value, cards["orders"].previous) == (orders_now, orders_before)
    assert cards["revenue"].value == pytest.approx(revenue_now)
    assert cards["revenue"].previous == pytest.approx(revenue_before)
    assert cards["revenue"].change == pytest.approx(revenue_now / revenue_before - 1)


def test_the_report_prints_it_above_the_cards(uci_db):
    with open_store(uci_db, read_only=True) as store:
        html = render_report(store, start=START, end=END)
    assert '<p class="intro">Each change compares the period with the previous 107 days' in html


def test_a_period_with_nothing_before_it_does_not_call_itself_the_whole_history(uci_db):
    with open_store(uci_db, read_only=True) as store:
        h = headline(store, start=dt.date(2010, 12, 1), end=dt.date(2010, 12, 31))
        whole = headline(store)
    assert h.note == "no data in the previous period" and h.intro == ""
    assert h.data_begins is None  # the previous 31 days end before the data
    # without a period: the whole history, month on month, as before
    assert whole.intro == (
        "Totals of the whole history (2010-12-01 – 2011-12-09). Each change compares Nov 2011 "
        "vs Oct 2011: the last complete calendar month of the data with the month before."
    )
