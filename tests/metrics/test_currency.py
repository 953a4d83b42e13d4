"""Money is never summed across currencies."""

from __future__ import annotations

import pytest

from payback.errors import CurrencyError
from payback.metrics import compute_metrics


def test_two_currencies_in_the_ads_are_refused(make_store):
    store = make_store(
        ads=[{"campaign": "eu", "cost": 10.0}, {"campaign": "us", "cost": 10.0, "currency": "USD"}]
    )
    with pytest.raises(CurrencyError, match=r"in EUR, USD \(ad_stats: EUR; ad_stats: USD\)"):
        compute_metrics(store, by="campaign", metrics="cost")


def test_ads_and_orders_in_different_currencies_are_refused(make_store):
    store = make_store(ads=[{"cost": 10.0}], orders=[{"revenue": 5.0, "currency": "USD"}])
    with pytest.raises(CurrencyError, match=r"ad_stats: EUR; orders: USD.*FX table"):
        compute_metrics(store, by=(), metrics="drr")


def test_a_filter_down_to_one_currency_is_allowed(make_store):
    store = make_store(
        ads=[{"campaign": "eu", "cost": 10.0}, {"campaign": "us", "cost": 7.0, "currency": "USD"}]
    )
    r = compute_metrics(store, by=(), metrics="cost", where={"campaign": "us"})
    assert (r.totals, r.currency) == ({"cost": 7.0}, "USD")


def test_counts_need_no_currency_check(make_store):
    store = make_store(
        ads=[
            {"clicks": 3, "impressions": 9},
            {"campaign": "b", "clicks": 1, "impressions": 1, "currency": "USD"},
        ]
    )
    assert compute_metrics(store, by=(), metrics="clicks,ctr").totals == {"clicks": 4, "ctr": 0.4}


def test_data_in_another_currency_than_the_store_base_is_refused(make_store):
    store = make_store(ads=[{"cost": 10.0, "currency": "USD"}])
    store.set_meta("base_currency", "EUR")
    with pytest.raises(CurrencyError, match="store's base currency is EUR"):
        compute_metrics(store, by=(), metrics="cost")
