"""The demo shop every Spark test file reads, built once per test process."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def demo_shop(tmp_path_factory) -> dict:
    """The demo shop (600 customers, seed 42) as a store file (``file``) and as a lake
    (``lake``, ``parquet:PATH``), in ``folder``; ``duck``: DuckDB's answers, kept by the
    tests that compute them (one per command)."""
    from payback.demo import generate_shop
    from payback.lake import export_store
    from payback.store import open_store

    folder = tmp_path_factory.mktemp("demo-shop")
    db = folder / "demo.duckdb"
    shop = generate_shop(600, seed=42)
    with open_store(db) as store:
        store.write(shop.tables, meta={"base_currency": shop.currency})
        export_store(store, folder / "lake")
    return {"file": str(db), "lake": f"parquet:{folder / 'lake'}", "folder": folder,
            "duck": {}}  # fmt: skip
