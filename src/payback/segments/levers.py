"""The growth levers: revenue = customers x orders per customer x average order value.

Per period (and acquisition source), from the confirmed orders of the period:

    customers           = distinct customers with an order in the period
    orders_per_customer = orders / customers
    aov                 = revenue / orders          (average order value)
    revenue             = customers x orders_per_customer x aov

The change of revenue from one period to another is split exactly into the three levers
with the additive LMDI (:mod:`payback.segments.lmdi`): ``customers_effect +
frequency_effect + aov_effect = change``, to the cent (revenue is taken in whole cents
and the effects are split by largest remainders). A source without customers in one of
the periods has no orders per customer or order value there: those levers are taken as
unchanged and the customers lever carries the whole change (the LMDI zero-value limit);
orders whose revenue is all 0 put the change on the order value.

``by`` splits each period by acquisition source (the first order's attribution, so a
customer stays in one source); the ``(all sources)`` rows add up the sources' rows, so
their levers are the sums of the sources' levers (LMDI over sources), which differ from a
decomposition of the shop's totals by the mix of sources.

Examples
--------
>>> import datetime as dt, pyarrow as pa
>>> from payback.store import open_store
>>> store = open_store(":memory:")
>>> jan, feb = dt.datetime(2024, 1, 10), dt.datetime(2024, 2, 10)
>>> _ = store.write({"orders": pa.table({
...     "order_id": ["1", "2", "3", "4", "5", "6"],
...     "customer_id": ["a", "b", "a", "a", "b", "c"],
...     "time": [jan, jan, jan, feb, feb, feb],
...     "revenue": [50.0, 30.0, 20.0, 60.0, 45.0, 45.0],
...     "status": ["confirmed"] * 6, "currency": ["EUR"] * 6})})
>>> result = levers(store, "2024-01", "2024-02")
>>> result.frame[["revenue_from", "revenue_to", "change"]].iloc[0].tolist()
[100.0, 150.0, 50.0]

January: 2 customers x 1.5 orders x 33.33; February: 3 x 1 x 50.00. Each factor moved by
a factor of 1.5 (or 1 / 1.5), so each lever moved revenue by the same amount:

>>> result.frame[["customers_effect", "frequency_effect", "aov_effect"]].iloc[0].tolist()
[50.0, -50.0, 50.0]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from payback._lazy import lazy_module
from payback.errors import InputError
from payback.metrics.scope import confirmed_orders, in_period
from payback.present import Table
from payback.segments.lmdi import lmdi, split_cents
from payback.segments.periods import UNITS, Period, parse_period, period_of, periods_between
from payback.segments.sources import ALL_SOURCES, customer_sources

if TYPE_CHECKING:
    import pandas as pd

    from payback.store import Store
else:
    pd = lazy_module("pandas")
ibis = lazy_module("ibis")

__all__ = ["LEVERS", "LeversResult", "levers", "period_values", "waterfall"]

#: The levers, in the order of the product: column of the effect, and its words.
LEVERS = (
    ("customers_effect", "customers"),
    ("frequency_effect", "orders per customer"),
    ("aov_effect", "average order value"),
)
_TRUNCATE = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}


@dataclass(frozen=True)
class LeversResult:
    """Result of :func:`levers`.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per step (and source, then ``(all sources)``): ``period_from,
        period_to, [source,] revenue_from, revenue_to, change, customers_from,
        customers_to, orders_per_customer_from, orders_per_customer_to, aov_from,
        aov_to, customers_effect, frequency_effect, aov_effect`` (:attr:`table` holds it
        with its ``units``, ``reasons`` and ``currency``).
    steps : tuple of (Period, Period)
        The compared periods, in order.
    by : str or None
    """

    table: Table
    steps: tuple[tuple[Period, Period], ...]
    by: str | None = None

    @property
    def frame(self) -> pd.DataFrame:
        """The rows of :attr:`table`."""
        return self.table.frame


def _orders(store: Store, by: str | None, start, end):
    orders = confirmed_orders(store)
    orders = orders.filter(in_period(orders, "time", start, end))
    if by is None:
        return orders.mutate(source=ibis.null("string"))
    acq = customer_sources(store, by)
    joined = orders.left_join(acq, orders.customer_id == acq.customer_id)
    return joined.select(*orders.columns, "source")


def _sums(t, keys: list[str]):
    return t.group_by(keys).aggregate(
        customers=t.customer_id.nunique(), orders=t.count(), revenue=t.revenue.sum()
    )


def period_values(
    store: Store, periods: Sequence[Period], *, unit: str | None = None, by: str | None = None
) -> pd.DataFrame:
    """Customers, orders and revenue (whole cents) per period (and source), from the engine.

    With ``unit``, ``periods`` are consecutive periods of that unit, summed in one pass
    (orders grouped by their truncated time); otherwise each period is summed on its own.
    Returns columns ``period, source, customers, orders, revenue_cents``.
    """
    if unit is not None:
        t = _orders(store, by, periods[0].start, periods[-1].end)
        t = t.mutate(_start=t.time.truncate(_TRUNCATE[unit]).date())
        frame = store.execute(_sums(t, ["_start", "source"]))
        frame["period"] = [period_of(pd.Timestamp(d).date(), unit).label for d in frame._start]
    else:
        parts = []
        for p in periods:
            t = _orders(store, by, p.start, p.end)
            parts.append(_sums(t, ["source"]).mutate(period=ibis.literal(p.label)))
        union = parts[0]
        for part in parts[1:]:
            union = union.union(part)
        frame = store.execute(union)
    frame = frame.assign(
        revenue_cents=[round(float(v) * 100) for v in frame.revenue.fillna(0.0)],
        source=frame.source.astype(object).where(frame.source.notna(), None),
    )
    return frame[["period", "source", "customers", "orders", "revenue_cents"]]


def levers(
    store: Store,
    start: str | Period | None = None,
    end: str | Period | None = None,
    *,
    period: str | None = None,
    by: str | None = None,
) -> LeversResult:
    """Split the change of revenue into customers, orders per customer and order value.

    Parameters
    ----------
    store : payback.store.Store
    start, end : str or Period
        Without ``period``: the two periods compared, ``start`` -> ``end`` (``2024``,
        ``2024-Q1``, ``2024-03``, ``2024-W05``, ``2024-03-01``, ``2024-01-01..2024-03-31``).
        With ``period``: the first and the last period of the run (default: those of
        the first and the last confirmed order).
    period : {"day", "week", "month", "quarter", "year"}, optional
        Compare each period of this unit with the one before, from ``start`` to ``end``.
    by : {"source", "channel", "platform", "campaign", "partner"}, optional
        Split by acquisition source.

    Returns
    -------
    LeversResult

    Raises
    ------
    payback.errors.InputError
        Unparsable periods, a run of a single period, an unknown unit or ``by``.
    payback.errors.CurrencyError
        Orders in several currencies.
    """
    from payback.store import check_single_currency

    currency = check_single_currency(store, "orders") or store.base_currency
    if period is None:
        if start is None or end is None:
            raise InputError(
                "give the two periods to compare ({start} 2024 {end} 2025), or a {period} "
                "(month, quarter ...) to compare each with the one before"
            )
        first = parse_period(start, name="start")
        last = parse_period(end, name="end")
        steps = ((first, last),)
        values = period_values(store, [first, last], by=by)
    else:
        unit = period.strip().lower()
        if unit not in UNITS:
            raise InputError(f"unknown {{period}} {period!r}: expected one of {', '.join(UNITS)}")
        if start is None or end is None:
            start, end = _data_range(store, start, end)
        run = periods_between(start, end, unit)
        if len(run) < 2:
            raise InputError(
                f"{{start}} {start} .. {{end}} {end} hold a single {unit}: nothing to compare; "
                f"widen the range or pick a shorter {{period}}"
            )
        steps = tuple(itertools.pairwise(run))
        values = period_values(store, run, unit=unit, by=by)
    table = replace(_frame(values, steps, by is not None), currency=currency)
    return LeversResult(table=table, steps=steps, by=by)


def _data_range(store: Store, start, end) -> tuple[Any, Any]:
    """``start`` and ``end``, the missing ones taken from the first and the last confirmed
    order's day."""
    orders = confirmed_orders(store)
    first, last = store.execute(orders.aggregate(a=orders.time.min(), b=orders.time.max())).iloc[0]
    if pd.isna(first):
        raise InputError(
            "no confirmed orders in the store: import orders (`payback import orders FILE`) "
            "or run `payback demo` first"
        )
    day = lambda t: pd.Timestamp(t).date().isoformat()  # noqa: E731
    return (start if start is not None else day(first)), (end if end is not None else day(last))


