"""A demo shop written to a store file, and its raw tables as pandas, for tests that
recompute the economics independently from the rows."""

from __future__ import annotations

import pandas as pd

from payback.demo import generate_shop
from payback.store import open_store


def demo_store_file(folder, customers: int, seed: int) -> str:
    """``generate_shop(customers, seed)`` written into ``folder/demo.duckdb``."""
    shop = generate_shop(customers, seed=seed)
    path = str(folder / "demo.duckdb")
    with open_store(path) as store:
        store.write(shop.tables, meta={"base_currency": shop.currency})
    return path


def raw_tables(path: str, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """The store's tables ``names`` as pandas frames."""
    with open_store(path, read_only=True) as store:
        return {n: store.to_pyarrow(store.table(n)).to_pandas() for n in names}
