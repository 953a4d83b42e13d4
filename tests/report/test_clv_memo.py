"""Whole-history CLV work is computed once per store version and shared.

FastAPI runs the sync endpoints in a thread pool and ``payback serve`` warms the
opening views in another thread, so the headline card, the ``/api/ltv`` view and the
ceilings may ask for the same BG/NBD fit (or cohort table) at the same moment. It must run
once (:func:`payback.cache.per_store_version`), a thread that finds a newer store file
must not break the others, a new import must be seen, and the memo must never change a
number.
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
import sys
import threading
import time
from types import SimpleNamespace

import pandas as pd
import pyarrow as pa
import pytest

import payback.cache
import payback.clv.by_source
import payback.clv.cohorts
from payback.cache import QueryCache, per_store_version
from payback.present import Table
from payback.report import clv_section


@pytest.fixture
def store_file(tmp_path):
    """A stand-in store: the memo only reads the file's path, size and mtime."""
    path = tmp_path / "shop.duckdb"
    path.write_bytes(b"v1")
    return SimpleNamespace(path=str(path))


@pytest.fixture
def fresh_memo(monkeypatch):
    """An empty per-store-version memo for the test."""
    monkeypatch.setattr(payback.cache, "_PER_VERSION", QueryCache(maxsize=64))


