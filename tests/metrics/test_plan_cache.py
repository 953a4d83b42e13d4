"""A metric query is compiled once per store version (payback.metrics.plans): the next
identical request runs the same SQL without Ibis, and gives the same result; a new store
version, a newly registered metric or another request compiles again."""

from __future__ import annotations

import gc
import weakref

import pandas as pd
import pytest

from payback.errors import CurrencyError
from payback.metrics import CATALOGUE, Metric, compute_metrics, engine, plans, register_metric
from payback.store import open_store

from .conftest import arrow_rows


@pytest.fixture
def compiles(monkeypatch) -> list[tuple]:
    """The requests compiled (each call of the engine's Ibis build and compile)."""
    plans.clear()
    seen: list[tuple] = []
    real = engine._compile

    def spy(store, request, totals):
        seen.append(request)
        return real(store, request, totals)

    monkeypatch.setattr(engine, "_compile", spy)
    return seen


@pytest.fixture
def shop(tmp_path):
    """A store file: 200 EUR of ads on campaign c1 bringing 40 orders, 10 organic orders."""
    paid = [{"revenue": 10.0} for _ in range(40)]
    organic = [{"order_id": f"x{i}", "revenue": 10.0, "platform": None, "campaign": None}
               for i in range(10)]  # fmt: skip
    store = open_store(tmp_path / "shop.duckdb")
    store.write(
        {
            "ad_stats": arrow_rows("ad_stats", [{"clicks": 100, "cost": 200.0}]),
            "orders": arrow_rows("orders", paid + organic),
        },
        meta={"base_currency": "EUR"},
    )
    yield store
    store.close()


def test_a_repeated_query_is_compiled_once_and_gives_the_same_result(shop, compiles):
    first = compute_metrics(shop, by="campaign", metrics="cost,orders,cpo,drr")
    again = compute_metrics(shop, by="campaign", metrics="cost,orders,cpo,drr")
    assert len(compiles) == 1
    pd.testing.assert_frame_equal(again.frame, first.frame)
    assert again.reasons == first.reasons
    assert (again.totals, again.currency) == ({"cost": 200.0, "orders": 50, "cpo": 5.0,
                                               "drr": 0.5}, "EUR")  # fmt: skip
    pd.testing.assert_frame_equal(again.cell_reasons, first.cell_reasons)
    assert first.cell_reasons["cpo"].tolist()[1] == "no ad statistics match this row"


def test_another_request_is_compiled_anew(shop, compiles):
    compute_metrics(shop, by="campaign", metrics="cpo")
    by_platform = compute_metrics(shop, by="platform", metrics="cpo")
    filtered = compute_metrics(shop, by="campaign", metrics="cpo", where={"campaign": "c2"})
    assert len(compiles) == 3
    assert by_platform.frame["cpo"].tolist()[:1] == [5.0]
    assert filtered.warnings == (
        "--where campaign=c2 matches no row of the ad statistics or the orders; values there: c1",
    )
    again = compute_metrics(shop, by="campaign", metrics="cpo", where={"campaign": "c2"})
    assert (len(compiles), again.warnings) == (3, filtered.warnings)


def test_a_new_store_version_is_compiled_and_counted_again(shop, compiles):
    assert compute_metrics(shop, by=(), metrics="cpo").totals == {"cpo": 5.0}
    shop.write({"ad_stats": arrow_rows("ad_stats", [{"campaign": "c2", "cost": 50.0}])})
    assert compute_metrics(shop, by=(), metrics="cpo").totals == {"cpo": 6.25}  # 250 / 40
    assert len(compiles) == 2


def test_a_metric_registered_later_is_known_to_a_repeated_request(shop, compiles):
    compute_metrics(shop, by=(), metrics="cost,orders")
    register_metric(
        Metric("cost_per_order_x2", "CPOx2", "cost / orders x 2", "money", True, "test",
               kind="ratio", numerator="cost", denominator="orders", scale=2.0)
    )  # fmt: skip
    try:
        r = compute_metrics(shop, by=(), metrics="cost,orders,cost_per_order_x2")
        assert r.totals["cost_per_order_x2"] == 10.0  # 200 / 40 x 2
        compute_metrics(shop, by=(), metrics="cost,orders")  # the catalogue changed
        assert len(compiles) == 3
    finally:
        del CATALOGUE["cost_per_order_x2"]


def test_money_in_two_currencies_is_refused_on_every_call(shop, compiles):
    shop.write({"ad_stats": arrow_rows("ad_stats", [{"campaign": "us", "cost": 1.0,
                                                     "currency": "USD"}])})  # fmt: skip
    for _ in range(2):
        with pytest.raises(CurrencyError, match=r"ad_stats: EUR; ad_stats: USD"):
            compute_metrics(shop, by=(), metrics="cost")
    assert len(compiles) == 1


def test_the_cache_holds_no_connection_of_a_closed_store(tmp_path, compiles):
    store = open_store(tmp_path / "s.duckdb")
    store.write({"orders": arrow_rows("orders", [{"revenue": 7.0}])})
    assert compute_metrics(store, by=(), metrics="revenue").totals == {"revenue": 7.0}
    backend = weakref.ref(store.backend)
    store.close()
    del store
    gc.collect()
    assert backend() is None
    with open_store(tmp_path / "s.duckdb", read_only=True) as again:
        for _ in range(2):  # closing checkpointed the file: compiled once more, then kept
            assert compute_metrics(again, by=(), metrics="revenue").totals == {"revenue": 7.0}
    assert len(compiles) == 2


def test_an_in_memory_store_is_never_cached(make_store, compiles):
    store = make_store(orders=[{"revenue": 3.0}])
    for _ in range(2):
        assert compute_metrics(store, by=(), metrics="revenue").totals == {"revenue": 3.0}
    assert len(compiles) == 2
