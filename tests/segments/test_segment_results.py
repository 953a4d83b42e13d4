"""The segments section's whole-history results (RFM overall and by source, cross-sell
rules) are computed once per store version and shared: a second ask finds them, a new
import is seen, the report computes them in its background thread, and the numbers are
those of rfm() and pairs() asked separately."""

from __future__ import annotations

import datetime as dt
import math
import shutil
import threading

import pandas as pd
import pyarrow as pa
import pytest

import payback.cache
from payback.cache import QueryCache
from payback.segments import pairs, report_section, rfm
from payback.store import open_store


@pytest.fixture
def fresh_memo(monkeypatch):
    """An empty per-store-version memo for the test."""
    monkeypatch.setattr(payback.cache, "_PER_VERSION", QueryCache(maxsize=64))


@pytest.fixture
def computed(monkeypatch) -> list[str]:
    """The threads in which the results were computed (one entry per computation)."""
    calls: list[str] = []
    real = report_section._compute

    def counting(store, by):
        calls.append(threading.current_thread().name)
        return real(store, by)

    monkeypatch.setattr(report_section, "_compute", counting)
    return calls


def test_the_numbers_are_rfm_s_and_pairs(demo, fresh_memo):
    with open_store(demo[0], read_only=True) as store:
        got = report_section.segment_results(store, "platform")
        overall = rfm(store, predict=False, customers=False)
        split = rfm(store, predict=False, customers=False, by="platform").segments
        rules = pairs(store)
    # one per-customer table for both: the same rows; DuckDB's parallel sums may differ in
    # the last digit from run to run
    pd.testing.assert_frame_equal(got.overall.frame, overall.segments.frame, rtol=1e-12)
    pd.testing.assert_frame_equal(got.by_source.frame, split.frame, rtol=1e-12)
    assert got.as_of == overall.as_of
    assert (got.overall.units, got.overall.currency) == (
        overall.segments.units, overall.segments.currency)  # fmt: skip
    pd.testing.assert_frame_equal(got.pairs.rules.frame, rules.rules.frame)
    assert got.pairs_error is None


def test_a_second_ask_reuses_the_results(demo, fresh_memo, computed):
    with open_store(demo[0], read_only=True) as store:
        first = report_section.segment_results(store, "platform")
        again = report_section.segment_results(store, "platform")
        by_campaign = report_section.segment_results(store, "campaign")
        report_section.build_segments_section(store, by="platform")
    assert again is first
    assert by_campaign is not first
    assert len(computed) == 2  # platform, campaign; the section found the first


