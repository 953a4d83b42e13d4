"""``payback ltv cohorts --triangle`` (payback.clv.triangle) on the CDNOW sample.

Every cell is recomputed independently in pandas from the orders: cumulative revenue of
a cohort's customers in months 0..k since their first purchase, over the cohort's size.
"""

from __future__ import annotations

import pandas as pd
import pytest

from payback.cli import main
from payback.clv.triangle import cohort_triangle
from payback.errors import InputError


@pytest.fixture(scope="module")
def cdnow_store(tmp_path_factory, cdnow_orders):
    from payback.store import open_store

    path = tmp_path_factory.mktemp("triangle") / "cdnow.duckdb"
    with open_store(path) as store:
        store.write({"orders": cdnow_orders}, meta={"base_currency": "USD"})
    return path


def expected_triangle(orders: pd.DataFrame, last_month: pd.Period) -> pd.DataFrame:
    """Cumulative revenue per acquired customer, cohort x months since, in pandas."""
    month = orders.time.dt.to_period("M")
    first = month.groupby(orders.customer_id).transform("min")
    since = (month - first).apply(lambda d: d.n)
    frame = orders.assign(cohort=first.astype(str), since=since)
    sizes = frame.groupby("cohort").customer_id.nunique()
    spent = frame.pivot_table(index="cohort", columns="since", values="revenue", aggfunc="sum")
    spent = spent.fillna(0).cumsum(axis=1).div(sizes, axis=0)
    for cohort in spent.index:  # months not observed in full are empty
        seen = (last_month - pd.Period(cohort, "M")).n
        spent.loc[cohort, spent.columns > seen] = float("nan")
    return spent.assign(customers=sizes)


def test_cells_equal_a_pandas_recomputation(cdnow_store, cdnow_orders):
    from payback.store import open_store

    with open_store(cdnow_store, read_only=True) as store:
        table = cohort_triangle(store)
    got = table.frame.set_index("cohort")
    # the data end on 1998-06-30, the last day of June: June 1998 is observed in full
    expected = expected_triangle(cdnow_orders, pd.Period("1998-06", "M"))
    cohorts = ["1997-01", "1997-02", "1997-03"]  # CDNOW's customers were all acquired in Q1
    assert list(got.index) == [*cohorts, "all", "observed share"]
    assert got.loc[cohorts, "customers"].tolist() == expected.customers.tolist()
    assert got.loc[cohorts, "customers"].tolist() == [781, 858, 719]
    months = [f"m{k}" for k in range(18)]
    assert list(got.columns[2:]) == months
    values = got.loc[cohorts, months].to_numpy(float)
    want = expected.loc[cohorts, list(range(18))].to_numpy(float)
    assert values == pytest.approx(want, nan_ok=True)
    # a row never goes down (a fixed base), and the triangle: March 1997 has 16 months
    rows = got.loc[cohorts, months]
    assert (rows.diff(axis=1).iloc[:, 1:].fillna(0) >= -1e-9).all().all()
    assert rows.notna().sum(axis=1).tolist() == [18, 17, 16]
    # the pooled row weighs the cohorts observed at k by their sizes; the share observed
    pooled = (rows.mul(got.loc[cohorts, "customers"], axis=0).sum()) / (
        rows.notna().mul(got.loc[cohorts, "customers"], axis=0).sum()
    )
    assert got.loc["all", months].to_numpy(float) == pytest.approx(pooled.to_numpy(float))
    assert got.loc["observed share", "m0"] == 1.0
    assert got.loc["observed share", "m17"] == pytest.approx(781 / 2358)
    assert got.loc["observed share", "m16"] == pytest.approx((781 + 858) / 2358)
    # the data start in January 1997, but with every customer's first purchase: January
    # acquires 781 / 31 = 25.2 customers a day, February and March 858 / 28 and 719 / 31
    # (median 26.9), so it is not flagged left-censored
    assert (got.loc[["1997-01", "1997-02", "1997-03"], "flag"] == "").all()


def test_small_cohorts_are_flagged_and_retention_cells(cdnow_store):
    from payback.store import open_store

    with open_store(cdnow_store, read_only=True) as store:
        small = cohort_triangle(store, min_customers=800, max_months=2)
        retention = cohort_triangle(store, value="retention", max_months=1)
    flags = small.frame.set_index("cohort").flag
    assert flags["1997-01"] == "small"  # 781 < 800
    assert flags["1997-02"] == "" and flags["1997-03"] == "small"  # 858, 719
    assert list(small.frame.columns) == ["cohort", "customers", "flag", "m0", "m1", "m2"]
    r = retention.frame.set_index("cohort")
    assert r.loc["1997-01", "m0"] == 1.0  # everybody buys in their acquisition month
    assert 0 < r.loc["1997-01", "m1"] < 0.5
    assert retention.units["m1"] == "rate"


def test_cli_triangle_csv_and_errors(cdnow_store, capsys):
    db = ["--db", str(cdnow_store)]
    assert main(["ltv", "cohorts", "--triangle", "--max-months", "3", "--format", "csv", *db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "cohort,customers,flag,m0,m1,m2,m3"
    assert lines[1].startswith("1997-01,781,,")
    assert lines[-1].startswith("observed share,2358,,1.0,1.0,1.0,1.0")
    assert main(["ltv", "cohorts", "--triangle", "--by", "channel", *db]) == 2
    assert "--triangle has one row per acquisition month: drop --by channel" in (
        capsys.readouterr().err
    )
    with pytest.raises(InputError, match="unknown triangle value"):
        from payback.store import open_store

        with open_store(cdnow_store, read_only=True) as store:
            cohort_triangle(store, value="margin")
