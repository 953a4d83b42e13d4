"""Campaign cohorts and sources keep the platform: "Brand - Exact" on Google and on
Microsoft are two campaigns (as in the metrics, keyed by platform and campaign)."""

from __future__ import annotations

import pandas as pd
import pytest

from payback.clv import cohort_ltv, ltv_by_source
from payback.clv.cohorts import campaign_key


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    from payback.demo import generate_shop
    from payback.store import open_store

    store = open_store(tmp_path_factory.mktemp("keys") / "shop.duckdb")
    shop = generate_shop(2000, seed=1)
    store.write(shop.tables, meta={"base_currency": shop.currency})
    orders = store.to_pyarrow(store.table("orders")).to_pandas()
    yield store, orders
    store.close()


def _acquired_by(orders: pd.DataFrame) -> pd.Series:
    """Customers per "platform / campaign" of their first confirmed order, in pandas."""
    confirmed = orders[orders.status == "confirmed"]
    first = confirmed.sort_values(["time", "order_id"]).drop_duplicates("customer_id")
    first = first[first.campaign.notna()]
    key = first.platform.fillna("(none)") + " / " + first.campaign
    return key.value_counts().sort_index()


def test_cohorts_by_campaign_split_platforms(shop):
    store, orders = shop
    expected = _acquired_by(orders)
    assert {"google / Brand - Exact", "microsoft / Brand - Exact"} <= set(expected.index)
    table = cohort_ltv(store, "campaign").frame
    sizes = table[table.months_since_acquisition == 0].groupby("cohort")["customers"].sum()
    assert sizes.sort_index().to_dict() == expected.to_dict()


def test_ltv_by_source_campaign_split_platforms(shop):
    store, orders = shop
    table = ltv_by_source(store, "campaign", min_customers=10_000).frame  # pooled fits: fast
    got = table[table.source.notna()].set_index("source")["customers"].sort_index()
    assert got.to_dict() == _acquired_by(orders).to_dict()


def test_campaign_key_matches_the_engine_key(shop):
    store, _ = shop
    cohorts = set(cohort_ltv(store, "campaign").frame.cohort.dropna())
    assert campaign_key("google", "Brand - Exact") in cohorts
