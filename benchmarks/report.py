"""Time to write the HTML report of a demo store (target: under 60 s at 1,000,000 customers).

Usage::

    python benchmarks/report.py --db demo-1m.duckdb           # reuses a store
    python benchmarks/report.py --customers 1000000           # builds the demo store first
    python benchmarks/report.py --db demo-1m.duckdb --breakdown   # time of each step too

After the report, the same process times an anchor on the same store file: hand-written
DuckDB SQL doing the report's core work (every customer's orders aggregated, then the
cohort cells: each order joined to its customer's first order and counted by
acquisition month and months since), the median of 3 runs on a fresh read-only
connection. The machine's speed moves by 12-45 % from one half hour to the next (see
README.md); the report's CPU in anchors (``report = N x anchor``) is the figure that
reproduces between runs. ``--no-anchor`` skips it.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

#: The expensive steps of a report: (module, function) timed by --breakdown, patched in
#: the module that calls them (the CLV fits and cohort tables are computed once per store
#: version, through payback.clv.sources.shared_prediction and
#: payback.clv.cohorts.shared_cohort_ltv, which look these names up in their own modules).
STEPS = (
    ("payback.clv.sources", "predict_ltv"),
    ("payback.clv.cohorts", "cohort_ltv"),
    ("payback.economics", "ceilings"),
    ("payback.report.clv_section", "calibration_check"),
)
NEW_CUSTOMER_METRICS = {"new_customers", "cac", "ltv_cac"}


@contextlib.contextmanager
def breakdown() -> Iterator[dict[str, list[float]]]:
    """Time every call of the steps and of compute_metrics (split by whether it asks for
    new customers) while the block runs: label -> [calls, wall seconds, CPU seconds] (the
    process's CPU time, every thread: DuckDB's too)."""
    import importlib

    import payback.metrics.engine as engine

    spent: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0, 0.0])
    patched: list[tuple[object, str, object]] = []

    def timed(real, label):
        @functools.wraps(real)
        def run(*args, **kwargs):
            began, cpu_began = time.perf_counter(), time.process_time()
            try:
                return real(*args, **kwargs)
            finally:
                key = label(args, kwargs) if callable(label) else label
                spent[key][0] += 1
                spent[key][1] += time.perf_counter() - began
                spent[key][2] += time.process_time() - cpu_began

        return run

    def metrics_label(args, kwargs) -> str:
        asked = set(kwargs.get("metrics", args[2] if len(args) > 2 else None) or ())
        new = "with" if asked & NEW_CUSTOMER_METRICS else "without"
        return f"compute_metrics {new} new customers/CAC"

    real = engine.compute_metrics
    wrapped = timed(real, metrics_label)
    # the engine, and any module that bound the function by name when it was imported
    for module in [m for n, m in sys.modules.items() if n.startswith("payback")]:
        if vars(module).get("compute_metrics") is real:
            patched.append((module, "compute_metrics", real))
            module.compute_metrics = wrapped
    for module_name, name in STEPS:
        module = importlib.import_module(module_name)
        patched.append((module, name, getattr(module, name)))
        setattr(module, name, timed(getattr(module, name), name))
    try:
        yield spent
    finally:
        for module, name, value in reversed(patched):
            setattr(module, name, value)


#: The anchor's SQL: the per-customer aggregate and the cohort cells over the confirmed
#: orders, each fetched whole (what the report's CLV, segments and cohort views start from).
ANCHOR_SQL = (
    """
    SELECT customer_id, count(*) AS n, sum(revenue) AS revenue, min(time) AS first,
           max(time) AS last
    FROM orders WHERE status = 'confirmed' GROUP BY customer_id
    """,
    """
    WITH o AS (SELECT customer_id, time FROM orders WHERE status = 'confirmed'),
         f AS (SELECT customer_id, min(time) AS first FROM o GROUP BY customer_id)
    SELECT date_trunc('month', f.first) AS cohort,
           datediff('month', f.first, o.time) AS since,
           count(DISTINCT o.customer_id) AS active, count(*) AS orders
    FROM o JOIN f USING (customer_id) GROUP BY 1, 2
    """,
)


def anchor_cpu(db: Path, repeat: int = 3) -> tuple[float, float]:
    """Median (wall, CPU) seconds of :data:`ANCHOR_SQL` on a fresh read-only connection to
    ``db`` (this process's CPU: DuckDB's threads included)."""
    import statistics

    import duckdb

    walls, cpus = [], []
    for _ in range(repeat):
        began, cpu_began = time.perf_counter(), time.process_time()
        con = duckdb.connect(str(db), read_only=True)
        try:
            for sql in ANCHOR_SQL:
                con.execute(sql).arrow()
        finally:
            con.close()
        walls.append(time.perf_counter() - began)
        cpus.append(time.process_time() - cpu_began)
    return statistics.median(walls), statistics.median(cpus)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="store (built when missing)")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--breakdown", action="store_true", help="time each step too")
    parser.add_argument("--no-anchor", action="store_true", help="skip the hand-written SQL anchor")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).parent))
    from payback.report import build_report
    from payback.store import open_store
    from server import build_demo, machine

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "demo.duckdb"
        if not db.exists():
            build_demo(args.customers, db)
        out = args.output or Path(tmp) / "report.html"
        began, cpu_began = time.perf_counter(), time.process_time()
        with (
            breakdown() if args.breakdown else contextlib.nullcontext({}) as spent,
            open_store(db, read_only=True) as store,
        ):
            orders = store.row_count("orders")
            build_report(store, out)
        seconds = time.perf_counter() - began
        cpu = time.process_time() - cpu_began
        size = out.stat().st_size / 1e6
        anchor = None if args.no_anchor else anchor_cpu(db)
    print(f"report of {db} ({orders:,} orders): {seconds:.1f} s wall, {cpu:.1f} s CPU, "
          f"{size:.1f} MB")  # fmt: skip
    for label, (calls, took, cpu_took) in sorted(spent.items(), key=lambda kv: -kv[1][1]):
        print(f"  {label:45s} {calls:3d} calls {took:7.1f} s ({took / seconds:.0%}) "
              f"CPU {cpu_took:6.1f} s")  # fmt: skip
    if anchor is not None:
        print(f"anchor (hand-written DuckDB SQL, module docstring): {anchor[0]:.2f} s wall, "
              f"{anchor[1]:.2f} s CPU (median of 3); the report = {cpu / anchor[1]:.1f} x "
              f"the anchor's CPU, {seconds / anchor[0]:.1f} x its wall")  # fmt: skip
    print(f"Machine: {machine()}")
    print(f"target under 60 s: {'met' if seconds < 60 else 'MISSED'}")
    return 0 if seconds < 60 else 1


if __name__ == "__main__":
    sys.exit(main())
