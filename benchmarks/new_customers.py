"""Cost of new customers and CAC in a metrics query: the same grain with and without them.

A customer is new in the row of their first confirmed order. The store keeps each
customer's first order as its derived ``acquisitions`` table, rebuilt in the import that
changes the orders (``payback.store.DERIVED``), so a query sums that table instead of
ranking every order of every customer. This script measures, on one store:

- each grain's query (``compute_metrics`` with totals and reasons, as the CLI runs it)
  with the default metrics, and with ``new_customers`` and ``cac`` added: best wall and
  CPU time of ``--repeat`` runs; the target is within 1.5x;
- the same query computing the first orders on the fly (what every query did before the
  derived table), for comparison;
- the rebuild of the derived table (the cost an orders import now pays once).

Usage::

    python benchmarks/new_customers.py --db demo-1m.duckdb      # the 1M demo store
    python benchmarks/new_customers.py --customers 200000       # builds a demo store first
    python benchmarks/new_customers.py --db demo-1m.duckdb --read-only   # no rebuild timed
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server import build_demo, machine

GRAINS = ("platform", "campaign,month", "keyword")
WITHOUT = ("cost", "orders", "revenue", "cpo", "drr")
WITH = (*WITHOUT, "new_customers", "cac")


def best(run, repeat: int) -> tuple[float, float]:
    """Best wall and CPU seconds of ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="store (built when missing)")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--read-only", action="store_true", help="open the store read-only (no rebuild timed)"
    )
    args = parser.parse_args(argv)
    db = args.db or Path(tempfile.mkdtemp()) / f"demo-{args.customers}.duckdb"
    if not db.exists():
        print(f"building the demo store at {db} ...", file=sys.stderr)
        build_demo(args.customers, db)

    import payback.store as store_module
    from payback.metrics import compute_metrics
    from payback.store import open_store

    store = open_store(db, read_only=args.read_only)
    customers = store.execute(store.table("acquisitions").count())
    orders = store.execute(store.table("orders").count())
    print(f"{customers:,} customers, {orders:,} orders; {machine()}\n")
    print("| grain | metrics | wall (best) | CPU (best) | vs without |")
    print("|---|---|---:|---:|---:|")
    for grain in GRAINS:
        base = None
        for label, metrics, derived in (
            ("default", WITHOUT, True),
            ("+ new customers, CAC", WITH, True),
            ("+ new customers, CAC, first orders on the fly", WITH, False),
        ):
            saved = store_module.Store._derived_current
            if not derived:  # as before the derived table: every query ranks the orders
                store_module.Store._derived_current = lambda self, name: False
            try:
                wall, cpu = best(lambda m=metrics, g=grain: compute_metrics(store, by=g, metrics=m),
                                 args.repeat)  # fmt: skip
            finally:
                store_module.Store._derived_current = saved
            base = base or cpu
            print(f"| {grain} | {label} | {wall:.2f} s | {cpu:.2f} s | {cpu / base:.2f}x |")
    if args.read_only:  # the rebuild writes
        print("\nrebuilding the acquisitions table: not measured (--read-only)")
    else:
        _rebuild(store)
    if hasattr(os, "getloadavg"):
        print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
    return 0


def _rebuild(store) -> None:
    with store.transaction() as raw:
        w, c = time.perf_counter(), time.process_time()
        store._rebuild(raw, "acquisitions")
        print(
            f"\nrebuilding the acquisitions table (once per orders import): "
            f"{time.perf_counter() - w:.2f} s wall, {time.process_time() - c:.2f} s CPU"
        )


if __name__ == "__main__":
    raise SystemExit(main())
