"""Historical cohort LTV: cumulative revenue and margin per acquired customer, by month.

A customer is *acquired* by their first confirmed order; its month is their cohort
month and its attribution (``platform``, ``campaign``, ``partner_id``) their acquisition
source (ties at the same instant are broken by ``order_id``). For a cohort and ``k``
months since acquisition (0 = the acquisition month)::

    revenue_per_customer(k) = revenue of the cohort's confirmed orders in months 0..k
                              / customers of the cohort
    retention(k)            = customers with a confirmed order in month k / customers

Only **complete** calendar months are observed: the last one is the month of the end of
the data (the last confirmed order, or ``as_of``) when that day is the last day of its
month, otherwise the month before (data ending on 1 March observe February, not a March
with no purchases yet). Only cohorts observed for month ``k`` in full count at ``k`` (a
customer acquired last month cannot have a 6-month value yet), so grouping cohorts by
source weighs each month's cohort by its size among those old enough. Gross margin is
``revenue - cogs``; it is missing (with the reason in ``frame.attrs["reasons"]``) when
some orders of the cohort have no cost of goods.

The per-(cohort, month) aggregation is one Ibis expression (:func:`cohort_expr`) run in
the engine; the cumulative sums run on its small result.
"""

from __future__ import annotations

from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from payback.errors import InputError

__all__ = [
    "SOURCES",
    "acquisition_expr",
    "cohort_expr",
    "cohort_ltv",
    "confirmed_orders",
    "last_complete_month",
    "month_label",
]

#: cohort groupings: acquisition month or an attribution column of the first order
SOURCES: dict[str, str | None] = {
    "month": None,
    "platform": "platform",
    "channel": "platform",
    "campaign": "campaign",
    "partner": "partner_id",
}

By = Literal["month", "platform", "channel", "campaign", "partner"]


def _month_index(time: ir.TimestampValue) -> ir.IntegerValue:
    return (time.year() * 12 + time.month() - 1).cast("int64")


def month_label(index: int) -> str:
    """``YYYY-MM`` of a month index ``year * 12 + month - 1``."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def last_complete_month(day: Any) -> int:
    """Month index (``year * 12 + month - 1``) of the last calendar month observed in full
    when the data end on ``day`` (that day included).

    Examples
    --------
    >>> month_label(last_complete_month("2024-03-01")), month_label(last_complete_month(
    ...     "2024-03-31 18:00"))
    ('2024-02', '2024-03')
    """
    stamp = pd.Timestamp(day)
    index = stamp.year * 12 + stamp.month - 1
    return index if stamp.is_month_end else index - 1


def confirmed_orders(store) -> ir.Table:
    """The store's confirmed orders (the only ones that are purchases)."""
    orders = store.table("orders")
    return orders.filter(orders.status == "confirmed")


def acquisition_expr(store) -> ir.Table:
    """One row per customer: ``customer_id, acquired`` (time of the first confirmed
    order) and its ``platform, campaign, partner_id`` (the acquisition source).

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write({"orders": pa.table({
    ...     "order_id": ["1", "2"], "customer_id": ["a", "a"],
    ...     "time": [dt.datetime(2024, 2, 1), dt.datetime(2024, 1, 1)],
    ...     "revenue": [1.0, 2.0], "status": ["confirmed"] * 2, "currency": ["EUR"] * 2,
    ...     "platform": ["meta", "google"]})})
    >>> store.execute(acquisition_expr(store))[["customer_id", "platform"]]
      customer_id platform
    0           a   google
    """
    o = confirmed_orders(store)
    rank = ibis.row_number().over(group_by=o.customer_id, order_by=[o.time, o.order_id])
    ranked = o.mutate(_rank=rank)
    first = ranked.filter(ranked._rank == 0)
    return first.select(
        "customer_id",
        first.time.name("acquired"),
        "platform",
        "campaign",
        "partner_id",
        first.revenue.name("first_order_revenue"),
    )


def _source_column(by: str) -> str | None:
    if by not in SOURCES:
        raise InputError(f"unknown cohort grouping {by!r}: expected one of {', '.join(SOURCES)}")
    return SOURCES[by]


def cohort_expr(store, by: By = "month") -> tuple[ir.Table, ir.Table]:
    """The engine side of :func:`cohort_ltv`: two lazy Ibis expressions.

    Returns
    -------
    (activity, sizes) : tuple of ibis.Table
        ``activity``: per ``cohort, acquisition_month, months_since_acquisition``:
        ``active_customers, orders, revenue, cogs, orders_without_cogs, last_order``;
        ``sizes``: per ``cohort, acquisition_month``: ``customers``.
    """
    column = _source_column(by)
    acq = acquisition_expr(store)
    acq = acq.mutate(acquisition_month=_month_index(acq.acquired))
    cohort = (acq.acquisition_month.cast("string") if column is None else acq[column]).name(
        "cohort"
    )
    acq = acq.mutate(cohort=cohort)
    o = confirmed_orders(store)
    joined = o.join(acq, "customer_id")
    joined = joined.mutate(
        months_since_acquisition=_month_index(joined.time) - joined.acquisition_month
    )
    keys = ["cohort", "acquisition_month", "months_since_acquisition"]
    activity = joined.group_by(keys).aggregate(
        active_customers=joined.customer_id.nunique(),
        orders=joined.count(),
        revenue=joined.revenue.sum(),
        cogs=joined.cogs.sum(),
        orders_without_cogs=joined.cogs.isnull().cast("int64").sum(),
        last_order=joined.time.max(),
    )
    sizes = acq.group_by(["cohort", "acquisition_month"]).aggregate(customers=acq.count())
    return activity, sizes


