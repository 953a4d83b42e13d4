"""Total (paid) and Total (all), recomputed independently from the raw rows.

Total (paid) sums the rows of the grain (refined by platform) that have ad statistics:
the ad-side ratios (CPO, CAC, CPA, DRR, ROAS, ROI, ROMI, CR, the platform gaps) are
totalled there. Total (all) sums every row; its ad-side ratios are missing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from payback.metrics import CATALOGUE, compute_metrics

from .conftest import build_store, demo_store
from .strategies import BLANK_COUNTRY_SHOP, shops

METRICS = (
    "impressions", "clicks", "cost", "platform_conversions", "orders", "leads",
    "new_customers", "revenue", "cogs", "gross_profit", "conversion_gap", "ctr", "cr",
    "lead_cr", "cpc", "cpa", "cpo", "cac", "aov", "drr", "roas", "roi", "romi",
)  # fmt: skip
PAID_ONLY = "Total (all) holds no ad ratios (see Total (paid))"


def _div(a, b):
    return None if a is None or b is None or b == 0 else a / b


def _day_key(day: dt.date, dim: str) -> dt.date:
    if dim == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1) if dim == "month" else day


def _key(row: dict, dims, side: str) -> tuple:
    out = []
    for d in dims:
        if d in ("date", "week", "month"):
            day = row["date"] if side == "ads" else row["time"].date()
            out.append(_day_key(day, d))
        else:
            out.append(row.get("partner_id" if d == "partner" else d))
    return tuple(out)


def _sum_or_none(values) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) if values else None


def expected_totals(ads, orders, leads, grain) -> dict[str, dict]:
    """Both totals row by row in plain Python: the second computation.

    When every ad row lacks a country (or device) of the grain the ads cannot take part:
    no paid total, no ad sums.
    """
    left_out = bool(ads) and any(
        d in ("country", "device") and all(a.get(d) is None for a in ads) for d in grain
    )
    if left_out:
        ads = []
    fine = (*grain, "platform") if "platform" not in grain else tuple(grain)
    paid_keys = {_key(a, fine, "ads") for a in ads}
    confirmed = sorted(
        (o for o in orders if o["status"] == "confirmed"), key=lambda o: (o["time"], o["order_id"])
    )
    seen: set[str] = set()
    first = {}
    for o in confirmed:
        first[o["order_id"]] = o["customer_id"] not in seen
        seen.add(o["customer_id"])
    valid = [lead for lead in leads if lead["status"] == "valid"]
    ad_sums = {
        "impressions": _sum_or_none(a["impressions"] for a in ads),
        "clicks": _sum_or_none(a["clicks"] for a in ads),
        "cost": _sum_or_none(a["cost"] for a in ads),
        "platform_conversions": _sum_or_none(a.get("conversions") for a in ads),
    }
    out = {}
    for kind in ("all",) if left_out else ("paid", "all"):

        def keep(row, kind=kind):
            return kind == "all" or _key(row, fine, "orders") in paid_keys

        mine = [o for o in confirmed if keep(o)]
        p = {
            **ad_sums,
            "orders": len(mine),
            "leads": sum(1 for lead in valid if keep(lead)),
            "new_customers": sum(first[o["order_id"]] for o in mine),
            "revenue": sum(o["revenue"] for o in mine),
            "cogs": None
            if any(o.get("cogs") is None for o in mine)
            else sum(o["cogs"] for o in mine),
        }
        gross = None if p["cogs"] is None else p["revenue"] - p["cogs"]
        cost = p["cost"]
        values = {
            **p,
            "gross_profit": gross,
            "conversion_gap": None
            if p["platform_conversions"] is None
            else p["platform_conversions"] - p["orders"],
            "ctr": _div(p["clicks"], p["impressions"]),
            "cr": _div(p["orders"], p["clicks"]),
            "lead_cr": _div(p["leads"], p["clicks"]),
            "cpc": _div(cost, p["clicks"]),
            "cpa": _div(cost, p["leads"]),
            "cpo": _div(cost, p["orders"]),
            "cac": _div(cost, p["new_customers"]),
            "aov": _div(p["revenue"], p["orders"]),
            "drr": _div(cost, p["revenue"]),
            "roas": _div(p["revenue"], cost),
            "roi": None if cost is None else _div(p["revenue"] - cost, cost),
            "romi": None if cost is None or gross is None else _div(gross - cost, cost),
        }
        if kind == "all":  # the ad ratios are the paid total's
            values.update({m: None for m in METRICS if CATALOGUE[m].paid_only})
        out[kind] = {m: values[m] for m in METRICS}
    return out


def assert_close(got: dict, want: dict, what: str) -> None:
    for m, v in want.items():
        assert (got[m] is None) == (v is None), (what, m, got[m], v)
        if v is not None:
            assert got[m] == pytest.approx(v, rel=1e-9, abs=1e-9), (what, m)


GRAINS = ["platform", "campaign", "month", "", "country", "date,keyword", "week,campaign"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shop=shops, grain=st.sampled_from(GRAINS))
@example(shop=BLANK_COUNTRY_SHOP, grain="country")
@example(shop=BLANK_COUNTRY_SHOP, grain="platform")
def test_paid_and_all_totals_match_a_row_by_row_recount(shop, grain):
    ads, orders, leads = shop
    with build_store(ads=ads, orders=orders, leads=leads) as store:
        r = compute_metrics(store, by=grain, metrics=METRICS)
    want = expected_totals(ads, orders, leads, r.by)
    assert r.frame.loc[r.frame["is_total"], "total_kind"].tolist() == list(want)
    for kind, values in want.items():
        assert_close(r.total(kind), values, f"{kind} by {grain!r}")
    # .totals: each metric from its honest total
    honest = {m: want["paid" if CATALOGUE[m].paid_only and "paid" in want else "all"][m]
              for m in METRICS}  # fmt: skip
    assert_close(r.totals, honest, "totals")


def test_organic_newsletter_and_partner_orders_leave_the_ad_ratios_alone(make_store):
    day = dt.datetime(2024, 3, 5, 10)
    store = make_store(
        ads=[
            {"platform": "google", "campaign": "g", "cost": 300.0, "clicks": 100},
            {"platform": "meta", "campaign": "m", "cost": 100.0, "clicks": 100},
        ],
        orders=[
            *({"platform": "google", "campaign": "g", "revenue": 100.0} for _ in range(3)),
            {"platform": "meta", "campaign": "m", "revenue": 100.0},
            *({"platform": None, "campaign": None, "revenue": 50.0, "time": day} for _ in range(6)),
            {"platform": "newsletter", "campaign": "may", "revenue": 50.0, "time": day},
            {"platform": None, "campaign": None, "partner_id": "p1", "revenue": 50.0},
        ],
    )
    for grain in ("platform", "campaign", "month", "", "platform,month"):
        r = compute_metrics(store, by=grain, metrics="cost,orders,revenue,cpo,drr,cr,aov")
        # 400 of ads bought the 4 google/meta orders, worth 400
        assert r.total("paid") == {
            "cost": 400.0, "orders": 4, "revenue": 400.0, "cpo": 100.0, "drr": 1.0,
            "cr": 0.02, "aov": 100.0,
        }, grain  # fmt: skip
        assert r.total("all") == {
            "cost": 400.0, "orders": 12, "revenue": 800.0, "cpo": None, "drr": None,
            "cr": None, "aov": 800.0 / 12,
        }, grain  # fmt: skip
        cells = r.cell_reasons.loc[r.frame["total_kind"] == "all", "cpo"].tolist()
        assert cells == [PAID_ONLY]


def test_a_grain_without_ad_statistics_has_one_total(make_store):
    store = make_store(
        ads=[{"cost": 100.0}],
        orders=[{"partner_id": "p1", "revenue": 30.0}, {"partner_id": None, "revenue": 20.0}],
    )
    r = compute_metrics(store, by="partner", metrics="orders,revenue,cost,cpo")
    assert r.frame.loc[r.frame["is_total"], "total_kind"].tolist() == ["all"]
    assert r.totals == {"orders": 2, "revenue": 50.0, "cost": None, "cpo": None}
    assert r.reasons["cpo"].startswith("ad statistics have no partner dimension")
    with pytest.raises(Exception, match="no 'paid' totals row: this result has \\['all'\\]"):
        r.total("paid")


def test_metrics_of_one_side_have_one_total(make_store):
    store = make_store(ads=[{"cost": 10.0, "clicks": 4}], orders=[{"platform": None}])
    for metrics in ("cost,cpc", "orders,aov"):
        r = compute_metrics(store, by="platform", metrics=metrics)
        assert r.frame.loc[r.frame["is_total"], "total_kind"].tolist() == ["all"], metrics
    r = compute_metrics(store, by="platform", metrics="cost,cpc", totals=False)
    assert not r.frame["is_total"].any() and r.frame["total_kind"].isna().all()


def test_demo_shop_totals_by_platform_equal_sql_over_the_raw_tables():
    with demo_store(":memory:", 600, seed=7) as store:
        r = compute_metrics(
            store, by="platform", metrics="cost,orders,revenue,new_customers,cpo,cac,drr,cr"
        )
        # plain SQL over the store's raw tables
        paid, everything = store.backend.con.execute(
            """
            WITH ads AS (SELECT platform, sum(cost) AS cost, sum(clicks) AS clicks
                         FROM ad_stats GROUP BY platform),
            conf AS (SELECT *, row_number() OVER (PARTITION BY customer_id
                                                  ORDER BY time, order_id) = 1 AS first
                     FROM orders WHERE status = 'confirmed'),
            paid AS (SELECT * FROM conf WHERE platform IN (SELECT platform FROM ads))
            SELECT (SELECT sum(cost) FROM ads), count(*), sum(revenue), sum(first::int),
                   (SELECT sum(clicks) FROM ads) FROM paid
            UNION ALL
            SELECT (SELECT sum(cost) FROM ads), count(*), sum(revenue), sum(first::int), NULL
            FROM conf
            """
        ).fetchall()
    cost, orders, revenue, new, clicks = paid
    assert 0 < orders < everything[1]  # the demo has organic and newsletter orders
    assert_close(
        r.total("paid"),
        {"cost": cost, "orders": orders, "revenue": revenue, "new_customers": new,
         "cpo": cost / orders, "cac": cost / new, "drr": cost / revenue, "cr": orders / clicks},
        "paid",
    )  # fmt: skip
    assert_close(
        r.total("all"),
        {"cost": cost, "orders": everything[1], "revenue": everything[2],
         "new_customers": everything[3], "cpo": None, "cac": None, "drr": None, "cr": None},
        "all",
    )  # fmt: skip
    # the paid total is the sum of the platform rows that have ad statistics
    paid_rows = r.groups[r.groups["cost"].notna()]
    assert paid_rows["orders"].sum() == orders
    assert paid_rows["revenue"].sum() == pytest.approx(revenue)
