"""Speed of the partner commissions, the ledger and the designer on synthetic claims.

Writes N orders of N/2 customers (2 years, 5 % cancelled, 5 % returned, 2 % pending) and
one claim per order from 50 partners into a throw-away store, then times
``commissions`` (the claims joined to the orders in DuckDB, every rule kind in the rules),
``build_ledger`` (lock 27 days, pay 20) and ``design_commissions`` (CLV given: the
prediction's own time is ``payback ltv``'s). Prints wall and CPU time and the 1-minute
load.

    PYTHONPATH=src python benchmarks/partners_commissions.py [N]   # default 200,000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from payback.partners import build_ledger, commissions, design_commissions, parse_rules
from payback.store import open_store

RULES = """
[schedule]
lock_days = 27
pay_days = 20
[default]
rate = 0.08
[partners.P00]
recurring = [{months = 3, rate = 0.4}, {rate = 0.2}]
[partners.P01]
tiers = [{min_orders = 0, rate = 0.05}, {min_orders = 150, rate = 0.07}]
[partners.P02]
new_rate = 0.10
returning_rate = 0.04
[partners.P03]
fixed = 8.0
first_order_only = true
"""


def shop(n: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(7)
    customers = rng.integers(0, n // 2, n)
    time_ = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.uniform(0, 730, n), unit="D")
    status = rng.choice(["confirmed", "cancelled", "returned", "pending"], n,
                        p=[0.88, 0.05, 0.05, 0.02])  # fmt: skip
    ids = [f"o{i}" for i in range(n)]
    revenue = rng.gamma(2.0, 40.0, n).round(2)
    orders = pd.DataFrame({"order_id": ids, "customer_id": [f"c{c}" for c in customers],
                           "time": time_, "revenue": revenue, "status": status,
                           "currency": "EUR"})  # fmt: skip
    claims = pd.DataFrame({"claim_id": [f"k{i}" for i in range(n)],
                           "partner_id": [f"P{p:02d}" for p in rng.integers(0, 50, n)],
                           "order_id": ids, "time": time_, "revenue": revenue,
                           "commission": (revenue * 0.1).round(2), "currency": "EUR"})  # fmt: skip
    return {"orders": orders, "partner_claims": claims}


def timed(label: str, run):
    wall, cpu = time.perf_counter(), time.process_time()
    out = run()
    print(f"{label:<28} wall {time.perf_counter() - wall:6.2f} s  "
          f"cpu {time.process_time() - cpu:6.2f} s")  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("claims", type=int, nargs="?", default=200_000, help="partner claims")
    n = parser.parse_args().claims
    rules = parse_rules(RULES)
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "s.duckdb") as store:
        store.write(shop(n), meta={"base_currency": "EUR"})
        table = timed(f"commissions ({n:,} claims)", lambda: commissions(store, rules))
        book = timed("build_ledger", lambda: build_ledger(table, rules.schedule))
        clv = {f"P{p:02d}": 80.0 for p in range(50)}
        timed("design_commissions (clv)", lambda: design_commissions(
            store, rules, share=0.3, other_costs_per_customer=10.0, clv=clv))  # fmt: skip
    print(f"{len(book.payouts.frame):,} payouts; 1-minute load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
