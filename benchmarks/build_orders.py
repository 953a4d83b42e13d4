"""Benchmark: ``payback import order-items --build-orders`` on the whole UCI Online Retail file.

    python benchmarks/build_orders.py                       # ../shared/data/online_retail/...
    python benchmarks/build_orders.py --file lines.csv.gz    # another line-level file

Imports the 541,909 lines into a fresh DuckDB store and builds their orders
(:func:`payback.ingest.build_orders.build_orders_import`), in this process: wall and CPU
seconds, peak memory (VmHWM), the 1-minute load, and the numbers of the result.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = HERE.parents[1] / "shared" / "data" / "online_retail" / "online_retail.csv.gz"
MAP = (
    "order_id=InvoiceNo,product_id=StockCode,product_name=Description,quantity=Quantity,"
    "price=UnitPrice,customer_id=CustomerID,time=InvoiceDate,country=Country"
)


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT)
    parser.add_argument("--map", default=MAP)
    parser.add_argument("--currency", default="GBP")
    args = parser.parse_args()
    from payback.ingest.build_orders import build_orders_import
    from payback.store import open_store

    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "retail.duckdb")
        wall, cpu = time.perf_counter(), time.process_time()
        result = build_orders_import(store, args.file, mapping=args.map, currency=args.currency)
        row = {
            "file": str(args.file),
            "lines": result.items.rows_read,
            "orders": result.orders.rows_in_store,
            "wall_s": round(time.perf_counter() - wall, 2),
            "cpu_s": round(time.process_time() - cpu, 2),
            "peak_mb": round(_peak_mb()),
            "load_1min": os.getloadavg()[0],
            "net_revenue": round(result.net_revenue, 2),
        }
        store.close()
    print(json.dumps(row))


if __name__ == "__main__":
    main()