def cohort_ltv(
    store, by: By = "month", *, max_months: int | None = None, as_of: Any = None
) -> pd.DataFrame:
    """Cumulative revenue and gross margin per acquired customer by months since acquisition.

    Parameters
    ----------
    store : payback.store.Store
    by : {"month", "platform", "channel", "campaign", "partner"}
        Cohorts by acquisition month, or by acquisition source of the first order
        (``channel`` = ``platform``).
    max_months : int, optional
        Keep months since acquisition ``0..max_months``.
    as_of : date, optional
        Last day of the data (default: the day of the last confirmed order). The last
        month observed is its month if it is the month's last day, else the month before.

    Returns
    -------
    pandas.DataFrame
        Tidy, one row per cohort and month since acquisition: ``cohort,
        months_since_acquisition, customers`` (cohort customers observed that long),
        ``active_customers, retention`` (share buying in that month), ``orders, revenue``
        (of that month), ``revenue_per_customer, gross_margin_per_customer``
        (cumulative). ``attrs["units"]`` and ``attrs["reasons"]`` describe the columns.
        Orders without a source are in the cohort ``None``.

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write({"orders": pa.table({
    ...     "order_id": ["1", "2", "3"], "customer_id": ["a", "a", "b"],
    ...     "time": [dt.datetime(2024, 1, 5), dt.datetime(2024, 2, 5), dt.datetime(2024, 1, 9)],
    ...     "revenue": [100.0, 50.0, 40.0], "cogs": [60.0, 30.0, 20.0],
    ...     "status": ["confirmed"] * 3, "currency": ["EUR"] * 3})})
    >>> table = cohort_ltv(store, as_of="2024-02-29")
    >>> table[["cohort", "months_since_acquisition", "customers", "retention"]]
        cohort  months_since_acquisition  customers  retention
    0  2024-01                         0          2        1.0
    1  2024-01                         1          2        0.5
    >>> table.revenue_per_customer.tolist(), table.gross_margin_per_customer.tolist()
    ([70.0, 95.0], [30.0, 40.0])

    The data end on 5 February, so by default February is not a complete month yet:

    >>> cohort_ltv(store).months_since_acquisition.tolist()
    [0]
    """
    activity_expr, sizes_expr = cohort_expr(store, by)
    activity = store.execute(activity_expr)
    sizes = store.execute(sizes_expr)
    columns = [
        "cohort",
        "months_since_acquisition",
        "customers",
        "active_customers",
        "retention",
        "orders",
        "revenue",
        "revenue_per_customer",
        "gross_margin_per_customer",
    ]
    if sizes.empty:
        return pd.DataFrame(columns=columns)
    last = last_complete_month(activity.last_order.max() if as_of is None else as_of)
    horizon = last - int(sizes.acquisition_month.min())
    if max_months is not None:
        horizon = min(horizon, int(max_months))
    if horizon < 0:  # not one complete month since the first acquisition
        return pd.DataFrame(columns=columns)
    # dense grid: every cohort month x every month since acquisition it has been observed
    grid = sizes.merge(
        pd.DataFrame({"months_since_acquisition": np.arange(horizon + 1)}), how="cross"
    )
    grid = grid[grid.acquisition_month + grid.months_since_acquisition <= last]
    keys = ["cohort", "acquisition_month", "months_since_acquisition"]
    cell = grid.merge(activity, on=keys, how="left", validate="1:1")
    counts = ["active_customers", "orders", "revenue", "cogs", "orders_without_cogs"]
    cell[counts] = cell[counts].fillna(0)  # no order in a month: zero purchases, zero revenue
    cell = cell.sort_values(keys)
    group = cell.groupby(["cohort", "acquisition_month"], dropna=False, sort=False)
    cell["cum_revenue"] = group.revenue.cumsum()
    cell["cum_margin"] = cell.cum_revenue - group.cogs.cumsum()
    cell["cum_missing_cogs"] = group.orders_without_cogs.cumsum()
    out = (
        cell.groupby(["cohort", "months_since_acquisition"], dropna=False, sort=True)
        .agg(
            customers=("customers", "sum"),
            active_customers=("active_customers", "sum"),
            orders=("orders", "sum"),
            revenue=("revenue", "sum"),
            cum_revenue=("cum_revenue", "sum"),
            cum_margin=("cum_margin", "sum"),
            cum_missing_cogs=("cum_missing_cogs", "sum"),
        )
        .reset_index()
    )
    out["retention"] = out.active_customers / out.customers
    out["revenue_per_customer"] = out.cum_revenue / out.customers
    margin = out.cum_margin / out.customers
    out["gross_margin_per_customer"] = margin.where(out.cum_missing_cogs == 0)
    reasons = {}
    if (out.cum_missing_cogs > 0).any():
        reasons["gross_margin_per_customer"] = (
            f"{int(cell.orders_without_cogs.sum())} confirmed order(s) have no cogs: "
            f"import cost of goods to see the margin"
        )
    by_month = _source_column(by) is None
    if by_month:
        out["cohort"] = out.cohort.astype(int).map(month_label)
    int_cols = ["customers", "active_customers", "orders"]
    out[int_cols] = out[int_cols].astype("int64")
    out = out[columns].sort_values(["cohort", "months_since_acquisition"], na_position="last")
    out = out.reset_index(drop=True)
    out.attrs["units"] = {
        "customers": "count",
        "active_customers": "count",
        "retention": "rate",
        "orders": "count",
        "revenue": "money",
        "revenue_per_customer": "money",
        "gross_margin_per_customer": "money",
    }
    out.attrs["reasons"] = reasons
    out.attrs["by"] = "month" if by_month else by
    return out
