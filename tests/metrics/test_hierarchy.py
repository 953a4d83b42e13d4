"""Hierarchical grain keys: a campaign is keyed with its platform, an ad group with its
platform and campaign, a keyword with its platform, campaign and ad group; --flat pools."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from payback.cli import main
from payback.metrics import compute_metrics
from payback.metrics.filters import expand_grain, parse_by

from .conftest import arrow_rows

DAY = dt.date(2024, 3, 1)

#: one campaign name on two platforms, one keyword in two campaigns
ADS = [
    {"platform": "google", "campaign": "Brand - Exact", "ad_group": "Brand", "keyword": "tea",
     "cost": 100.0, "clicks": 50},
    {"platform": "microsoft", "campaign": "Brand - Exact", "ad_group": "Brand",
     "keyword": "tea", "cost": 30.0, "clicks": 10},
    {"platform": "google", "campaign": "Generic", "ad_group": "Cups", "keyword": "tea",
     "cost": 60.0, "clicks": 20},
    {"platform": "google", "campaign": "Generic", "ad_group": "Cups", "keyword": "cups",
     "cost": 40.0, "clicks": 20},
]  # fmt: skip
ORDERS = [
    *[{"platform": "google", "campaign": "Brand - Exact", "ad_group": "Brand", "keyword": "tea",
       "revenue": 50.0}] * 4,
    *[{"platform": "microsoft", "campaign": "Brand - Exact", "ad_group": "Brand",
       "keyword": "tea", "revenue": 40.0}] * 3,
    *[{"platform": "google", "campaign": "Generic", "ad_group": "Cups", "keyword": "tea",
       "revenue": 30.0}] * 2,
    {"platform": "google", "campaign": "Generic", "ad_group": "Cups", "keyword": "cups",
     "revenue": 20.0},
]  # fmt: skip


def expected(keys: list[str]) -> pd.DataFrame:
    """cost, orders, revenue and CPO per key, from the raw rows with plain pandas."""
    ads = pd.DataFrame(ADS).groupby(keys)[["cost"]].sum()
    orders = (
        pd.DataFrame(ORDERS)
        .groupby(keys)
        .agg(orders=("revenue", "size"), revenue=("revenue", "sum"))
    )
    out = ads.join(orders, how="outer")
    return out.assign(cpo=out["cost"] / out["orders"])


@pytest.fixture
def store(make_store):
    return make_store(
        ads=[{"date": DAY, **a} for a in ADS],
        orders=[{"order_id": f"o{i}", **o} for i, o in enumerate(ORDERS)],
    )


def _check(result, keys: list[str]) -> None:
    got = result.groups.set_index(keys)[["cost", "orders", "revenue", "cpo"]]
    want = expected(keys)
    assert sorted(got.index) == sorted(want.index)
    for key in want.index:
        assert got.loc[key].astype(float).tolist() == pytest.approx(
            want.loc[key].astype(float).tolist()
        ), key


@pytest.mark.parametrize(
    ("by", "keys"),
    [
        ("campaign", ["platform", "campaign"]),
        ("ad_group", ["platform", "campaign", "ad_group"]),
        ("keyword", ["platform", "campaign", "ad_group", "keyword"]),
    ],
)
def test_a_name_on_two_platforms_or_campaigns_stays_two_rows(store, by, keys):
    r = compute_metrics(store, by=by, metrics="cost,orders,revenue,cpo")
    assert r.by == tuple(keys) and list(r.frame.columns[: len(keys)]) == keys
    _check(r, keys)
    brand = r.groups[r.groups["campaign"] == "Brand - Exact"]
    assert sorted(brand["platform"]) == ["google", "microsoft"]  # not merged into one row


@pytest.mark.parametrize("by", ["campaign", "keyword"])
def test_flat_pools_a_name_across_its_parents(store, by):
    r = compute_metrics(store, by=by, metrics="cost,orders,revenue,cpo", hierarchy=False)
    assert r.by == (by,)
    _check(r, [by])
    if by == "keyword":  # "tea" of both platforms and both campaigns: 190 for 9 orders
        tea = r.groups.set_index("keyword").loc["tea"]
        assert (tea["cost"], tea["orders"]) == (190.0, 9)


def test_filters_on_parents_still_apply(store):
    r = compute_metrics(
        store, by="keyword", metrics="cost,orders", where=["platform=google", "campaign=Generic"]
    )
    assert r.groups[["platform", "campaign", "ad_group", "keyword", "cost", "orders"]].to_dict(
        "records"
    ) == [
        {"platform": "google", "campaign": "Generic", "ad_group": "Cups", "keyword": "cups",
         "cost": 40.0, "orders": 1},
        {"platform": "google", "campaign": "Generic", "ad_group": "Cups", "keyword": "tea",
         "cost": 60.0, "orders": 2},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("by", "grain"),
    [
        ("campaign", ("platform", "campaign")),
        ("campaign,month", ("platform", "campaign", "month")),
        ("month,keyword", ("month", "platform", "campaign", "ad_group", "keyword")),
        ("keyword,campaign,date", ("platform", "campaign", "ad_group", "keyword", "date")),
        ("campaign,platform", ("platform", "campaign")),
        ("partner,ad_group", ("partner", "platform", "campaign", "ad_group")),
        ("platform,date", ("platform", "date")),
        ("country", ("country",)),
    ],
)
def test_parents_come_first_where_the_hierarchy_starts(by, grain):
    assert expand_grain(parse_by(by)) == grain
    assert expand_grain(parse_by(by), hierarchy=False) == parse_by(by)


def test_cli_adds_the_parent_columns_unless_flat(tmp_path, capsys):
    from payback.store import open_store

    db = tmp_path / "h.duckdb"
    with open_store(db) as s:
        s.write(
            {
                "ad_stats": arrow_rows("ad_stats", [{"date": DAY, **a} for a in ADS]),
                "orders": arrow_rows(
                    "orders", [{"order_id": f"o{i}", **o} for i, o in enumerate(ORDERS)]
                ),
            }
        )
    base = ["metrics", "--db", str(db), "--by", "campaign", "-m", "cost,orders", "-f", "csv"]
    assert main(base) == 0
    assert capsys.readouterr().out.splitlines()[:4] == [
        "platform,campaign,cost,orders,is_total,total_kind",
        "google,Brand - Exact,100.0,4,False,",
        "google,Generic,100.0,3,False,",
        "microsoft,Brand - Exact,30.0,3,False,",
    ]
    assert main([*base, "--flat"]) == 0
    assert capsys.readouterr().out.splitlines()[:3] == [
        "campaign,cost,orders,is_total,total_kind",
        "Brand - Exact,130.0,7,False,",
        "Generic,100.0,3,False,",
    ]
