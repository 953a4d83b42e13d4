"""CPO, CAC, DRR and ROMI over paid traffic, labelled so, with the blended figure beside.

The metric engine totals ratios of ad spend to orders over the rows with ad statistics
(``Total (paid)``); orders without ad statistics (organic, newsletter, partner) count in
spend, revenue and orders (``Total (all)``) but would flatter a CPO. The cards and the
tables of the report (and the dashboard, tests/server) follow it.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pyarrow as pa
import pytest

from payback.report import render_report
from payback.report.cards import headline
from payback.report.views import metric_table

DAY = dt.date(2024, 3, 1)
#: (platform, campaign, cost); each campaign's orders: (customer, revenue, cogs)
ADS = [("google", "Brand", 300.0), ("bing", "Brand", 100.0)]
PAID_ORDERS = [("google", "Brand", "c1", 200.0, 80.0), ("google", "Brand", "c2", 100.0, 40.0),
               ("bing", "Brand", "c3", 150.0, 50.0)]  # fmt: skip
ORGANIC_ORDERS = [(None, None, "c4", 500.0, 200.0), (None, None, "c5", 250.0, 100.0)]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from payback.store import open_store

    path = tmp_path_factory.mktemp("paid") / "paid.duckdb"
    rows = PAID_ORDERS + ORGANIC_ORDERS
    ads = pa.table({
        "date": [DAY] * len(ADS), "platform": [a[0] for a in ADS],
        "campaign": [a[1] for a in ADS], "impressions": [1000] * len(ADS),
        "clicks": [40] * len(ADS), "cost": [a[2] for a in ADS], "currency": ["EUR"] * len(ADS),
    })  # fmt: skip
    orders = pa.table({
        "order_id": [f"o{i}" for i in range(len(rows))], "customer_id": [r[2] for r in rows],
        "time": [dt.datetime.combine(DAY, dt.time(10 + i)) for i in range(len(rows))],
        "revenue": [r[3] for r in rows], "cogs": [r[4] for r in rows],
        "status": ["confirmed"] * len(rows), "currency": ["EUR"] * len(rows),
        "platform": [r[0] for r in rows], "campaign": [r[1] for r in rows],
    })  # fmt: skip
    with open_store(path) as s:
        s.write({"ad_stats": ads, "orders": orders}, meta={"base_currency": "EUR"})
    with open_store(path, read_only=True) as s:
        yield s


COST = sum(a[2] for a in ADS)
PAID_REVENUE = sum(o[3] for o in PAID_ORDERS)
ALL_REVENUE = PAID_REVENUE + sum(o[3] for o in ORGANIC_ORDERS)


def test_cards_take_ad_ratios_over_paid_traffic_and_show_the_blend(store):
    cards = {c.metric: c for c in headline(store, start=DAY, end=DAY).cards}
    n_paid, n_all = len(PAID_ORDERS), len(PAID_ORDERS) + len(ORGANIC_ORDERS)
    assert cards["orders"].value == n_all and cards["orders"].basis is None
    assert cards["revenue"].value == ALL_REVENUE
    assert (cards["cpo"].value, cards["cpo"].blended) == (COST / n_paid, COST / n_all)
    assert cards["cac"].value == COST / n_paid  # every paid order is a first order
    assert cards["drr"].value == pytest.approx(COST / PAID_REVENUE)
    assert cards["drr"].blended == pytest.approx(COST / ALL_REVENUE)
    gross_paid = sum(o[3] - o[4] for o in PAID_ORDERS)
    assert cards["romi"].value == pytest.approx((gross_paid - COST) / COST)
    for name in ("cpo", "cac", "drr", "romi"):
        assert cards[name].basis == "paid traffic"
    assert cards["cpo"].explanation == (
        f"CPO (paid traffic) = cost / confirmed orders = {COST:.2f} EUR / {n_paid} = "
        f"{COST / n_paid:.2f} EUR"
    )
    assert cards["cpo"].blended_explanation.endswith(
        f"CPO = cost / confirmed orders = {COST:.2f} EUR / {n_all} = {COST / n_all:.2f} EUR"
    )


def test_the_page_labels_paid_cards_and_their_blend(store):
    html = render_report(store, start=DAY, end=DAY)
    cpo = html[html.index('data-metric="cpo"') : html.index('data-metric="cac"')]
    assert '<div class="card-label">CPO <span class="basis">paid traffic</span></div>' in cpo
    assert f">{COST / 3:.2f} EUR</div>" in cpo
    assert re.search(
        rf'<div class="card-blended" title="[^"]+">blended {COST / 5:.2f} EUR</div>', cpo
    )
    orders = html[html.index('data-metric="orders"') : html.index('data-metric="new_customers"')]
    assert "paid traffic" not in orders


def test_tables_show_a_paid_and_an_all_total(store):
    t = metric_table(store, ("platform",), ("cost", "orders", "cpo"), start=DAY, end=DAY)
    assert [row["platform"] for row in t.rows] == ["google", "bing", None]
    paid, every = t.total_of("paid"), t.total_of("all")
    assert (paid["cost"], paid["orders"], paid["cpo"]) == (COST, 3, COST / 3)
    assert (every["cost"], every["orders"], every["cpo"]) == (COST, 5, None)
    assert "ad ratios" in t.totals_reasons[1]["cpo"]
    assert t.total == {**every, "cpo": COST / 3}  # each metric's own total
    html = render_report(store, start=DAY, end=DAY, by=["platform"])
    table = html[html.index('id="table-platform"') :]
    foot = table[table.index("<tfoot>") : table.index("</tfoot>")]
    cells = [re.findall(r">([^<]*)</td>", row) for row in foot.split("</tr>")[:2]]
    assert [c[0] for c in cells] == ["Total (paid)", "Total (all)"]
    header = re.findall(r"<th [^>]*>([^<]+)</th>", table[: table.index("</thead>")])
    cpo = header.index("CPO")
    assert cells[0][cpo] == f"{COST / 3:.2f} EUR" and cells[1][cpo] == "–"


def test_a_campaign_of_the_same_name_on_two_platforms_stays_two(store):
    t = metric_table(store, ("campaign",), ("cost", "cpo"), start=DAY, end=DAY)
    assert t.by == ("platform", "campaign")
    brand = {row["platform"]: row["cpo"] for row in t.rows if row["campaign"] == "Brand"}
    assert brand == {"google": 300.0 / 2, "bing": 100.0 / 1}
    html = render_report(store, start=DAY, end=DAY)
    figure = re.search(r'id="fig-cost-per-campaign-data">(.*?)</script>', html, re.S).group(1)
    labels = json.loads(figure)["data"][0]["y"]
    assert sorted(labels) == ["(none)", "bing · Brand", "google · Brand"]  # the chart's bars
