"""Stores for the segment tests: UCI Online Retail orders built from their lines with
plain DuckDB SQL (tests/data/online_retail), and a demo shop."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from payback.demo import generate_shop
from payback.store import open_store

#: Orders from UCI order lines, as docs/import.md builds them: one order per invoice,
#: revenue the sum of quantity x price, ``C`` invoices cancelled, lines without a customer
#: left out.
ORDERS_SQL = """
    SELECT InvoiceNo AS order_id,
           CAST(CAST(CustomerID AS BIGINT) AS VARCHAR) AS customer_id,
           min(InvoiceDate) AS time,
           abs(sum(Quantity * UnitPrice)) AS revenue,
           CASE WHEN InvoiceNo LIKE 'C%' THEN 'cancelled' ELSE 'confirmed' END AS status,
           'GBP' AS currency,
           any_value(Country) AS country
    FROM read_csv(?, types={'InvoiceNo': 'VARCHAR'})
    WHERE CustomerID IS NOT NULL
    GROUP BY InvoiceNo, CustomerID
"""


def retail_orders(path) -> pd.DataFrame:
    """The orders of a UCI Online Retail lines file (plain DuckDB SQL, not payback)."""
    with duckdb.connect() as con:
        return con.execute(ORDERS_SQL, [str(path)]).df()


@pytest.fixture(scope="module")
def retail(public_data, tmp_path_factory):
    """(store file, orders) of the one-customer-in-forty UCI file: a year of histories."""
    orders = retail_orders(public_data / "online_retail" / "online_retail_customers_mod40.csv.gz")
    path = tmp_path_factory.mktemp("retail") / "retail.duckdb"
    with open_store(path) as store:
        store.write({"orders": orders}, meta={"base_currency": "GBP"})
    return str(path), orders


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """(store file, orders) of a 1,500-customer demo shop."""
    shop = generate_shop(1500, seed=11)
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with open_store(path) as store:
        store.write(shop.tables, meta={"base_currency": shop.currency})
        orders = store.to_pyarrow(store.table("orders")).to_pandas()
    return str(path), orders
