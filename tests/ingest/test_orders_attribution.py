"""Orders carry attribution: utm_* columns or a landing URL, click ids, partner ids."""

from __future__ import annotations

import csv
import urllib.parse

import pytest

from payback.ingest import import_file, platform_name
from payback.schema import DEFAULT_SOURCE_MAP

from .conftest import totals


def _orders(store):
    t = store.table("orders")
    return store.execute(t.order_by("order_id")).set_index("order_id")


def test_utm_columns_give_platform_campaign_ad_group_keyword(store, data):
    result = import_file(store, "orders", data / "orders_utm.csv")
    orders = _orders(store)
    assert orders.loc["O1", ["platform", "campaign", "ad_group", "keyword"]].tolist() == [
        "google",
        "Brand",
        "Brand - Exact",
        "buy shoes",
    ]
    assert orders.loc["O2", "platform"] == "meta"  # facebook
    assert orders.loc["O3", "platform"] == "microsoft"  # bing
    assert orders.loc["O7", "platform"] == "meta"  # Instagram, case-insensitive
    assert orders.loc["O5", "platform"] == "newsletter"  # unknown sources keep their name
    assert orders.loc["O4", "partner_id"] == "P7"
    assert orders.loc["O4", "platform"] is None
    assert result.unattributed == 1  # O6: no utm, no click id, no partner
    assert result.warnings == (
        "1 of 7 orders have no attribution (no platform, utm_source or click id, no partner): "
        "they count in totals but join no ad rows",
    )
    with open(data / "orders_utm.csv", newline="") as f:
        revenue = sum(float(r["revenue"]) for r in csv.DictReader(f))
    assert totals(store, "orders", "revenue")["revenue"] == pytest.approx(revenue)


def test_landing_url_is_parsed_like_urllib(store, data):
    import_file(store, "orders", data / "orders_landing.csv")
    orders = _orders(store)
    with open(data / "orders_landing.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(row["landing_url"]).query)
        for param in (
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "utm_term",
            "utm_content",
            "gclid",
            "yclid",
            "fbclid",
        ):
            expected = query.get(param, [None])[0]
            assert orders.loc[row["order_id"], param] == expected, (row["order_id"], param)


def test_click_ids_give_the_platform_when_utm_source_is_missing(store, data):
    import_file(store, "orders", data / "orders_landing.csv")
    platforms = _orders(store)["platform"].to_dict()
    assert platforms == {
        "L10": "google",  # utm_source=google (and gclid)
        "L11": "yandex",  # yclid
        "L12": "meta",  # fbclid
        "L13": "meta",  # utm_source=Instagram
        "L14": None,  # nothing
        "L15": "yandex",
        "L16": "microsoft",  # msclkid
    }
    orders = _orders(store)
    assert orders.loc["L15", "campaign"] == "Обувь поиск"  # percent-decoded UTF-8
    assert orders.loc["L15", "keyword"] == "купить кроссовки"  # '+' is a space
    assert orders.loc["L13", "ad_group"] == "Cart abandoners"  # from utm_content


def test_source_map_option_adds_and_overrides(store, data):
    import_file(store, "orders", data / "orders_utm.csv", source_map="newsletter=email,bing=other")
    platforms = _orders(store)["platform"].to_dict()
    assert platforms["O5"] == "email"
    assert platforms["O3"] == "other"
    assert platforms["O1"] == "google"


def test_given_columns_win_over_utm(store, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,customer_id,time,revenue,status,currency,platform,campaign,utm_source,"
        "utm_campaign\nX1,C1,2024-10-01,10,confirmed,USD,Yandex Direct,Shoes,google,Brand\n"
    )
    import_file(store, "orders", path)
    row = _orders(store).loc["X1"]
    assert (row["platform"], row["campaign"], row["utm_campaign"]) == ("yandex", "Shoes", "Brand")


def test_default_source_map_is_the_schema_one():
    for source, platform in DEFAULT_SOURCE_MAP.items():
        assert platform_name(source) == platform
    assert platform_name("FB") == "meta"
    assert platform_name("Microsoft Advertising") == "microsoft"


def test_partner_alias_column(store, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,customer_id,time,revenue,status,currency,affiliate\n"
        "P1,C1,2024-10-01,10,confirmed,USD,aff-42\n"
    )
    result = import_file(store, "orders", path)
    assert dict(result.columns)["partner_id"] == "affiliate"
    assert result.unattributed == 0
    assert _orders(store).loc["P1", "partner_id"] == "aff-42"
