"""Metrics at several nested grains from one scan (payback.metrics.rollup): every grain's
result equal to its own compute_metrics query (frame, parts, reasons of every cell,
summaries, currency, warnings), from one query; grains that do not nest in the finest
one are asked on their own."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from payback.metrics import compute_metrics, engine, plans, rollup
from payback.metrics.rollup import compute_metrics_at_grains

from .conftest import arrow_rows, build_store
from .strategies import AD_ONLY_BLANK_COUNTRY_SHOP, BLANK_COUNTRY_SHOP, shops
from .test_properties import METRICS

#: Sets of grains asked together: nested ones (shared), and mixes with grains that are
#: not within the finest (month; country, which ads may lack: other sides).
GRAIN_SETS = [
    ("platform", "campaign", "keyword"),
    ("keyword", "", "platform"),
    ("campaign,month", "platform,month", "month"),
    ("platform", "month", "campaign"),
    ("keyword,country", "keyword", "campaign"),
    ("partner", "partner,campaign"),
]


def assert_same_result(got, want) -> None:
    pd.testing.assert_frame_equal(got.frame, want.frame, check_exact=True)
    pd.testing.assert_frame_equal(got.parts, want.parts, check_exact=True)
    pd.testing.assert_frame_equal(got.cell_reasons, want.cell_reasons)
    assert (got.by, got.metrics, got.reasons) == (want.by, want.metrics, want.reasons)
    assert (got.currency, got.warnings) == (want.currency, want.warnings)
    assert got.totals == want.totals


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shop=shops, grains=st.sampled_from(GRAIN_SETS), period=st.booleans())
@example(shop=BLANK_COUNTRY_SHOP, grains=GRAIN_SETS[4], period=False)
@example(shop=AD_ONLY_BLANK_COUNTRY_SHOP, grains=GRAIN_SETS[4], period=False)
def test_each_grain_equals_its_own_query(shop, grains, period):
    ads, orders, leads = shop
    grains = [tuple(x for x in g.split(",") if x) for g in grains]
    span = {"start": "2024-03-01", "end": "2024-03-20"} if period else {}
    with build_store(ads=ads, orders=orders, leads=leads) as store:
        together = compute_metrics_at_grains(store, grains, METRICS, **span)
        for by, got in zip(grains, together, strict=True):
            assert_same_result(got, compute_metrics(store, by, METRICS, **span))


@pytest.fixture
def shop():
    """Two platforms; ads on keywords the orders partly miss (so the paid totals of the
    keyword, campaign and platform grains differ); organic orders; an order without
    cogs; a returned order; a customer's second order (not a new customer)."""
    day = dt.datetime(2024, 3, 1, 12)
    ads = [
        {"platform": "google", "campaign": "brand", "keyword": "shoes", "cost": 100.10,
         "clicks": 50, "impressions": 900},
        {"platform": "google", "campaign": "brand", "keyword": "bags", "cost": 40.20,
         "clicks": 20, "impressions": 400},
        {"platform": "meta", "campaign": "feed", "cost": 60.30, "clicks": 30,
         "impressions": 3000},
    ]  # fmt: skip
    orders = [
        {"customer_id": "a", "revenue": 80.0, "cogs": 30.0, "campaign": "brand",
         "keyword": "shoes"},
        {"customer_id": "a", "revenue": 20.0, "cogs": 5.0, "campaign": "brand",
         "keyword": "shoes", "time": day + dt.timedelta(days=3)},
        {"customer_id": "b", "revenue": 55.5, "cogs": None, "campaign": "brand",
         "keyword": "socks"},
        {"customer_id": "c", "revenue": 12.25, "cogs": 2.0, "platform": "meta",
         "campaign": "feed"},
        {"customer_id": "d", "revenue": 99.0, "cogs": 9.0, "platform": None,
         "campaign": None},
        {"customer_id": "e", "revenue": 70.0, "cogs": 7.0, "status": "returned",
         "campaign": "brand", "keyword": "bags"},
    ]  # fmt: skip
    store = build_store(ads=ads, orders=orders)
    yield store
    store.close()


