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
            rank = ibis.row_number().over(group_by=t.customer_id, order_by=[t.time, t.order_id])
            t = t.mutate(_first=rank == 0)
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


__all__ = ["SIDE_TABLE", "SIDE_WORDS", "dim_expr", "side_rows"]
