"""Currency codes are checked against ISO 4217: a made-up code is an error, not a currency.

"XYZ" used to be taken for a foreign currency (or became the store's base currency).
"""

from __future__ import annotations

import pytest

from payback.errors import ValidationErrors
from payback.ingest import import_file
from payback.ingest.currencies import ACTIVE, CODES, WITHDRAWN, is_currency

from .conftest import error_message

ADS_HEADER = "date,platform,campaign,impressions,clicks,cost,currency\n"
EXPECTED = (
    "expected an active ISO 4217 code like USD, EUR or RUB. Fix: write the three-letter code "
    "of the money's currency (GBP for pounds, not UKP)"
)


def _ads(tmp_path, body):
    path = tmp_path / "ads.csv"
    path.write_text(ADS_HEADER + body, encoding="utf-8")
    return path


def test_an_invented_code_is_an_error_in_a_new_store(store, tmp_path):
    path = _ads(tmp_path, "2024-10-01,google,A,100,10,5,XYZ\n2024-10-01,google,B,100,10,5,USD\n")
    assert error_message(store, "ads", path) == (
        f"{path}: 1 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 2, column 'currency': not an ISO 4217 currency code: got 'XYZ', "
        f"{EXPECTED}"
    )
    assert store.base_currency is None  # XYZ did not become the store's currency


def test_an_invented_code_is_not_a_foreign_currency(store, data, tmp_path):
    import_file(store, "ads", data / "google_ads_keywords.csv")  # the store is in USD
    path = _ads(tmp_path, "2024-10-01,google,A,100,10,5, xyz \n")
    assert error_message(store, "ads", path) == (
        f"{path}: 1 problem(s) found; nothing was imported.\n"
        f"  - {path}, row 2, column 'currency': not an ISO 4217 currency code: got 'xyz', "
        f"{EXPECTED}"
    )


def test_codes_in_any_case_and_withdrawn_codes_are_accepted(store, tmp_path):
    path = _ads(tmp_path, "2024-10-01,google,A,100,10,5, usd\n2024-10-02,google,A,100,10,5,Usd\n")
    assert import_file(store, "ads", path).currency == "USD"
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,customer_id,time,revenue,status,currency\nO1,C1,2022-10-01,10,confirmed,HRK\n"
    )
    rates = tmp_path / "rates.csv"
    rates.write_text("date,currency,rate,base_currency\n2022-09-30,hrk,0.13,usd\n")
    import_file(store, "fx-rates", rates)
    assert import_file(store, "orders", path).file_currencies == ("HRK",)


def test_the_currency_option_must_be_a_code(store, data):
    assert error_message(store, "ads", data / "yandex_direct_report.tsv", currency="xyz") == (
        "--currency 'XYZ': not an ISO 4217 currency code; expected one like USD, EUR or RUB"
    )


def test_a_currency_in_a_header_is_checked_too(store, data, tmp_path):
    path = tmp_path / "meta.csv"
    text = (data / "meta_ads_manager.csv").read_text().replace("(USD)", "(XYZ)")
    path.write_text(text)
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "ads", path)
    assert e.value.total == 5  # every data row has the header's currency
    assert str(e.value.errors[0]) == (
        f"{path}, row 3, column 'currency (header)': not an ISO 4217 currency code: got 'XYZ', "
        f"{EXPECTED}"
    )


def test_fx_rates_codes_both_sides(store, tmp_path):
    rates = tmp_path / "rates.csv"
    rates.write_text(
        "date,currency,rate,base_currency\n2024-10-01,EURO,1.1,USD\n2024-10-01,EUR,1.1,DOL\n"
    )
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "fx-rates", rates)
    assert [(err.row, err.column, err.value) for err in e.value.errors] == [
        (2, "currency", "EURO"),
        (3, "base_currency", "DOL"),
    ]


def test_the_embedded_list():
    assert len(ACTIVE) == 182  # ISO 4217 list one, 2025
    assert all(len(c) == 3 and c.isalpha() and c.isupper() for c in CODES)
    assert {"USD", "EUR", "GBP", "JPY", "RUB", "CNY", "ZWG", "XCG"} <= ACTIVE
    assert not ACTIVE & WITHDRAWN
    assert not is_currency("XYZ") and not is_currency("usd")
