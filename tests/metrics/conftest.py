"""Fixtures of the metric-engine tests: small stores written with Store.write, one Spark session."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence

import pyarrow as pa
import pytest

from payback.schema import TABLES
from payback.store import Store, open_store

DAY = dt.date(2024, 3, 1)

_DEFAULTS: dict[str, dict[str, object]] = {
    "ad_stats": {
        "date": DAY,
        "platform": "google",
        "campaign": "c1",
        "impressions": 0,
        "clicks": 0,
        "cost": 0.0,
        "currency": "EUR",
    },
    "orders": {
        "customer_id": None,  # filled with the order id: every order a new customer
        "time": dt.datetime.combine(DAY, dt.time(12)),
        "revenue": 0.0,
        "status": "confirmed",
        "currency": "EUR",
        "platform": "google",
        "campaign": "c1",
    },
    "leads": {
        "time": dt.datetime.combine(DAY, dt.time(12)),
        "kind": "call",
        "status": "valid",
        "platform": "google",
        "campaign": "c1",
    },
}


def arrow_rows(table: str, rows: Sequence[dict[str, object]]) -> pa.Table:
    """Canonical rows with defaults filled in, typed as the schema says."""
    defaults = _DEFAULTS[table]
    filled = []
    for i, row in enumerate(rows):
        full = {**defaults, **row}
        if table == "orders":
            full.setdefault("order_id", f"o{i}")
            full["customer_id"] = full["customer_id"] or full["order_id"]
        if table == "leads":
            full.setdefault("lead_id", f"l{i}")
        filled.append(full)
    names = [c for c in TABLES[table].column_names if any(c in r for r in filled)]
    schema = TABLES[table].ibis_schema().to_pyarrow()
    return pa.table(
        {n: pa.array([r.get(n) for r in filled], type=schema.field(n).type) for n in names}
    )


def build_store(
    ads: Sequence[dict] = (), orders: Sequence[dict] = (), leads: Sequence[dict] = ()
) -> Store:
    """An in-memory store holding the given rows."""
    store = open_store(":memory:")
    tables = {
        name: arrow_rows(name, rows)
        for name, rows in (("ad_stats", ads), ("orders", orders), ("leads", leads))
        if rows
    }
    if tables:
        store.write(tables)
    return store


@pytest.fixture
def make_store() -> Iterator[Callable[..., Store]]:
    """``make_store(ads=[...], orders=[...], leads=[...])``: rows as dicts, defaults filled."""
    opened: list[Store] = []

    def make(**kw) -> Store:
        store = build_store(**kw)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture(scope="session")
def spark_copy() -> Callable[[Store], Store]:
    """Copy a DuckDB store into the one local Spark session of the test run."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from payback.spark import copy_to_spark

    return copy_to_spark


def demo_store(path, customers: int, seed: int) -> Store:
    """A store (file, or ``":memory:"``) holding the synthetic demo shop's tables, written
    directly (what ``payback demo`` imports from its files)."""
    from payback.demo import generate_shop

    shop = generate_shop(customers, seed=seed)
    store = open_store(path)
    store.write(shop.tables, meta={"base_currency": shop.currency})
    return store
