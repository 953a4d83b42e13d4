"""Ad exports without a country or device breakdown: the ads cannot be split by it, and
the result says so (like partner), instead of one (none) row holding every cost."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from payback.cli import main
from payback.metrics import compute_metrics
from payback.metrics.probes import blank_dimensions
from payback.metrics.sides import SIDES

from .conftest import arrow_rows

ADS = [  # a campaign-level export: no country, no device
    {"platform": "google", "campaign": "a", "cost": 60.0},
    {"platform": "meta", "campaign": "b", "cost": 40.0},
]
ORDERS = [
    {"country": c, "device": d, "revenue": r}
    for c, d, r in [("DE", "mobile", 10.0), ("DE", "desktop", 20.0), ("FR", "mobile", 30.0),
                    (None, "mobile", 40.0), ("FR", None, 50.0)]
]  # fmt: skip
COUNTRY = "the ad statistics carry no country"


def _keys(frame: pd.DataFrame, dims: list[str]) -> list[tuple]:
    values = frame[dims].astype(object)
    return list(values.where(values.notna(), None).itertuples(index=False, name=None))


@pytest.fixture
def store(make_store):
    return make_store(ads=ADS, orders=ORDERS)


@pytest.mark.parametrize("by", ["country", "device", "country,device", "device,platform"])
def test_ads_without_the_dimension_are_left_out_with_the_reason(store, by):
    dims = by.split(",")
    r = compute_metrics(store, by=by, metrics="cost,orders,revenue,cpo")
    first_blank = next(d for d in dims if d in ("country", "device"))
    why = (
        f"the ad statistics carry no {first_blank}, so ad metrics cannot be split by {first_blank}"
    )
    assert r.frame["cost"].isna().all() and r.frame["cpo"].isna().all()
    assert r.reasons["cost"] == f"{why} in {len(r.frame)} row(s)"
    # the order side is split as usual (recounted with plain pandas)
    orders = pd.DataFrame(ORDERS).assign(platform="google")
    counts = Counter(_keys(orders, dims))
    got = dict(zip(_keys(r.groups, dims), r.groups["orders"], strict=True))
    assert got == dict(counts)
    assert r.frame.loc[r.frame["is_total"], "total_kind"].tolist() == ["all"]  # no paid total
    assert r.totals["revenue"] == sum(o["revenue"] for o in ORDERS)


def test_a_filter_on_the_blank_dimension_leaves_the_ads_out(store):
    r = compute_metrics(store, by="platform", metrics="cost,revenue", where={"country": "DE"})
    assert r.totals == {"cost": None, "revenue": 30.0}
    assert r.reasons["cost"].startswith(f"{COUNTRY} to filter on in ")


def test_ads_with_the_dimension_are_split_as_usual(make_store):
    ads = [{**ADS[0], "country": "DE"}, {**ADS[1], "country": None}]
    store = make_store(ads=ads, orders=ORDERS)
    r = compute_metrics(store, by="country", metrics="cost,orders")
    rows = r.groups.astype(object).where(r.groups.notna(), None)
    assert rows[["country", "cost", "orders"]].values.tolist() == [
        ["DE", 60.0, 2], ["FR", None, 2], [None, 40.0, 1],
    ]  # fmt: skip
    assert blank_dimensions(store, SIDES["ads"], ["country", "device", "platform"]) == {"device"}


def test_an_empty_ad_table_has_no_blank_dimension(make_store):
    assert blank_dimensions(make_store(orders=ORDERS), SIDES["ads"], ["country"]) == frozenset()


def test_the_table_footnote_says_so(tmp_path, capsys):
    from payback.store import open_store

    db = tmp_path / "b.duckdb"
    with open_store(db) as s:
        s.write({"ad_stats": arrow_rows("ad_stats", ADS), "orders": arrow_rows("orders", ORDERS)})
    assert main(["metrics", "--db", str(db), "--by", "country", "-m", "cost,orders,cpo"]) == 0
    out = capsys.readouterr().out
    assert f"– cost, cpo: {COUNTRY}, so ad metrics cannot be split by country in 4 row(s)" in out
