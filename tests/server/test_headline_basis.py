"""/api/headline, /api/table and /api/metrics: the same default comparison and the same
paid / all totals as the report (tests/report/test_default_comparison.py and
test_paid_totals.py), for the dashboard."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

#: google spends per month; each month brings `paid` google orders of 100 EUR and two
#: organic orders (no platform) of 50 EUR.
MONTHS = {1: (300.0, 3), 2: (400.0, 2), 3: (350.0, 5)}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    from payback.server import create_app
    from payback.store import open_store

    path = tmp_path_factory.mktemp("basis") / "basis.duckdb"
    ads, orders = [], []
    for month, (cost, paid) in MONTHS.items():
        ads.append((dt.date(2024, month, 1), cost))
        for i in range(paid + 2):
            organic = i >= paid
            orders.append((f"o{month}-{i}", f"c{month}-{i}", dt.datetime(2024, month, 2 + i, 12),
                           50.0 if organic else 100.0, None if organic else "google"))  # fmt: skip
    ads.append((dt.date(2024, 3, 31), 0.0))  # the data reaches March's last day
    ad_stats = pa.table({
        "date": [a[0] for a in ads], "platform": ["google"] * len(ads),
        "campaign": ["Brand"] * len(ads), "impressions": [100] * len(ads),
        "clicks": [10] * len(ads), "cost": [a[1] for a in ads], "currency": ["EUR"] * len(ads),
    })  # fmt: skip
    order_table = pa.table({
        "order_id": [o[0] for o in orders], "customer_id": [o[1] for o in orders],
        "time": [o[2] for o in orders], "revenue": [o[3] for o in orders],
        "status": ["confirmed"] * len(orders), "currency": ["EUR"] * len(orders),
        "platform": [o[4] for o in orders],
        "campaign": [None if o[4] is None else "Brand" for o in orders],
    })  # fmt: skip
    with open_store(path) as s:
        s.write({"ad_stats": ad_stats, "orders": order_table}, meta={"base_currency": "EUR"})
    with TestClient(create_app(path), base_url="http://127.0.0.1") as c:
        yield c


def test_the_default_headline_compares_the_last_two_complete_months(api):
    body = api.get("/api/headline").json()
    assert body["period"] == {"start": "2024-01-01", "end": "2024-03-31"}
    assert body["compared_period"] == {"start": "2024-03-01", "end": "2024-03-31"}
    assert body["previous_period"] == {"start": "2024-02-01", "end": "2024-02-29"}
    assert body["comparison"] == "Mar 2024 vs Feb 2024" and body["whole_history"]
    assert body["note"] is None and body["intro"].startswith("Totals of the whole history")
    cards = {c["metric"]: c for c in body["cards"]}
    (feb_cost, feb_paid), (mar_cost, mar_paid) = MONTHS[2], MONTHS[3]
    cpo = cards["cpo"]
    assert cpo["value"] == pytest.approx(sum(c for c, _ in MONTHS.values()) / 10)
    assert (cpo["current"], cpo["previous"]) == (mar_cost / mar_paid, feb_cost / feb_paid)
    assert cpo["change"] == pytest.approx((70.0 - 200.0) / 200.0)
    assert cpo["change_text"] == "−65.0 %" and cpo["verdict"] == "better"
    assert cpo["basis"] == "paid traffic"
    assert cpo["blended"] == pytest.approx(1050.0 / 16)
    assert cpo["blended_text"] == "65.63 EUR"  # 65.625: half away from zero, as ROUND does
    orders = cards["orders"]
    assert (orders["value"], orders["current"], orders["previous"]) == (16, 7, 4)
    assert orders["basis"] is None and orders["blended_text"] is None
    assert [i["label"] for i in cpo["inputs"]] == ["Cost (paid traffic)", "Orders (paid traffic)"]
    assert [i["current"] for i in cpo["inputs"]] == [mar_cost, mar_paid]


def test_a_period_from_the_dashboard_compares_with_the_days_before(api):
    body = api.get("/api/headline", params={"from": "2024-03-01", "to": "2024-03-31"}).json()
    assert body["compared_period"] == body["period"] and not body["whole_history"]
    assert body["previous_period"] == {"start": "2024-01-30", "end": "2024-02-29"}


def test_tables_and_metrics_carry_both_totals(api):
    table = api.get("/api/table").json()
    assert [t[0]["text"] for t in table["totals"]] == ["Total (paid)", "Total (all)"]
    cpo = [c["key"] for c in table["columns"]].index("cpo")
    assert [t[cpo]["text"] for t in table["totals"]] == ["105.00 EUR", "–"]
    body = api.get("/api/metrics", params={"by": "platform", "metrics": "orders,cpo"}).json()
    kinds = {t["total_kind"]: t for t in body["totals"]}
    assert (kinds["paid"]["orders"], kinds["all"]["orders"]) == (10, 16)
    assert (kinds["paid"]["cpo"], kinds["all"]["cpo"]) == (105.0, None)
    assert body["total"] == {"platform": None, "orders": 16, "cpo": 105.0, "total_kind": "all"}