def test_a_new_import_is_seen(demo, tmp_path, fresh_memo, computed):
    """Three new customers on the last day: the whole-history segments count them."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo[0], path)
    with open_store(path) as store:
        before = report_section.segment_results(store, "platform")
        last = pd.Timestamp(before.as_of).to_pydatetime()
        store.write({"orders": pa.table({
            "order_id": ["n1", "n2", "n3"],
            "customer_id": ["new-1", "new-2", "new-3"],
            "time": [last + dt.timedelta(hours=1)] * 3,
            "revenue": [30.0, 60.0, 90.0],
            "status": ["confirmed"] * 3,
            "currency": [store.base_currency] * 3,
            "platform": ["tiktok"] * 3,
        })})  # fmt: skip
        after = report_section.segment_results(store, "platform")
    assert len(computed) == 2
    total = lambda t: int(t.frame.loc[t.frame.is_total, "customers"].iloc[0])  # noqa: E731
    assert total(after.overall) == total(before.overall) + 3
    split = after.by_source.frame
    assert int(split.loc[split.source == "tiktok", "customers"].sum()) == 3
    assert "tiktok" not in set(before.by_source.frame.source)


def test_the_report_computes_them_once_with_its_background_thread(demo, fresh_memo, computed):
    """The background thread starts them (after the CLV and partners work); the section
    finds them or waits for them, or computes them when it asks first: never twice."""
    from payback.report import build

    with open_store(demo[0], read_only=True) as store:
        warming = build._warm_up(store)
        warming.join()
        assert computed == ["payback-report-clv"]
        html = build.render_report(store)
    assert computed == ["payback-report-clv"]  # the report found them
    assert 'id="table-pairs"' in html


@pytest.mark.parametrize("by", ["platform", "campaign", "partner"])
def test_the_profile_and_win_back_are_those_asked_alone(demo, fresh_memo, by):
    """The report reads the RFM segments, the win-back list and the profile from one
    per-customer table: the figures are those of rfm(by=...), winback_top over
    rfm_expr and profile(), each of which scans the orders itself."""
    from payback.segments.profile import profile
    from payback.segments.rfm import rfm_as_of, rfm_expr
    from payback.segments.value_section import TOP_WINBACK
    from payback.segments.winback import winback_top

    with open_store(demo[0], read_only=True) as store:
        got = report_section.segment_results(store, by)
        split = rfm(store, predict=False, customers=False, by=by).segments
        alone = profile(store, "top")
        day = rfm_as_of(store)
        back = winback_top(store, rfm_expr(store, as_of=day), day, store.base_currency,
                           top=TOP_WINBACK)  # fmt: skip
    pd.testing.assert_frame_equal(got.by_source.frame, split.frame, rtol=1e-12)
    pd.testing.assert_frame_equal(got.profile.table.frame, alone.table.frame)
    assert (got.profile.segment_customers, got.profile.other_customers) == (
        alone.segment_customers, alone.other_customers)  # fmt: skip
    customers = int(got.overall.frame.loc[got.overall.frame.is_total, "customers"].iloc[0])
    assert got.profile.segment_customers + got.profile.other_customers == customers
    assert got.profile.segment_customers == math.ceil(0.2 * customers - 1e-9)
    pd.testing.assert_frame_equal(got.winback.customers.frame, back.customers.frame)
    assert (got.winback.count, got.winback.total_value) == (back.count, back.total_value)
    assert got.winback.count > TOP_WINBACK


def test_the_shared_customer_table_recomputed_in_pandas(tmp_path):
    """attributes_expr(by=...), the report's one per-customer table: last order, orders
    and revenue of the confirmed orders to the last day, the acquisition source by the
    grouping; a customer with no customers row, no lines and no campaign is kept."""
    from payback.segments.profile import attributes_expr

    t = dt.datetime(2024, 5, 1, 10)
    day = dt.timedelta(days=1)
    orders = pd.DataFrame({
        "order_id": ["1", "2", "3", "4", "5", "6"],
        "customer_id": ["a", "a", "b", "b", "c", "a"],
        "time": [t, t + 3 * day, t + day, t + 2 * day, t + 5 * day, t + 4 * day],
        "revenue": [10.25, 0.1, 7.0, 99.0, 0.2, 0.3],
        "status": ["confirmed", "confirmed", "confirmed", "returned", "confirmed", "confirmed"],
        "platform": ["google", "meta", None, "google", "meta", "google"],
        "campaign": ["brand", None, "x", "y", None, "z"],
        "partner_id": [None, None, "p1", None, None, None],
    })  # fmt: skip
    with open_store(tmp_path / "t.duckdb") as store:
        store.write({
            "orders": pa.Table.from_pandas(orders.assign(currency="EUR"), preserve_index=False),
            "customers": pa.table({"customer_id": ["a", "b"], "country": ["DE", "FR"]}),
        })  # fmt: skip
        got = {by: store.execute(attributes_expr(store, by=by).order_by("customer_id"))
               for by in ("platform", "campaign", "partner")}  # fmt: skip
    # by hand: a's orders 1, 2, 6 (first: 1, google / brand); b's 3 (4 is returned);
    # c's 5 (meta, no campaign, no customers row)
    frame = got["platform"]
    assert list(frame.customer_id) == ["a", "b", "c"]
    assert list(frame.frequency) == [3, 1, 1]
    assert list(frame.revenue) == [10.25 + 0.1 + 0.3, 7.0, 0.2]
    assert list(frame.last_order) == [t + 4 * day, t + day, t + 5 * day]
    assert list(frame.country) == ["DE", "FR", "(none)"]
    assert frame._source.tolist() == ["google", None, "meta"]
    assert got["campaign"]._source.tolist() == ["google / brand", "(none) / x", None]
    assert got["partner"]._source.tolist() == [None, "p1", None]
