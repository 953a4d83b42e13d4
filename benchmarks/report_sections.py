"""Time of the report's partners and keyword bids sections (or any, ``--sections``) on a
demo store.

Usage::

    PYTHONPATH=src python benchmarks/report_sections.py --db demo-1m.duckdb
    PYTHONPATH=src python benchmarks/report_sections.py --db demo-1m.duckdb --sections segments

Each section is built twice on a read-only store: the first run computes everything
(the reconciliation, the CLV by partner, the economics of the bid target), the second
finds what is kept per store version (:func:`payback.cache.per_store_version`).
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    from payback.report.extensions import extensions
    from payback.report.views import resolve_period
    from payback.store import open_store

    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--sections", default="partners,bids", help="comma-separated names")
    args = parser.parse_args()
    with open("/proc/loadavg") as f:
        print("load", f.read().split()[0])
    with open_store(args.db, read_only=True) as store:
        print("claims", store.row_count("partner_claims"), "orders", store.row_count("orders"))
        period = resolve_period(store, None, None)
        for name in args.sections.split(","):
            ext = next(e for e in extensions() if e.name == name)
            for run in ("first", "second"):
                wall, cpu = time.perf_counter(), time.process_time()
                section = ext.section(store, period.start, period.end)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                print(f"{name} {run}: {wall:.2f} s wall, {cpu:.2f} s CPU; {section.intro[:80]!r}")
    with open("/proc/loadavg") as f:
        print("load", f.read().split()[0])


if __name__ == "__main__":
    main()
