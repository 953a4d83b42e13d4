"""DuckDB vs local Spark on a lake: the metrics at campaign grain and the compressed CLV
summary, on synthetic ad rows and orders stored as Parquet (payback.lake layout).

    python benchmarks/spark.py                              # 1M ad rows, 200k orders
    python benchmarks/spark.py --ads 10000000 --orders 1000000 --master 'local[*]'
    python benchmarks/spark.py --lake /data/lake --keep     # reuse a lake written before

The issue's sizes (100M ad rows, 10M orders) are flags away; the lake is written by
DuckDB (from ``range``), so writing it costs seconds per 10M rows. Prints one line per
(engine, question): wall seconds, CPU seconds of this process and of its child processes
(Spark's JVM), rows per second of wall time. Never run by the tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def write_lake(folder: Path, ads: int, orders: int, customers: int) -> None:
    """A lake with ``ads`` ad rows (days x campaigns) and ``orders`` orders of
    ``customers`` customers, attributed to the same campaigns (deterministic)."""
    import duckdb

    from payback.lake import export_store
    from payback.store import open_store

    with open_store(":memory:") as empty:
        empty.set_meta("base_currency", "EUR")
        export_store(empty, folder)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    for name in ("ad_stats", "orders"):
        for f in (folder / name).iterdir():
            f.unlink()
    con.execute(f"""
        COPY (SELECT DATE '2024-01-01' + CAST(i % 730 AS INTEGER) AS date,
                     ['google', 'meta', 'microsoft', 'yandex'][1 + i % 4] AS platform,
                     'c' || ((i // 730) % 5000) AS campaign,
                     'k' || (i // 3650000) AS keyword,
                     CAST(100 + hash(i) % 900 AS BIGINT) AS impressions,
                     CAST(hash(i) % 40 AS BIGINT) AS clicks,
                     (hash(i) % 5000) / 100.0 AS cost, 'EUR' AS currency
              FROM range({ads}) t(i))
        TO '{folder}/ad_stats/part-00000.parquet' (FORMAT parquet, COMPRESSION zstd)""")
    con.execute(f"""
        COPY (SELECT 'o' || i AS order_id, 'u' || (hash(i) % {customers}) AS customer_id,
                     TIMESTAMP '2024-01-01' + to_seconds(CAST(hash(i * 7) % 63072000 AS BIGINT))
                         AS time,
                     5 + (hash(i * 3) % 20000) / 100.0 AS revenue, 'confirmed' AS status,
                     'EUR' AS currency,
                     ['google', 'meta', 'microsoft', 'yandex'][1 + i % 4] AS platform,
                     'c' || (hash(i * 5) % 5000) AS campaign
              FROM range({orders}) t(i))
        TO '{folder}/orders/part-00000.parquet' (FORMAT parquet, COMPRESSION zstd)""")


def _child_cpu() -> float:
    """CPU seconds of the live child processes (Spark's JVM), from /proc."""
    me, total, tick = os.getpid(), 0.0, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def timed(label: str, rows: int, run) -> None:
    wall, cpu, child = time.perf_counter(), time.process_time(), _child_cpu()
    result = run()
    wall = time.perf_counter() - wall
    cpu, child = time.process_time() - cpu, _child_cpu() - child
    load = Path("/proc/loadavg").read_text().split()[0]
    print(
        f"{label:<34} wall {wall:8.1f} s  cpu {cpu:7.1f} s  children {child:7.1f} s  "
        f"{rows / wall / 1e6:6.2f} M rows/s  {rows / max(cpu + child, 1e-9) / 1e6:6.2f} M rows "
        f"per CPU-s  load {load}  ({result})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ads", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--customers", type=int, default=None, help="default orders / 3")
    parser.add_argument("--lake", type=Path, default=None, help="folder (default: a temp one)")
    parser.add_argument("--keep", action="store_true", help="keep the lake afterwards")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--engines", default="duckdb,spark")
    args = parser.parse_args()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

    from payback.clv import compress, customer_summary
    from payback.lake import open_lake
    from payback.metrics import compute_metrics

    lake = args.lake or Path(tempfile.mkdtemp(prefix="payback-bench-")) / "lake"
    if not (lake / "payback_meta").is_dir():
        began = time.perf_counter()
        write_lake(lake, args.ads, args.orders, args.customers or max(1, args.orders // 3))
        print(f"wrote {lake} in {time.perf_counter() - began:.1f} s", flush=True)
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"load {load}, {os.cpu_count()} cores", flush=True)
    try:
        for engine in args.engines.split(","):
            began = time.perf_counter()
            store = open_lake(lake, engine, master=args.master)
            print(f"{engine}: opened in {time.perf_counter() - began:.1f} s", flush=True)
            n_ads, n_orders = store.row_count("ad_stats"), store.row_count("orders")

            def metrics(store=store):
                wanted = ("cost", "clicks", "orders", "revenue", "cpo", "drr")
                result = compute_metrics(store, ("campaign",), wanted)
                return f"{len(result.groups)} campaigns"

            def summary(store=store):
                frame = store.execute(compress(customer_summary(store, freq="W")))
                return f"{len(frame)} distinct histories"

            timed(f"{engine} metrics by campaign", n_ads + n_orders, metrics)
            timed(f"{engine} metrics by campaign (again)", n_ads + n_orders, metrics)
            timed(f"{engine} CLV summary, compressed", n_orders, summary)
            store.close()
    finally:
        if not args.keep and args.lake is None:
            shutil.rmtree(lake.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
