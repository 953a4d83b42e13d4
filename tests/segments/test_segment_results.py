"""The segments section's whole-history results (RFM overall and by source, cross-sell
rules) are computed once per store version and shared: a second ask finds them, a new
import is seen, the report computes them in its background thread, and the numbers are
those of rfm() and pairs() asked separately."""

from __future__ import annotations

import datetime as dt
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
