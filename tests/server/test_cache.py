"""Responses are cached per normalised query and dropped when the store file changes."""

from __future__ import annotations

import datetime as dt
import threading

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

import payback.metrics
import payback.report.views
from payback.server import create_app
from payback.server.cache import QueryCache


@pytest.fixture
def engine_calls(monkeypatch):
    calls: list[tuple] = []
    real = payback.report.views.compute_metrics

    def counting(store, by=("campaign",), metrics=("cost",), *args, **kwargs):
        calls.append((tuple(by), tuple(metrics)))
        return real(store, by, metrics, *args, **kwargs)

    # every place the dashboard reaches the engine from
    monkeypatch.setattr(payback.metrics, "compute_metrics", counting)
    monkeypatch.setattr(payback.report.views, "compute_metrics", counting)
    return calls


def test_second_identical_query_does_not_reach_the_engine(client, engine_calls):
    params = {"by": "campaign,month", "metrics": "cost,cpo"}
    first = client.get("/api/metrics", params=params)
    assert len(engine_calls) == 1
    second = client.get("/api/metrics", params=params)
    assert len(engine_calls) == 1
    assert first.content == second.content
    # the same query written differently is the same cache entry
    client.get("/api/metrics", params=[("metrics", "cost"), ("metrics", "cpo"),
                                       ("by", "campaign"), ("by", "month")])  # fmt: skip
    assert len(engine_calls) == 1
    client.get("/api/metrics", params={"by": "campaign", "metrics": "cost,cpo"})
    assert len(engine_calls) == 2
    cache = client.app.state.cache
    assert (cache.hits, cache.misses) == (2, 2)


def test_views_and_exports_are_cached_too(client, engine_calls):
    for path in ("/api/headline", "/api/timeseries", "/api/table", "/api/metrics.csv"):
        client.get(path)
        n = len(engine_calls)
        assert n > 0
        client.get(path)
        assert len(engine_calls) == n, path
        engine_calls.clear()


def test_a_changed_store_file_invalidates_the_cache(tmp_path, engine_calls):
    from payback.store import open_store

    path = tmp_path / "live.duckdb"

    def add_cost(day: int, cost: float) -> None:
        with open_store(path) as store:
            row = {"date": [dt.date(2024, 1, day)], "platform": ["google"],
                   "campaign": ["A"],
                   "impressions": [10], "clicks": [1], "cost": [cost],
                   "currency": ["EUR"]}  # fmt: skip
            store.write({"ad_stats": pa.table(row)})

    add_cost(1, 10.0)
    with TestClient(create_app(path), base_url="http://127.0.0.1") as c:
        params = {"by": "platform", "metrics": "cost"}
        assert c.get("/api/metrics", params=params).json()["total"]["cost"] == 10.0
        c.get("/api/metrics", params=params)
        assert len(engine_calls) == 1
        add_cost(2, 5.0)  # another writer (an import) changes the file
        assert c.get("/api/metrics", params=params).json()["total"]["cost"] == 15.0
        assert len(engine_calls) == 2


def test_lru_keeps_the_most_recent_entries():
    cache = QueryCache(maxsize=2)
    for key in ("a", "b", "a", "c"):  # "b" is the least recently used when "c" arrives
        cache.get_or_compute(key, version=1, compute=lambda k=key: k.upper())
    assert cache.get_or_compute("a", version=1, compute=lambda: "new") == "A"
    assert cache.get_or_compute("b", version=1, compute=lambda: "new") == "new"


def test_concurrent_identical_misses_compute_once():
    cache = QueryCache()
    started, release = threading.Event(), threading.Event()
    calls = []

    def slow():
        calls.append(1)
        started.set()
        release.wait(5)
        return "v"

    results = []
    threads = [threading.Thread(target=lambda: results.append(
        cache.get_or_compute("k", version=1, compute=slow))) for _ in range(4)]  # fmt: skip
    for t in threads:
        t.start()
    started.wait(5)
    release.set()
    for t in threads:
        t.join(5)
    assert results == ["v"] * 4 and len(calls) == 1


def test_a_key_is_computed_once_under_heavy_thread_switching():
    """No window between storing a value and dropping its in-flight gate: a thread
    arriving there found neither and computed the key again."""
    import sys

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        extra = 0
        for _ in range(100):
            cache, calls = QueryCache(maxsize=64), []
            start = threading.Barrier(6)

            def work(cache=cache, calls=calls, start=start):
                start.wait()
                for k in range(20):
                    cache.get_or_compute(k, version=1, compute=lambda: calls.append(1))

            threads = [threading.Thread(target=work) for _ in range(6)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(10)
            extra += len(calls) - 20
    finally:
        sys.setswitchinterval(interval)
    assert extra == 0


def test_a_failed_computation_is_not_cached():
    cache = QueryCache()

    def boom():
        raise ValueError("engine failed")

    with pytest.raises(ValueError):
        cache.get_or_compute("k", version=1, compute=boom)
    assert cache.get_or_compute("k", version=1, compute=lambda: "ok") == "ok"


def test_warm_up_caches_what_the_page_opens_with(shop_db, engine_calls):
    import time

    from payback.server.payloads import default_jobs

    app = create_app(shop_db, warm=True)
    assert len(app.state.cache) == 0  # nothing before the server starts
    with TestClient(app, base_url="http://127.0.0.1") as c:  # runs the start-up
        deadline = time.monotonic() + 60
        while len(app.state.cache) < len(default_jobs()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(app.state.cache) == len(default_jobs())
        before = len(engine_calls)
        assert before > 0
        for path in ("/api/filters", "/api/headline", "/api/timeseries", "/api/table"):
            assert c.get(path).status_code == 200
        assert len(engine_calls) == before  # every view came from the cache


def test_stopping_during_the_warm_up_exits_cleanly(shop_db):
    """Shutdown waits for the view being warmed: a DuckDB query still running when the
    interpreter exits aborts the process (exit status 134, "terminate called ...")."""
    import subprocess
    import sys

    code = """
import sys, time, warnings
warnings.simplefilter("ignore")
import duckdb
from fastapi.testclient import TestClient
import payback.server.app
from payback.server import create_app

running = []

def slow_view(store):  # a view that takes a second in DuckDB's own threads
    running.append(1)
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    return con.sql("select sum(range % 7) from range(100000000)").fetchall()[0][0]

payback.server.app.default_jobs = lambda: [(("slow",), slow_view)]
app = create_app(sys.argv[1], warm=True)
with TestClient(app, base_url="http://127.0.0.1"):
    while not running:
        time.sleep(0.001)
print("stopped", len(app.state.cache))
"""
    done = subprocess.run(
        [sys.executable, "-c", code, str(shop_db)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["stopped", "1"]  # the view finished before the exit
