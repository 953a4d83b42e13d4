"""Every grain: each side summed to the grain first, then joined null-safely (no fan-out)."""

from __future__ import annotations

import datetime as dt

import pytest

from payback.metrics import GRAINS, compute_metrics, metrics_expr


def test_many_ad_rows_and_many_orders_of_one_key_are_not_multiplied(make_store):
    # a join of raw rows would count 3 x 4 = 12 pairs; sums first keep 3 ad rows and 4 orders
    store = make_store(
        ads=[{"keyword": kw, "cost": 10.0, "clicks": 5} for kw in ("a", "b", "c")],
        orders=[{"keyword": None, "revenue": 25.0} for _ in range(4)],
    )
    r = compute_metrics(store, by="campaign", metrics="cost,clicks,orders,revenue,cpo")
    assert r.totals == {"cost": 30.0, "clicks": 15, "orders": 4, "revenue": 100.0, "cpo": 7.5}
    assert len(r.groups) == 1


def test_null_keys_meet_null_keys(make_store):
    # campaign-level ad rows (no keyword) and orders without utm_term share one row
    store = make_store(
        ads=[{"keyword": None, "cost": 20.0}, {"keyword": "shoes", "cost": 30.0}],
        orders=[{"keyword": None}, {"keyword": "shoes"}, {"keyword": "shoes"}],
    )
    r = compute_metrics(store, by="campaign,keyword", metrics="cost,orders,cpo")
    assert r.groups[["keyword", "cost", "orders", "cpo"]].to_dict("records") == [
        {"keyword": "shoes", "cost": 30.0, "orders": 2, "cpo": 15.0},
        {"keyword": None, "cost": 20.0, "orders": 1, "cpo": 20.0},
    ]


@pytest.mark.parametrize(
    ("grain", "labels"),
    [
        ("date", [dt.date(2024, 1, 7), dt.date(2024, 1, 8), dt.date(2024, 2, 29)]),
        ("week", [dt.date(2024, 1, 1), dt.date(2024, 1, 8), dt.date(2024, 2, 26)]),
        ("month", [dt.date(2024, 1, 1), dt.date(2024, 2, 1)]),
    ],
)
def test_calendar_grains_label_iso_week_mondays_and_month_firsts(make_store, grain, labels):
    days = [dt.date(2024, 1, 7), dt.date(2024, 1, 8), dt.date(2024, 2, 29)]  # Sun, Mon, Thu
    store = make_store(
        ads=[{"date": d, "cost": 10.0 * (i + 1)} for i, d in enumerate(days)],
        orders=[{"time": dt.datetime.combine(d, dt.time(23, 30))} for d in days],
    )
    r = compute_metrics(store, by=grain, metrics="cost,orders")
    assert r.groups[grain].tolist() == labels
    assert r.groups["orders"].sum() == 3 and r.totals == {"cost": 60.0, "orders": 3}
    if grain == "week":  # Sunday 7 Jan belongs to the week of Monday 1 Jan
        assert r.groups["cost"].tolist() == [10.0, 20.0, 30.0]


@pytest.mark.parametrize(
    "dim", ["platform", "campaign", "ad_group", "keyword", "country", "device"]
)
def test_dimensions_both_sides_have_join_ads_and_orders(make_store, dim):
    store = make_store(
        ads=[{dim: "x", "cost": 8.0}, {dim: "y", "cost": 2.0}],
        orders=[{dim: "x", "revenue": 40.0}, {dim: "x", "revenue": 40.0}, {dim: "z"}],
    )
    r = compute_metrics(store, by=dim, metrics="cost,orders,cpo,drr")
    rows = r.groups.set_index(dim)
    assert rows.loc["x", ["cost", "orders", "cpo", "drr"]].tolist() == [8.0, 2, 4.0, 0.1]
    assert rows.loc["y", "orders"] == 0 and rows.loc["z", "orders"] == 1
    assert rows.loc["z", "cost"] is rows.loc["z", "cpo"]  # both pd.NA: no ad rows
    # over the paid rows (x and y): the order of z has no ad statistics
    assert r.totals["cpo"] == 10.0 / 2
    assert r.total("all")["orders"] == 3 and r.total("all")["cpo"] is None


def test_grain_of_two_dimensions_and_leads(make_store):
    store = make_store(
        ads=[
            {"platform": p, "campaign": c, "cost": 12.0}
            for p in ("google", "meta")
            for c in ("a", "b")
        ],
        leads=[{"platform": "google", "campaign": "a"}] * 3
        + [{"platform": "meta", "campaign": "b", "status": "spam"}],
    )
    r = compute_metrics(store, by="platform,campaign", metrics="leads,cpa")
    groups = r.groups[["platform", "campaign", "leads", "cpa"]].astype(object)
    assert groups.where(groups.notna(), None).values.tolist() == [
        ["google", "a", 3, 4.0],
        ["google", "b", 0, None],  # spam is not a lead
        ["meta", "a", 0, None],
        ["meta", "b", 0, None],
    ]
    assert r.totals == {"leads": 3, "cpa": 16.0}


def test_metrics_expr_is_lazy_and_sql_has_one_statement(make_store):
    store = make_store()
    expr = metrics_expr(store, by=list(GRAINS)[:4], metrics="cpo,cpa,ctr", totals=True)
    sql = store.backend.compile(expr)
    assert sql.count("SELECT") >= 3 and ";" not in sql.strip().rstrip(";")
    assert expr.columns == (
        *("date", "week", "month", "platform", "cpo", "cpa", "ctr"),
        *("is_total", "total_kind"),
    )


def test_numeric_looking_ids_sort_as_numbers_then_text(make_store):
    ids = ["10", "9", "100", "brand", "2", "Alpha", None, "11"]
    store = make_store(ads=[{"campaign": c, "cost": 1.0} for c in ids])
    r = compute_metrics(store, by="campaign", metrics="cost")
    expected = sorted((c for c in ids if c and c.isdigit()), key=int)
    expected += sorted(c for c in ids if c and not c.isdigit())
    assert r.groups["campaign"].tolist() == [*expected, None]  # (none) last
