"""Order lines: the UCI Online Retail layout (InvoiceNo, StockCode, Quantity, UnitPrice).

A slice of the real file imports as order-items with the totals of an independent pandas
computation; cancellation invoices ("C...") are kept and reported, never dropped; the
recipe of docs/import.md builds an orders file from the same lines.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from payback.ingest import import_file

from .conftest import totals

ITEMS_MAP = (
    "order_id=InvoiceNo,product_id=StockCode,product_name=Description,quantity=Quantity,"
    "price=UnitPrice"
)


@pytest.fixture
def retail_slice(public_data):
    """The first 3,000 lines of online_retail.csv.gz, gzipped (tests/data/online_retail)."""
    return public_data / "online_retail" / "online_retail_first_3000.csv.gz"


def test_uci_slice_imports_as_order_items_with_correct_totals(store, retail_slice):
    result = import_file(store, "order-items", retail_slice, mapping=ITEMS_MAP, currency="GBP")
    frame = pd.read_csv(retail_slice, dtype={"InvoiceNo": str, "StockCode": str})
    assert result.rows_read == result.rows_in_store == len(frame) == 3000
    assert result.currency == "GBP"
    t = store.table("order_items")
    value = store.execute((t.quantity * t.price).sum())
    assert value == pytest.approx((frame["Quantity"] * frame["UnitPrice"]).sum())
    assert totals(store, "order_items", "quantity")["quantity"] == frame["Quantity"].sum()
    cancelled = frame[frame["InvoiceNo"].str.startswith("C")]
    assert len(cancelled) > 0
    stored_c = store.execute(t.filter(t.order_id.startswith("C")).count())
    assert stored_c == len(cancelled)  # cancellations are kept
    negative = frame[frame["Quantity"] < 0]
    assert (
        f"{len(negative)} line(s) have a negative quantity (returns or cancellations, e.g. order "
        f"'{negative['InvoiceNo'].iloc[0]}'); imported as they are: they lower the revenue of "
        "their order" in result.warnings
    )
    assert "line numbers generated from the order of the rows in the file" in result.warnings
    lines = store.execute(t.group_by("order_id").aggregate(n=t.count(), top=t.line.max()))
    assert (lines["n"] == lines["top"]).all()  # 1..n within each invoice


def _docs_recipe() -> str:
    """The Python block of docs/import.md that builds orders from UCI order lines."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "import.md").read_text()
    return next(b for b in re.findall(r"```python\n(.*?)```", text, re.S) if "COPY (" in b)


def test_uci_orders_recipe_from_the_docs(store, retail_slice, tmp_path, monkeypatch):
    # a checkout with ../shared/data beside it, holding the slice as the whole file
    (tmp_path / "main").mkdir()
    monkeypatch.chdir(tmp_path / "main")
    (tmp_path / "shared" / "data" / "online_retail").mkdir(parents=True)
    (tmp_path / "shared" / "data" / "online_retail" / "online_retail.csv.gz").symlink_to(
        retail_slice
    )
    exec(_docs_recipe(), {})  # writes online_retail_orders.csv
    orders_csv = tmp_path / "main" / "online_retail_orders.csv"
    result = import_file(store, "orders", orders_csv)
    frame = pd.read_csv(retail_slice, dtype={"InvoiceNo": str})
    known = frame[frame["CustomerID"].notna()]
    assert result.rows_read == known["InvoiceNo"].nunique()
    t = store.table("orders")
    confirmed = store.execute(t.filter(t.status == "confirmed").revenue.sum())
    sales = known[~known["InvoiceNo"].str.startswith("C")]
    assert confirmed == pytest.approx((sales["Quantity"] * sales["UnitPrice"]).sum())
    n_cancelled = store.execute(t.filter(t.status == "cancelled").count())
    assert n_cancelled == known.loc[known["InvoiceNo"].str.startswith("C"), "InvoiceNo"].nunique()
