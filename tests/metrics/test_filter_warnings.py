"""--where: platform compared ignoring case; a value matching no row is warned about."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from payback.cli import main
from payback.metrics import compute_metrics

from .conftest import arrow_rows

DAY = dt.date(2024, 3, 1)
ADS = [
    {"platform": "google", "campaign": "Brand - Exact", "cost": 70.0},
    {"platform": "google", "campaign": "Generic", "cost": 30.0},
    {"platform": "meta", "campaign": "Retargeting", "cost": 40.0},
]
ORDERS = [
    {"platform": "google", "campaign": "Brand - Exact", "revenue": 100.0},
    {"platform": "google", "campaign": "Generic", "revenue": 60.0},
    {"platform": "meta", "campaign": "Retargeting", "revenue": 80.0},
    {"platform": "newsletter", "campaign": "may", "revenue": 20.0},
]


@pytest.fixture
def store(make_store):
    return make_store(ads=ADS, orders=ORDERS)


def _google_sums() -> dict:
    """The google rows summed with plain pandas."""
    ads, orders = pd.DataFrame(ADS), pd.DataFrame(ORDERS)
    return {
        "cost": ads.loc[ads["platform"] == "google", "cost"].sum(),
        "revenue": orders.loc[orders["platform"] == "google", "revenue"].sum(),
    }


@pytest.mark.parametrize("value", ["google", "Google", "GOOGLE", " google "])
def test_platform_is_compared_ignoring_case(store, value):
    r = compute_metrics(store, by="platform", metrics="cost,revenue", where=[f"platform={value}"])
    assert r.groups["platform"].tolist() == ["google"]
    assert r.total("all") == _google_sums()
    assert r.warnings == ()


def test_a_store_holding_capitals_is_matched_too(make_store):
    store = make_store(ads=[{"platform": "Google", "cost": 5.0}, {"platform": "meta", "cost": 1.0}])
    r = compute_metrics(store, by=(), metrics="cost", where={"platform": "google"})
    assert r.totals == {"cost": 5.0} and r.warnings == ()


def test_campaign_stays_case_sensitive(store):
    r = compute_metrics(store, by="campaign", metrics="cost,orders", where={"campaign": "generic"})
    assert r.groups.empty
    assert r.warnings == (
        "--where campaign=generic matches no row of the ad statistics or the orders; "
        "did you mean Generic? values there: Generic, Brand - Exact, Retargeting, may",
    )


def test_a_value_matching_nothing_lists_the_values_closest_first(store):
    r = compute_metrics(
        store, by="platform", metrics="cost,orders", where=["platform=gogle", "platform=meta"]
    )
    assert r.groups["platform"].tolist() == ["meta"]  # the other value still applies
    assert r.warnings == (
        "--where platform=gogle matches no row of the ad statistics or the orders; "
        "did you mean google? values there: google, meta, newsletter",
    )


def test_a_value_found_on_one_side_only_is_no_typo(store):
    r = compute_metrics(
        store, by="platform", metrics="cost,orders", where={"platform": "newsletter"}
    )
    assert r.warnings == ()
    assert r.groups[["platform", "orders"]].to_dict("records") == [
        {"platform": "newsletter", "orders": 1}
    ]


def test_at_most_ten_values_are_listed(make_store):
    store = make_store(ads=[{"campaign": f"c{i:02d}", "cost": 1.0} for i in range(25)])
    (warning,) = compute_metrics(store, by=(), metrics="cost", where={"campaign": "zz"}).warnings
    listed = warning.split("values there: ")[1]
    assert listed == ", ".join(f"c{i:02d}" for i in range(10)) + " and 15 more"
    # "c1" is none of them, but in c10 ... c19: three of those come first
    (warning,) = compute_metrics(store, by=(), metrics="cost", where={"campaign": "c1"}).warnings
    assert warning.split("values there: ")[1].startswith("c10, c11, c12, ")


def test_a_period_outside_the_data_says_where_the_data_are(store):
    (warning,) = compute_metrics(
        store, by="month", metrics="cost", where={"month": "2023-01-05"}
    ).warnings
    assert warning == (
        "--where month=2023-01 matches no row of the ad statistics; "
        "the data cover 2024-03 to 2024-03"
    )


def test_a_value_outside_the_period_matches_nothing_in_it(store):
    r = compute_metrics(
        store, by=(), metrics="cost", where={"platform": "meta"}, start="2024-04-01"
    )
    assert r.warnings == (
        "--where platform=meta matches no row of the ad statistics in the period: "
        "no row there has a platform",
    )


def test_the_cli_prints_warnings_on_stderr(tmp_path, capsys):
    from payback.store import open_store

    db = tmp_path / "w.duckdb"
    with open_store(db) as s:
        s.write({"ad_stats": arrow_rows("ad_stats", ADS), "orders": arrow_rows("orders", ORDERS)})
    code = main(["metrics", "--db", str(db), "--where", "platform=Gogle", "-f", "csv"])
    out, err = capsys.readouterr()
    assert code == 0 and out.splitlines()[0].startswith("platform,")
    assert err == (
        "warning: --where platform=gogle matches no row of the ad statistics or the orders; "
        "did you mean google? values there: google, meta, newsletter\n"
    )
