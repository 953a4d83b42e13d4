"""The CLV section's per-store memo is shared by the dashboard's worker threads.

FastAPI runs the sync endpoints in a thread pool and ``payback serve`` warms the
opening views in another thread, so the headline card and the ``/api/ltv`` view may ask
for the same BG/NBD fit at the same moment. The fit must run once, and a thread that
finds a newer store file must not break the others.
"""

from __future__ import annotations

import sys
import threading
import time
from types import SimpleNamespace

import pytest

import payback.clv
from payback.report import clv_section


@pytest.fixture
def store_file(tmp_path):
    """A stand-in store: the memo only reads the file's path, size and mtime."""
    path = tmp_path / "shop.duckdb"
    path.write_bytes(b"v1")
    return SimpleNamespace(path=str(path))


@pytest.fixture
def fresh_memo():
    clv_section._MEMO.clear()
    yield
    clv_section._MEMO.clear()


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


def test_concurrent_requests_fit_once(store_file, fresh_memo, monkeypatch):
    calls = []

    def slow_cohorts(store, by):
        calls.append(by)
        time.sleep(0.2)  # a fit takes a while: the other threads arrive meanwhile
        return object()

    monkeypatch.setattr(payback.clv, "cohort_ltv", slow_cohorts)
    results = run_together(8, lambda i: clv_section.source_cohorts(store_file))
    assert not [r for r in results if isinstance(r, Exception)]
    assert calls == ["platform"]
    assert len({id(r) for r in results}) == 1


def test_readers_and_a_newer_store_file_do_not_break_each_other(tmp_path, fresh_memo):
    """Threads insert, look up and (on a newer store file) clear the memo at once."""
    stores = []
    for i in range(2):
        path = tmp_path / f"shop{i}.duckdb"
        path.write_bytes(b"x" * (i + 1))
        stores.append(SimpleNamespace(path=str(path)))

    def hammer(i: int) -> int:
        for j in range(400):
            # thread 0 reads another version of the store: every call of it clears
            store = stores[1] if i == 0 else stores[0]
            value = clv_section._memo(store, f"view{i}-{j}", lambda j=j: (i, j))
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
        clv_section._memo(store, "cohorts", lambda: calls.append(1))
    assert len(calls) == 2
