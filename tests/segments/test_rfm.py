"""RFM scores and segments: recomputed independently with pandas on UCI Online Retail
and on a demo shop; segment sizes add up; ties share a score; breakpoints; by source."""

from __future__ import annotations

import datetime as dt
import math

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings

from payback.errors import CurrencyError, InputError
from payback.segments import rfm
from payback.store import open_store


def _expected_segment(r: int, f: int, m: int) -> str:
    """The built-in rule table written as plain conditions (docs/segments.md)."""
    if r >= 4 and f >= 4:
        return "champions" if m >= 4 else "loyal"
    if r == 3 and f >= 4:
        return "loyal"
    if r >= 4:
        return "potential loyalists" if f >= 2 else ("new" if r == 5 else "promising")
    if r == 3:
        return "need attention" if f >= 2 else "about to sleep"
    if f >= 4 and m >= 4:
        return "can't lose"
    if f >= 3 or (f == 2 and m >= 4):
        return "at risk"
    return "hibernating" if r == 2 else "lost"


def _quintile(values: pd.Series, higher_is_better: bool) -> pd.Series:
    """1 + floor(5 x customers with a strictly worse value / customers)."""
    worse = (values if higher_is_better else -values).rank(method="min") - 1
    return (1 + (5 * worse.astype(int)) // len(values)).astype(int)


def expected_rfm(orders: pd.DataFrame, as_of: dt.date | None = None) -> pd.DataFrame:
    """Per customer recency, frequency, monetary, scores and segment, in pandas."""
    bought = orders[orders.status == "confirmed"].copy()
    bought["day"] = pd.to_datetime(bought.time).dt.date
    as_of = as_of or bought.day.max()
    bought = bought[bought.day <= as_of]
    per = bought.groupby("customer_id").agg(
        last=("day", "max"), frequency=("order_id", "count"), monetary=("revenue", "sum")
    )
    per["recency_days"] = [(as_of - d).days for d in per["last"]]
    per["monetary"] = per.monetary.round(2)
    per["r"] = _quintile(per.recency_days, False)
    per["f"] = _quintile(per.frequency, True)
    per["m"] = _quintile(per.monetary, True)
    per["segment"] = [_expected_segment(*c) for c in zip(per.r, per.f, per.m, strict=True)]
    return per.sort_index()


@pytest.mark.parametrize("data", ["retail", "demo"])
def test_scores_and_segments_match_an_independent_pandas_computation(data, request):
    path, orders = request.getfixturevalue(data)
    expected = expected_rfm(orders)
    with open_store(path, read_only=True) as store:
        result = rfm(store, predict=False)
    got = result.customers.frame.set_index("customer_id").sort_index()
    assert list(got.index) == list(expected.index)
    for column in ("recency_days", "frequency", "r", "f", "m", "segment"):
        assert got[column].tolist() == expected[column].tolist(), column
    assert np.allclose(got.monetary, expected.monetary)
    sizes = result.segments.frame.set_index("segment").customers
    counts = expected.segment.value_counts()
    for segment in result.rules.segments:
        assert sizes[segment] == counts.get(segment, 0), segment
    total = result.segments.frame[result.segments.frame.is_total].iloc[0]
    assert total.customers == len(expected)
    assert total.revenue == pytest.approx(expected.monetary.sum())


def test_retail_numbers(retail):
    """UCI imported with --build-orders: 115 customers with a confirmed invoice, as of
    2011-12-09; monetary is the net revenue (cancellations taken off)."""
    path, orders = retail
    with open_store(path, read_only=True) as store:
        result = rfm(store, predict=False)
    assert result.as_of == dt.date(2011, 12, 9)
    members = result.customers.frame
    confirmed = orders[orders.status == "confirmed"]
    assert len(members) == confirmed.customer_id.nunique() == 115
    assert members.monetary.sum() == pytest.approx(169_993.54, abs=0.005)  # docs/clv.md
    by_revenue = members.sort_values("monetary").iloc[-1]
    sales = confirmed[confirmed.customer_id == by_revenue.customer_id]
    assert by_revenue.monetary == pytest.approx(round(sales.revenue.sum(), 2))
    assert by_revenue.m == 5
    groups = result.segments.frame[~result.segments.frame.is_total]
    assert math.isclose(groups.customer_share.sum(), 1.0)
    assert math.isclose(groups.revenue_share.sum(), 1.0)


def _net_by_running_balance(mine: pd.DataFrame) -> float:
    """One customer's net revenue from their raw lines without any matching of sales:
    in time order, a cancellation takes min(its value, what the customer has bought and
    not yet cancelled); net = sales - what the cancellations took (which sale each one
    reduces does not change the sum)."""
    priced = mine.assign(value=mine.value.where(mine.UnitPrice >= 0, 0.0))
    inv = priced.groupby("InvoiceNo").agg(
        when=("InvoiceDate", "min"), pos=("pos", "min"), amount=("value", "sum")
    )
    inv = inv.sort_values(["when", "pos"])
    balance = 0.0
    for invoice, row in inv.iterrows():
        if invoice.startswith("C") or row.amount < 0:
            balance -= min(abs(row.amount), balance)
        else:
            balance += row.amount
    return balance


def test_a_sample_of_customers_by_hand(uci_import):
    """Eight customers' values read straight from the raw lines: net monetary by a running
    balance (no per-sale matching), recency from the last sale that was not cancelled in
    full, frequency = invoices that are sales - sales cancelled in full."""
    path, orders, lines = uci_import
    with open_store(path, read_only=True) as store:
        members = rfm(store, predict=False).customers.frame.set_index("customer_id")
    full = set(orders.order_id[orders.status == "cancelled"])
    with_cancellations = lines.CustomerID[lines.InvoiceNo.str.startswith("C")].dropna().unique()
    chosen = list(members.sample(5, random_state=1).index) + sorted(with_cancellations)[:3]
    for customer in chosen:
        mine = lines[lines.CustomerID == customer]
        assert members.loc[customer, "monetary"] == pytest.approx(
            _net_by_running_balance(mine), abs=0.006
        )
        sales = mine[~mine.InvoiceNo.str.startswith("C") & ~mine.InvoiceNo.isin(full)]
        assert members.loc[customer, "frequency"] == sales.InvoiceNo.nunique()
        last = pd.to_datetime(sales.InvoiceDate).max().date()
        assert members.loc[customer, "recency_days"] == (dt.date(2011, 12, 9) - last).days


def test_one_day_of_data_scores_every_recency_1(public_data, tmp_path):
    """The first 3,000 lines are one day: nobody is more recent than anybody (R = 1)."""
    from .conftest import import_uci, retail_orders

    first = public_data / "online_retail" / "online_retail_first_3000.csv.gz"
    import_uci(tmp_path / "day.duckdb", first)
    orders = retail_orders(first)
    with open_store(tmp_path / "day.duckdb", read_only=True) as store:
        result = rfm(store, predict=False)
    expected = expected_rfm(orders)
    assert set(result.customers.frame.r) == {1}
    got = result.customers.frame.set_index("customer_id").sort_index()
    assert got.segment.tolist() == expected.segment.tolist()
    assert got.m.tolist() == expected.m.tolist()


def test_ties_share_a_score_and_as_of_cuts_later_orders(demo):
    path, orders = demo
    with open_store(path, read_only=True) as store:
        result = rfm(store, predict=False, as_of="2025-06-30")
    members = result.customers.frame
    for column, score in (("frequency", "f"), ("monetary", "m"), ("recency_days", "r")):
        assert (members.groupby(column)[score].nunique() == 1).all()
    assert (members.last_order < pd.Timestamp("2025-07-01")).all()
    expected = expected_rfm(orders, dt.date(2025, 6, 30))
    assert members.set_index("customer_id").sort_index().segment.tolist() == (
        expected.segment.tolist()
    )


def test_breakpoints_replace_the_quintiles(demo):
    path, _ = demo
    with open_store(path, read_only=True) as store:
        result = rfm(
            store, predict=False, recency_breaks="30,90,180,365", frequency_breaks=[1, 2, 3, 5],
            monetary_breaks="50,100,250,500",
        )  # fmt: skip
    c = result.customers.frame
    r = 5 - sum((c.recency_days > b).astype(int) for b in (30, 90, 180, 365))
    f = 1 + sum((c.frequency > b).astype(int) for b in (1, 2, 3, 5))
    m = 1 + sum((c.monetary > b).astype(int) for b in (50, 100, 250, 500))
    assert c.r.tolist() == r.tolist() and c.f.tolist() == f.tolist() and c.m.tolist() == m.tolist()
    scores = result.scores.frame.set_index(["variable", "score"])
    assert scores.loc[("recency", 5), "high"] <= 30 and scores.loc[("recency", 4), "low"] > 30


@pytest.mark.parametrize(
    ("breaks", "message"),
    [("1,2,3", "4 increasing numbers"), ("5,4,6,7", "4 increasing numbers"),
     ("a,b,c,d", "unparsable breakpoints")],
)  # fmt: skip
def test_bad_breakpoints_are_refused(demo, breaks, message):
    path, _ = demo
    with open_store(path, read_only=True) as store, pytest.raises(InputError, match=message):
        rfm(store, predict=False, frequency_breaks=breaks)


def test_by_source_splits_the_same_scores(demo):
    path, orders = demo
    with open_store(path, read_only=True) as store:
        plain = rfm(store, predict=False)
        split = rfm(store, predict=False, by="source")
    first = (
        orders[orders.status == "confirmed"].sort_values(["time", "order_id"])
        .drop_duplicates("customer_id").set_index("customer_id")
    )  # fmt: skip
    members = split.customers.frame.set_index("customer_id")
    assert members.source.fillna("-").to_dict() == first.platform.fillna("-").to_dict()
    unsplit = plain.customers.frame.set_index("customer_id")
    assert members.segment.tolist() == unsplit.segment.tolist()
    rows = split.segments.frame[~split.segments.frame.is_total]
    counted = members.groupby([members.source.fillna("-"), "segment"]).size()
    for row in rows.itertuples():
        assert row.customers == counted[("-" if row.source is None else row.source, row.segment)]
    shares = rows.groupby(rows.source.fillna("-")).customer_share.sum()
    assert np.allclose(shares, 1.0)
    with open_store(path, read_only=True) as store, pytest.raises(InputError, match="unknown"):
        rfm(store, predict=False, by="country")


def test_predictions_per_segment(demo):
    from payback.clv import predict_ltv

    path, _ = demo
    with open_store(path, read_only=True) as store:
        result = rfm(store, horizon_months=6)
        pred = predict_ltv(store, horizon_months=6, model="mbgnbd").customers.frame
    members = result.customers.frame.merge(pred[["customer_id", "p_alive"]], on="customer_id")
    assert np.allclose(members.p_alive_x, members.p_alive_y)
    rows = result.segments.frame.set_index("segment")
    expected = members.groupby("segment").p_alive_y.mean()
    for segment, value in expected.items():
        assert rows.loc[segment, "p_alive"] == pytest.approx(value)
    assert rows.loc["champions", "p_alive"] > rows.loc["lost", "p_alive"]
    assert rows.loc["champions", "predicted_clv"] > rows.loc["can't lose", "predicted_clv"]


def _two_orders(day, currencies):
    return pa.table({
        "order_id": ["1", "2"], "customer_id": ["a", "b"], "time": [day, day],
        "revenue": [10.0, 20.0], "status": ["confirmed"] * 2, "currency": currencies})  # fmt: skip


def test_a_failed_fit_leaves_predictions_missing_with_the_reason(tmp_path):
    day = dt.datetime(2024, 1, 1)
    with open_store(tmp_path / "s.duckdb") as store:
        store.write({"orders": _two_orders(day, ["EUR", "EUR"])})
        result = rfm(store)
    assert result.segments.frame.p_alive.isna().all()
    assert "could not be fitted" in result.segments.reasons["p_alive"]


def test_no_orders_and_two_currencies_are_refused(tmp_path):
    day = dt.datetime(2024, 1, 1)
    with open_store(tmp_path / "s.duckdb") as store:
        with pytest.raises(InputError, match="no confirmed orders"):
            rfm(store)
        store.write({"orders": _two_orders(day, ["EUR", "USD"])})
        with pytest.raises(CurrencyError, match=r"EUR \(1 row\), USD \(1 row\)"):
            rfm(store)


@st.composite
def _histories(draw):
    n = draw(st.integers(1, 30))
    rows = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 400),
                                   st.sampled_from([5.0, 10.0, 10.0, 99.99, 250.0])),
                         min_size=1, max_size=80))  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def scratch():
    """One in-memory store for every example (opening one costs more than the query)."""
    with open_store(":memory:") as store:
        yield store


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rows=_histories())
def test_property_segment_sizes_add_up_to_the_customers(scratch, rows):
    start = dt.datetime(2024, 1, 1, 12)
    frame = pd.DataFrame(rows, columns=["c", "d", "revenue"])
    orders = pd.DataFrame({
        "order_id": [str(i) for i in range(len(frame))], "customer_id": frame.c.astype(str),
        "time": [start + dt.timedelta(days=int(d)) for d in frame.d],
        "revenue": frame.revenue, "status": "confirmed", "currency": "EUR"})  # fmt: skip
    scratch.clear("orders")
    scratch.write({"orders": orders})
    result = rfm(scratch, predict=False)
    members, segments = result.customers.frame, result.segments.frame
    assert len(members) == orders.customer_id.nunique()
    assert segments[~segments.is_total].customers.sum() == len(members)
    assert members[["r", "f", "m"]].isin([1, 2, 3, 4, 5]).all().all()
    expected = expected_rfm(orders)
    assert members.set_index("customer_id").sort_index().segment.tolist() == (
        expected.segment.tolist()
    )
