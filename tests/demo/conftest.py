"""Shops shared by the demo tests (generated once per session: a second or so)."""

from __future__ import annotations

import pandas as pd
import pytest

from payback.demo import generate_shop


@pytest.fixture(scope="session")
def shop():
    """A 40,000-customer shop: big enough for the statistical checks to be decisive."""
    return generate_shop(40_000, seed=11)


@pytest.fixture(scope="session")
def frames(shop) -> dict[str, pd.DataFrame]:
    out = {name: table.to_pandas() for name, table in shop.tables.items()}
    out["truth"] = shop.customer_truth.to_pandas()
    out["claim_issues"] = shop.claim_issues.to_pandas()
    return out
