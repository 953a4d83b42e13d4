"""Periods, filters and headline changes: properties and the DOMAIN examples."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payback.errors import InputError
from payback.report.cards import change_between
from payback.report.views import (
    Period,
    choose_grain,
    normalise_where,
)

days = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


@given(days, st.integers(min_value=0, max_value=3000))
def test_previous_period_has_equal_length_and_ends_the_day_before(start, length):
    period = Period(start, start + dt.timedelta(days=length))
    before = period.previous()
    assert before.days == period.days
    assert before.end + dt.timedelta(days=1) == period.start


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(InputError, match="before it starts"):
        Period(dt.date(2024, 3, 2), dt.date(2024, 3, 1))


@pytest.mark.parametrize(
    ("length", "grain"), [(1, "date"), (62, "date"), (63, "week"), (370, "week"), (371, "month")]
)
def test_grain_follows_the_length(length, grain):
    start = dt.date(2024, 1, 1)
    assert choose_grain(Period(start, start + dt.timedelta(days=length - 1))) == grain


@given(st.lists(st.tuples(st.sampled_from(["platform", "campaign", "partner"]),
                          st.text(max_size=8)), max_size=6))  # fmt: skip
def test_filters_normalise_to_the_same_form_either_way(pairs):
    as_text = [f"{d}={v}" for d, v in pairs]
    as_mapping: dict[str, list[str]] = {}
    for d, v in pairs:
        as_mapping.setdefault(d, []).append(v)
    once = normalise_where(as_text)
    assert once == normalise_where(as_mapping)
    assert normalise_where([f"{d}={v}" for d, vs in once.items() for v in vs]) == once


def test_filter_text_needs_an_equals_sign():
    with pytest.raises(InputError, match="dimension=value"):
        normalise_where(["platform"])


def test_changes_are_relative_except_for_rates():
    assert change_between(110.0, 100.0, "money") == pytest.approx(0.10)
    assert change_between(0.25, 0.20, "rate") == pytest.approx(0.05)  # 5 pp
    assert change_between(1.0, 0.0, "count") is None  # no zero denominators
    assert change_between(None, 1.0, "money") is None


@pytest.mark.parametrize(
    "where, start, end",
    [
        ({}, None, None),
        ({"platform": ["google", "meta"]}, dt.date(2024, 3, 1), dt.date(2024, 9, 30)),
    ],
)
def test_the_report_tables_from_one_scan_equal_each_table_asked_alone(demo_db, where, start,
                                                                      end):  # fmt: skip
    """The sortable tables at platform, campaign and keyword come from one query
    (payback.metrics.rollup); each equals the table asked on its own, every row, total,
    reason and the full frame."""
    import pandas as pd

    from payback.report import build, views
    from payback.store import open_store

    dims = ("platform", "campaign", "keyword")
    with open_store(demo_db, read_only=True) as store:
        q = build.ReportQuery(start=start, end=end, where=where)
        shared = build._grain_tables(store, q, dims)
        assert list(shared) == list(dims)
        for dim in dims:
            alone = views.metric_table(store, (dim,), views.table_metrics(), where=where,
                                       start=start, end=end, limit=build.TABLE_LIMIT)  # fmt: skip
            assert shared[dim] == alone
            pd.testing.assert_frame_equal(shared[dim].frame, alone.frame, check_exact=True)
            assert alone.row_count > 1 and alone.total_of("paid")["cost"] > 0
