"""Latency of the dashboard's /api/metrics under concurrent load (loopback only, bounded).

Serves a demo store with uvicorn on 127.0.0.1 (a free port, in a thread) and sends a fixed
number of requests from a pool of client threads (httpx), at campaign x month grain:

- **uncached**: every request asks a different period (``from`` moves one day each time),
  so each one is computed by the engine; once with the API's default metrics, once with
  new customers and CAC added (first orders per customer: the engine's heaviest part);
- **cached**: one query, primed once, then asked again and again.

It prints p50 / p95 / p99 / max latency and throughput as a Markdown table, with the
machine. Targets: p99 under 200 ms cached, under 2 s uncached.

``--dashboard`` measures instead what a user waits for when the page opens: for each of
``--rounds`` rounds it starts a *fresh server process* (nothing computed, nothing cached,
no warm-up) and asks the views the page opens with all at once, as the page does
(filters, catalogue, headline, timeseries, table, ltv, economics), then asks headline and
economics again for another period (a new query on a server that has seen the store).
It prints the median and max seconds per view. Target: headline and economics under 2 s
median cold at 200k customers. The server is built as ``payback serve`` builds it
(worker processes, started before the port opens) unless ``--threads``.

``--side-by-side`` measures cached answers while cold work runs: on a fresh server it asks
``/api/filters`` and one ``/api/metrics`` query once (cached from then on), then sends
``--cold-requests`` uncached views (headline, economics, timeseries, table, each for a
different period, ``--uncached-concurrency`` at a time) while client threads ask the two
cached ones again and again; it prints cached p50/p99/max and the cold views' latency.
Target (issue 9): cached p99 under 200 ms while cold work runs.

``--cached-cpu`` prints the server process's CPU time per cached ``/api/metrics`` answer
(``--cached-requests`` of them, 8 client threads), read from ``/proc/<pid>/stat``: the
cost of answering from the cache, whatever the machine's load.

Usage::

    python benchmarks/server.py --customers 1000000            # builds the demo store first
    python benchmarks/server.py --db demo-1m.duckdb            # reuses a store
    python benchmarks/server.py --db demo.duckdb --requests 200 --cached-requests 2000
    python benchmarks/server.py --db demo-200k.duckdb --dashboard --rounds 3
    python benchmarks/server.py --db demo-200k.duckdb --side-by-side --cold-requests 24
    python benchmarks/server.py --db demo-200k.duckdb --cached-cpu --cached-requests 1000
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

#: The API's default metrics (cost, clicks, orders, revenue, CPC, CPO, DRR, ROMI), campaign x month.
QUERY = {"by": "campaign,month"}
#: The same plus new customers and CAC (first orders: the engine's heaviest part).
QUERY_CAC = {"by": "campaign,month", "metrics": "cost,orders,revenue,cpo,new_customers,cac,drr"}


def build_demo(customers: int, path: Path) -> None:
    """Generate the demo shop and write it into a new store (no CSV round trip)."""
    from payback.demo import generate_shop
    from payback.store import open_store

    began = time.perf_counter()
    shop = generate_shop(customers, seed=42)
    with open_store(path) as store:
        store.write(shop.tables, meta={"base_currency": shop.ad_stats["currency"][0].as_py()})
    print(f"built {customers:,}-customer demo store {path} in {time.perf_counter() - began:.0f} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: Path):
    import uvicorn

    from payback.server import create_app

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


#: The views the dashboard page asks for when it opens (static/dashboard.js), in its order.
OPENING_VIEWS = ("filters", "catalogue", "headline", "timeseries", "table", "ltv", "economics")
#: The views the issue's target is about.
TARGET_VIEWS = ("headline", "economics")


def serve_process(db: Path, threads: bool = False) -> tuple[subprocess.Popen, str]:
    """A fresh server process on ``db`` (no warm-up), once it accepts connections: with
    worker processes as ``payback serve`` (started before the port opens), or with
    ``threads``."""
    port = free_port()
    code = (
        "import sys, uvicorn; from payback.server import create_app; "
        "kw = {'processes': True} if sys.argv[3] == 'processes' else {}; "
        "app = create_app(sys.argv[1], **kw); "
        "uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[2]), log_level='warning')"
    )
    kind = "threads" if threads else "processes"
    proc = subprocess.Popen([sys.executable, "-c", code, str(db), str(port), kind])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the server process exited") from None
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the server did not start within 60 s")


def timed_views(base: str, views: tuple[str, ...], params: dict) -> dict[str, float]:
    """Ask every view at once (one connection each, as a browser does); seconds per view."""
    import httpx

    def one(view: str) -> tuple[str, float]:
        with httpx.Client(base_url=base, timeout=600) as client:
            began = time.perf_counter()
            r = client.get(
                f"/api/{view}", params=params if view not in ("filters", "catalogue", "ltv") else {}
            )
            r.raise_for_status()
            return view, time.perf_counter() - began

    with ThreadPoolExecutor(len(views)) as pool:
        return dict(pool.map(one, views))


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and its ended children (the servers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def dashboard(db: Path, rounds: int, threads: bool = False) -> int:
    """Cold answers of the dashboard's opening views, each round on a fresh server process."""
    from payback.report.views import data_period
    from payback.store import open_store

    with open_store(db, read_only=True) as store:
        period = data_period(store)
        orders = store.row_count("orders")
    cold: dict[str, list[float]] = {v: [] for v in OPENING_VIEWS}
    again: dict[str, list[float]] = {v: [] for v in TARGET_VIEWS}
    began, cpu = time.perf_counter(), cpu_seconds()
    load = os.getloadavg()[0]
    for i in range(rounds):
        proc, base = serve_process(db, threads)
        try:
            for view, s in timed_views(base, OPENING_VIEWS, {}).items():
                cold[view].append(s)
            start = period.start + dt.timedelta(days=30 * (i + 1)) if period else None
            other = {"from": start.isoformat()} if start else {}
            for view, s in timed_views(base, TARGET_VIEWS, other).items():
                again[view].append(s)
        finally:
            proc.terminate()
            proc.wait(30)
    wall, cpu = time.perf_counter() - began, cpu_seconds() - cpu
    kind = "threads" if threads else "worker processes"
    print(f"\nStore: {db} ({orders:,} orders); {rounds} rounds, a fresh server each ({kind}), "
          f"{wall:.0f} s wall, {cpu:.0f} s CPU (servers and clients); load {load:.1f} at the "
          f"start")  # fmt: skip
    print(f"Machine: {machine()}\n")
    print("| view | asked | rounds | median s | max s |")
    print("|---|---|---:|---:|---:|")
    for view, values in cold.items():
        print(f"| {view} | with the page's 6 others, cold | {len(values)} | "
              f"{statistics.median(values):.2f} | {max(values):.2f} |")  # fmt: skip
    for view, values in again.items():
        print(f"| {view} | then another period, together | {len(values)} | "
              f"{statistics.median(values):.2f} | {max(values):.2f} |")  # fmt: skip
    ok = all(statistics.median(cold[v]) < 2 for v in TARGET_VIEWS)
    print(f"\ntarget: headline and economics median cold < 2 s: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


def side_by_side(db: Path, cold_requests: int, concurrency: int, threads: bool) -> int:
    """Cached latency while cold views are computed, on a fresh server."""
    import httpx

    from payback.report.views import data_period
    from payback.store import open_store

    with open_store(db, read_only=True) as store:
        period = data_period(store)
        orders = store.row_count("orders")
    first = period.start if period else dt.date(2024, 1, 1)
    views = ("headline", "economics", "timeseries", "table")
    cold = [
        (views[i % len(views)], {"from": (first + dt.timedelta(days=7 * i + 1)).isoformat()})
        for i in range(cold_requests)
    ]
    cached = [("filters", {}), ("metrics", dict(QUERY))]
    proc, base = serve_process(db, threads)
    began, cpu = time.perf_counter(), cpu_seconds()
    load = os.getloadavg()[0]
    try:
        with httpx.Client(base_url=base, timeout=600) as c:
            for view, params in cached:  # computed once, cached from now on
                c.get(f"/api/{view}", params=params).raise_for_status()
        stop = threading.Event()
        hot: list[float] = []
        statuses: dict[int, int] = {}

        def ask_cached(i: int) -> None:
            with httpx.Client(base_url=base, timeout=600) as client:
                while not stop.is_set():
                    view, params = cached[i % len(cached)]
                    t = time.perf_counter()
                    r = client.get(f"/api/{view}", params=params)
                    hot.append(time.perf_counter() - t)
                    statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                    time.sleep(0.01)  # a browser's pace, not a flood

        def ask_cold(job: tuple[str, dict]) -> float:
            with httpx.Client(base_url=base, timeout=600) as client:
                t = time.perf_counter()
                r = client.get(f"/api/{job[0]}", params=job[1])
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                return time.perf_counter() - t

        pollers = [threading.Thread(target=ask_cached, args=(i,)) for i in range(4)]
        for t in pollers:
            t.start()
        cold_began = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            lat = list(pool.map(ask_cold, cold))
        cold_wall = time.perf_counter() - cold_began
        stop.set()
        for t in pollers:
            t.join()
    finally:
        proc.terminate()
        proc.wait(30)
    cpu = cpu_seconds() - cpu
    kind = "threads" if threads else "worker processes"
    print(f"\nStore: {db} ({orders:,} orders); one fresh server ({kind}); "
          f"{time.perf_counter() - began:.0f} s wall, {cpu:.0f} s CPU; load {load:.1f} at the "
          f"start; statuses {statuses}")  # fmt: skip
    print(f"Machine: {machine()}\n")
    print("| requests | n | concurrency | p50 ms | p95 ms | p99 ms | max ms | req/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(row("cold views (headline, economics, timeseries, table)", lat, cold_wall, concurrency))
    print(row("cached (filters, metrics) meanwhile", hot, cold_wall, 4))
    ok = percentile([x * 1000 for x in hot], 99) < 200
    print(f"\ntarget: cached p99 < 200 ms while cold work runs: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cached_cpu(db: Path, requests: int, threads: bool) -> int:
    """Server CPU per cached answer (the cache's own cost, independent of the load)."""
    proc, base = serve_process(db, threads)
    try:
        queries = [dict(QUERY)] * requests
        run(base, queries[:1], 1)  # computed once
        run(base, queries[:50], 4)  # connections and code paths warm
        before = process_cpu(proc.pid)
        lat, wall = run(base, queries, 8)
        per = (process_cpu(proc.pid) - before) / requests * 1000
    finally:
        proc.terminate()
        proc.wait(30)
    print(f"\nMachine: {machine()}\n")
    print("| requests | n | concurrency | p50 ms | p95 ms | p99 ms | max ms | req/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(row("cached (same query)", lat, wall, 8))
    print(f"\nserver CPU per cached answer: {per:.2f} ms")
    return 0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def run(base: str, params: list[dict], concurrency: int) -> tuple[list[float], float]:
    """Send every request (``concurrency`` at a time); latencies in seconds and wall time."""
    import httpx

    local = threading.local()

    def one(p: dict) -> float:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(base_url=base, timeout=120)
        began = time.perf_counter()
        r = client.get("/api/metrics", params=p)
        r.raise_for_status()
        return time.perf_counter() - began

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        latencies = list(pool.map(one, params))
    return latencies, time.perf_counter() - began


def row(name: str, latencies: list[float], wall: float, concurrency: int) -> str:
    ms = [x * 1000 for x in latencies]
    return (
        f"| {name} | {len(ms):,} | {concurrency} | {percentile(ms, 50):,.1f} | "
        f"{percentile(ms, 95):,.1f} | {percentile(ms, 99):,.1f} | {max(ms):,.1f} | "
        f"{len(ms) / wall:,.1f} |"
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    import duckdb

    load = ""
    if hasattr(os, "getloadavg"):
        load = f"; load average (1 min) {os.getloadavg()[0]:.1f} at the end"
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}; Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, {platform.system()} {platform.release()}{load}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="store to serve (built when missing)")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=60, help="uncached requests")
    parser.add_argument("--cac-requests", type=int, default=12, help="uncached, with CAC")
    parser.add_argument("--cached-requests", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--uncached-concurrency", type=int, default=2)
    parser.add_argument(
        "--dashboard", action="store_true", help="cold answers of the page's opening views"
    )
    parser.add_argument("--rounds", type=int, default=3, help="fresh servers (--dashboard)")
    parser.add_argument(
        "--side-by-side", action="store_true", help="cached latency while cold views run"
    )
    parser.add_argument("--cold-requests", type=int, default=24, help="(--side-by-side)")
    parser.add_argument(
        "--threads", action="store_true", help="compute in threads, not worker processes"
    )
    parser.add_argument("--cached-cpu", action="store_true", help="server CPU per cached answer")
    args = parser.parse_args(argv)

    tmp = None
    db = args.db
    if db is None:
        tmp = tempfile.TemporaryDirectory()
        db = Path(tmp.name) / "demo.duckdb"
    if not db.exists():
        build_demo(args.customers, db)
    if args.dashboard:
        return dashboard(db, args.rounds, args.threads)
    if args.cached_cpu:
        return cached_cpu(db, args.cached_requests, args.threads)
    if args.side_by_side:
        return side_by_side(db, args.cold_requests, args.uncached_concurrency, args.threads)

    from payback.report.views import data_period
    from payback.store import open_store

    with open_store(db, read_only=True) as store:
        period = data_period(store)
        orders = store.row_count("orders")
    server, thread, base = serve(db)
    try:
        first = period.start if period else dt.date(2024, 1, 1)
        uncached = [
            {**QUERY, "from": (first + dt.timedelta(days=i)).isoformat()}
            for i in range(args.requests)
        ]
        lat_u, wall_u = run(base, uncached, args.uncached_concurrency)
        with_cac = [
            {**QUERY_CAC, "from": (first + dt.timedelta(days=400 + i)).isoformat()}
            for i in range(args.cac_requests)
        ]
        lat_x, wall_x = run(base, with_cac, args.uncached_concurrency)
        cached = [dict(QUERY)] * args.cached_requests
        run(base, cached[:1], 1)  # prime
        lat_c, wall_c = run(base, cached, args.concurrency)
    finally:
        server.should_exit = True
        thread.join(10)

    print(f"\nStore: {db} ({orders:,} orders); /api/metrics?by=campaign,month (&metrics=...)")
    print(f"Machine: {machine()}\n")
    print("| requests | n | concurrency | p50 ms | p95 ms | p99 ms | max ms | req/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(row("uncached, default metrics", lat_u, wall_u, args.uncached_concurrency))
    print(row("uncached, with new customers + CAC", lat_x, wall_x, args.uncached_concurrency))
    print(row("cached (same query)", lat_c, wall_c, args.concurrency))
    ok_c = percentile([x * 1000 for x in lat_c], 99) < 200
    ok_u = percentile([x * 1000 for x in lat_u], 99) < 2000
    print(f"\ntargets: cached p99 < 200 ms: {'met' if ok_c else 'MISSED'}; "
          f"uncached p99 < 2 s: {'met' if ok_u else 'MISSED'}")  # fmt: skip
    if tmp is not None:
        tmp.cleanup()
    return 0 if ok_c and ok_u else 1


if __name__ == "__main__":
    sys.exit(main())
