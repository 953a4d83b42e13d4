"""Historical cohort LTV by acquisition month and source: a small shop worked by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from payback.clv import acquisition_expr, cohort_ltv
from payback.errors import InputError


def _orders(rows):
    cols = [
        "order_id",
        "customer_id",
        "time",
        "revenue",
        "cogs",
        "status",
        "platform",
        "partner_id",
    ]
    data = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    data["currency"] = ["EUR"] * len(rows)
    return pa.table(data)


T = dt.datetime
ROWS = [
    # a: acquired in January through google, buys again in February and April
    ("1", "a", T(2024, 1, 5), 100.0, 60.0, "confirmed", "google", None),
    ("2", "a", T(2024, 2, 5), 50.0, 30.0, "confirmed", "meta", None),
    ("3", "a", T(2024, 4, 30), 20.0, 10.0, "confirmed", None, None),  # April complete
    # b: January, google, only once; a cancelled order does not count
    ("4", "b", T(2024, 1, 20), 40.0, 20.0, "confirmed", "google", "P1"),
    ("5", "b", T(2024, 2, 20), 999.0, 0.0, "cancelled", "google", "P1"),
    # c: February through meta (a cancelled January order first: not an acquisition)
    ("6", "c", T(2024, 1, 2), 70.0, 10.0, "cancelled", "google", None),
    ("7", "c", T(2024, 2, 10), 30.0, 10.0, "confirmed", "meta", "P1"),
    ("8", "c", T(2024, 3, 10), 30.0, 10.0, "confirmed", "meta", None),
]


@pytest.fixture
def shop(store):
    store.write({"orders": _orders(ROWS)})
    return store


def test_acquisition_is_the_first_confirmed_order(shop):
    acq = shop.execute(acquisition_expr(shop)).set_index("customer_id").sort_index()
    assert acq.platform.tolist() == ["google", "google", "meta"]
    assert acq.first_order_revenue.tolist() == [100.0, 40.0, 30.0]
    assert acq.acquired.dt.month.tolist() == [1, 1, 2]


def test_cohorts_by_month(shop):
    c = cohort_ltv(shop).frame.set_index(["cohort", "months_since_acquisition"])
    jan = c.loc["2024-01"]
    # the data end on 30 April: January is seen for months 0..3, February for 0..2
    assert jan.index.tolist() == [0, 1, 2, 3]
    assert c.loc["2024-02"].index.tolist() == [0, 1, 2]
    assert jan.customers.tolist() == [2, 2, 2, 2]
    assert jan.active_customers.tolist() == [2, 1, 0, 1]
    assert jan.retention.tolist() == [1.0, 0.5, 0.0, 0.5]
    assert jan.revenue_per_customer.tolist() == [70.0, 95.0, 95.0, 105.0]
    assert jan.gross_margin_per_customer.tolist() == [30.0, 40.0, 40.0, 45.0]
    feb = c.loc["2024-02"]
    assert feb.revenue_per_customer.tolist() == [30.0, 60.0, 60.0]


def test_cohorts_by_source_count_only_customers_old_enough(shop):
    c = cohort_ltv(shop, "channel").frame.set_index(["cohort", "months_since_acquisition"])
    assert c.loc["google"].revenue_per_customer.tolist() == [70.0, 95.0, 95.0, 105.0]
    meta = c.loc["meta"]
    assert meta.customers.tolist() == [1, 1, 1]
    partner = cohort_ltv(shop, "partner").frame
    # b and c came through P1 (their first orders); a has no partner
    p1 = partner[partner.cohort == "P1"]
    assert p1.customers.tolist() == [2, 2, 2, 1]  # c (February) is not 3 months old yet
    # month 0: (40 + 30) / 2; month 1: (40 + 60) / 2; month 3: b alone
    assert p1.revenue_per_customer.tolist() == [35.0, 50.0, 50.0, 40.0]
    none = partner[partner.cohort.isna()]
    assert none.revenue_per_customer.tolist() == [100.0, 150.0, 150.0, 170.0]


def test_max_months_and_as_of(shop):
    c = cohort_ltv(shop, max_months=1).frame
    assert c.months_since_acquisition.max() == 1
    later = cohort_ltv(shop, as_of="2024-06-30").frame
    assert later[later.cohort == "2024-01"].months_since_acquisition.max() == 5


def test_missing_cogs_gives_no_margin_with_a_reason(store):
    rows = [list(r) for r in ROWS]
    rows[2][4] = None
    store.write({"orders": _orders([tuple(r) for r in rows])})
    table = cohort_ltv(store)
    c = table.frame
    jan = c[c.cohort == "2024-01"]
    assert jan.gross_margin_per_customer.tolist()[:3] == [30.0, 40.0, 40.0]
    assert jan.gross_margin_per_customer.isna().tolist() == [False, False, False, True]
    assert "1 confirmed order(s) have no cogs" in table.reasons["gross_margin_per_customer"]


def test_unknown_grouping_and_empty_store(store):
    with pytest.raises(InputError, match="expected one of month"):
        cohort_ltv(store, "fruit")
    assert cohort_ltv(store).frame.empty


def _monthly_buyers(end_day: dt.date):
    """Two customers acquired on 20 January who buy again on the 20th of every month,
    and one order by a third customer on ``end_day`` (the last day of the data)."""
    rows = [
        (f"{c}{m}", c, T(2024, m, 20), 10.0, 4.0, "confirmed", "google", None)
        for c in ("a", "b")
        for m in (1, 2)
    ]
    end = T(end_day.year, end_day.month, end_day.day, 9)
    rows.append(("z", "z", end, 5.0, 1.0, "confirmed", "meta", None))
    return rows


def test_an_unfinished_last_month_is_not_a_month_observed(store):
    """Data ending on 1 March: March is not observed yet, so the January cohort has
    months 0 (January) and 1 (February) only, never a March with retention 0."""
    store.write({"orders": _orders(_monthly_buyers(dt.date(2024, 3, 1)))})
    c = cohort_ltv(store).frame
    jan = c[c.cohort == "2024-01"]
    assert jan.months_since_acquisition.tolist() == [0, 1]
    assert jan.retention.tolist() == [1.0, 1.0]
    assert jan.revenue_per_customer.tolist() == [10.0, 20.0]  # 10 a month each
    assert jan.gross_margin_per_customer.tolist() == [6.0, 12.0]
    # the March customer's own cohort has no complete month at all
    assert "2024-03" not in set(c.cohort)
    # the same cut with an explicit as_of: a day inside March, or 29 February (month end)
    for as_of in ("2024-03-01", "2024-03-30", "2024-02-29"):
        assert cohort_ltv(store, as_of=as_of).frame.months_since_acquisition.max() == 1, as_of
    assert cohort_ltv(store, as_of="2024-02-28").frame.months_since_acquisition.max() == 0


def test_a_last_day_on_a_month_end_completes_the_month(store):
    store.write({"orders": _orders(_monthly_buyers(dt.date(2024, 3, 31)))})
    c = cohort_ltv(store).frame
    jan = c[c.cohort == "2024-01"]
    assert jan.months_since_acquisition.tolist() == [0, 1, 2]
    assert jan.retention.tolist() == [1.0, 1.0, 0.0]  # March fully observed: nobody bought
    assert c[c.cohort == "2024-03"].customers.tolist() == [1]


def test_ltv_at_horizon_pools_the_cohorts_old_enough(shop):
    """Two months: January (a, b: 95 of revenue and 40 of margin per customer by the end
    of February) and February (c: 30 + 30 = 60 of revenue, 20 + 20 = 40 of margin by
    the end of March): pooled (2 x 95 + 60) / 3 and (2 x 40 + 40) / 3."""
    from payback.clv import ltv_at_horizon

    at = ltv_at_horizon(cohort_ltv(shop), 2)
    assert at.customers == 3
    assert at.historical_ltv == pytest.approx(250 / 3)
    assert at.historical_margin_ltv == pytest.approx(40.0)
    assert at.value("2024-01") == (95.0, 40.0)
    assert at.value("2024-02") == (60.0, 40.0)
    assert at.value("2023-12") == (None, None)  # no such cohort
    by_channel = ltv_at_horizon(cohort_ltv(shop, "channel"), 2)
    assert by_channel.value("google") == (95.0, 40.0)
    assert by_channel.historical_ltv == pytest.approx(250 / 3)  # the same customers
    assert at.reasons == {}


def test_ltv_at_horizon_missing_values_are_none_with_a_reason(shop):
    from payback.clv import ltv_at_horizon
    from payback.store import open_store

    too_long = ltv_at_horizon(cohort_ltv(shop), 5)  # January has 4 complete months
    assert (too_long.customers, too_long.historical_ltv) == (0, None)
    assert too_long.historical_margin_ltv is None and too_long.value("2024-01") == (None, None)
    assert "5 complete months" in too_long.reasons["historical_ltv"]
    rows = [list(r) for r in ROWS]
    rows[1][4] = None  # a's February order has no cogs
    other = open_store(":memory:")
    other.write({"orders": _orders([tuple(r) for r in rows])})
    no_cogs = ltv_at_horizon(cohort_ltv(other), 2)
    assert no_cogs.historical_ltv == pytest.approx(250 / 3)
    assert no_cogs.historical_margin_ltv is None
    assert no_cogs.value("2024-01") == (95.0, None) and no_cogs.value("2024-02") == (60.0, 40.0)
    assert "no cogs" in no_cogs.reasons["historical_margin_ltv"]
    empty = ltv_at_horizon(cohort_ltv(open_store(":memory:")), 1)
    assert empty.historical_ltv is None and "historical_ltv" in empty.reasons


def _with_campaigns(store):
    campaigns = ["Brand", "Spring", None, "Brand", "Brand", None, "Brand", None]
    store.write({"orders": _orders(ROWS).append_column("campaign", pa.array(campaigns))})
    return store


@pytest.mark.parametrize("by", ["month", "platform", "channel", "campaign", "partner"])
def test_every_grouping_sums_the_shared_cells_as_the_engine_does(store, by):
    """The cohorts summed from the shared cells equal the engine's own per-grouping sums."""
    from payback.clv.cohorts import _cohorts, cohort_expr

    _with_campaigns(store)
    keys = ["cohort", "acquisition_month", "months_since_acquisition"]
    expected = [store.execute(e) for e in cohort_expr(store, by)]
    got = _cohorts(store, by)
    for mine, engine, on in zip(got, expected, (keys, keys[:2]), strict=True):
        mine = mine.sort_values(on, na_position="last").reset_index(drop=True)
        engine = engine.sort_values(on, na_position="last").reset_index(drop=True)
        pd.testing.assert_frame_equal(mine[engine.columns], engine, check_dtype=False)
    if by == "campaign":  # a's and b's first orders: Brand on google
        sizes = got[1].set_index("cohort")["customers"]
        assert sizes.to_dict() == {"google / Brand": 2, "meta / Brand": 1}


