"""The three sides of the engine: the rows of ``ad_stats``, ``orders`` and ``leads`` that
count, and the value of a grain dimension on each.

- **ads**: every ``ad_stats`` row; dimensions from its own columns, the day from ``date``.
- **orders**: confirmed orders; dimensions from the attribution columns, the day of ``time``.
- **leads**: valid leads, placed like orders.

Filters and the date range apply here, before anything is summed; filter values are bound
as typed literals (never pasted into SQL).
"""

from __future__ import annotations

import datetime as dt

import ibis

from payback.metrics.catalogue import Side
from payback.metrics.filters import GRAINS

SIDE_TABLE: dict[Side, str] = {"ads": "ad_stats", "orders": "orders", "leads": "leads"}
SIDE_WORDS: dict[Side, str] = {"ads": "ad statistics", "orders": "orders", "leads": "leads"}


def dim_expr(t, dim: str, side: Side):
    """The value of grain dimension ``dim`` on a row of ``side`` (a day truncated to its
    week's Monday or month's first day for ``week`` / ``month``)."""
    d = GRAINS[dim]
    if side == "ads":
        col = t[d.column]
        day = col
    else:
        col = t[d.order_column]
        day = col.date() if d.dtype == "date" else col
    if d.dtype != "date":
        return col
    if d.truncate == "D":
        return day
    return day.truncate(d.truncate).cast("date")


def side_rows(store, side: Side, filters, start, end, need_first: bool):
    """The rows of one side that count, filtered; None-free predicates as bound literals."""
    t = store.table(SIDE_TABLE[side])
    if side == "orders":
        t = t.filter(t.status == "confirmed")
        if need_first:  # first confirmed order of each customer, over the whole history
            t = flag_first_orders(t)
    elif side == "leads":
        t = t.filter(t.status == "valid")
    preds = []
    if side == "ads":
        if start is not None:
            preds.append(t.date >= start)
        if end is not None:
            preds.append(t.date <= end)
    else:
        if start is not None:
            preds.append(t.time >= dt.datetime.combine(start, dt.time()))
        if end is not None:
            preds.append(t.time < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    for dim, values in filters.items():
        expr = dim_expr(t, dim, side)
        if GRAINS[dim].case_insensitive:  # the values are lower-cased by parse_where
            expr = expr.lower()
        lits = [ibis.literal(v, type=GRAINS[dim].dtype) for v in values]
        preds.append(expr == lits[0] if len(lits) == 1 else expr.isin(lits))
    return t.filter(*preds) if preds else t


def flag_first_orders(confirmed):
    """``confirmed`` with ``_first``: true on each customer's first confirmed order (the
    earliest ``time``; of orders at the same time, the smaller ``order_id``).

    Two aggregations and two joins instead of a window ranking every order of its customer:
    each customer's earliest time, the smallest order id at that time, and a flag on the
    order holding it. On 2.8 M confirmed orders of 1 M customers (the 1M demo store),
    ``compute_metrics`` with CAC by keyword takes 0.77 s instead of 1.02 s (best of 5),
    by campaign and month 0.76 s instead of 0.82 s, by platform the same (0.6 s); the
    results are identical (``tests/metrics/test_new_customers.py`` checks the ties).

    Examples
    --------
    >>> import datetime as dt, pyarrow as pa
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> t = dt.datetime(2024, 3, 1)
    >>> _ = store.write({"orders": pa.table({"order_id": ["b", "a", "c"],
    ...     "customer_id": ["ann", "ann", "ann"], "time": [t, t, t + dt.timedelta(1)],
    ...     "revenue": [1.0] * 3, "status": ["confirmed"] * 3, "currency": ["EUR"] * 3})})
    >>> flagged = flag_first_orders(store.table("orders"))
    >>> store.execute(flagged.order_by("order_id"))[["order_id", "_first"]].values.tolist()
    [['a', True], ['b', False], ['c', False]]
    """
    first_time = confirmed.group_by("customer_id").aggregate(_first_time=confirmed.time.min())
    at_first = confirmed.join(
        first_time,
        [
            confirmed.customer_id == first_time.customer_id,
            confirmed.time == first_time._first_time,
        ],
    ).select("customer_id", "order_id")
    first_id = at_first.group_by("customer_id").aggregate(_first_id=at_first.order_id.min())
    first_id = first_id.select("_first_id")
    flagged = confirmed.left_join(first_id, confirmed.order_id == first_id._first_id)
    return flagged.mutate(_first=flagged._first_id.notnull()).drop("_first_id")


__all__ = ["SIDE_TABLE", "SIDE_WORDS", "dim_expr", "flag_first_orders", "side_rows"]
