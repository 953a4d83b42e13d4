"""Buying patterns (`payback segments patterns`) against pandas recomputations: the
days between purchases and their quantiles per segment and source, seasonality by month
and weekday, first product -> second product (Fisher p-values from scipy), and the
next-purchase window formula, on the UCI Online Retail lines imported with
``--build-orders`` (tests/data/online_retail) and on the demo shop."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import fisher_exact

from payback.cli import main
from payback.errors import InputError
from payback.segments import patterns, rfm
from payback.store import open_store

QUANTILES = {"p10_days": 0.1, "p25_days": 0.25, "median_days": 0.5, "p75_days": 0.75,
             "p90_days": 0.9}  # fmt: skip


@pytest.fixture(scope="module")
def uci(uci_import):
    """(store file, confirmed orders, order lines) of the UCI lines imported with
    ``--build-orders``: the orders recomputed in pandas, the lines as the file has them."""
    path, orders, lines = uci_import
    items = lines.rename(columns={"InvoiceNo": "order_id", "StockCode": "product_id"})
    return path, orders[orders.status == "confirmed"], items


@pytest.fixture(scope="module")
def shop(demo):
    """(store file, confirmed orders, order lines) of the demo shop."""
    path, orders = demo
    with open_store(path, read_only=True) as store:
        items = store.to_pyarrow(store.table("order_items")).to_pandas()
    return path, orders[orders.status == "confirmed"], items


@pytest.fixture(scope="module", params=["uci", "shop"])
def case(request):
    """(store file, confirmed orders, lines, PatternsResult, rfm members) of each data set."""
    path, orders, items = request.getfixturevalue(request.param)
    with open_store(path, read_only=True) as store:
        result = patterns(store, top=15)
        members = rfm(store, predict=False, by="source").customers.frame
    return path, orders, items, result, members


def _gaps(orders: pd.DataFrame) -> pd.DataFrame:
    """customer_id, gap_days: each repeat order's days since the customer's previous."""
    o = orders.sort_values(["customer_id", "time", "order_id"])
    gap = o.groupby("customer_id").time.diff().dt.total_seconds() / 86400
    return pd.DataFrame({"customer_id": o.customer_id, "gap_days": gap}).dropna()


def test_gap_quantiles_per_segment_and_source(case):
    _, orders, _, result, members = case
    gaps = _gaps(orders).merge(members[["customer_id", "segment", "source"]], on="customer_id")
    gaps["source"] = gaps.source.fillna("(none)")
    got = result.gaps.frame
    everyone = got[got.group == "all"].iloc[0]
    assert everyone.gaps == len(gaps) > 100
    assert everyone.customers == len(members)
    assert everyone.repeat_customers == gaps.customer_id.nunique()
    for col, q in QUANTILES.items():
        assert everyone[col] == pytest.approx(gaps.gap_days.quantile(q), rel=1e-9)
    for group in ("segment", "source"):
        rows = got[got.group == group].set_index("value")
        expect = gaps.groupby(group).gap_days
        sizes = members.assign(source=members.source.fillna("(none)")).groupby(group).size()
        assert rows.customers.to_dict() == sizes.to_dict()
        assert rows.customers.sum() == len(members)
        for value, g in expect:
            assert rows.loc[value, "gaps"] == len(g)
            assert rows.loc[value, "mean_days"] == pytest.approx(g.mean(), rel=1e-9)
            for col, q in QUANTILES.items():
                assert rows.loc[value, col] == pytest.approx(g.quantile(q), rel=1e-9, abs=1e-9)
        no_gap = rows[~rows.index.isin(list(expect.groups))]
        assert (no_gap.gaps == 0).all() and no_gap.median_days.isna().all()


def test_one_time_segments_have_no_gap(case):
    rows = case[3].gaps.frame.set_index("value")
    # new, promising, about to sleep, hibernating and lost are F = 1: bought once
    assert rows.loc["new", "gaps"] == 0 and rows.loc["champions", "gaps"] > 0


def test_seasonality_index_by_month_and_weekday(case):
    _, orders, _, result, _ = case
    got = result.seasonality.frame
    month = got[got.period == "month"]
    counts = orders.time.dt.month.value_counts().reindex(range(1, 13), fill_value=0)
    assert month.orders.tolist() == counts.tolist()
    np.testing.assert_allclose(month["index"], counts * 12 / counts.sum())
    revenue = orders.groupby(orders.time.dt.month).revenue.sum().reindex(range(1, 13), fill_value=0)
    np.testing.assert_allclose(month.revenue_index, revenue * 12 / revenue.sum())
    assert month["index"].mean() == pytest.approx(1.0)
    week = got[got.period == "weekday"].set_index("value")
    names = orders.time.dt.day_name().value_counts()
    for day, n in names.items():
        assert week.loc[day, "orders"] == n
        assert week.loc[day, "index"] == pytest.approx(n * 7 / len(orders))
    days = pd.date_range(orders.time.min().normalize(), pd.Timestamp(result.as_of), freq="D")
    per_day = days.day_name().value_counts()
    for day, n in names.items():
        expect = (n / per_day[day]) / (len(orders) / len(days))
        assert week.loc[day, "index_per_day"] == pytest.approx(expect)


def test_first_to_second_product(case):
    _, orders, items, result, _ = case
    o = orders.sort_values(["customer_id", "time", "order_id"])
    o = o.assign(step=o.groupby("customer_id").cumcount())
    o = o[o.step < 2]
    lines = items[items.product_id.notna()].merge(o[["order_id", "customer_id", "step"]])
    sets = lines.groupby(["customer_id", "step"]).product_id.agg(set).unstack("step").dropna()
    n = len(sets)
    first_n = pd.Series([p for s in sets[0] for p in s]).value_counts()
    second_n = pd.Series([p for s in sets[1] for p in s]).value_counts()
    pairs = pd.Series([(a, b) for f, s in zip(sets[0], sets[1], strict=True) for a in f for b in s])
    counts = pairs.value_counts()
    got = result.transitions.frame
    assert len(got) == 15
    top = counts[counts >= counts.iloc[14]]  # ties at the 15th count may swap
    for row in got.itertuples():
        pair = (row.antecedent, row.consequent)
        assert pair in top.index and row.count == counts[pair]
        assert row.antecedent_count == first_n[row.antecedent]
        assert row.consequent_count == second_n[row.consequent]
        assert row.support == pytest.approx(row.count / n)
        table = [
            [row.count, row.antecedent_count - row.count],
            [row.consequent_count - row.count, n - row.antecedent_count - row.consequent_count
             + row.count],
        ]  # fmt: skip
        p = fisher_exact(table, alternative="greater").pvalue
        assert row.p_value == pytest.approx(p, rel=1e-6, abs=1e-12)
    assert got["count"].tolist() == sorted(got["count"], reverse=True)
    assert got["count"].iloc[0] == counts.iloc[0]


def test_next_purchase_window_formula(case):
    _, orders, _, result, members = case
    got = result.customers.frame.set_index("customer_id")
    assert len(got) == len(members)
    gaps = result.gaps.frame
    seg = gaps[gaps.group == "segment"].set_index("value")
    pooled = gaps[gaps.group == "all"].iloc[0]
    per = orders.groupby("customer_id").time.agg(["min", "max", "size"])
    checked = 0
    for cid in list(per.index[:: max(1, len(per) // 60)]):
        row = got.loc[cid]
        first, last, n = per.loc[cid]
        k = n - 1
        prior = seg.loc[row.segment] if seg.loc[row.segment, "gaps"] > 0 else pooled
        own = (last - first).total_seconds() / 86400 / k if k else 0.0
        expected = (k * own + 2 * prior.mean_days) / (k + 2)
        assert row.gaps == k
        assert row.expected_gap_days == pytest.approx(expected, rel=1e-9)
        start = last + pd.to_timedelta(expected * prior.p25_days / prior.mean_days, unit="D")
        end = last + pd.to_timedelta(expected * prior.p75_days / prior.mean_days, unit="D")
        assert abs(row.window_start - start) <= pd.Timedelta(seconds=1)
        assert abs(row.window_end - end) <= pd.Timedelta(seconds=1)
        now = pd.Timestamp(result.as_of) + pd.Timedelta(days=1)
        status = "ahead" if now < start else ("due" if now <= end else "overdue")
        assert row.status == status
        checked += 1
    assert checked >= 50
    assert set(got.status) == {"ahead", "due", "overdue"}


def test_shrinkage_weight_moves_the_expected_gap():
    """prior_gaps=0: a repeat customer's expected gap is their own mean."""
    import datetime as dt

    import pyarrow as pa

    day = dt.datetime(2024, 1, 1)
    rows = [("a", 0), ("a", 10), ("a", 30), ("b", 5), ("b", 25), ("c", 40)]
    with open_store(":memory:") as store:
        store.write({"orders": pa.table({
            "order_id": [str(i) for i in range(6)], "customer_id": [r[0] for r in rows],
            "time": [day + dt.timedelta(r[1]) for r in rows], "revenue": [10.0] * 6,
            "status": ["confirmed"] * 6, "currency": ["EUR"] * 6})})  # fmt: skip
        own = patterns(store, prior_gaps=0).customers.frame.set_index("customer_id")
        assert own.loc["a", "expected_gap_days"] == pytest.approx(15.0)
        assert own.loc["b", "expected_gap_days"] == pytest.approx(20.0)
        assert pd.isna(own.loc["c", "expected_gap_days"])  # one order, no weight on a prior
        assert patterns(store).transitions is None  # no order lines
        with pytest.raises(InputError, match="item must be one of"):
            patterns(store, item="sku")


def test_cli_json_and_csv(uci, capsys, tmp_path):
    path = uci[0]
    assert main(["segments", "patterns", "--db", path, "--show", "seasonality", "-f", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["rows"]) == 19 and out["units"]["index"] == "ratio"
    target = tmp_path / "next.csv"
    args = ["segments", "patterns", "--db", path, "--show", "customers", "-f", "csv", "-o"]
    assert main([*args, str(target)]) == 0
    frame = pd.read_csv(target)
    assert {"customer_id", "window_start", "window_end", "status"} <= set(frame.columns)
    assert main(["segments", "patterns", "--db", path, "--show", "bogus"]) != 0
    assert "--show must be one of" in capsys.readouterr().err
