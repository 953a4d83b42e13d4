"""Cohort triangle: acquisition month x months since acquisition, one row per cohort.

The wide form of :func:`payback.clv.cohorts.cohort_ltv` by month, the layout analysts
paste into a spreadsheet::

    cell(c, k) = revenue of cohort c's confirmed orders in months 0..k since acquisition
                 / customers acquired in month c

a cumulative value per **acquired** customer over a fixed base (the cohort's size, which
never shrinks), so a row never goes down. A cell exists when month ``k`` of the cohort has
been observed in full (:func:`payback.clv.cohorts.last_complete_month`): the later the
cohort, the shorter its row, hence the triangle.

Under the cohorts, two rows summarise each column ``k``:

- ``all``: the same value pooled over the cohorts observed at ``k`` (their revenue in
  months 0..k / their customers);
- ``observed share``: the share of all acquired customers whose cohort is observed at ``k``
  (1 at month 0 when every cohort has a complete month, falling to the first cohort's
  share at the last column): how much of the base a column speaks for.

Flags (column ``flag``):

- ``small``: a cohort of fewer than ``min_customers`` customers (default
  :data:`payback.clv.cohorts.MIN_CUSTOMERS`, 30; the rule
  :func:`payback.clv.cohorts.is_small`, which marks the cohort curves' thin cells too):
  its row is noise, the report and dashboard do not draw it;
- ``left-censored``: the first cohort of the data when the evidence says it holds earlier
  buyers (:func:`payback.clv.cohort_values.left_censored_cohort`: it acquired over 1.5 times
  as many customers a day as the months after it). Customers who bought before the data
  start have their first order in the data counted as an acquisition, so that month
  holds old customers too and its values are not those of new customers (UCI Online
  Retail, December 2010: 880 customers, 28.4 a day against 13.5 after). A first month
  at the steady rate (CDNOW's January 1997, a file of customers' first purchases) is
  not flagged.
"""

from __future__ import annotations

from typing import Any

from payback._lazy import lazy_module
from payback.clv.cohort_values import left_censored_cohort
from payback.clv.cohorts import MIN_CUSTOMERS, cohort_ltv, is_small
from payback.errors import InputError
from payback.present import Table

pd = lazy_module("pandas")
np = lazy_module("numpy")

__all__ = ["MIN_CUSTOMERS", "VALUES", "cohort_triangle"]

#: what a cell can hold: cohort_ltv column -> (how it pools over cohorts, unit)
VALUES = {
    "revenue_per_customer": ("cumulative revenue per acquired customer", "money"),
    "retention": ("share of the cohort's customers buying in that month", "rate"),
}


def cohort_triangle(
    store,
    *,
    value: str = "revenue_per_customer",
    max_months: int | None = None,
    min_customers: int = MIN_CUSTOMERS,
    as_of: Any = None,
) -> Table:
    """The cohort triangle of the store's confirmed orders (module notes).

    Parameters
    ----------
    store : payback.store.Store
    value : {"revenue_per_customer", "retention"}
        What the cells hold: cumulative revenue per acquired customer, or the share of
        the cohort buying in month ``k``.
    max_months : int, optional
        Months since acquisition ``0..max_months`` only.
    min_customers : int
        Cohorts with fewer customers are flagged ``small``.
    as_of : date, optional
        End of the data (default: the last confirmed order).

    Returns
    -------
    payback.present.Table
        Columns ``cohort, customers, flag, m0, m1, ...``; one row per acquisition month,
        then the ``all`` and ``observed share`` rows. Cells not yet observed are empty.

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write({"orders": pa.table({
    ...     "order_id": ["1", "2", "3", "4"], "customer_id": ["a", "a", "b", "c"],
    ...     "time": [dt.datetime(2024, 1, 5), dt.datetime(2024, 2, 5), dt.datetime(2024, 1, 9),
    ...              dt.datetime(2024, 2, 7)],
    ...     "revenue": [100.0, 50.0, 40.0, 30.0], "status": ["confirmed"] * 4,
    ...     "currency": ["EUR"] * 4})})
    >>> print(cohort_triangle(store, as_of="2024-02-29", min_customers=2).frame.round(2))
               cohort  customers           flag     m0    m1
    0         2024-01          2  left-censored  70.00  95.0
    1         2024-02          1          small  30.00   NaN
    2             all          3                 56.67  95.0
    3  observed share          3                  1.00  0.67
    """
    if value not in VALUES:
        raise InputError(f"unknown triangle value {value!r}: expected one of {', '.join(VALUES)}")
    if min_customers < 1:
        raise InputError(f"min_customers must be at least 1, got {min_customers}")
    tidy = cohort_ltv(store, "month", max_months=max_months, as_of=as_of)
    frame = tidy.frame
    if frame.empty:
        columns = ["cohort", "customers", "flag", "m0"]
        return Table(pd.DataFrame(columns=columns), {}, {}, tidy.currency)
    months = sorted(frame.months_since_acquisition.unique())
    labels = [f"m{k}" for k in months]
    wide = frame.pivot(index="cohort", columns="months_since_acquisition", values=value)
    wide.columns = labels
    size = frame[frame.months_since_acquisition == 0].set_index("cohort").customers
    wide.insert(0, "customers", size.reindex(wide.index).astype("int64"))
    flags = np.where(is_small(wide.customers, min_customers), "small", "").astype(object)
    censored = left_censored_cohort(store, tidy)
    if censored is not None and censored.cohort == wide.index[0]:
        flags[0] = "left-censored" if not flags[0] else "left-censored, small"
    wide.insert(1, "flag", flags)
    wide = wide.reset_index()
    total = int(wide.customers.sum())
    pooled, observed = {}, {}
    for k, label in zip(months, labels, strict=True):
        at = frame[frame.months_since_acquisition == k]
        n = int(at.customers.sum())
        if value == "revenue_per_customer":
            pooled[label] = float((at.revenue_per_customer * at.customers).sum() / n)
        else:
            pooled[label] = float(at.active_customers.sum() / n)
        observed[label] = n / total
    footer = pd.DataFrame(
        [
            {"cohort": "all", "customers": total, "flag": "", **pooled},
            {"cohort": "observed share", "customers": total, "flag": "", **observed},
        ]
    )
    out = pd.concat([wide, footer], ignore_index=True)
    unit = VALUES[value][1]
    units = {"customers": "count", **{label: unit for label in labels}}
    reasons = {label: "the cohort has not been observed that long yet" for label in labels[1:]}
    notes = {"by": "month"}
    return Table(out, units, reasons, tidy.currency, notes=notes)