def test_the_report_grains_by_hand(shop):
    """The paid totals differ by grain: at keyword grain the ``socks`` order (no ad row
    for that keyword) is not paid, at campaign grain it is (brand has ad rows)."""
    metrics = ("cost", "orders", "new_customers", "revenue", "cpo", "cac", "romi")
    by_platform, by_campaign, by_keyword = compute_metrics_at_grains(
        shop, ["platform", "campaign", "keyword"], metrics
    )
    paid = {r.by: r.total("paid") for r in (by_platform, by_campaign, by_keyword)}
    assert paid[("platform",)]["orders"] == paid[("platform", "campaign")]["orders"] == 4
    assert paid[("platform", "campaign", "ad_group", "keyword")]["orders"] == 3
    assert paid[("platform", "campaign")]["cpo"] == pytest.approx((100.10 + 40.20 + 60.30) / 4)
    google = by_platform.frame.set_index("platform").loc["google"]
    assert (google.orders, google.new_customers) == (3, 2)
    assert google.cost == pytest.approx(140.30) and pd.isna(google.romi)  # socks has no cogs
    keywords = by_keyword.frame[~by_keyword.frame.is_total].set_index("keyword")
    assert keywords.loc["bags", "orders"] == 0 and keywords.loc["bags", "cost"] == 40.20
    assert pd.isna(keywords.loc["socks", "cost"]) and keywords.loc["socks", "orders"] == 1
    assert by_keyword.cell_reasons.loc[keywords.index.get_loc("socks"), "cpo"] == (
        "no ad statistics match this row"
    )
    together = (by_platform, by_campaign, by_keyword)
    for by, got in zip(("platform", "campaign", "keyword"), together, strict=True):
        assert_same_result(got, compute_metrics(shop, by, metrics))


def test_nested_grains_are_one_query_and_the_others_their_own(shop, monkeypatch):
    queries = []
    real_sql, real_compute = rollup._fetch_sql, rollup.compute_metrics
    monkeypatch.setattr(rollup, "_fetch_sql", lambda *a: queries.append("shared") or real_sql(*a))

    def alone(store, by, *args, **kwargs):
        queries.append(by)
        return real_compute(store, by, *args, **kwargs)

    monkeypatch.setattr(rollup, "compute_metrics", alone)
    compute_metrics_at_grains(shop, ["platform", "campaign", "keyword"], "cost,cpo")
    assert queries == ["shared"]
    queries.clear()
    compute_metrics_at_grains(shop, ["platform", "month", "campaign", "keyword"], "cost,cpo")
    assert queries == ["shared", "month"]
    queries.clear()
    compute_metrics_at_grains(shop, ["platform", "month"], "cost,cpo")  # month x platform
    assert queries == ["shared"]
    queries.clear()
    compute_metrics_at_grains(shop, ["campaign", "country"], "cost,cpo")  # nothing nests
    assert queries == ["campaign", "country"]


def test_kept_on_disk_and_read_back(tmp_path, monkeypatch):
    """The shared plan is compiled once per store version, and a new process (here: the
    plans of this one forgotten) reads its file instead of compiling again."""
    from payback.store import open_store

    monkeypatch.setenv("PAYBACK_CACHE_DIR", str(tmp_path / "cache"))
    compiles = []
    real = rollup._compile
    monkeypatch.setattr(rollup, "_compile", lambda *a: compiles.append(1) or real(*a))
    store = open_store(tmp_path / "shop.duckdb")
    store.write({
        "ad_stats": arrow_rows("ad_stats", [{"cost": 200.0, "clicks": 10, "keyword": "k"}]),
        "orders": arrow_rows("orders", [{"revenue": 10.0, "keyword": "k"}] * 1
                             + [{"order_id": "x", "revenue": 5.0, "platform": None}]),
    }, meta={"base_currency": "EUR"})  # fmt: skip
    grains = ["platform", "campaign", "keyword"]
    try:
        plans.clear()
        first = compute_metrics_at_grains(store, grains, METRICS)
        again = compute_metrics_at_grains(store, grains, METRICS)
        plans.clear()
        from_disk = compute_metrics_at_grains(store, grains, METRICS)
        assert len(compiles) == 1
        assert len(list((tmp_path / "cache" / "plans").glob("*.json"))) >= 1
        for a, b, c, by in zip(first, again, from_disk, grains, strict=True):
            assert_same_result(b, a)
            assert_same_result(c, a)
            assert_same_result(a, compute_metrics(store, by, METRICS))
        assert first[0].totals["cost"] == 200.0 and first[0].totals["orders"] == 2
    finally:
        store.close()
        plans.clear()


def test_the_engine_steps_are_shared_not_copied():
    """The rollup builds each grain with the engine's own steps (one home of the rules)."""
    assert rollup._rows is engine._rows and rollup._joined_sums is engine._joined_sums
