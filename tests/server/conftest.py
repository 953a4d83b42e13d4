"""A small hand-built shop for the dashboard tests: every number is known from its rows."""

from __future__ import annotations

import datetime as dt
import warnings

import pyarrow as pa
import pytest

with warnings.catch_warnings():
    # starlette >= 1.x asks for the httpx2 fork in its test client; httpx works the same
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    import starlette.testclient  # noqa: F401

NASTY = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x")'

#: (date, platform, campaign, keyword, impressions, clicks, cost)
AD_ROWS = [
    (dt.date(2024, 1, 10), "google", "Brand", "shoes", 1000, 100, 200.0),
    (dt.date(2024, 1, 20), "google", NASTY, "boots", 2000, 50, 150.0),
    (dt.date(2024, 2, 5), "google", "Brand", "shoes", 1500, 120, 240.0),
    (dt.date(2024, 2, 15), "meta", FORMULA, None, 5000, 80, 300.0),
    (dt.date(2024, 2, 20), "meta", "Retargeting", None, 3000, 30, 90.0),
]
#: (order, customer, day, revenue, cogs, status, platform, campaign, keyword, partner)
ORDER_ROWS = [
    ("o1", "c1", dt.date(2024, 1, 10), 100.0, 40.0, "confirmed", "google", "Brand", "shoes", None),
    ("o2", "c2", dt.date(2024, 1, 21), 80.0, 30.0, "confirmed", "google", NASTY, "boots", None),
    ("o3", "c1", dt.date(2024, 2, 6), 120.0, 50.0, "confirmed", "google", "Brand", "shoes", None),
    ("o4", "c3", dt.date(2024, 2, 7), 60.0, 20.0, "cancelled", "google", "Brand", "shoes", None),
    ("o5", "c4", dt.date(2024, 2, 16), 300.0, 100.0, "confirmed", "meta", FORMULA, None, "p1"),
    ("o6", "c5", dt.date(2024, 2, 21), 90.0, 45.0, "confirmed", "meta", "Retargeting", None, "p2"),
    ("o7", "c6", dt.date(2024, 2, 22), 50.0, 10.0, "confirmed", "meta", "Retargeting", None, None),
]


def build_shop(path) -> None:
    from payback.store import open_store

    ads = {
        "date": [r[0] for r in AD_ROWS],
        "platform": [r[1] for r in AD_ROWS],
        "campaign": [r[2] for r in AD_ROWS],
        "keyword": [r[3] for r in AD_ROWS],
        "impressions": [r[4] for r in AD_ROWS],
        "clicks": [r[5] for r in AD_ROWS],
        "cost": [r[6] for r in AD_ROWS],
        "currency": ["EUR"] * len(AD_ROWS),
    }
    orders = {
        "order_id": [r[0] for r in ORDER_ROWS],
        "customer_id": [r[1] for r in ORDER_ROWS],
        "time": [dt.datetime.combine(r[2], dt.time(12)) for r in ORDER_ROWS],
        "revenue": [r[3] for r in ORDER_ROWS],
        "cogs": [r[4] for r in ORDER_ROWS],
        "status": [r[5] for r in ORDER_ROWS],
        "currency": ["EUR"] * len(ORDER_ROWS),
        "platform": [r[6] for r in ORDER_ROWS],
        "campaign": [r[7] for r in ORDER_ROWS],
        "keyword": [r[8] for r in ORDER_ROWS],
        "partner_id": [r[9] for r in ORDER_ROWS],
    }
    with open_store(path) as store:
        store.write(
            {"ad_stats": pa.table(ads), "orders": pa.table(orders)},
            meta={"base_currency": "EUR"},
        )


@pytest.fixture(scope="module")
def shop_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("shop") / "shop.duckdb"
    build_shop(path)
    return path


@pytest.fixture
def client(shop_db):
    from fastapi.testclient import TestClient

    from payback.server import create_app

    with TestClient(create_app(shop_db), base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture(scope="session")
def shop():
    """The rows of the hand-built shop (tests compute their expected numbers from them)."""
    from types import SimpleNamespace

    return SimpleNamespace(ads=AD_ROWS, orders=ORDER_ROWS, nasty=NASTY, formula=FORMULA)
