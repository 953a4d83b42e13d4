"""Speed of ``payback.segments`` on the whole UCI Online Retail file (541,909 lines).

Builds the orders from the lines with plain DuckDB SQL (the recipe of docs/import.md),
writes them into a throw-away store, then times RFM (without and with the CLV
predictions) and the growth levers (two years' halves; each month against the one
before). Prints wall and CPU time and the 1-minute load.

    python benchmarks/segments.py [--lines ../shared/data/online_retail/online_retail.csv.gz]
    python benchmarks/segments.py --db demo-300k.duckdb     # an existing store instead
    python benchmarks/segments.py --db demo-300k.duckdb --customers 300000  # built first

(``--customers N`` writes ``generate_shop(N, seed=42)`` into ``--db`` when it is missing.)
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import duckdb

from payback.segments import levers, rfm
from payback.store import open_store

SQL = """
    SELECT InvoiceNo AS order_id, CAST(CAST(CustomerID AS BIGINT) AS VARCHAR) AS customer_id,
           min(InvoiceDate) AS time, abs(sum(Quantity * UnitPrice)) AS revenue,
           CASE WHEN InvoiceNo LIKE 'C%' THEN 'cancelled' ELSE 'confirmed' END AS status,
           'GBP' AS currency, any_value(Country) AS country
    FROM read_csv(?, types={'InvoiceNo': 'VARCHAR'})
    WHERE CustomerID IS NOT NULL
    GROUP BY InvoiceNo, CustomerID
"""


def timed(label: str, run) -> object:
    wall, cpu = time.perf_counter(), time.process_time()
    out = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    load = os.getloadavg()[0]
    print(f"{label:<44} wall {wall:6.2f} s  cpu {cpu:6.2f} s  load {load:4.1f}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    default = Path(__file__).resolve().parents[2] / "shared/data/online_retail/online_retail.csv.gz"
    parser.add_argument("--lines", default=str(default))
    parser.add_argument("--db", help="Time this store (by acquisition source) instead.")
    parser.add_argument("--customers", type=int, help="With --db: build a demo of N first.")
    args = parser.parse_args()
    if args.db:
        on_store(args.db, args.customers)
        return
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        orders = timed(
            "orders from the lines (DuckDB SQL)",
            lambda: con.execute(SQL, [args.lines]).to_arrow_table(),
        )
        with open_store(Path(tmp) / "retail.duckdb") as store:
            timed("write to the store", lambda: store.write({"orders": orders}))
        print(f"{orders.num_rows:,} orders")
        with open_store(Path(tmp) / "retail.duckdb", read_only=True) as store:
            result = timed("rfm (no predictions)", lambda: rfm(store, predict=False))
            print(f"{len(result.customers):,} customers")
            timed("rfm (no predictions, no per-customer table)",
                  lambda: rfm(store, predict=False, customers=False))  # fmt: skip
            timed("rfm with MBG/NBD + Gamma-Gamma predictions", lambda: rfm(store))
            timed("levers 2011-Q1 -> 2011-Q3", lambda: levers(store, "2011-Q1", "2011-Q3"))
            timed("levers each month (13 months)", lambda: levers(store, period="month"))
            print(result.segments[["segment", "customers", "revenue_share", "historical_clv"]])


def on_store(path: str, customers: int | None) -> None:
    """The same runs on an existing (or a freshly built demo) store, by acquisition source."""
    if customers and not Path(path).exists():
        from payback.demo import generate_shop

        shop = timed(f"generate_shop({customers:,})", lambda: generate_shop(customers, seed=42))
        with open_store(path) as store:
            store.write(shop.tables, meta={"base_currency": shop.currency})
    with open_store(path, read_only=True) as store:
        result = timed("rfm (no predictions)", lambda: rfm(store, predict=False))
        print(f"{len(result.customers):,} customers")
        timed("rfm by source, no per-customer table",
              lambda: rfm(store, predict=False, by="source", customers=False))  # fmt: skip
        timed("rfm with predictions", lambda: rfm(store, customers=False))
        timed("levers 2024 -> 2025 by source", lambda: levers(store, "2024", "2025", by="source"))
        timed("levers each month", lambda: levers(store, period="month"))


if __name__ == "__main__":
    main()
