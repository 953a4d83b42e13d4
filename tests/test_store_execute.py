"""Store.execute gives Ibis' own frames, converting float and text columns in bulk."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from payback.store import open_store

D, T = dt.date, dt.datetime
COLUMNS = {
    "i": pa.array([1, None, 3], pa.int64()),
    "i2": pa.array([1, 2, 3], pa.int64()),
    "i32": pa.array([1, None, 3], pa.int32()),
    "f": pa.array([1.5, None, 2.0]),
    "f32": pa.array([1.0, None, 3.0], pa.float32()),
    "s": pa.array(["a", None, "c"]),
    "s2": pa.array(["a", "b", "c"]),
    "b": pa.array([True, None, False]),
    "d": pa.array([D(2024, 1, 1), None, D(2024, 2, 1)]),
    "d2": pa.array([D(2024, 1, 1), D(2024, 1, 5), D(2024, 2, 1)]),
    "ts": pa.array([T(2024, 1, 1, 3), None, T(2024, 1, 2)]),
    "ts2": pa.array([T(2024, 1, 1, 3), T(2024, 1, 1, 4), T(2024, 1, 2)]),
    "l": pa.array([[1], None, [2, 3]]),
}


@pytest.mark.parametrize("name", COLUMNS)
def test_every_column_type_with_and_without_nulls_is_ibis_own(name):
    store = open_store(":memory:")
    expr = ibis.memtable(pa.table({name: COLUMNS[name]}))
    mine, ibis_own = store.execute(expr), store.backend.execute(expr)
    pd.testing.assert_frame_equal(mine, ibis_own)
    assert [type(v) for v in mine[name]] == [type(v) for v in ibis_own[name]]


def test_a_customer_summary_with_missing_values_is_ibis_own(store):
    from payback.clv import customer_summary

    store.write(
        {
            "orders": pa.table(
                {
                    "order_id": ["1", "2", "3", "4"],
                    "customer_id": ["a", "a", "b", "c"],
                    "time": [T(2024, 1, 1), T(2024, 2, 1), T(2024, 1, 9), T(2024, 3, 1)],
                    "revenue": [10.0, 30.0, 5.0, 7.0],
                    "status": ["confirmed"] * 4,
                    "currency": ["EUR"] * 4,
                }
            )
        }
    )
    expr = customer_summary(store, freq="W", calibration_end="2024-01-20").order_by("customer_id")
    mine = store.execute(expr)
    pd.testing.assert_frame_equal(mine, store.backend.execute(expr))
    assert mine["monetary_value"].isna().tolist() == [True, True]  # no repeat purchase yet
    assert mine["monetary_value_holdout"].tolist()[0] == 30.0


def test_scalars_and_columns_are_ibis_own(store):
    t = ibis.memtable({"x": [1.0, None, 3.0]})
    assert store.execute(t.x.sum()) == 4.0
    pd.testing.assert_series_equal(store.execute(t.x), store.backend.execute(t.x))