@pytest.fixture
def demo_copy(demo_db, tmp_path):
    """A writable copy of the 400-customer demo store."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, path)
    return path


def run_together(n: int, target) -> list:
    """Start ``n`` threads at once on ``target(i)``; their results (or exceptions)."""
    results: list = [None] * n
    start = threading.Barrier(n)

    def work(i: int) -> None:
        start.wait()
        try:
            results[i] = target(i)
        except Exception as e:  # collected: the test asserts there are none
            results[i] = e

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def counting(monkeypatch, module, name: str) -> list:
    """Replace ``module.name`` by a wrapper recording its calls; the list of calls."""
    calls: list = []
    real = getattr(module, name)

    @functools.wraps(real)
    def wrapper(*args, **kwargs):
        calls.append((args[1:], kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_concurrent_requests_compute_the_cohorts_once(store_file, fresh_memo, monkeypatch):
    calls = []

    def slow_cohorts(store, by, **kwargs):
        calls.append(by)
        time.sleep(0.2)  # a query takes a while: the other threads arrive meanwhile
        return Table(pd.DataFrame({"cohort": ["google"], "customers": [3]}))

    monkeypatch.setattr(payback.clv.cohorts, "cohort_ltv", slow_cohorts)
    results = run_together(8, lambda i: clv_section.source_cohorts(store_file))
    assert not [r for r in results if isinstance(r, Exception)]
    assert calls == ["platform"]
    assert all(r.frame.equals(results[0].frame) for r in results)
    # every caller gets its own copy: one changing it does not change the others'
    results[0].frame.loc[0, "customers"] = 99
    assert clv_section.source_cohorts(store_file).frame.loc[0, "customers"] == 3


def test_readers_and_a_newer_store_file_do_not_break_each_other(tmp_path, fresh_memo):
    """Threads insert, look up and (on a newer store file) clear the memo at once."""
    stores = []
    for i in range(2):
        path = tmp_path / f"shop{i}.duckdb"
        path.write_bytes(b"x" * (i + 1))
        stores.append(SimpleNamespace(path=str(path)))

    def hammer(i: int) -> int:
        for j in range(400):
            # thread 0 reads another store: every call of it drops the other's values
            store = stores[1] if i == 0 else stores[0]
            value = per_store_version(store, f"view{i}-{j}", lambda j=j: (i, j))
            assert value == (i, j), f"thread {i} got {value} for view{i}-{j}"
        return i

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        results = run_together(8, hammer)
    finally:
        sys.setswitchinterval(interval)
    assert results == list(range(8)), [r for r in results if isinstance(r, Exception)][:3]


def test_in_memory_stores_are_not_memoised(fresh_memo):
    calls = []
    store = SimpleNamespace(path=":memory:")
    for _ in range(2):
        per_store_version(store, "cohorts", lambda: calls.append(1))
    assert len(calls) == 2


def test_one_fit_and_one_cohort_query_serve_the_headline_the_ltv_view_and_the_ceilings(
    demo_db, fresh_memo, monkeypatch
):
    from payback.economics import ceilings
    from payback.store import open_store

    fits = counting(monkeypatch, payback.clv.by_source, "predict_ltv")
    cohorts = counting(monkeypatch, payback.clv.cohorts, "cohort_ltv")
    calibrations = counting(monkeypatch, clv_section, "_calibration")
    for by in ("platform", "campaign"):  # the dashboard's /api/ltv?by= and the headline
        with open_store(demo_db, read_only=True) as store:  # a request opens the store
            clv_section.new_customer_ltv(store)
            clv_section.build_clv_section(store, by=by)
            ceilings(store, by, predicted=True)
    assert [kw["by"] for _, kw in fits] == ["platform", "campaign"]
    # and the cohorts by month once, for the left-censored first cohort's warning
    assert [args[0] for args, _ in cohorts] == ["platform", "month", "campaign"]
    assert len(calibrations) == 1  # the same for every by


def test_a_new_import_is_seen(demo_copy, fresh_memo):
    """Three customers acquired through a new platform on 10 June 2024 with 30, 60 and 90:
    the cohort of that platform has 3 customers and 60 of revenue per customer in month 0,
    and the fit counts them, once the memo drops the values of the older store."""
    from payback.store import open_store

    with open_store(demo_copy) as store:
        before = clv_section.ltv_table(store).frame
        assert "tiktok" not in set(before["source"])
        assert "tiktok" not in set(clv_section.source_cohorts(store).frame["cohort"])
        store.write({"orders": pa.table({
            "order_id": ["tt1", "tt2", "tt3"],
            "customer_id": ["new-1", "new-2", "new-3"],
            "time": [dt.datetime(2024, 6, 10, 12)] * 3,
            "revenue": [30.0, 60.0, 90.0],
            "status": ["confirmed"] * 3,
            "currency": ["USD"] * 3,
            "platform": ["tiktok"] * 3,
        })})  # fmt: skip
        cohorts = clv_section.source_cohorts(store).frame
        table = clv_section.ltv_table(store).frame
    month0 = cohorts[(cohorts["cohort"] == "tiktok") & (cohorts["months_since_acquisition"] == 0)]
    assert month0[["customers", "revenue_per_customer"]].values.tolist() == [[3, 60.0]]
    row = table.set_index("source").loc["tiktok"]
    assert row["customers"] == 3
    assert row["historical_ltv"] == pytest.approx(60.0)  # no repeat purchase since
    assert int(table["customers"].sum()) == int(before["customers"].sum()) + 3


def test_the_numbers_are_the_same_with_and_without_the_memo(demo_db, fresh_memo, monkeypatch):
    from payback.economics import ceilings
    from payback.store import open_store

    def everything(store):
        ltv = {by: clv_section.ltv_table(store, by) for by in clv_section.SOURCE_GRAINS}
        cohorts = {by: clv_section.source_cohorts(store, by) for by in ("platform", "campaign")}
        check = clv_section.calibration_check(store)
        economics = ceilings(store, "campaign", predicted=True).frame
        return ltv, cohorts, check, economics, clv_section.new_customer_ltv(store)

    with open_store(demo_db, read_only=True) as store:
        first = everything(store)
        memoised = everything(store)  # every value from the memo now
    monkeypatch.setattr(payback.cache, "store_version", lambda store: None)  # no memo
    with open_store(demo_db, read_only=True) as store:
        fresh = everything(store)
    # from the memo: the very numbers; computed again: DuckDB's parallel sums may differ
    # in the last digit from run to run, and the fits with them
    for got, exact in ((memoised, True), (fresh, False)):
        same = {"check_exact": True} if exact else {"rtol": 1e-6}
        for by, table in first[0].items():
            pd.testing.assert_frame_equal(got[0][by].frame, table.frame, **same)
            assert dict(got[0][by].reasons) == dict(table.reasons)
            assert dict(got[0][by].units) == dict(table.units)
        for by, table in first[1].items():
            pd.testing.assert_frame_equal(got[1][by].frame, table.frame, **same)
        pd.testing.assert_frame_equal(got[2][0].frame, first[2][0].frame, **same)
        assert got[2][1] == first[2][1]
        pd.testing.assert_frame_equal(got[3], first[3], **same)
        assert got[4] == (first[4] if exact else pytest.approx(first[4], rel=1e-6))
    assert first[4] is not None


def test_the_report_fits_in_the_background_once_and_uses_that_fit(demo_db, fresh_memo, monkeypatch):
    """build_report starts the CLV fit and the calibration check in a thread, on a second
    connection, while the metric tables compute; the sections wait for them: one fit by
    platform (the partners section takes the cohort LTV: no fit by partner) and one check,
    all in that thread, and no thread left behind."""
    from payback.report import render_report
    from payback.store import open_store

    threads: dict[str, list[str]] = {"predict_ltv": [], "_calibration": []}
    for module, name in ((payback.clv.by_source, "predict_ltv"), (clv_section, "_calibration")):
        real = getattr(module, name)

        def wrapper(*args, _real=real, _name=name, **kwargs):
            threads[_name].append(threading.current_thread().name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, functools.wraps(real)(wrapper))
    with open_store(demo_db, read_only=True) as store:
        html = render_report(store)
        ltv = clv_section.new_customer_ltv(store)  # remembered: no second fit
    assert threads == {
        "predict_ltv": ["payback-report-clv"],  # by platform only
        "_calibration": ["payback-report-clv"],
    }
    assert not [t for t in threading.enumerate() if t.name == "payback-report-clv"]
    assert ltv is not None and "Model check: BG/NBD fitted to" in html
