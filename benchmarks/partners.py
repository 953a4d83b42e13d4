"""Speed of ``payback.partners`` (reconcile, value, signals) and of the economics' partner
cost on a demo store.

    python benchmarks/partners.py --customers 100000     # builds /tmp/partners-100k.duckdb
    python benchmarks/partners.py --db demo-1m.duckdb     # an existing store

(``--customers N`` writes ``generate_shop(N, seed=42)`` into ``--db`` when it is missing.)
Prints wall and CPU time and the 1-minute load of each step.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from payback.store import open_store


def timed(label: str, run) -> object:
    wall, cpu = time.perf_counter(), time.process_time()
    out = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    load = os.getloadavg()[0]
    print(f"{label:<44} wall {wall:6.2f} s  cpu {cpu:6.2f} s  load {load:4.1f}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="The store (built first with --customers when missing).")
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()
    db = Path(args.db or f"/tmp/partners-{args.customers // 1000}k.duckdb")
    if not db.exists():
        from payback.demo import generate_shop

        shop = generate_shop(args.customers, seed=42)
        with open_store(db) as store:
            store.write(shop.tables, meta={"base_currency": shop.currency})
    from payback.economics.costs import partner_commissions
    from payback.partners import reconcile, signals, value

    with open_store(db, read_only=True) as store:
        orders = store.execute(store.table("orders").count())
        claims = store.execute(store.table("partner_claims").count())
        print(f"{db}: {orders:,} orders, {claims:,} partner claims")
        timed("reconcile", lambda: reconcile(store))
        timed("economics partner cost (reconciled)", lambda: partner_commissions(store))
        timed("signals", lambda: signals(store))
        timed("value (with cohort and predicted LTV)", lambda: value(store))


if __name__ == "__main__":
    main()
