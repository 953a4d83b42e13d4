"""RFM: recency, frequency and monetary scores 1-5 and named segments, in the engine.

Per customer, from their confirmed orders (:func:`payback.metrics.scope.confirmed_orders`)
up to the end of ``as_of`` (default: the day of the last confirmed order):

- ``recency_days`` = ``as_of`` - the day of the last order (0 = bought that day);
- ``frequency`` = the number of orders;
- ``monetary`` = their total revenue (rounded to the cent, so equal sums tie).

**Scores** (5 = best: the most recent, most frequent, highest spending). By default a
score is the quintile of the share of customers with a strictly *worse* value::

    score = 1 + floor(5 x (customers with a worse value) / customers)

so customers with equal values always get the same score (ties are never split by an
id), the worst value scores 1, and a value shared by many customers leaves some scores
unused (most customers bought once: they all have F = 1). With **breakpoints** (four
increasing numbers ``b1 < b2 < b3 < b4``) the score is set by them instead:
F and M score 1 up to ``b1``, 2 up to ``b2`` ... 5 above ``b4``; recency (days) scores
5 up to ``b1`` ... 1 above ``b4``.

**Segments** come from a checked rule table (:mod:`payback.segments.rules`): every cell
of scores maps to exactly one segment. Per segment: customers, their share, revenue and
its share, the average historical CLV (revenue to date per customer), the average
recency and orders and, from :func:`payback.clv.predict_ltv` (a pooled BG/NBD and
Gamma-Gamma fit), the mean P(alive) and predicted CLV over the horizon, with the rule
table's suggested action. ``by`` splits the segments by acquisition source (the first
order's attribution, :func:`payback.metrics.scope.acquisitions`); the scores are those
of all customers, so a champion is the same customer whichever source brought them.

Examples
--------
>>> import datetime as dt, pyarrow as pa
>>> from payback.store import open_store
>>> store = open_store(":memory:")
>>> day = dt.datetime(2024, 6, 30)
>>> _ = store.write({"orders": pa.table({
...     "order_id": [str(i) for i in range(7)],
...     "customer_id": ["a", "a", "a", "b", "c", "c", "d"],
...     "time": [day, day - dt.timedelta(30), day - dt.timedelta(60),
...              day - dt.timedelta(200), day - dt.timedelta(5), day - dt.timedelta(90),
...              day - dt.timedelta(400)],
...     "revenue": [50.0, 70.0, 30.0, 20.0, 80.0, 10.0, 500.0],
...     "status": ["confirmed"] * 7, "currency": ["EUR"] * 7})})
>>> result = rfm(store, predict=False)
>>> result.customers.frame[["customer_id", "recency_days", "frequency", "monetary", "r",
...                         "f", "m", "segment"]]
  customer_id  recency_days  frequency  monetary  r  f  m       segment
0           a             0          3     150.0  4  4  3         loyal
1           b           200          1      20.0  2  1  1   hibernating
2           c             5          2      90.0  3  3  2  need attention
3           d           400          1     500.0  1  1  4          lost
>>> segments = result.segments.frame
>>> int(segments.loc[~segments.is_total, "customers"].sum())
4
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from payback._lazy import lazy_module
from payback.errors import InputError, PaybackError
from payback.metrics.filters import parse_date
from payback.metrics.scope import confirmed_orders, in_period
from payback.present import Table
from payback.segments.rules import RuleTable, as_rules
from payback.segments.sources import customer_sources

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from payback.store import Store
else:
    pd = lazy_module("pandas")
ibis = lazy_module("ibis")

__all__ = ["RFMResult", "order_totals", "rfm", "rfm_as_of", "rfm_expr", "segments_with_sources"]

#: The three variables: (column, True when a higher value is better).
VARIABLES = {"recency": ("recency_days", False), "frequency": ("frequency", True),
             "monetary": ("monetary", True)}  # fmt: skip
_BINS = 5


@dataclass(frozen=True)
class RFMResult:
    """Result of :func:`rfm`.

    Attributes
    ----------
    segments : pandas.DataFrame
        One row per segment (per source and segment with ``by``) in the rule table's
        order, then a totals row (``is_total``): ``[source,] segment, customers,
        customer_share, revenue, revenue_share, historical_clv, avg_recency_days,
        avg_orders, p_alive, predicted_clv, action``, as a
        :class:`payback.present.Table` (``.frame``) with the ``units``, ``reasons`` and
        ``currency`` that :func:`payback.output.write_frame` shows.
    customers : payback.present.Table or None
        One row per customer: ``customer_id, [source,] last_order, recency_days,
        frequency, monetary, r, f, m, fm, segment[, p_alive, predicted_clv]``.
    scores : payback.present.Table
        Per variable and score: ``customers`` and the ``low`` .. ``high`` values scored so.
    as_of : datetime.date
        End of observation.
    rules : RuleTable
    reasons : dict
        Column -> why its values are missing.
    """

    segments: Table
    customers: Table | None
    scores: Table
    as_of: dt.date
    rules: RuleTable
    reasons: dict[str, str] = field(default_factory=dict)


def rfm_as_of(store: Store, as_of: Any = None) -> dt.date:
    """The end of observation: ``as_of`` parsed, or the day of the last confirmed order.

    Raises
    ------
    payback.errors.InputError
        When the store has no confirmed orders.
    """
    if as_of is not None:
        return parse_date(as_of)
    last = store.execute(confirmed_orders(store).time.max())
    if last is None or pd.isna(last):
        raise InputError(
            "no confirmed orders in the store: import orders (`payback import orders FILE`) "
            "or run `payback demo` first"
        )
    return pd.Timestamp(last).date()


def _breaks(values: Sequence[float] | str | None, name: str) -> tuple[float, ...] | None:
    """Four increasing breakpoints (from a sequence or ``"30,90,180,365"``), or None."""
    if values is None:
        return None
    items = values.split(",") if isinstance(values, str) else list(values)
    try:
        out = tuple(float(v) for v in items)
    except (TypeError, ValueError):
        raise InputError(
            f"{{{name}}}: unparsable breakpoints {values!r}: expected four increasing numbers, "
            f"e.g. 1,2,4,8"
        ) from None
    if len(out) != _BINS - 1 or any(b >= a for a, b in zip(out[1:], out, strict=False)):
        raise InputError(
            f"{{{name}}} must be {_BINS - 1} increasing numbers (the upper bounds of scores "
            f"1-4, or of 5-2 for recency), got {values!r}"
        )
    return out


def _score(
    value: ir.NumericValue,
    worse: ir.IntegerValue | None,
    n: ir.IntegerValue,
    higher_is_better: bool,
    breaks: tuple[float, ...] | None,
) -> ir.IntegerValue:
    """The 1-5 score of ``value`` (see the module's description): ``worse`` is the number
    of customers with a worse value (not read with ``breaks``), ``n`` all customers."""
    if breaks is not None:
        above = sum((value > b).cast("int64") for b in breaks)
        return (1 + above) if higher_is_better else (_BINS - above)
    return 1 + (worse * _BINS) // n


def _worse(per: ir.Table, column: str, higher_is_better: bool) -> ir.Table:
    """Per distinct value ``_v`` of ``per[column]``: ``_w``, the customers with a
    strictly worse value (the rank, from 0, of the value among the customers', as
    ``rank() over (order by value)`` numbers it).

    Counted per value and summed over the values ordered worst first: a window over the
    distinct values (hundreds of recencies, tens of order counts), not over every
    customer (on 945,000 customers the three windows took about 1.1 s of CPU, this
    about 0.4 s). Missing values come last, as in the window.
    """
    counts = per.group_by(_v=per[column]).aggregate(_k=per.count())
    order = counts._v if higher_is_better else counts._v.desc()
    running = counts._k.sum().over(ibis.cumulative_window(order_by=order))
    return counts.select("_v", _w=running - counts._k)


def to_cents(amount: ir.NumericValue) -> ir.NumericValue:
    """Money rounded to the cent, ``round(amount, 2)``: equal sums then tie on every engine.

    A float sum of revenues varies in its last bit with the order the engine adds the
    rows in (DuckDB's parallel plans, Spark's partitions), so ``0.1 + 0.2 + 0.3`` and
    ``0.3 + 0.2 + 0.1`` differ; rounded to the cent they are equal. Rankings of customers
    by revenue (RFM's ``monetary``, the profile's ``top`` cut) read this value.

    Examples
    --------
    >>> import ibis
    >>> con = ibis.duckdb.connect()
    >>> x = ibis.literal(0.1 + 0.2 + 0.3, "float64")  # 0.6000000000000001
    >>> con.execute(x) == 0.3 + 0.2 + 0.1, con.execute(to_cents(x)) == 0.3 + 0.2 + 0.1
    (False, True)
    """
    return amount.round(2)


def rfm_expr(
    store: Store,
    *,
    as_of: Any = None,
    by: str | None = None,
    rules: RuleTable | str | Path | None = None,
    recency_breaks: Sequence[float] | str | None = None,
    frequency_breaks: Sequence[float] | str | None = None,
    monetary_breaks: Sequence[float] | str | None = None,
) -> ir.Table:
    """The per-customer RFM table as one lazy Ibis expression (scores and segment).

    Parameters are those of :func:`rfm`. Columns: ``customer_id, [source,] last_order,
    recency_days, frequency, monetary, r, f, m, fm, segment``. Without ``as_of`` the day
    of the last confirmed order is read from the store first (one small query); the
    rule table is checked before anything runs.
    """
    day = rfm_as_of(store, as_of)
    table = as_rules(rules)
    breaks = {
        "recency": _breaks(recency_breaks, "recency_breaks"),
        "frequency": _breaks(frequency_breaks, "frequency_breaks"),
        "monetary": _breaks(monetary_breaks, "monetary_breaks"),
    }
    keyed = _scored(order_totals(store, day), day, table, breaks)
    if by is not None:
        acq = customer_sources(store, by)
        keyed = keyed.left_join(acq, keyed.customer_id == acq.customer_id)
    return keyed.select(*_columns(by is not None))


def _columns(with_source: bool) -> list[str]:
    """The columns of :func:`rfm_expr`, in order."""
    return ["customer_id", *(["source"] if with_source else []), "last_order", "recency_days",
            "frequency", "monetary", "r", "f", "m", "fm", "segment"]  # fmt: skip


def order_totals(store: Store, day: dt.date) -> ir.Table:
    """One row per customer with a confirmed order up to the end of ``day``, lazily:
    ``customer_id, last_order`` (the time of their last order), ``frequency`` (their
    orders) and ``revenue`` (summed, not rounded).

    The one per-customer scan of the orders: RFM scores it (:func:`rfm_expr`), the
    profile reads the revenue to date (:func:`payback.segments.profile.attributes_expr`),
    and the report's segments read both from one table.

    >>> import datetime as dt, pyarrow as pa
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> day = dt.datetime(2024, 6, 30)
    >>> _ = store.write({"orders": pa.table({"order_id": ["1", "2", "3", "4"],
    ...     "customer_id": ["a", "a", "b", "b"], "time": [day, day - dt.timedelta(40),
    ...     day, day + dt.timedelta(1)], "revenue": [50.0, 70.5, 30.0, 9.0],
    ...     "status": ["confirmed", "confirmed", "confirmed", "confirmed"],
    ...     "currency": ["EUR"] * 4})})
    >>> store.execute(order_totals(store, day.date()).order_by("customer_id"))
      customer_id last_order  frequency  revenue
    0           a 2024-06-30          2    120.5
    1           b 2024-06-30          1     30.0
    """
    orders = confirmed_orders(store)
    orders = orders.filter(in_period(orders, "time", None, day))
    return orders.group_by("customer_id").aggregate(
        last_order=orders.time.max(), frequency=orders.count(), revenue=orders.revenue.sum()
    )


def _scored(per: ir.Table, day: dt.date, table: RuleTable, breaks: dict) -> ir.Table:
    """``per`` (the columns of :func:`order_totals`, and any other) with ``recency_days``,
    ``monetary`` (the revenue to the cent), the scores ``r, f, m, fm`` and the
    ``segment`` of the rule ``table``."""
    per = per.mutate(
        recency_days=ibis.literal(day).delta(per.last_order.date(), unit="day"),
        monetary=to_cents(per.revenue),
    )
    base, scores = per, {}
    per = per.cross_join(base.aggregate(_n=base.count()))
    for letter, v in (("r", "recency"), ("f", "frequency"), ("m", "monetary")):
        column, higher = VARIABLES[v]
        worse = None
        if breaks[v] is None:  # joined on the value: the ranks of the distinct values
            ranks = _worse(base, column, higher).rename(**{f"_v{letter}": "_v",
                                                           f"_w{letter}": "_w"})  # fmt: skip
            per = per.left_join(ranks, per[column].identical_to(ranks[f"_v{letter}"]))
            worse = per[f"_w{letter}"]
        scores[letter] = (column, worse, higher)
    per = per.select(
        *base.columns,
        **{letter: _score(per[c], w, per._n, higher, breaks[v]).cast("int64")
           for (letter, (c, w, higher)), v in zip(scores.items(), VARIABLES, strict=True)},
    )  # fmt: skip
    per = per.mutate(fm=((per.f + per.m + 1) // 2).cast("int64"))
    cells = ibis.memtable(pd.DataFrame(table.cell_rows(), columns=["_r", "_f", "_m", "segment"]))
    return per.join(cells, [per.r == cells._r, per.f == cells._f, per.m == cells._m])


def rfm(
    store: Store,
    *,
    as_of: Any = None,
    by: str | None = None,
    rules: RuleTable | str | Path | None = None,
    recency_breaks: Sequence[float] | str | None = None,
    frequency_breaks: Sequence[float] | str | None = None,
    monetary_breaks: Sequence[float] | str | None = None,
    predict: bool = True,
    horizon_months: float = 12.0,
    model: str = "mbgnbd",
    customers: bool = True,
) -> RFMResult:
    """RFM scores, segments and the value of each segment (see the module's description).

    Parameters
    ----------
    store : payback.store.Store
    as_of : date or str, optional
        End of observation (default: the day of the last confirmed order); later orders
        are left out.
    by : {"source", "channel", "platform", "campaign", "partner"}, optional
        Split the segments by acquisition source (``source`` = ``channel`` = platform).
    rules : RuleTable or path, optional
        The rule table (default: :func:`payback.segments.rules.default_rules`).
    recency_breaks, frequency_breaks, monetary_breaks : four numbers, optional
        Breakpoints replacing the quantile scores of that variable (``"30,90,180,365"``).
    predict : bool
        Add the mean P(alive) and predicted CLV (:func:`payback.clv.predict_ltv`); when
        the fit fails they are missing with the reason.
    horizon_months : float
        Horizon of the predicted CLV.
    model : {"mbgnbd", "bgnbd", "pareto"}
        Count model of the predictions. MBG/NBD by default: BG/NBD takes every customer
        without a repeat purchase for alive (P(alive) = 1), which would call all the
        one-time buyers of "lost" and "hibernating" alive.
    customers : bool
        Also return the per-customer table (``RFMResult.customers``).

    Returns
    -------
    RFMResult

    Raises
    ------
    payback.errors.InputError
        No confirmed orders, bad breakpoints, an unknown ``by``, a rule table with
        overlapping or missing cells.
    payback.errors.CurrencyError
        Orders in several currencies.
    """
    from payback.store import check_single_currency

    currency = check_single_currency(store, "orders") or store.base_currency
    day = rfm_as_of(store, as_of)
    table = as_rules(rules)
    expr = rfm_expr(
        store,
        as_of=day,
        by=by,
        rules=table,
        recency_breaks=recency_breaks,
        frequency_breaks=frequency_breaks,
        monetary_breaks=monetary_breaks,
    )
    reasons: dict[str, str] = {}
    if predict:
        expr, why = _with_predictions(store, expr, day, horizon_months, model)
        if why:
            reasons["p_alive"] = reasons["predicted_clv"] = why
    keys = ["source", "segment"] if by is not None else ["segment"]
    with expr.cache() as table_once:  # the windows run once for the three questions below
        summary = _summary(store, table_once, keys, table, predict, by is not None, reasons)
        scores = _score_ranges(store, table_once)
        members = store.execute(table_once.order_by("customer_id")) if customers else None
    summary = replace(summary, currency=currency)
    if members is not None:
        units = {"monetary": "money", "frequency": "count", "recency_days": "count",
                 "p_alive": "rate", "predicted_clv": "money"}  # fmt: skip
        why = {k: v for k, v in reasons.items() if k in members}
        members = Table(members, units, why, currency)
    return RFMResult(
        segments=summary,
        customers=members,
        scores=scores,
        as_of=day,
        rules=table,
        reasons=reasons,
    )


def segments_with_sources(
    store: Store,
    by: str,
    also: Callable[[ir.Table, dt.date, str | None], Any] | None = None,
    customers: ir.Table | None = None,
) -> tuple[Table, Table, dt.date, Any]:
    """``(segments, segments by source, as_of, more)``: the ``segments`` of :func:`rfm`
    without predictions, and of ``rfm(by=by)``, from one per-customer table; ``more`` is
    ``also(that table, as_of, currency)`` (None without ``also``), e.g. the report's
    win-back list (:func:`payback.segments.winback.winback_from`).

    The scores are those of all customers in both (``by`` only adds each customer's
    source), so the windows scoring a million customers run once, not twice.
    ``customers`` is a per-customer table already built to the default ``as_of`` (the
    columns of :func:`order_totals` and the source as ``_source``:
    :func:`payback.segments.profile.attributes_expr` with ``by``, the report's one table
    shared with the profile); without it the orders are scanned here
    (:func:`rfm_expr`). Its customers are the same: every customer with a confirmed
    order has one acquisition, their first confirmed order, on or before the last.

    >>> import datetime as dt, pyarrow as pa
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> day = dt.datetime(2024, 6, 30)
    >>> _ = store.write({"orders": pa.table({"order_id": ["1", "2", "3"],
    ...     "customer_id": ["a", "a", "b"], "time": [day, day - dt.timedelta(40), day],
    ...     "revenue": [50.0, 70.0, 30.0], "status": ["confirmed"] * 3,
    ...     "currency": ["EUR"] * 3, "platform": ["google", "google", "meta"]})})
    >>> overall, by_source, as_of, _ = segments_with_sources(store, "platform")
    >>> overall.frame.equals(rfm(store, predict=False, customers=False).segments.frame)
    True
    >>> by_source.frame.equals(rfm(store, predict=False, customers=False, by="platform")
    ...                        .segments.frame)
    True
    """
    from payback.store import check_single_currency

    currency = check_single_currency(store, "orders") or store.base_currency
    day = rfm_as_of(store)
    table = as_rules(None)
    if customers is None:
        expr = rfm_expr(store, as_of=day, by=by, rules=table)
    else:
        per = customers.select("customer_id", "last_order", "frequency", "revenue", "_source")
        keyed = _scored(per.rename(source="_source"), day, table, dict.fromkeys(VARIABLES))
        expr = keyed.select(*_columns(True))
    with expr.cache() as table_once:
        overall = _summary(store, table_once, ["segment"], table, False, False, {})
        split = _summary(store, table_once, ["source", "segment"], table, False, True, {})
        more = None if also is None else also(table_once, day, currency)
    return replace(overall, currency=currency), replace(split, currency=currency), day, more


def _with_predictions(store, expr, day, horizon_months, model) -> tuple[ir.Table, str | None]:
    """``expr`` with each customer's P(alive) and predicted CLV (null, and the reason,
    when the pooled fit fails)."""
    from payback.clv import predict_ltv

    try:
        pred = predict_ltv(store, horizon_months=horizon_months, model=model, as_of=day)
    except InputError:
        raise
    except PaybackError as e:
        why = f"the CLV models could not be fitted: {e}"
        return expr.mutate(p_alive=ibis.null("float64"), predicted_clv=ibis.null("float64")), why
    pred = pred.customers
    why = pred.reasons.get("clv")
    pred = pred.frame
    frame = pd.DataFrame(
        {
            "_id": pred["customer_id"].astype(str),
            "p_alive": pred["p_alive"].astype("float64"),
            "predicted_clv": pred["clv"].astype("Float64"),
        }
    )
    values = ibis.memtable(frame)
    joined = expr.left_join(values, expr.customer_id == values._id)
    return joined.select(*expr.columns, "p_alive", "predicted_clv"), why


def _summary(store, expr, keys, table: RuleTable, predict, by_source, reasons) -> Table:
    """Per segment (and source): the engine's sums, then shares and the rule table's order."""
    aggregates = {
        "customers": expr.count(),
        "revenue": expr.monetary.sum(),
        "_recency": expr.recency_days.sum(),
        "_orders": expr.frequency.sum(),
    }
    if predict:
        aggregates |= {"p_alive": expr.p_alive.mean(), "predicted_clv": expr.predicted_clv.mean()}
    sums = store.execute(expr.group_by(keys).aggregate(**aggregates))
    if not by_source:  # every segment of the table, the empty ones too
        sums = pd.DataFrame({"segment": list(table.segments)}).merge(sums, "left", "segment")
        sums["customers"] = sums["customers"].fillna(0).astype("int64")
    order = {s: i for i, s in enumerate(table.segments)}
    sort = [sums[k].map(order) if k == "segment" else sums[k].astype(str) for k in keys]
    sums = sums.assign(_key=list(zip(*sort, strict=True))).sort_values("_key").drop(columns="_key")
    total = {
        "customers": int(sums.customers.sum()),
        "revenue": float(sums.revenue.fillna(0).sum()),
        "_recency": float(sums._recency.fillna(0).sum()),
        "_orders": float(sums._orders.fillna(0).sum()),
    }
    if predict:
        weight = sums.customers.where(sums.p_alive.notna(), 0)
        total["p_alive"] = _weighted(sums.p_alive, weight)
        total["predicted_clv"] = _weighted(sums.predicted_clv, weight)
    rows = pd.concat([sums, pd.DataFrame([total])], ignore_index=True)
    rows["is_total"] = [False] * len(sums) + [True]
    customers = rows.customers.astype("float64")
    revenue = rows.revenue.astype("float64")
    if by_source:
        base = rows.groupby(rows.source.astype(str).where(~rows.is_total, "\0"))
        all_customers = base.customers.transform("sum").astype("float64")
        all_revenue = base.revenue.transform("sum").astype("float64")
    else:
        all_customers = pd.Series(total["customers"], index=rows.index, dtype="float64")
        all_revenue = pd.Series(total["revenue"], index=rows.index, dtype="float64")
    empty = customers == 0
    out = rows[keys].copy()
    out["customers"] = rows.customers.astype("int64")
    out["customer_share"] = (customers / all_customers).where(all_customers > 0)
    out["revenue"] = revenue.fillna(0.0)
    out["revenue_share"] = (revenue.fillna(0) / all_revenue).where(all_revenue > 0)
    out["historical_clv"] = (revenue / customers).where(~empty)
    out["avg_recency_days"] = (rows._recency.astype("float64") / customers).where(~empty)
    out["avg_orders"] = (rows._orders.astype("float64") / customers).where(~empty)
    if predict:
        out["p_alive"] = rows.p_alive.astype("float64")
        out["predicted_clv"] = rows.predicted_clv.astype("float64")
    out["action"] = [None if t else table.actions.get(s, "") for s, t in zip(
        rows.segment, rows.is_total, strict=True)]  # fmt: skip
    out["is_total"] = rows.is_total.to_numpy()
    if empty.any():
        for column in ("historical_clv", "avg_recency_days", "avg_orders"):
            reasons.setdefault(column, "no customers in the segment")
        if predict:
            reasons.setdefault("p_alive", "no customers in the segment")
            reasons.setdefault("predicted_clv", "no customers in the segment")
    if (all_revenue <= 0).any():
        reasons.setdefault("revenue_share", "no revenue to share")
    units = {
        "customers": "count",
        "customer_share": "rate",
        "revenue": "money",
        "revenue_share": "rate",
        "historical_clv": "money",
        "avg_recency_days": "decimal",
        "avg_orders": "decimal",
        "p_alive": "rate",
        "predicted_clv": "money",
    }
    why = {k: v for k, v in reasons.items() if k in out}
    return Table(out.reset_index(drop=True), units, why)


def _weighted(values: pd.Series, weights: pd.Series) -> float | None:
    w = weights.astype("float64")
    if w.sum() <= 0:
        return None
    return float((values.astype("float64").fillna(0) * w).sum() / w.sum())


def _score_ranges(store, expr) -> Table:
    """Per variable and score: customers and the lowest and highest value scored so."""
    parts = []
    for variable, letter in zip(VARIABLES, ("r", "f", "m"), strict=True):
        value = expr[VARIABLES[variable][0]].cast("float64")
        parts.append(
            expr.group_by(score=expr[letter])
            .aggregate(customers=expr.count(), low=value.min(), high=value.max())
            .mutate(variable=ibis.literal(variable))
        )
    union = parts[0].union(parts[1]).union(parts[2])
    frame = store.execute(union.select("variable", "score", "customers", "low", "high"))
    frame["_v"] = frame.variable.map({v: i for i, v in enumerate(VARIABLES)})
    frame = frame.sort_values(["_v", "score"]).drop(columns="_v").reset_index(drop=True)
    return Table(frame, {"customers": "count"})
