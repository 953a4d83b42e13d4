"""A UCI Online Retail store built by payback itself (`payback import order-items
--build-orders`, tests/data/online_retail/online_retail_build_orders.csv.gz: 115 whole
histories) for the win-back, profile and report-section tests, and its confirmed orders
read back with plain DuckDB SQL for the pandas recomputations."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from payback.cli import main

LINES = "online_retail/online_retail_build_orders.csv.gz"
MAP = (
    "order_id=InvoiceNo,product_id=StockCode,product_name=Description,quantity=Quantity,"
    "price=UnitPrice,customer_id=CustomerID,time=InvoiceDate,country=Country"
)


def import_uci(public_data: Path, folder: Path) -> str:
    """The store file, built with the CLI as docs/import.md does."""
    path = str(folder / "uci.duckdb")
    args = ["import", "order-items", str(public_data / LINES), "--currency", "GBP",
            "--db", path, "--build-orders", "--map", MAP]  # fmt: skip
    assert main(args) == 0
    return path


def confirmed_orders(path: str) -> pd.DataFrame:
    """``customer_id, time, revenue, country`` of the store's confirmed orders."""
    with duckdb.connect(path, read_only=True) as con:
        return con.execute(
            "SELECT customer_id, time, revenue, country FROM orders WHERE status = 'confirmed'"
        ).df()
