"""Cold work beside cached answers and writers: a bounded pool, the page's first views
first, cached answers while the pool is busy, and no 500 while an import holds the store
(the last answer, or 503 with Retry-After)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from fastapi.testclient import TestClient

from payback.server import create_app
from payback.server.pool import PRIORITY, ComputePool, priority


def test_the_pool_runs_the_lowest_priority_number_first_and_no_more_than_its_workers():
    pool = ComputePool(workers=1)
    gate, ran = threading.Event(), []
    first = pool.submit(0, gate.wait)  # holds the only worker
    asked = ((7, "report"), (4, "ltv"), (1, "headline"), (4, "ltv2"))
    later = [pool.submit(p, ran.append, name) for p, name in asked]
    assert pool.queued == 4 and ran == []
    gate.set()
    first.result(10)
    for f in later:
        f.result(10)
    assert ran == ["headline", "ltv", "ltv2", "report"]  # ties in arrival order
    pool.shutdown()


def test_the_page_opens_with_headline_and_economics_before_the_heavy_views():
    order = sorted(PRIORITY, key=PRIORITY.get)
    assert order[:3] == ["filters", "headline", "economics"]
    assert priority(("ltv", ("by", '"platform"'))) < priority(("report",))


def test_a_cached_answer_does_not_wait_for_the_busy_pool(shop_db):
    app = create_app(shop_db, workers=1)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        cached = client.get("/api/filters")
        assert cached.status_code == 200
        gate = threading.Event()
        busy = app.state.services.pool.submit(0, gate.wait)  # the only worker, blocked
        try:
            assert client.get("/api/filters").content == cached.content
            assert not busy.done()  # answered while the worker was still busy
        finally:
            gate.set()
        busy.result(10)


HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])           # a writer: holds the file's lock
con.execute("create table if not exists _import_probe (x int)")
con.execute("insert into _import_probe values (1)")  # the store file changes
print("holding", flush=True)
sys.stdin.readline()
con.close()
"""


@pytest.fixture
def writable_shop(tmp_path):
    from tests.server.conftest import build_shop

    path = tmp_path / "shop.duckdb"
    build_shop(path)
    return path


def test_while_a_writer_holds_the_store_views_answer_from_cache_or_503(writable_shop):
    app = create_app(writable_shop)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        before = client.get("/api/filters")
        assert before.status_code == 200 and "X-Payback-Stale" not in before.headers
        writer = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(writable_shop)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert writer.stdout.readline().strip() == "holding"
            stale = client.get("/api/filters")  # the store changed, and cannot be read now
            assert stale.status_code == 200
            assert stale.headers["X-Payback-Stale"] == "1"
            assert stale.content == before.content
            fresh = client.get("/api/headline", params={"from": "2024-02-01"})
            assert fresh.status_code == 503
            assert fresh.headers["Retry-After"] == "2"
            assert fresh.json()["detail"].startswith("the store is being written")
        finally:
            writer.communicate("done\n", timeout=30)
        deadline = time.monotonic() + 30
        while (again := client.get("/api/headline", params={"from": "2024-02-01"})).status_code \
                == 503 and time.monotonic() < deadline:  # fmt: skip
            time.sleep(0.1)
        assert again.status_code == 200
        assert "X-Payback-Stale" not in client.get("/api/filters").headers


def test_worker_processes_answer_as_threads_do(shop_db):
    params = {"from": "2024-02-01", "to": "2024-02-29"}
    with TestClient(create_app(shop_db), base_url="http://127.0.0.1") as threads:
        expected = [threads.get(p, params=params).content for p in ("/api/headline", "/api/table")]
        refused = threads.get("/api/economics", params={"where": "platform=nowhere"})
    app = create_app(shop_db, workers=1, processes=True)
    with TestClient(app, base_url="http://127.0.0.1") as procs:
        got = [procs.get(p, params=params).content for p in ("/api/headline", "/api/table")]
        assert got == expected
        again = procs.get("/api/economics", params={"where": "platform=nowhere"})
        assert (again.status_code, again.content) == (refused.status_code, refused.content)


def test_processes_need_a_store_file():
    from payback.store import open_store

    with pytest.raises(ValueError, match="processes=True needs a store file"):
        create_app(open_store(":memory:"), processes=True)


def test_a_dead_worker_process_is_replaced(shop_db):
    import os
    from concurrent.futures.process import BrokenProcessPool

    pool = ComputePool(workers=1, processes=True, db=shop_db)
    try:
        first = pool.submit(0, os.getpid).result(120)
        with pytest.raises(BrokenProcessPool):
            pool.submit(0, os._exit, 9).result(120)  # the worker dies (killed, out of memory)
        assert pool.submit(0, os.getpid).result(120) != first  # a new worker answers
    finally:
        pool.shutdown()


def test_a_view_computed_before_it_is_registered_is_cached_without_deadlock(shop_db):
    from concurrent.futures import Future

    services = create_app(shop_db).state.services
    done: Future = Future()
    done.set_result(b'{"answer":42}')
    services.pool.run = lambda *args: done  # finished before start() registers it
    got = []
    asker = threading.Thread(target=lambda: got.append(services.start(("x",), None)), daemon=True)
    asker.start()
    asker.join(10)
    assert not asker.is_alive(), "start() deadlocked on its own lock"
    assert got[0].result() == b'{"answer":42}'
    assert services.cache.lookup(("x",), services.source.version()) == (True, b'{"answer":42}')
