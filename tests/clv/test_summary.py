"""Customer summaries: the CDNOW reference summaries, the conventions, DuckDB vs Spark."""

from __future__ import annotations

import datetime as dt
import gc

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from payback.clv import compress, customer_summary, summarize
from payback.errors import InputError


@pytest.fixture(scope="module")
def cdnow_tx(cdnow_sample):
    return cdnow_sample.rename(columns={"customer": "cust"})


@pytest.fixture(scope="module")
def cdnow_summary(cdnow_tx):
    return summarize(
        cdnow_tx,
        customer_col="cust",
        time_col="date",
        value_col="dollars",
        freq="D",
        unit="W",
        observation_end="1998-06-30",
        calibration_end="1997-09-30",
    )


def test_cdnow_matches_btyd_summary_exactly(cdnow_summary, public_data):
    cbs = pd.read_csv(public_data / "cdnow" / "cdnowSummary_cbs.csv")
    m = cdnow_summary.merge(cbs, on="cust", validate="1:1")
    assert len(m) == 2357
    np.testing.assert_array_equal(m.frequency, m.x)
    np.testing.assert_allclose(m.recency, m["t.x"], rtol=1e-12)
    np.testing.assert_allclose(m["T"], m["T.cal"], rtol=1e-12)
    np.testing.assert_array_equal(m.frequency_holdout, m["x.star"])
    # mean repeat spend; BTYD writes 0 where there is no repeat purchase, we write null
    np.testing.assert_allclose(m.monetary_value.fillna(0.0), m["m.x"], rtol=1e-12)
    assert m.monetary_value[m.frequency == 0].isna().all()
    assert (m.duration_holdout == 39.0).all()


def test_cdnow_matches_the_two_decimal_summary(cdnow_summary, public_data):
    ref = pd.read_csv(public_data / "cdnow" / "cdnow_customers_summary_with_transactions.csv")
    m = cdnow_summary.merge(ref, left_on="cust", right_on="ID", validate="1:1")
    assert len(m) == len(ref) == 2357
    np.testing.assert_array_equal(m.frequency, m.x)
    np.testing.assert_allclose(m.recency, m.t_x, atol=0.005)  # the file rounds to 2 decimals
    np.testing.assert_allclose(m["T_x"], m["T_y"], atol=0.005)
    np.testing.assert_allclose(m.monetary_value.fillna(0.0), m.zbar, atol=0.005 + 1e-9)


def _orders(rows):
    cols = ["order_id", "customer_id", "time", "revenue", "status"]
    data = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    data["currency"] = ["EUR"] * len(rows)
    return pa.table(data)


def test_conventions_same_period_first_purchase_and_statuses(store):
    t = dt.datetime
    store.write(
        {
            "orders": _orders(
                [
                    ("1", "a", t(2024, 1, 1, 9), 10.0, "confirmed"),
                    ("2", "a", t(2024, 1, 1, 20), 5.0, "confirmed"),  # same day: one purchase
                    ("3", "a", t(2024, 1, 3), 12.0, "confirmed"),
                    ("4", "a", t(2024, 1, 4), 8.0, "confirmed"),
                    ("5", "a", t(2024, 1, 4), 100.0, "cancelled"),  # not a purchase
                    ("6", "b", t(2024, 1, 2), 50.0, "returned"),  # b never bought
                    ("7", "c", t(2024, 1, 9), 30.0, "confirmed"),
                ]
            )
        }
    )
    s = store.execute(customer_summary(store, observation_end="2024-01-10"))
    s = s.set_index("customer_id").sort_index()
    assert list(s.index) == ["a", "c"]
    assert s.loc["a", ["frequency", "recency", "T"]].tolist() == [2.0, 3.0, 9.0]
    assert s.loc["a", "monetary_value"] == pytest.approx(10.0)  # (12 + 8) / 2, first left out
    assert s.loc["c", ["frequency", "recency", "T"]].tolist() == [0.0, 0.0, 1.0]
    assert np.isnan(s.loc["c", "monetary_value"])
    weekly = store.execute(customer_summary(store, freq="W", observation_end="2024-01-10"))
    weekly = weekly.set_index("customer_id").sort_index()
    # 2024-01-01 is a Monday: a's purchases are in one week, c's a week later
    assert weekly.loc["a", ["frequency", "T"]].tolist() == [0.0, 1.0]
    monthly = store.execute(customer_summary(store, freq="M"))
    assert monthly.frequency.tolist() == [0.0, 0.0]


def test_holdout_split_and_late_customers():
    tx = pd.DataFrame(
        {
            "c": ["a", "a", "a", "b", "z"],
            "t": ["2024-01-01", "2024-01-05", "2024-02-10", "2024-02-01", "2024-03-01"],
            "v": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    s = summarize(
        tx,
        customer_col="c",
        time_col="t",
        value_col="v",
        observation_end="2024-02-20",
        calibration_end="2024-01-31",
    ).set_index("c")
    assert list(s.index) == ["a"]  # b arrived in the holdout, z after observation
    assert s.loc["a", "frequency"] == 1.0
    assert s.loc["a", "frequency_holdout"] == 1.0
    assert s.loc["a", "monetary_value_holdout"] == 3.0
    assert s.loc["a", "duration_holdout"] == 20.0


def test_bad_inputs_are_refused_with_the_row():
    tx = pd.DataFrame({"c": ["a", None], "t": ["2024-01-01", "2024-01-02"]})
    with pytest.raises(InputError, match=r"column 'c', row 1"):
        summarize(tx, customer_col="c", time_col="t")
    with pytest.raises(InputError, match="no column 'when'"):
        summarize(tx.dropna(), customer_col="c", time_col="when")
    with pytest.raises(InputError, match="unit 'M' does not go with freq 'D'"):
        summarize(tx.dropna(), customer_col="c", time_col="t", unit="M")
    with pytest.raises(InputError, match="must be before observation_end"):
        summarize(
            tx.dropna(),
            customer_col="c",
            time_col="t",
            observation_end="2024-01-01",
            calibration_end="2024-02-01",
        )


def test_compress_in_the_engine_equals_pandas(cdnow_summary):
    import ibis

    by_pandas = compress(cdnow_summary)
    by_engine = compress(ibis.memtable(cdnow_summary[["frequency", "recency", "T"]])).execute()
    assert by_pandas.weights.sum() == 2357
    pd.testing.assert_frame_equal(by_pandas, by_engine, check_dtype=False)


@pytest.mark.spark
# py4j leaves its result sockets to the garbage collector: collected below, inside the test
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_summary_on_spark_equals_duckdb(store, cdnow_tx):
    from payback.spark import copy_to_spark

    small = cdnow_tx[cdnow_tx.cust <= 150]
    store.write(
        {
            "orders": pa.table(
                {
                    "order_id": [str(i) for i in range(len(small))],
                    "customer_id": small.cust.astype(str).tolist(),
                    "time": small.date.tolist(),
                    "revenue": small.dollars.astype(float).tolist(),
                    "status": ["confirmed"] * len(small),
                    "currency": ["USD"] * len(small),
                }
            )
        }
    )
    kwargs = dict(freq="D", unit="W", observation_end="1998-06-30", calibration_end="1997-09-30")
    duck = store.execute(customer_summary(store, **kwargs)).sort_values("customer_id")
    spark = copy_to_spark(store)
    got = spark.execute(customer_summary(spark, **kwargs)).sort_values("customer_id")
    gc.collect()
    assert len(duck) == 150
    pd.testing.assert_frame_equal(
        duck.reset_index(drop=True), got.reset_index(drop=True), check_dtype=False
    )