def _group(values: pd.DataFrame, label: str) -> dict[Any, tuple[int, int, int]]:
    rows = values[values.period == label]
    return {
        s: (int(c), int(o), int(r))
        for s, c, o, r in zip(rows.source, rows.customers, rows.orders, rows.revenue_cents,
                              strict=True)
    }  # fmt: skip


def _row(p0: Period, p1: Period, source, v0, v1) -> dict[str, Any]:
    """One step of one group: the factors and their effects in whole cents."""
    (c0, o0, r0), (c1, o1, r1) = v0, v1
    f0, a0 = (o0 / c0, r0 / o0) if c0 else (None, None)
    f1, a1 = (o1 / c1, r1 / o1) if c1 else (None, None)
    # a period without customers has no frequency or order value: take them as unchanged
    before = (c0, f0 if f0 is not None else f1 or 1.0, a0 if a0 is not None else a1 or 1.0)
    after = (c1, f1 if f1 is not None else f0 or 1.0, a1 if a1 is not None else a0 or 1.0)
    cents = split_cents(r1 - r0, lmdi(before, after))
    return {
        "period_from": p0.label,
        "period_to": p1.label,
        "source": source,
        "revenue_from": r0 / 100,
        "revenue_to": r1 / 100,
        "change": (r1 - r0) / 100,
        "customers_from": c0,
        "customers_to": c1,
        "orders_per_customer_from": f0,
        "orders_per_customer_to": f1,
        "aov_from": None if a0 is None else a0 / 100,
        "aov_to": None if a1 is None else a1 / 100,
        "_orders": (o0, o1),
        "_cents": (r0, r1, *cents),
        **{name: c / 100 for (name, _), c in zip(LEVERS, cents, strict=True)},
    }


