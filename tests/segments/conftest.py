"""Stores for the segment tests: UCI Online Retail imported as a shop would import it,
``payback import order-items FILE --build-orders`` (tests/data/online_retail/
online_retail_build_orders.csv.gz: 115 customers' whole year, 83 customer-less invoices,
the "A" bad-debt adjustments), with the orders that import must build recomputed
independently in pandas (tests/ingest/test_build_orders.py's rule: lines summed per
invoice, cancellations matched last in, first out to the customer's earlier sales, so
revenue is net); and a demo shop."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from tests.ingest.test_build_orders import MAP, expected_orders

from payback.demo import generate_shop
from payback.ingest.build_orders import build_orders_import
from payback.store import open_store

#: The UCI lines the segment tests import (tests/data/online_retail/README.md).
UCI_LINES = (
    Path(__file__).resolve().parents[1]
    / "data"
    / "online_retail"
    / "online_retail_build_orders.csv.gz"
)

#: ``--map`` of the import (docs/import.md, "Orders built from the lines").
UCI_MAP = MAP


def read_lines(path: str | Path = UCI_LINES) -> pd.DataFrame:
    """The raw lines of a UCI file, as pandas reads them (ids as text), with each line's
    value (quantity x unit price) and its position in the file."""
    lines = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": str})
    return lines.assign(value=lines.Quantity * lines.UnitPrice, pos=range(len(lines)))


def retail_orders(path_or_lines: str | Path | pd.DataFrame = UCI_LINES) -> pd.DataFrame:
    """The orders ``--build-orders`` must build from a UCI lines file, in pandas: one per
    invoice with a customer, its customer, first line's time and country, and the status
    and net revenue of ``tests.ingest.test_build_orders.expected_orders``."""
    lines = path_or_lines if isinstance(path_or_lines, pd.DataFrame) else read_lines(path_or_lines)
    known = lines[lines.CustomerID.notna()]
    heads = known.groupby("InvoiceNo").agg(
        customer_id=("CustomerID", "first"), time=("InvoiceDate", "first"),
        country=("Country", "first"),
    )  # fmt: skip
    orders = heads.join(expected_orders(lines), how="inner")
    orders["time"] = pd.to_datetime(orders.time)
    orders["currency"] = "GBP"
    return orders.rename_axis("order_id").reset_index()


def import_uci(path: str | Path, lines: str | Path = UCI_LINES) -> None:
    """``payback import order-items LINES --build-orders --currency GBP --map ...`` into
    the store file ``path`` (the API of the command)."""
    with open_store(path) as store:
        build_orders_import(store, lines, mapping=UCI_MAP, currency="GBP")


def stored_confirmed_orders(path: str | Path) -> pd.DataFrame:
    """``customer_id, time, revenue, country`` of a store file's confirmed orders, read
    back with plain DuckDB SQL (for the pandas recomputations on what was imported)."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "SELECT customer_id, time, revenue, country FROM orders WHERE status = 'confirmed'"
        ).df()


@pytest.fixture(scope="session")
def uci_import(tmp_path_factory):
    """(store file, orders recomputed in pandas, raw lines with their order's ``status``)
    of the UCI lines imported with ``--build-orders``."""
    path = tmp_path_factory.mktemp("uci") / "uci.duckdb"
    import_uci(path)
    lines = read_lines()
    orders = retail_orders(lines)
    status = orders.set_index("order_id").status
    return str(path), orders, lines.assign(status=lines.InvoiceNo.map(status))


@pytest.fixture(scope="module")
def retail(uci_import):
    """(store file, orders) of the UCI lines imported with ``--build-orders``; the orders
    are the independent pandas recomputation, not read from the store."""
    return uci_import[0], uci_import[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """(store file, orders) of a 1,500-customer demo shop."""
    shop = generate_shop(1500, seed=11)
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with open_store(path) as store:
        store.write(shop.tables, meta={"base_currency": shop.currency})
        orders = store.to_pyarrow(store.table("orders")).to_pandas()
    return str(path), orders
