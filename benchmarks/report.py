"""Time to write the HTML report of a demo store (target: under 60 s at 1,000,000 customers).

Usage::

    python benchmarks/report.py --db demo-1m.duckdb           # reuses a store
    python benchmarks/report.py --customers 1000000           # builds the demo store first
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="store (built when missing)")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--output", type=Path, default=None)
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
        began = time.perf_counter()
        with open_store(db, read_only=True) as store:
            orders = store.row_count("orders")
            build_report(store, out)
        seconds = time.perf_counter() - began
        size = out.stat().st_size / 1e6
    print(f"report of {db} ({orders:,} orders): {seconds:.1f} s, {size:.1f} MB")
    print(f"Machine: {machine()}")
    print(f"target under 60 s: {'met' if seconds < 60 else 'MISSED'}")
    return 0 if seconds < 60 else 1


if __name__ == "__main__":
    sys.exit(main())