def _frame(values: pd.DataFrame, steps, by_source: bool) -> Table:
    rows = []
    for p0, p1 in steps:
        g0, g1 = _group(values, p0.label), _group(values, p1.label)
        if not by_source:
            rows.append(_row(p0, p1, None, g0.get(None, (0, 0, 0)), g1.get(None, (0, 0, 0))))
            continue
        sources = sorted(set(g0) | set(g1), key=lambda s: (s is None, str(s)))
        step = [_row(p0, p1, s, g0.get(s, (0, 0, 0)), g1.get(s, (0, 0, 0))) for s in sources]
        rows += step
        rows.append(_total(p0, p1, step))
    frame = pd.DataFrame(rows).drop(columns=["_orders", "_cents"])
    if not by_source:
        frame = frame.drop(columns="source")
    units = {
        "revenue_from": "money",
        "revenue_to": "money",
        "change": "money",
        "customers_from": "count",
        "customers_to": "count",
        "orders_per_customer_from": "decimal",
        "orders_per_customer_to": "decimal",
        "aov_from": "money",
        "aov_to": "money",
        **{name: "money" for name, _ in LEVERS},
    }
    missing = frame[["aov_from", "aov_to"]].isna().to_numpy().any()
    reasons = (
        {c: "no customers in the period" for c in (
            "orders_per_customer_from", "orders_per_customer_to", "aov_from", "aov_to")}
        if missing else {}
    )  # fmt: skip
    return Table(frame, units, reasons)


def _total(p0: Period, p1: Period, step: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``(all sources)`` row: sums of the sources' values and effects (whole cents)."""
    c0, c1 = (sum(r[f"customers_{k}"] for r in step) for k in ("from", "to"))
    o0, o1 = (sum(r["_orders"][i] for r in step) for i in (0, 1))
    cents = [sum(r["_cents"][i] for r in step) for i in range(5)]
    r0, r1 = cents[0], cents[1]
    return {
        "period_from": p0.label,
        "period_to": p1.label,
        "source": ALL_SOURCES,
        "revenue_from": r0 / 100,
        "revenue_to": r1 / 100,
        "change": (r1 - r0) / 100,
        "customers_from": c0,
        "customers_to": c1,
        "orders_per_customer_from": o0 / c0 if c0 else None,
        "orders_per_customer_to": o1 / c1 if c1 else None,
        "aov_from": r0 / o0 / 100 if o0 else None,
        "aov_to": r1 / o1 / 100 if o1 else None,
        "_orders": (o0, o1),
        "_cents": tuple(cents),
        **{name: c / 100 for (name, _), c in zip(LEVERS, cents[2:], strict=True)},
    }


def waterfall(result: LeversResult) -> Table:
    """The change of a single comparison as a waterfall: the first period's revenue, each
    lever's effect, the second period's revenue, with the running total.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame([{"period_from": "2024", "period_to": "2025",
    ...     "revenue_from": 100.0, "revenue_to": 150.0, "customers_effect": 30.0,
    ...     "frequency_effect": -5.0, "aov_effect": 25.0}])
    >>> p = Period("2024", None, None), Period("2025", None, None)
    >>> shown = waterfall(LeversResult(Table(frame), ((p[0], p[1]),)))
    >>> shown.frame[["step", "amount", "running_total"]]
                     step  amount  running_total
    0        revenue 2024   100.0          100.0
    1           customers    30.0          130.0
    2 orders per customer    -5.0          125.0
    3 average order value    25.0          150.0
    4        revenue 2025   150.0          150.0
    """
    if len(result.steps) != 1:
        raise InputError("a waterfall shows one comparison: give two periods without {period}")
    frame = result.frame
    row = frame[frame.source == ALL_SOURCES].iloc[0] if "source" in frame else frame.iloc[0]
    steps = [(f"revenue {row.period_from}", row.revenue_from)]
    steps += [(words, row[name]) for name, words in LEVERS]
    running = [float(row.revenue_from)]
    for _, amount in steps[1:]:
        running.append(round(running[-1] + float(amount), 2))
    steps.append((f"revenue {row.period_to}", row.revenue_to))
    running.append(float(row.revenue_to))
    out = pd.DataFrame(
        {"step": [s for s, _ in steps], "amount": [float(a) for _, a in steps],
         "running_total": running}
    )  # fmt: skip
    units = {"amount": "money", "running_total": "money"}
    return Table(out, units, {}, result.table.currency)
