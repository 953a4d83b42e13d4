"""The store knows the currencies of its money tables per version: recorded at write time."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest

from payback.errors import CurrencyError
from payback.metrics import compute_metrics, engine
from payback.store import Store, money_tables, open_store


def _orders(ids: list[str], currencies: list[str | None]) -> pa.Table:
    return pa.table(
        {
            "order_id": ids,
            "customer_id": ids,
            "time": [dt.datetime(2024, 3, 1, 12)] * len(ids),
            "revenue": [10.0] * len(ids),
            "status": ["confirmed"] * len(ids),
            "currency": pa.array(currencies, pa.string()),
        }
    )


def _no_queries(monkeypatch) -> None:
    """Asking the tables for their currencies fails: the store's own, or the engine's."""

    def refuse(*args, **kwargs):
        raise AssertionError("the currencies were asked of the tables")

    monkeypatch.setattr(Store, "_queried_currencies", refuse)
    monkeypatch.setattr(engine, "_currency_range", refuse)


def test_money_tables_are_those_with_a_currency_column_but_the_rates():
    assert money_tables() == (
        "ad_stats",
        "orders",
        "order_items",
        "costs",
        "partner_claims",
        "subscriptions",
    )


def test_a_write_records_its_tables_currencies_and_reading_them_asks_no_query(
    tmp_path, monkeypatch
):
    with open_store(tmp_path / "s.duckdb") as store:
        store.write({"orders": _orders(["1", "2", "3"], ["USD", None, "EUR"])})
        _no_queries(monkeypatch)
        assert store.currencies("orders") == ("EUR", "USD")
        assert store.currencies("acquisitions") == ("EUR", "USD")  # its source's
        assert store.currencies("ad_stats") == ()  # nothing imported
        assert store.currencies("leads") == ()  # no money
        record = json.loads(store.meta("currencies:orders"))
        assert record == {"version": store.meta("version:orders"), "currencies": ["EUR", "USD"]}


def test_each_write_records_the_new_version_and_a_failed_one_keeps_the_old(tmp_path):
    with open_store(tmp_path / "s.duckdb") as store:
        store.write({"orders": _orders(["1"], ["EUR"])})
        assert store.currencies("orders") == ("EUR",)
        store.write({"orders": _orders(["2"], ["SEK"])})
        assert store.currencies("orders") == ("EUR", "SEK")
        store.write({"orders": _orders(["2"], ["EUR"])})  # same key: SEK replaced
        assert store.currencies("orders") == ("EUR",)
        with pytest.raises(Exception, match="no column"):
            store.write({"orders": _orders(["3"], ["NOK"]).append_column("x", pa.array([1]))})
        assert store.currencies("orders") == ("EUR",)
        store.clear("orders")
        assert store.currencies("orders") == ()


def test_a_store_written_before_the_record_asks_the_table_once_then_records_it(
    tmp_path, monkeypatch
):
    path = tmp_path / "old.duckdb"
    with open_store(path) as store:
        store.write({"orders": _orders(["1", "2"], ["EUR", "USD"])})
        store.backend.con.execute("DELETE FROM _payback_meta WHERE key LIKE 'currencies:%'")
    asked: list[str] = []
    real = Store._queried_currencies

    def counted(self, name):
        asked.append(name)
        return real(self, name)

    monkeypatch.setattr(Store, "_queried_currencies", counted)
    with open_store(path, read_only=True) as store:
        assert store.meta("currencies:orders") is None
        assert store.currencies("orders") == ("EUR", "USD")
        assert store.currencies("orders") == ("EUR", "USD")  # once per store version
    assert asked == ["orders"]
    with open_store(path) as store:  # opened for writing: recorded now
        assert json.loads(store.meta("currencies:orders"))["currencies"] == ["EUR", "USD"]


def test_the_metrics_check_the_currency_from_the_record_without_a_query(tmp_path, monkeypatch):
    with open_store(tmp_path / "s.duckdb") as store:
        store.write({"orders": _orders(["1", "2"], ["EUR", "EUR"])}, meta={"base_currency": "EUR"})
        _no_queries(monkeypatch)
        result = compute_metrics(store, by=(), metrics="revenue,new_customers")
        assert (result.totals, result.currency) == ({"revenue": 20.0, "new_customers": 2}, "EUR")
        store.write({"orders": _orders(["3"], ["USD"])})
        monkeypatch.undo()  # two currencies: the filtered rows are asked which they hold
        with pytest.raises(CurrencyError, match=r"in EUR, USD but the store's base currency"):
            compute_metrics(store, by=(), metrics="revenue")
