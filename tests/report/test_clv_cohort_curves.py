"""The report's "Cohort LTV by acquisition platform" curves: customers without a source
are one "(none)" curve, and cells of fewer than 30 customers (the cohort triangle's rule)
are marked and drawn dotted."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from payback.clv import cohort_ltv
from payback.clv.cohorts import MIN_CUSTOMERS
from payback.report.clv_section import cohort_figure, source_cohorts
from payback.store import open_store


def test_a_store_without_attribution_draws_one_none_curve():
    """a: 5 Jan 100, 3 Feb 50; b: 20 Jan 40; c: 10 Feb 30, 1 Mar 20 (no platform);
    d: 7 Jan 10 through google. The data end on 1 March: February is the last month."""
    store = open_store(":memory:")
    T = dt.datetime
    store.write({"orders": pa.table({
        "order_id": list("123456"), "customer_id": list("aabccd"),
        "time": [T(2024, 1, 5), T(2024, 2, 3), T(2024, 1, 20), T(2024, 2, 10), T(2024, 3, 1),
                 T(2024, 1, 7)],
        "revenue": [100.0, 50.0, 40.0, 30.0, 20.0, 10.0], "status": ["confirmed"] * 6,
        "currency": ["EUR"] * 6, "platform": [None] * 5 + ["google"]})})  # fmt: skip
    frame = source_cohorts(store, "platform").frame
    assert frame.cohort.tolist() == ["google", "google", None, None]  # None, not NaN
    traces = cohort_figure(frame, "EUR").to_dict()["data"]
    assert [t["name"] for t in traces] == ["google", "(none)"]
    none = traces[1]
    assert list(none["x"]) == [0, 1]
    # month 0: a, b, c: (100 + 40 + 30) / 3; month 1: the January customers a, b only
    assert list(none["y"]) == pytest.approx([170 / 3, 95.0])
    assert none["line"]["dash"] == "dot"  # 3 and 2 customers: under 30, all dotted
    assert list(traces[0]["y"]) == pytest.approx([10.0, 10.0])


def expected_curves(orders: pd.DataFrame, last: pd.Period) -> pd.DataFrame:
    """Cohort LTV by first-order platform in pandas: at month k, the cohorts (platform x
    acquisition month) observed k months pooled: their revenue in months 0..k over their
    customers."""
    bought = orders[orders.status == "confirmed"].sort_values(["time", "order_id"])
    first = bought.drop_duplicates("customer_id").set_index("customer_id")  # keeps None
    month = bought.time.dt.to_period("M")
    cohort = bought.customer_id.map(first.time.dt.to_period("M"))
    bought = bought.assign(
        source=bought.customer_id.map(first.platform).fillna("(none)"),
        k=(month - cohort).map(lambda d: d.n),
        cohort=cohort,
    )
    sizes = (
        first.assign(source=first.platform.fillna("(none)"), cohort=first.time.dt.to_period("M"))
        .groupby(["source", "cohort"])
        .size()
    )
    rows = []
    for (source, start), n in sizes.items():
        for k in range((last - start).n + 1):
            mine = bought[(bought.source == source) & (bought.cohort == start) & (bought.k <= k)]
            rows.append((source, k, n, mine.revenue.sum()))
    cells = pd.DataFrame(rows, columns=["source", "k", "customers", "revenue"])
    out = cells.groupby(["source", "k"]).sum()
    out["revenue_per_customer"] = out.revenue / out.customers
    out["small"] = out.customers < 30
    return out


def test_thin_cells_are_marked_and_dotted_on_the_demo(demo_db):
    from payback.demo import generate_shop

    orders = generate_shop(400, seed=3).tables["orders"]  # the demo_db fixture's shop
    orders = orders.to_pandas() if hasattr(orders, "to_pandas") else orders
    with open_store(demo_db, read_only=True) as store:
        table = cohort_ltv(store, "channel")
    got = table.frame.assign(source=table.frame.cohort.fillna("(none)"))
    got = got.set_index(["source", "months_since_acquisition"]).sort_index()
    last = pd.Period(orders[orders.status == "confirmed"].time.max(), "M")
    if not orders[orders.status == "confirmed"].time.max().is_month_end:
        last -= 1
    want = expected_curves(orders, last).sort_index()
    want.index.names = got.index.names
    assert got.index.equals(want.index)
    assert got.customers.tolist() == want.customers.tolist()
    assert got.revenue_per_customer.to_numpy(float) == pytest.approx(want.revenue_per_customer)
    assert got.small.tolist() == want.small.tolist()
    assert MIN_CUSTOMERS == 30
    assert 0 < got.small.sum() < len(got)  # thin tails and solid heads to compare

    traces = cohort_figure(table.frame, "USD").to_dict()["data"]
    for source, cells in got.groupby(level=0):
        cells = cells[cells.customers > 0]
        drawn = [t for t in traces if t["legendgroup"] == source]
        solid = [t for t in drawn if t["line"].get("dash") is None]
        dotted = [t for t in drawn if t["line"].get("dash") == "dot"]
        months = cells.index.get_level_values(1).to_numpy()
        thin = cells.small.to_numpy(bool)
        if (~thin).any():
            assert list(solid[0]["x"]) == months[~thin].tolist()
        if thin.any():  # the dotted tail starts at the last solid point
            start = max(int((~thin).sum()) - 1, 0)
            assert list(dotted[0]["x"]) == months[start:].tolist()
            assert np.allclose(dotted[0]["y"], cells.revenue_per_customer.to_numpy()[start:])
        else:
            assert not dotted
