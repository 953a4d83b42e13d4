"""FX: rates table, base currency, conversion at the row's date (or the latest earlier)."""

from __future__ import annotations

import csv

import pytest

from payback.errors import CurrencyError
from payback.ingest import import_file

from .conftest import totals


def _rates(path):
    with open(path, newline="") as f:
        return [(r["date"], r["currency"], float(r["rate"])) for r in csv.DictReader(f)]


def test_fx_rates_import_sets_the_base_currency(store, data):
    result = import_file(store, "fx-rates", data / "fx_rates.csv")
    assert (result.rows_read, result.currency) == (4, "USD")
    assert store.base_currency == "USD"


def test_orders_in_eur_are_converted_at_the_rate_of_their_date(store, data):
    import_file(store, "fx-rates", data / "fx_rates.csv")
    result = import_file(store, "orders", data / "orders_eur.csv")
    rates = {(d, c): r for d, c, r in _rates(data / "fx_rates.csv")}
    t = store.table("orders")
    got = store.execute(t.order_by("order_id")).set_index("order_id")
    # E1 on 10-01 at 1.10; E2 on 10-02 at 1.12; E3 on 10-05: latest earlier rate (10-02)
    assert got.loc["E1", "revenue"] == pytest.approx(100 * rates[("2024-10-01", "EUR")])
    assert got.loc["E2", "revenue"] == pytest.approx(200 * rates[("2024-10-02", "EUR")])
    assert got.loc["E3", "revenue"] == pytest.approx(50 * rates[("2024-10-02", "EUR")])
    assert got.loc["E3", "cogs"] == pytest.approx(20 * rates[("2024-10-02", "EUR")])
    assert got.loc["E4", "revenue"] == 10  # already USD
    assert set(got["currency"]) == {"USD"}
    assert result.currency == "USD"
    assert result.file_currencies == ("EUR", "USD")
    assert [c.describe("USD") for c in result.conversions] == [
        "converted 3 row(s) from EUR to USD at rates of 2024-10-01 to 2024-10-02"
    ]
    assert result.conversions[0].describe("USD") in result.warnings


def test_first_money_import_sets_the_base_currency(store, data):
    import_file(store, "ads", data / "google_ads_keywords.csv")
    assert store.base_currency == "USD"


def test_other_currency_without_rates_is_refused_with_dates_and_fix(store, data):
    import_file(store, "ads", data / "google_ads_keywords.csv")  # USD store
    path = data / "meta_one_period.csv"  # EUR
    with pytest.raises(CurrencyError) as e:
        import_file(store, "ads", path, set_values="date=2024-10-31")
    assert str(e.value) == (
        f"{path} is in EUR but the store holds money in USD: money never mixes currencies "
        "silently. Import an FX table first (`payback import fx-rates rates.csv`, rate = USD "
        "per 1 EUR) or use a separate store (--db) for EUR. (2 row(s) in EUR, dated 2024-10-31 "
        "to 2024-10-31)"
    )
    assert store.row_count("ad_stats") == 6  # nothing of the EUR file


def test_row_counts_in_currency_errors_have_thousands_separators(store, data, tmp_path):
    import_file(store, "ads", data / "google_ads_keywords.csv")  # USD store
    path = tmp_path / "eur.csv"
    days = [f"2024-{1 + i // 28:02d}-{1 + i % 28:02d}" for i in range(336)]
    rows = [f"{d},c{k},100,3,{k + 1}.5,EUR" for d in days for k in range(4)]  # 1,344 rows
    path.write_text("date,campaign,impressions,clicks,cost,currency\n" + "\n".join(rows) + "\n")
    with pytest.raises(CurrencyError, match=r"\(1,344 row\(s\) in EUR, dated 2024-01-01 to"):
        import_file(store, "ads", path, set_values="platform=meta")


def test_rows_before_the_first_rate_are_refused(store, data, tmp_path):
    import_file(store, "fx-rates", data / "fx_rates.csv")
    path = tmp_path / "early.csv"
    path.write_text(
        "order_id,customer_id,time,revenue,status,currency\n"
        "Q1,C1,2024-09-29 10:00,10,confirmed,EUR\nQ2,C1,2024-10-03,10,confirmed,EUR\n"
    )
    with pytest.raises(CurrencyError) as e:
        import_file(store, "orders", path)
    assert str(e.value) == (
        f"{path}: 1 row(s) in EUR dated 2024-09-29 to 2024-09-29 have no exchange rate on or "
        "before their date: fx_rates holds EUR->USD from 2024-09-30 to 2024-10-02. Fix: import "
        "rates covering 2024-09-29 or earlier (`payback import fx-rates rates.csv`, rate = USD "
        "per 1 EUR)"
    )
    assert store.row_count("orders") == 0


def test_a_file_mixing_currencies_needs_a_base_first(store, data):
    path = data / "orders_eur.csv"
    with pytest.raises(CurrencyError) as e:
        import_file(store, "orders", path)
    assert str(e.value) == (
        f"{path} holds money in EUR, USD and the store has no base currency yet: import an FX "
        "table first (`payback import fx-rates rates.csv` with columns date,currency,rate,"
        "base_currency; its base becomes the store's), or split the file by currency"
    )


def test_rates_into_another_base_are_refused(store, data, tmp_path):
    import_file(store, "ads", data / "google_ads_keywords.csv")
    path = tmp_path / "rates.csv"
    path.write_text("date,currency,rate,base_currency\n2024-10-01,USD,0.91,EUR\n")
    with pytest.raises(CurrencyError) as e:
        import_file(store, "fx-rates", path)
    assert str(e.value) == (
        f"{path} has rates into EUR but the store's base currency is USD: give rates into USD "
        "(rate = USD per 1 unit of the currency)"
    )


def test_order_items_without_dates_use_the_latest_rate(store, data, tmp_path):
    import_file(store, "fx-rates", data / "fx_rates.csv")
    path = tmp_path / "items.csv"
    path.write_text("order_id,product_id,quantity,price,currency\nE1,sku1,2,10,EUR\n")
    result = import_file(store, "order-items", path)
    assert totals(store, "order_items", "price")["price"] == pytest.approx(10 * 1.12)
    assert result.conversions[0].first_rate_date.isoformat() == "2024-10-02"
