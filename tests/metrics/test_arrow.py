"""Metrics as Arrow: ``compute_metrics(..., as_arrow=True)``, ``MetricsResult.to_arrow()`` and
the Parquet file ``payback metrics -f parquet`` writes from Arrow, equal to the pandas path."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payback.cli import main
from payback.metrics import compute_metrics
from payback.metrics.result import to_pandas
from payback.output import write_arrow, write_frame

from .conftest import build_store, demo_store
from .strategies import shops

METRICS = "cost,clicks,orders,revenue,cpc,cpo,drr,romi,new_customers,cac,gross_profit"
GRAINS = ("", "platform", "campaign,month", "keyword,date", "country", "partner")


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    path = tmp_path_factory.mktemp("arrow") / "demo.duckdb"
    with demo_store(path, 400, seed=11):
        pass
    return path


def _pair(store, by):
    eager = compute_metrics(store, by=by, metrics=METRICS)
    lazy = compute_metrics(store, by=by, metrics=METRICS, as_arrow=True)
    return eager, lazy


@pytest.mark.parametrize("by", GRAINS)
def test_to_arrow_holds_the_frame_with_its_types_and_nulls(shop, by):
    from payback.store import open_store

    with open_store(shop, read_only=True) as store:
        eager, lazy = _pair(store, by)
    frame = eager.frame
    for result in (eager, lazy):
        table = result.to_arrow()
        assert table.column_names == list(frame.columns)
        assert table.num_rows == len(frame) > 0
        for name in result.metrics:
            count = name in ("clicks", "orders", "new_customers")
            assert table.schema.field(name).type == (pa.int64() if count else pa.float64())
            column = table[name]
            # a missing value is null (pd.NA in the frame), never NaN or inf
            assert pc.is_null(column).to_pylist() == frame[name].isna().tolist(), name
            if pa.types.is_floating(column.type):
                assert not pc.any(pc.is_nan(column)).as_py()
                assert not pc.any(pc.is_inf(column)).as_py()
            assert column.to_pylist() == [None if pd.isna(v) else v for v in frame[name]]
        for name in (*result.by, "is_total", "total_kind"):
            assert table[name].to_pylist() == [None if pd.isna(v) else v for v in frame[name]]
        pd.testing.assert_frame_equal(to_pandas(table, destruct=False), frame)
        meta = json.loads(table.schema.metadata[b"payback"])
        assert meta == {
            "units": dict(eager.table.units),
            "reasons": dict(eager.reasons),
            "currency": eager.currency,
        }
    # the lazy result builds the same frame, parts and reasons on demand
    pd.testing.assert_frame_equal(lazy.frame, frame)
    pd.testing.assert_frame_equal(lazy.parts, eager.parts)
    pd.testing.assert_frame_equal(lazy.cell_reasons, eager.cell_reasons)
    assert lazy.reasons == eager.reasons and lazy.totals == eager.totals


def test_arrow_totals_equal_sql_over_the_raw_tables(shop):
    from payback.store import open_store

    with open_store(shop, read_only=True) as store:
        table = compute_metrics(store, by="platform", metrics=METRICS, as_arrow=True).to_arrow()
        con = store.backend.con
        cost, clicks = con.execute("SELECT sum(cost), sum(clicks) FROM ad_stats").fetchone()
        orders, revenue = con.execute(
            "SELECT count(*), sum(revenue) FROM orders WHERE status = 'confirmed'"
        ).fetchone()
    every = table.filter(pc.equal(table["total_kind"], "all")).to_pylist()[0]
    assert every["cost"] == pytest.approx(cost, abs=1e-6) and every["clicks"] == clicks
    assert every["orders"] == orders and every["revenue"] == pytest.approx(revenue, abs=1e-6)
    assert every["cost"] > 0 and every["orders"] > 0
    assert every["cpo"] is None  # a paid-only ratio: missing in Total (all)
    paid = table.filter(pc.equal(table["total_kind"], "paid")).to_pylist()[0]
    assert paid["cpo"] == pytest.approx(paid["cost"] / paid["orders"])
    assert 0 < paid["orders"] < every["orders"]  # the demo has organic orders


def test_zero_denominators_are_null_with_a_reason_in_arrow():
    ads = [{"campaign": "a", "cost": 50.0, "clicks": 0}, {"campaign": "b", "cost": 20.0}]
    orders = [{"campaign": "b", "revenue": 10.0}]
    with build_store(ads=ads, orders=orders) as store:
        r = compute_metrics(store, by="campaign", metrics="cost,orders,cpo,cpc", as_arrow=True)
    table = r.to_arrow()
    assert table["campaign"].to_pylist() == ["a", "b", None, None]
    assert table["cpo"].to_pylist() == [None, 20.0, 70.0, None]
    assert table["cpc"].to_pylist() == [None, None, None, None]
    assert r.reasons["cpo"].startswith("no confirmed orders in 1 row(s)")
    assert r.cell_reasons["cpc"].tolist()[0] == "no clicks"


@pytest.mark.parametrize("by", ["campaign,keyword,date", "month"])
def test_parquet_from_arrow_reads_back_as_the_pandas_written_file(shop, tmp_path, by):
    from payback.store import open_store

    with open_store(shop, read_only=True) as store:
        eager, lazy = _pair(store, by)
    old, new = tmp_path / "pandas.parquet", tmp_path / "arrow.parquet"
    write_frame(eager.table, "parquet", old)
    write_arrow(lazy.to_arrow(), new)
    before, after = pq.read_table(old), pq.read_table(new)
    assert after.equals(before)
    assert after.schema.metadata == before.schema.metadata  # payback and pandas metadata
    pd.testing.assert_frame_equal(pd.read_parquet(new), pd.read_parquet(old))
    pd.testing.assert_frame_equal(pd.read_parquet(new), eager.frame)


def test_the_cli_writes_parquet_from_arrow(shop, tmp_path, capsys, monkeypatch):
    from payback.metrics import result as result_module

    built = []
    real = result_module.MetricsResult.frame.func
    monkeypatch.setattr(
        result_module.MetricsResult,
        "frame",
        property(lambda self: built.append(1) or real(self)),
    )
    out = tmp_path / "m.parquet"
    args = ["metrics", "--db", str(shop), "--by", "campaign,keyword,date", "-m", METRICS]
    assert main([*args, "-f", "parquet", "-o", str(out)]) == 0
    assert built == []  # no pandas frame on the way to the file
    monkeypatch.undo()
    from payback.store import open_store

    with open_store(shop, read_only=True) as store:
        eager = compute_metrics(store, by="campaign,keyword,date", metrics=METRICS)
    reference = tmp_path / "ref.parquet"
    write_frame(eager.table, "parquet", reference)
    assert pq.read_table(out).equals(pq.read_table(reference))
    assert pq.read_table(out).schema.metadata == pq.read_table(reference).schema.metadata
    with pytest.raises(Exception, match=r"give --output FILE\.parquet"):
        write_arrow(eager.to_arrow(), None)
    capsys.readouterr()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shop=shops, by=st.sampled_from(["", "campaign", "keyword", "country,date", "week"]))
def test_arrow_and_pandas_results_agree_on_random_shops(shop, by):
    ads, orders, leads = shop
    with build_store(ads=ads, orders=orders, leads=leads) as store:
        metrics = "cost,clicks,orders,leads,cpc,cpo,cpa,cr,romi,platform_conversions"
        eager = compute_metrics(store, by=by, metrics=metrics)
        lazy = compute_metrics(store, by=by, metrics=metrics, as_arrow=True)
    assert lazy.reasons == eager.reasons
    table = lazy.to_arrow()
    assert table.equals(eager.to_arrow())
    pd.testing.assert_frame_equal(lazy.frame, eager.frame)
    pd.testing.assert_frame_equal(lazy.cell_reasons, eager.cell_reasons)
    for name in lazy.metrics:
        if pa.types.is_floating(table[name].type):
            assert not np.isinf(table[name].to_numpy(zero_copy_only=False)).any()
            assert not pc.any(pc.is_nan(table[name])).as_py()
