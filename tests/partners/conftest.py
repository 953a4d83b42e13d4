"""The demo shop of the partner tests: 3,000 customers, seed 11 (issue 12's numbers)."""

from __future__ import annotations

import pandas as pd
import pytest

from payback.demo import generate_shop
from payback.store import open_store


@pytest.fixture(scope="session")
def demo_shop():
    return generate_shop(3_000, seed=11)


@pytest.fixture(scope="session")
def demo_db(demo_shop, tmp_path_factory) -> str:
    """The shop written into a store file."""
    path = str(tmp_path_factory.mktemp("partners") / "demo.duckdb")
    with open_store(path) as store:
        store.write(demo_shop.tables, meta={"base_currency": demo_shop.currency})
    return path


@pytest.fixture(scope="session")
def raw(demo_shop) -> dict[str, pd.DataFrame]:
    """The shop's tables (and planted claim issues) as pandas, for independent checks."""
    out = {name: table.to_pandas() for name, table in demo_shop.tables.items()}
    out["claim_issues"] = demo_shop.claim_issues.to_pandas()
    return out
