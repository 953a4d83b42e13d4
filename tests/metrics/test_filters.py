"""--where filters and --from/--to ranges: parsed, typed and bound as literals."""

from __future__ import annotations

import datetime as dt

import ibis
import pytest

from payback.errors import InputError
from payback.metrics import compute_metrics, metrics_expr
from payback.metrics.filters import parse_where

HOSTILE = ["x' OR 1=1 --", "google'; DROP TABLE ad_stats; --", '" OR ""="', "%", "_", "\\"]


@pytest.fixture
def two_platforms(make_store):
    day = dt.date(2024, 3, 1)
    return make_store(
        ads=[
            {"platform": "google", "campaign": "g", "cost": 100.0, "date": day},
            {"platform": "meta", "campaign": "m", "cost": 40.0, "date": day},
            {
                "platform": "google",
                "campaign": "g",
                "cost": 7.0,
                "date": day + dt.timedelta(days=3),
            },
        ],
        orders=[
            {"platform": "google", "campaign": "g", "revenue": 500.0},
            {"platform": "meta", "campaign": "m", "revenue": 80.0, "partner_id": "p1"},
        ],
    )


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_filter_values_match_nothing_and_inject_nothing(two_platforms, value):
    r = compute_metrics(
        two_platforms, by="platform", metrics="cost,orders", where=[f"platform={value}"]
    )
    assert r.groups.empty
    assert r.totals == {"cost": None, "orders": 0}
    assert two_platforms.row_count("ad_stats") == 3  # nothing dropped


def test_hostile_value_is_a_bound_literal_in_the_sql(two_platforms):
    sql = ibis.to_sql(metrics_expr(two_platforms, by="platform", where={"campaign": HOSTILE[0]}))
    assert "'x'' OR 1=1 --'" in sql  # quoted as one string literal by the compiler


def test_a_hostile_value_that_exists_is_matched_exactly(make_store):
    store = make_store(ads=[{"campaign": HOSTILE[0], "cost": 3.0}, {"campaign": "x", "cost": 5.0}])
    r = compute_metrics(store, by="campaign", metrics="cost", where={"campaign": HOSTILE[0]})
    assert r.groups[["campaign", "cost"]].to_dict("records") == [
        {"campaign": HOSTILE[0], "cost": 3.0}
    ]


def test_repeated_dimension_keeps_either_value(two_platforms):
    r = compute_metrics(
        two_platforms, by=(), metrics="cost,revenue", where=["platform=google", "platform=meta"]
    )
    assert r.totals == {"cost": 147.0, "revenue": 580.0}
    r = compute_metrics(two_platforms, by=(), metrics="cost,revenue", where={"platform": "meta"})
    assert r.totals == {"cost": 40.0, "revenue": 80.0}


def test_date_range_is_inclusive_on_ad_date_and_order_time(make_store):
    store = make_store(
        ads=[{"date": dt.date(2024, 3, d), "cost": float(d)} for d in range(1, 6)],
        orders=[
            {"time": dt.datetime(2024, 3, 2, 0, 0), "revenue": 1.0},
            {"time": dt.datetime(2024, 3, 4, 23, 59, 59), "revenue": 10.0},
            {"time": dt.datetime(2024, 3, 5, 0, 0), "revenue": 100.0},
        ],
    )
    r = compute_metrics(
        store, by=(), metrics="cost,revenue", start="2024-03-02", end=dt.date(2024, 3, 4)
    )
    assert r.totals == {"cost": 2.0 + 3.0 + 4.0, "revenue": 11.0}


def test_a_filter_on_week_or_month_takes_any_day_of_it(two_platforms):
    r = compute_metrics(two_platforms, by="week", metrics="cost", where=["week=2024-03-01"])
    assert r.groups.to_dict("records") == [
        {"week": dt.date(2024, 2, 26), "cost": 140.0, "is_total": False, "total_kind": None}
    ]
    assert parse_where({"month": "2024-03-31"}) == {"month": (dt.date(2024, 3, 1),)}


def test_a_partner_filter_leaves_the_ads_out_with_the_reason(two_platforms):
    r = compute_metrics(
        two_platforms, by="platform", metrics="revenue,cost", where={"partner": "p1"}
    )
    assert r.groups[["platform", "revenue"]].to_dict("records") == [
        {"platform": "meta", "revenue": 80.0}
    ]
    assert r.reasons["cost"].startswith("ad statistics have no partner dimension to filter on")


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"where": ["platform"]}, "expected dim=value"),
        ({"where": ["color=red"]}, "unknown dimension 'color': expected one of date, week"),
        ({"by": "campaign,colour"}, "unknown dimension 'colour'"),
        ({"metrics": "cpo,cpx"}, "unknown metric 'cpx': expected one of impressions"),
        ({"start": "2024-13-01"}, "unparsable date '2024-13-01': expected YYYY-MM-DD"),
        (
            {"start": "2024-03-05", "end": "2024-03-01"},
            "--from 2024-03-05 is after --to 2024-03-01",
        ),
    ],
)
def test_bad_arguments_say_what_was_expected(two_platforms, kw, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        compute_metrics(two_platforms, **{"by": "platform", **kw})
