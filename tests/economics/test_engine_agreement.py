"""`payback economics` asks the metric engine: every CPO and CAC it shows is the one
`payback metrics` shows, its totals follow the metrics' paid/all rules, and the numbers
are recomputed here from the raw tables with plain pandas (issue 8).

Independent definitions:
- a customer's acquisition is their first confirmed order (earliest time, then order id);
  a customer is acquired by paid traffic when that order's platform has ad statistics;
- Total (paid): CAC = ad cost / customers acquired by paid traffic; its LTV is theirs;
- margin LTV (12 months) = revenue - cost of goods of the confirmed orders of the
  acquisition month and the 11 after it, per customer, over the customers acquired at
  least 11 months before the last complete month;
- by month, each month is its paid part: ad cost of the month / customers acquired that
  month on a platform with ad statistics in that month.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyarrow as pa
import pytest

from payback.cli import main
from payback.economics.ceilings import NO_MARGIN, ceilings
from payback.metrics import compute_metrics
from payback.store import open_store

from .demo_files import demo_store_file, raw_tables

HORIZON = 12


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:
    return demo_store_file(tmp_path_factory.mktemp("demo"), 3_000, seed=11)


@pytest.fixture(scope="module")
def raw(demo_db) -> dict[str, pd.DataFrame]:
    return raw_tables(demo_db, ("ad_stats", "orders"))


def _first_orders(orders: pd.DataFrame) -> pd.DataFrame:
    confirmed = orders[orders["status"] == "confirmed"]
    ranked = confirmed.sort_values(["customer_id", "time", "order_id"])
    return ranked.drop_duplicates("customer_id")


def _margin_ltv(orders: pd.DataFrame, customers: set) -> float:
    confirmed = orders[orders["status"] == "confirmed"].copy()
    confirmed["month"] = confirmed["time"].dt.year * 12 + confirmed["time"].dt.month - 1
    last = confirmed["time"].max()
    end_of_month = (last + pd.Timedelta(days=1)).month != last.month
    last_complete = last.year * 12 + last.month - 1 - (0 if end_of_month else 1)
    first = _first_orders(orders).set_index("customer_id")["time"]
    acquired = (first.dt.year * 12 + first.dt.month - 1).rename("acquired")
    eligible = acquired[
        (acquired <= last_complete - (HORIZON - 1)) & acquired.index.isin(customers)
    ]
    rows = confirmed.join(eligible, on="customer_id", how="inner")
    rows = rows[rows["month"] < rows["acquired"] + HORIZON]
    return float((rows["revenue"] - rows["cogs"]).sum() / len(eligible))


@pytest.mark.parametrize("by", ["platform", "campaign"])
def test_metrics_and_economics_agree_on_every_cpo_and_cac(demo_db, by):
    with open_store(demo_db, read_only=True) as store:
        metrics = compute_metrics(store, by=by, metrics="cpo,cac").frame
        economics = ceilings(store, by, predicted=False).frame
    keys = ["platform", "campaign"] if by == "campaign" else [by]
    label = lambda f: [  # noqa: E731
        (k if t else tuple(r))
        for t, k, r in zip(f["is_total"], f["total_kind"], f[keys].values, strict=True)
    ]
    left = metrics.assign(_key=label(metrics)).set_index("_key")
    right = economics.assign(_key=label(economics)).set_index("_key")
    assert list(left.index) == list(right.index)
    compared = 0
    for metric in ("cpo", "cac"):
        shown = left[metric].notna() & right[metric].notna()
        compared += int(shown.sum())
        assert (left[metric].isna() == right[metric].isna()).all()  # the same gaps
        pd.testing.assert_series_equal(
            left.loc[shown, metric].astype(float), right.loc[shown, metric].astype(float)
        )
    assert compared >= 8
    total_all = right.loc["all"]
    assert pd.isna(total_all["cac"]) and "Total (all) holds no ad ratios" in total_all["reason"]


def test_total_paid_is_the_paid_customers(demo_db, raw):
    ads, orders = raw["ad_stats"], raw["orders"]
    first = _first_orders(orders)
    paid_customers = set(first.loc[first["platform"].isin(set(ads["platform"])), "customer_id"])
    cac = ads["cost"].sum() / len(paid_customers)
    ltv = _margin_ltv(orders, paid_customers)
    everyone = _margin_ltv(orders, set(first["customer_id"]))
    with open_store(demo_db, read_only=True) as store:
        frame = ceilings(store, "platform", predicted=False).frame
    paid = frame[frame["total_kind"] == "paid"].iloc[0]
    total = frame[frame["total_kind"] == "all"].iloc[0]
    assert paid["cac"] == pytest.approx(cac, rel=1e-9)
    assert paid["ltv"] == pytest.approx(ltv, rel=1e-9)
    assert paid["ltv_cac"] == pytest.approx(ltv / cac, rel=1e-9)
    assert total["ltv"] == pytest.approx(everyone, rel=1e-9)
    assert ltv > everyone  # the 149.81 against the pooled 135.10
    assert round(ltv, 2) == 149.81 and round(everyone, 2) == 135.10


def test_each_month_is_judged_on_its_paid_cac(demo_db, raw):
    ads, orders = raw["ad_stats"].copy(), raw["orders"]
    ads["month"] = pd.to_datetime(ads["date"]).dt.strftime("%Y-%m")
    first = _first_orders(orders).copy()
    first["month"] = first["time"].dt.strftime("%Y-%m")
    with_ads = set(zip(ads["month"], ads["platform"], strict=True))
    paid = first[
        [(m, p) in with_ads for m, p in zip(first["month"], first["platform"], strict=True)]
    ]
    expected = ads.groupby("month")["cost"].sum() / paid.groupby("month").size()
    with open_store(demo_db, read_only=True) as store:
        result = ceilings(store, "month", predicted=False)
        blended = compute_metrics(store, by="month", metrics="cac").groups
    rows = result.frame[~result.frame["is_total"]]
    got = pd.Series(
        rows["cac"].astype(float).to_numpy(),
        index=pd.to_datetime(rows["month"]).dt.strftime("%Y-%m"),
    )
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    assert (got.to_numpy() > blended["cac"].astype(float).to_numpy()).all()  # never blended
    assert (rows["ltv_source"] == "paid historical").all()
    with open_store(demo_db, read_only=True) as store:  # = the engine's Total (paid) of it
        for month in ("2024-03", "2025-07"):
            engine = compute_metrics(
                store, by=(), metrics="cpo,cac", where=[f"month={month}"]
            ).total("paid")
            row = rows[pd.to_datetime(rows["month"]).dt.strftime("%Y-%m") == month].iloc[0]
            assert (row["cpo"], row["cac"]) == (engine["cpo"], engine["cac"])


def test_cli_labels_months_and_totals_like_metrics(demo_db, tmp_path, capsys):
    out = tmp_path / "months.csv"
    assert main(["economics", "--by", "month", "--db", demo_db, "--no-predicted",
                 "-f", "csv", "-o", str(out)]) == 0  # fmt: skip
    months = pd.read_csv(out, dtype=str)["month"].dropna()
    assert months.str.fullmatch(r"\d{4}-\d{2}").all() and len(months) == 24
    assert main(["economics", "--by", "platform", "--db", demo_db, "--no-predicted"]) == 0
    text = capsys.readouterr().out
    assert "│ Total (paid) " in text and "│ Total (all) " in text


@pytest.fixture
def no_cogs(tmp_path):
    n = 40
    days = [dt.datetime(2024, 1, 10), dt.datetime(2024, 2, 29)]
    store = open_store(str(tmp_path / "s.duckdb"))
    store.write({
        "orders": pa.table({"order_id": [f"{i}-{k}" for i in range(n) for k in (1, 2)],
            "customer_id": [str(i) for i in range(n) for _ in (1, 2)], "time": days * n,
            "revenue": [100.0] * 2 * n, "status": ["confirmed"] * 2 * n,
            "currency": ["EUR"] * 2 * n, "platform": ["google"] * 2 * n,
            "campaign": ["A"] * 2 * n}),
        "ad_stats": pa.table({"date": [dt.date(2024, 1, 1)], "platform": ["google"],
            "campaign": ["A"], "impressions": [5000], "clicks": [400], "cost": [2000.0],
            "currency": ["EUR"]})}, meta={"base_currency": "EUR"})  # fmt: skip
    yield store
    store.close()


def test_missing_cost_of_goods_says_so_and_suggests_revenue(no_cogs):
    a = ceilings(no_cogs, "campaign", horizon_months=2, predicted=False).frame.iloc[0]
    assert a["verdict"] == "not enough data" and a["reason"] == NO_MARGIN
    assert 'basis="revenue"' in NO_MARGIN and "cost of goods" in NO_MARGIN
    on_revenue = ceilings(no_cogs, "campaign", horizon_months=2, predicted=False, basis="revenue")
    assert on_revenue.frame.iloc[0]["ltv"] == 200  # 2 orders x 100 per customer


def test_margin_means_the_share_of_revenue_kept_as_in_ltv_predict(no_cogs):
    """--margin 30 %: margin LTV = 200 x 0.3 = 60 = the ceiling; max CPA = 100 x 0.3; CAC
    2,000 / 40 = 50; payback: 30 after month 1, 60 after month 2 >= 50."""
    a = ceilings(no_cogs, "campaign", horizon_months=2, predicted=False, margin=0.3).frame
    a = a.iloc[0]
    assert [float(a[k]) for k in ("historical_margin_ltv", "ltv", "marginal_cpo", "max_cpa")] == [
        pytest.approx(60.0),
        pytest.approx(60.0),
        pytest.approx(60.0),
        pytest.approx(30.0),
    ]
    assert a["cac"] == 50 and a["payback_months"] == 2 and a["verdict"] == "hold"
