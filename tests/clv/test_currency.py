"""Every CLV read checks that the money of the confirmed orders is in one currency.

A store written through ``Store.write`` takes orders in any currency; ``ltv summary``,
``ltv cohorts``, ``ltv predict`` and the API must refuse to add EUR and USD together.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from payback.cli import main
from payback.clv import cohort_ltv, customer_summary, model_table, predict_ltv
from payback.errors import CurrencyError


def _orders(currencies, statuses=None):
    n = len(currencies)
    t = dt.datetime(2024, 1, 5)
    return pa.table(
        {
            "order_id": [str(i) for i in range(n)],
            "customer_id": ["a", "b", "a", "c"][:n],
            "time": [t + dt.timedelta(days=20 * i) for i in range(n)],
            "revenue": [100.0, 50.0, 70.0, 30.0][:n],
            "status": statuses or ["confirmed"] * n,
            "currency": currencies,
        }
    )


@pytest.fixture
def mixed(tmp_path):
    from payback.store import open_store

    path = tmp_path / "mixed.duckdb"
    with open_store(path) as store:
        store.write({"orders": _orders(["EUR", "USD", "EUR", "EUR"])})
    return str(path)


@pytest.mark.parametrize("command", [["summary"], ["cohorts"], ["predict"], ["fit"]])
def test_cli_refuses_mixed_currencies(mixed, capsys, command):
    assert main(["ltv", *command, "--db", mixed]) != 0
    err = capsys.readouterr().err
    assert "money in several currencies in the confirmed orders: EUR (3 rows), USD (1 row)" in err
    assert "payback import fx-rates" in err


def test_api_refuses_mixed_currencies(mixed):
    from payback.store import open_store

    with open_store(mixed, read_only=True) as store:
        for read in (
            lambda: store.execute(customer_summary(store)),
            lambda: cohort_ltv(store),
            lambda: predict_ltv(store),
            lambda: model_table(store, "gg"),
        ):
            with pytest.raises(CurrencyError, match=r"EUR \(3 rows\), USD \(1 row\)"):
                read()


def test_only_confirmed_orders_count_and_the_base_currency_must_match(store):
    # a cancelled USD order is not money the CLV adds: the EUR orders are read
    store.write({"orders": _orders(["EUR", "USD", "EUR"], ["confirmed", "cancelled", "confirmed"])})
    summary = store.execute(customer_summary(store))
    assert summary.set_index("customer_id").monetary_value.to_dict() == {"a": 70.0}
    # confirmed orders all in EUR in a USD store: refused, naming the base currency
    store.set_meta("base_currency", "USD")
    with pytest.raises(
        CurrencyError,
        match=r"EUR \(2 rows\) in the confirmed orders but the store.s base currency is USD",
    ):
        cohort_ltv(store)
