"""The one-aggregation summary (payback.clv.summary_onepass) and the integer-code
compression equal the definitions they replace: the two aggregations (by customer and
period, then by customer) and the DataFrame grouping."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import payback.clv.summary as summary_module
from payback.clv import customer_summary, summarize
from payback.clv.compress import compress


def _two_aggregations(monkeypatch):
    """Run the summary as the engines without ``list_unique`` do (Spark)."""
    monkeypatch.setattr(summary_module, "runs_on_duckdb", lambda table: False)


@pytest.fixture(scope="module")
def orders() -> pa.Table:
    """300 customers, 4,000 orders over 2 years; many same-day orders, first days too."""
    rng = np.random.default_rng(7)
    n = 4000
    customer = rng.integers(0, 300, n)
    day = rng.integers(0, 730, n)
    first = rng.random(n) < 0.15  # some orders on the customer's first day again
    starts = rng.integers(0, 700, 300)
    day = np.where(first, starts[customer], np.maximum(day, starts[customer]))
    seconds = rng.integers(0, 86400, n)
    time = pd.Timestamp("2023-01-01") + pd.to_timedelta(day * 86400 + seconds, unit="s")
    status = np.where(rng.random(n) < 0.9, "confirmed", "cancelled")
    return pa.table(
        {
            "order_id": [f"o{i:05d}" for i in range(n)],
            "customer_id": [f"c{c}" for c in customer],
            "time": pa.array(time.to_numpy()),
            "revenue": np.round(rng.gamma(2.0, 40.0, n), 2),
            "status": status,
            "currency": ["EUR"] * n,
        }
    )


def _frame(store, monkeypatch, two: bool, **options) -> pd.DataFrame:
    with monkeypatch.context() as m:
        if two:
            _two_aggregations(m)
        expr = customer_summary(store, **options).order_by("customer_id")
        return store.execute(expr)


@pytest.mark.parametrize(
    "options",
    [
        {"freq": "D"},
        {"freq": "D", "unit": "W", "observation_end": "2024-06-30"},
        {"freq": "W", "calibration_end": "2024-01-31"},
        {"freq": "M", "observation_end": "2024-10-15", "calibration_end": "2024-03-31"},
    ],
)
def test_one_aggregation_equals_the_two(store, orders, monkeypatch, options):
    store.write({"orders": orders})
    assert store._derived_current("acquisitions")  # the first periods come from it
    one = _frame(store, monkeypatch, False, **options)
    two = _frame(store, monkeypatch, True, **options)
    assert list(one.columns) == list(two.columns)
    assert len(one) == len(two) > 150  # late customers are not in a calibration
    pd.testing.assert_series_equal(one.customer_id, two.customer_id)
    pd.testing.assert_series_equal(one.first_purchase, two.first_purchase)
    for column in one.columns.drop(["customer_id", "first_purchase"]):
        np.testing.assert_allclose(one[column], two[column], rtol=1e-12, err_msg=column)
    # an independent recomputation of the rules on the first customer with a same-day repeat
    tx = orders.to_pandas()
    tx = tx[tx.status == "confirmed"].assign(day=lambda f: f.time.dt.floor("D"))
    if options["freq"] == "D" and "unit" not in options:
        daily = tx.groupby(["customer_id", "day"]).revenue.sum().reset_index()
        first_day_twice = tx.groupby(["customer_id", "day"]).size().reset_index(name="n")
        first = tx.groupby("customer_id").day.min().rename("first_day").reset_index()
        twice = first_day_twice.merge(first, on="customer_id")
        who = twice[(twice.day == twice.first_day) & (twice.n > 1)].customer_id.iloc[0]
        mine = daily[daily.customer_id == who].sort_values("day")
        row = one.set_index("customer_id").loc[who]
        assert row.frequency == len(mine) - 1
        expected = mine.revenue.iloc[1:].mean() if len(mine) > 1 else np.nan
        np.testing.assert_allclose(row.monetary_value, expected, rtol=1e-12)


@pytest.mark.parametrize("freq", ["D", "W"])
def test_without_an_end_the_last_purchase_of_any_customer_ends_the_observation(
    store, orders, monkeypatch, freq
):
    """T (and the holdout's duration) run to the period of the last confirmed order of
    the store, whoever placed it: recomputed by hand; a later cancelled order is not it."""
    tx = orders.to_pandas()
    late = tx.iloc[[0]].assign(order_id="late", time=tx.time.max() + pd.Timedelta(days=40))
    store.write(
        {
            "orders": pa.Table.from_pandas(
                pd.concat([tx, late.assign(status="cancelled")]), preserve_index=False
            )
        }
    )
    bought = tx[tx.status == "confirmed"]
    days = (bought.time.dt.floor("D") - pd.Timestamp("1970-01-01")).dt.days
    period = days if freq == "D" else (days + 3) // 7
    end = int(period.max())
    first = period.groupby(bought.customer_id).min()
    options = {"freq": freq}
    if freq == "W":
        options["calibration_end"] = "2024-01-31"
        cut = (pd.Timestamp("2024-01-31") - pd.Timestamp("1970-01-01")).days
        cut = (cut + 3) // 7
        first = first[first <= cut]
    one = _frame(store, monkeypatch, False, **options).set_index("customer_id")
    expected = (end if freq == "D" else cut) - first
    np.testing.assert_array_equal(one["T"], expected.loc[one.index].astype(float))
    if freq == "W":
        assert set(one.duration_holdout) == {float(end - cut)}
        assert end - cut > 30  # weeks after the cut
    # a scalar subquery, not a window over every customer's row
    assert " OVER " not in ibis.to_sql(customer_summary(store, **options), dialect="duckdb")


def test_filtered_summary_computes_its_own_first_periods(store, orders, monkeypatch):
    """With ``where`` the first order among the kept orders is not the acquisition."""
    store.write({"orders": orders})

    def where(t):
        return t.time >= dt.datetime(2023, 9, 1)

    one = _frame(store, monkeypatch, False, where=where)
    two = _frame(store, monkeypatch, True, where=where)
    assert pd.Timestamp(one.first_purchase.min()) >= pd.Timestamp("2023-09-01")
    pd.testing.assert_frame_equal(one, two, check_exact=False, rtol=1e-12)


def test_summarize_in_hand_equals_the_two_aggregations(orders, monkeypatch):
    tx = orders.to_pandas()
    options = dict(customer_col="customer_id", time_col="time", value_col="revenue")
    one = summarize(tx, freq="W", calibration_end="2024-02-29", **options)
    with monkeypatch.context() as m:
        _two_aggregations(m)
        two = summarize(tx, freq="W", calibration_end="2024-02-29", **options)
    pd.testing.assert_frame_equal(one, two, check_exact=False, rtol=1e-12)
    assert two.frequency_holdout.sum() > 100


def _grouped(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame.groupby(columns, sort=True).size().reset_index(name="weights")
    out["weights"] = out["weights"].astype(float)
    return out


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"frequency": [2, 0, 2, 0, 1], "recency": [5, 0, 5, 0, 3], "T": [9] * 5}),
        pd.DataFrame(
            {"frequency": [1.0, np.nan, 1.0, 0.0], "recency": [0.5, 0.0, 0.5, 0.0], "T": 3.25}
        ),
        pd.DataFrame({"frequency": [], "recency": [], "T": []}, dtype=float),
    ],
)
def test_compress_by_codes_equals_the_grouping(frame):
    columns = ["frequency", "recency", "T"]
    pd.testing.assert_frame_equal(compress(frame), _grouped(frame, columns))


def test_compress_of_a_simulated_summary_equals_the_grouping():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "frequency": rng.poisson(3, 20000).astype(float),
            "recency": rng.integers(0, 400, 20000).astype(float),
            "T": rng.integers(300, 700, 20000) / 7,
        }
    )
    out = compress(frame)
    assert 0 < len(out) < len(frame)
    pd.testing.assert_frame_equal(out, _grouped(frame, ["frequency", "recency", "T"]))
    assert out.weights.sum() == 20000


@pytest.mark.parametrize(
    "splits",
    [
        [("D", None), ("W", "2024-01-31")],
        [("W", "2024-03-31"), ("M", "2023-12-31"), ("D", None)],
    ],
)
def test_summaries_of_one_aggregation_equal_each_alone(store, orders, splits):
    """Several summaries from one join and aggregation of the orders (the report's fit
    histories and model check) hold the numbers of each summary computed by itself."""
    from payback.clv.summary import summaries_with_first_orders

    store.write({"orders": orders})
    together = summaries_with_first_orders(
        store, lambda first: {"first_order": first.revenue}, splits
    )
    # one statement asking for all of them joins the orders with the first orders once
    union = ibis.union(*(t.select("customer_id", "frequency", "T") for t in together))
    assert ibis.to_sql(union, dialect="duckdb").upper().count(" JOIN ") == 1
    tx = orders.to_pandas()
    tx = tx[tx.status == "confirmed"].sort_values(["time", "order_id"])
    first_order = tx.groupby("customer_id").revenue.first()  # an independent reading
    for (freq, cut), expr in zip(splits, together, strict=True):
        got = store.execute(expr.order_by("customer_id"))
        want = store.execute(
            customer_summary(store, freq=freq, calibration_end=cut).order_by("customer_id")
        )
        assert list(got.columns) == [*want.columns, "first_order"]
        assert len(got) == len(want) > 150
        pd.testing.assert_frame_equal(
            got.drop(columns="first_order"), want, check_exact=False, rtol=1e-12
        )
        counts = ["frequency", "recency", "T"] + (["frequency_holdout"] if cut else [])
        pd.testing.assert_frame_equal(got[counts], want[counts], check_exact=True)
        np.testing.assert_array_equal(got.first_order, first_order.loc[got.customer_id])
