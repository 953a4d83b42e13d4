"""Stores for the report tests: a tiny hand-built one (exact numbers, hostile names) and a
small demo shop (enough history for the CLV section)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

NASTY = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x")'


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory):
    """Two days of March and two of February; google spends 200 + 100, meta 300."""
    from payback.store import open_store

    path = tmp_path_factory.mktemp("tiny") / "tiny.duckdb"
    ads = pa.table({
        "date": [dt.date(2024, 3, 1), dt.date(2024, 3, 2), dt.date(2024, 3, 2),
                 dt.date(2024, 2, 28)],
        "platform": ["google", "google", "meta", "google"],
        "campaign": ["Brand", NASTY, FORMULA, "Brand"],
        "keyword": ["shoes", "<b>bold</b>", None, "shoes"],
        "impressions": [1000, 500, 4000, 800],
        "clicks": [50, 25, 40, 40],
        "cost": [200.0, 100.0, 300.0, 160.0],
        "currency": ["EUR"] * 4,
    })  # fmt: skip
    orders = pa.table({
        "order_id": ["o1", "o2", "o3", "o4", "o5"],
        "customer_id": ["c1", "c2", "c3", "c1", "c4"],
        "time": [dt.datetime(2024, 3, 1, 10), dt.datetime(2024, 3, 1, 11),
                 dt.datetime(2024, 3, 2, 12), dt.datetime(2024, 3, 2, 13),
                 dt.datetime(2024, 2, 28, 9)],
        "revenue": [400.0, 100.0, 600.0, 50.0, 320.0],
        "cogs": [100.0, 40.0, 200.0, 10.0, 100.0],
        "status": ["confirmed", "confirmed", "confirmed", "cancelled", "confirmed"],
        "currency": ["EUR"] * 5,
        "platform": ["google", "google", "meta", "google", "google"],
        "campaign": ["Brand", NASTY, FORMULA, "Brand", "Brand"],
        "keyword": ["shoes", "<b>bold</b>", None, "shoes", "shoes"],
    })  # fmt: skip
    with open_store(path) as store:
        store.write({"ad_stats": ads, "orders": orders}, meta={"base_currency": "EUR"})
    return path


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """A 400-customer demo shop with two years of history (read-only in every test)."""
    from payback.demo import generate_shop
    from payback.store import open_store

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    shop = generate_shop(400, seed=3)
    with open_store(path) as store:
        store.write(shop.tables, meta={"base_currency": "USD"})
    return path


@pytest.fixture(scope="session")
def demo_html(demo_db):
    """The report of the demo shop, every section included."""
    from payback.report import render_report
    from payback.store import open_store

    with open_store(demo_db, read_only=True) as store:
        return render_report(store)


@pytest.fixture
def tiny(tiny_db):
    from payback.store import open_store

    with open_store(tiny_db, read_only=True) as store:
        yield store
