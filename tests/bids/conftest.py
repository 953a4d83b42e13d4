"""Stores for the bid tests: a hand-made account with known counts, and the demo shop
(10,000 customers, seed 42: the one whose keyword truth the tests compare with)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from payback.store import open_store

DAY = dt.date(2024, 3, 28)

#: (campaign, ad group, keyword, clicks, cost, orders, order revenue)
ACCOUNT = (
    ("Brand", "Brand", "payback tea", 400, 200.0, 24, 60.0),
    ("Brand", "Brand", "payback shop", 60, 30.0, 3, 60.0),
    ("Teaware", "Cups", "teacups", 900, 900.0, 27, 80.0),
    ("Teaware", "Cups", "porcelain cups", 3, 3.0, 0, 80.0),
    ("Teaware", "Cups", "cup set", 300, 300.0, 0, 80.0),
    ("Teaware", "Pots", "glass teapot", 500, 600.0, 15, 100.0),
    ("Teaware", "Pots", "iron teapot", 0, 0.0, 0, 100.0),
)


def write_account(store, rows=ACCOUNT) -> None:
    """Ad statistics on one day and one confirmed order per conversion, all on Google."""
    ad_columns = ("date", "platform", "campaign", "ad_group", "keyword", "match_type",
                  "impressions", "clicks", "cost", "currency")  # fmt: skip
    order_columns = ("order_id", "customer_id", "time", "revenue", "status", "currency",
                     "platform", "campaign", "ad_group", "keyword")  # fmt: skip
    ads = {k: [] for k in ad_columns}
    orders = {k: [] for k in order_columns}
    for campaign, group, keyword, clicks, cost, count, value in rows:
        for key, v in zip(ads, (DAY, "google", campaign, group, keyword, "Exact match",
                                clicks * 10 + 1, clicks, cost, "EUR"), strict=True):  # fmt: skip
            ads[key].append(v)
        for i in range(count):
            oid = f"{keyword}-{i}"
            for key, v in zip(orders, (oid, oid, dt.datetime(2024, 3, 28, 12), value,
                                       "confirmed", "EUR", "google", campaign, group, keyword),
                              strict=True):  # fmt: skip
                orders[key].append(v)
    store.write({"ad_stats": pa.table(ads), "orders": pa.table(orders)},
                meta={"base_currency": "EUR"})  # fmt: skip


@pytest.fixture
def account(tmp_path):
    store = open_store(tmp_path / "account.duckdb")
    write_account(store)
    yield store
    store.close()


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory):
    from payback.demo import generate_shop

    shop = generate_shop(10_000, seed=42)
    path = tmp_path_factory.mktemp("bids-demo") / "shop.duckdb"
    with open_store(path) as store:
        store.write(shop.tables, meta={"base_currency": shop.currency})
    return path