def test_one_engine_query_serves_every_grouping_of_a_store_version(store, monkeypatch):
    import payback.clv.cohorts as cohorts

    calls = []
    real = cohorts.cell_expr
    monkeypatch.setattr(cohorts, "cell_expr", lambda s: calls.append(1) or real(s))
    _with_campaigns(store)
    tables = {by: cohort_ltv(store, by).frame for by in cohorts.SOURCES}
    cohort_ltv(store, "platform", as_of="2024-12-31")
    assert len(calls) == 1
    google = tables["channel"].set_index(["cohort", "months_since_acquisition"]).loc["google"]
    assert google.revenue_per_customer.tolist() == [70.0, 95.0, 95.0, 105.0]
    brand = tables["campaign"].set_index(["cohort", "months_since_acquisition"])
    assert brand.loc["google / Brand"].customers.tolist() == [2, 2, 2, 2]
    store.write({"orders": _orders([("9", "d", T(2024, 3, 3), 5.0, 1.0, "confirmed", None, None)])})
    assert cohort_ltv(store, "month").frame.cohort.tolist()[-1] == "2024-03"  # a new version
    assert len(calls) == 2


def test_cells_count_each_months_buyers_as_pandas_does(store):
    """Every customer buys in their acquisition month (the cell's size); the later months
    count their distinct buyers: both equal a recomputation in pandas, cells with missing
    sources (no campaign, no partner) included."""
    from payback.clv.cohorts import CELL_KEYS, cell_expr
    from payback.demo import generate_shop

    store.write(generate_shop(600, seed=4).tables)
    orders = store.execute(store.table("orders"))
    bought = orders[orders.status == "confirmed"].sort_values(["time", "order_id"])
    first = bought.groupby("customer_id").head(1).set_index("customer_id")
    month = bought.time.dt.year * 12 + bought.time.dt.month - 1
    acquired = (first.time.dt.year * 12 + first.time.dt.month - 1).rename("acquisition_month")
    rows = bought.assign(month=month).join(acquired, on="customer_id")
    rows = rows.drop(columns=list(CELL_KEYS)).join(first[list(CELL_KEYS)], on="customer_id")
    rows["months_since_acquisition"] = rows.month - rows.acquisition_month
    keys = [*CELL_KEYS, "acquisition_month", "months_since_acquisition"]
    expected = rows.groupby(keys, dropna=False).agg(
        active_customers=("customer_id", "nunique"),
        orders=("order_id", "size"),
        revenue=("revenue", "sum"),
    )
    activity, sizes = (store.execute(e) for e in cell_expr(store))
    got = activity.set_index(keys).sort_index()
    expected = expected.sort_index()
    assert len(got) == len(expected) > 100

    def cells(index):
        return [tuple(None if pd.isna(v) else v for v in key) for key in index]

    assert cells(got.index) == cells(expected.index)
    assert got.active_customers.tolist() == expected.active_customers.tolist()
    assert got.orders.tolist() == expected.orders.tolist()
    np.testing.assert_allclose(got.revenue, expected.revenue, rtol=1e-12)
    missing = got.index.get_level_values("partner_id").isna()
    assert missing.any() and (~missing).any()  # cells with and without a partner
    later = got.index.get_level_values("months_since_acquisition") > 0
    assert got.active_customers[later].max() > 1 and got.orders[later].sum() > 0
    # month 0: every customer of the cell, once, however many orders they placed in it
    size = sizes.set_index([*CELL_KEYS, "acquisition_month"]).customers.sort_index()
    first_month = got[~later].droplevel("months_since_acquisition").active_customers
    assert first_month.sort_index().tolist() == size.tolist()
    assert (got.orders[~later].to_numpy() >= first_month.sort_index().to_numpy()).all()
