"""Buying patterns: time between purchases, the next-purchase window, seasonality, and
first product -> second product.

All from the confirmed orders (:func:`payback.metrics.scope.confirmed_orders`) up to the
end of ``as_of`` (default: the day of the last confirmed order), in the engine.

**Time between purchases.** Each customer's orders are ordered by ``(time, order_id)``
and a window function takes the time of the previous one::

    gap_days = (time - lag(time)) / 86 400 s        (one gap per repeat order)

Per RFM segment (:func:`payback.segments.rfm_expr`), per acquisition source
(:func:`payback.segments.sources.customer_sources`) and over all customers:
``customers``, ``repeat_customers`` (with a gap), ``gaps``, the mean and the quantiles
``p10 p25 median p75 p90`` (linear interpolation between order statistics, DuckDB's
``quantile_cont`` = pandas' default). A group whose customers all bought once has no
gap: its quantiles are missing, with the reason.

**Next-purchase window** per customer. A customer with ``k`` gaps of mean ``g_c`` and a
segment whose gaps have mean ``g_s`` and quartiles ``q25_s, q75_s`` (all customers'
when the segment has no gap)::

    expected_gap = (k g_c + k0 g_s) / (k + k0)                 (k0 = prior_gaps, 2)
    next_purchase = last_order + expected_gap
    window = last_order + expected_gap x [q25_s / g_s, q75_s / g_s]

the customer's own mean gap shrunk to the segment's (a one-time buyer gets the
segment's), with the segment's spread scaled to it. ``status`` says where ``as_of``
falls: ``ahead`` (before the window), ``due`` (in it), ``overdue`` (after it). This is
a date, which the BG/NBD conditional expectation of :mod:`payback.clv` (a number of
purchases over a horizon) does not give; use P(alive) from there to tell an overdue
customer from a lost one (``payback segments winback``).

**Seasonality.** Orders and revenue by month of the year (1-12) and by weekday
(Monday-Sunday)::

    index = share / average share = orders_i x n_categories / orders
    index_per_day = (orders_i / days_i) / (orders / days)

where ``days_i`` is the number of calendar days of that month or weekday between the
first order and ``as_of``: ``index`` reads as "December has 1.4 times an average
month's orders", ``index_per_day`` corrects for a history that covers some months twice.

**First product -> second product.** For the customers whose first and second orders
both have lines: the items (``by``) of the first order -> the items of the second, with
``count`` customers, support, confidence, lift and the one-sided Fisher p-value of
:mod:`payback.segments.stats` (through :func:`payback.segments.pairs.rule_table`; the
Benjamini-Hochberg family is every (first item, second item) pair), the ``top`` most
frequent transitions from ``min_count`` customers.

Examples
--------
>>> import datetime as dt, pyarrow as pa
>>> from payback.store import open_store
>>> store = open_store(":memory:")
>>> day = dt.datetime(2024, 1, 1)
>>> rows = [("a", 0), ("a", 10), ("a", 30), ("b", 5), ("b", 25), ("c", 40)]
>>> _ = store.write({"orders": pa.table({
...     "order_id": [str(i) for i in range(len(rows))],
...     "customer_id": [r[0] for r in rows],
...     "time": [day + dt.timedelta(r[1]) for r in rows],
...     "revenue": [10.0] * len(rows), "status": ["confirmed"] * len(rows),
...     "currency": ["EUR"] * len(rows)})})
>>> result = patterns(store)
>>> result.gaps.frame.query("group == 'all'")[["customers", "gaps", "mean_days", "median_days"]]
   customers  gaps  mean_days  median_days
0          3     3  16.666667         20.0
>>> result.customers.frame[["customer_id", "gaps", "expected_gap_days", "status"]]
  customer_id  gaps  expected_gap_days   status
0           a     2          15.000000  ahead
1           b     1          20.000000  ahead
2           c     0          16.666667  ahead
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from payback._lazy import lazy_module
from payback.errors import InputError
from payback.metrics.scope import confirmed_orders, in_period
from payback.present import Table
from payback.segments.pairs import ITEMS, rule_table

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from payback.store import Store
else:
    pd = lazy_module("pandas")
ibis = lazy_module("ibis")
np = lazy_module("numpy")

__all__ = ["QUANTILES", "PatternsResult", "patterns"]

#: The quantiles of the gaps: column -> level.
QUANTILES = {"p10_days": 0.10, "p25_days": 0.25, "median_days": 0.5, "p75_days": 0.75,
             "p90_days": 0.90}  # fmt: skip
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY = 86400.0
_NO_GAP = "no customer of the group bought twice"


@dataclass(frozen=True)
class PatternsResult:
    """Result of :func:`patterns`.

    Attributes
    ----------
    gaps : payback.present.Table
        Days between purchases per group: ``group`` (``all``, ``segment`` or
        ``source``), ``value``, ``customers``, ``repeat_customers``, ``gaps``,
        ``mean_days`` and the :data:`QUANTILES`.
    customers : payback.present.Table
        One row per customer: ``customer_id, segment, source, orders, gaps,
        last_order, mean_gap_days, expected_gap_days, next_purchase, window_start,
        window_end, status`` (``prior`` names the gaps shrunk to).
    seasonality : payback.present.Table
        ``period`` (``month`` or ``weekday``), ``value`` (1-12 or Monday...), ``orders``,
        ``revenue``, ``days``, ``index``, ``revenue_index``, ``index_per_day``.
    transitions : payback.present.Table or None
        First item -> second item: ``antecedent, consequent, count, antecedent_count,
        consequent_count, support, confidence, lift, p_value, q_value``, most frequent
        first; None without order lines.
    as_of : datetime.date
    prior_gaps : float
        ``k0`` of the shrinkage.
    """

    gaps: Table
    customers: Table
    seasonality: Table
    transitions: Table | None
    as_of: dt.date
    prior_gaps: float


def patterns(
    store: Store,
    *,
    as_of: Any = None,
    by: str = "source",
    item: str = "product_id",
    prior_gaps: float = 2.0,
    top: int = 20,
    min_count: int = 2,
) -> PatternsResult:
    """Time between purchases, next-purchase windows, seasonality, first -> second item.

    Parameters
    ----------
    store : payback.store.Store
    as_of : date or str, optional
        End of observation (default: the day of the last confirmed order).
    by : {"source", "channel", "platform", "campaign", "partner"}
        The acquisition source of the gap table's ``source`` rows.
    item : {"product_id", "product_name", "category"}
        What an item of the first -> second transitions is.
    prior_gaps : float
        ``k0``: how many gaps the segment's mean weighs in a customer's expected gap.
    top : int
        Most transitions returned.
    min_count : int
        Fewest customers of a returned transition.

    Returns
    -------
    PatternsResult

    Raises
    ------
    payback.errors.InputError
        No confirmed order, an unknown ``by`` or ``item``, ``prior_gaps`` below 0.
    """
    from payback.segments.rfm import rfm_as_of, rfm_expr

    if item not in ITEMS:
        raise InputError(f"item must be one of {', '.join(ITEMS)}, got {item!r}")
    if not prior_gaps >= 0 or top < 1 or min_count < 1:
        raise InputError(
            f"prior_gaps must be at least 0, top and min_count at least 1, got "
            f"prior_gaps={prior_gaps}, top={top}, min_count={min_count}"
        )
    day = rfm_as_of(store, as_of)
    orders = confirmed_orders(store)
    orders = orders.filter(in_period(orders, "time", None, day))
    w = ibis.window(group_by=orders.customer_id, order_by=[orders.time, orders.order_id])
    ranked = orders.mutate(_prev=orders.time.lag().over(w), _n=ibis.row_number().over(w))
    gap = (ranked.time.epoch_seconds() - ranked._prev.epoch_seconds()).cast("float64") / _DAY
    ranked = ranked.mutate(gap_days=gap)
    who = rfm_expr(store, as_of=day, by=by).select("customer_id", "segment", "source")
    with ranked.cache() as r, who.cache() as c:
        gaps = _gap_table(store, r, c)
        per = _per_customer(store, r, c)
        season = _seasonality(store, r, day)
        transitions = _transitions(store, r, item, top, min_count)
    customers = _windows(per, gaps.frame, prior_gaps, day)
    return PatternsResult(gaps, customers, season, transitions, day, float(prior_gaps))


def _gap_table(store: Store, r: ir.Table, c: ir.Table) -> Table:
    """Quantiles of the gaps per segment, per source and over all (in the engine)."""
    g = r.filter(r.gap_days.notnull()).join(c, "customer_id")
    parts = []
    for group, key in (("all", None), ("segment", "segment"), ("source", "source")):
        keys = [key] if key else []
        metrics = {
            "repeat_customers": g.customer_id.nunique(),
            "gaps": g.count(),
            "mean_days": g.gap_days.mean(),
            **{name: g.gap_days.quantile(q) for name, q in QUANTILES.items()},
        }
        stats = g.group_by(keys).aggregate(**metrics) if key else g.aggregate(**metrics)
        sizes = (
            c.group_by(keys).aggregate(customers=c.count())
            if key
            else c.aggregate(customers=c.count())
        )
        sizes, stats = store.execute(sizes), store.execute(stats)
        frame = (
            sizes.merge(stats, on=keys, how="left") if key else pd.concat([sizes, stats], axis=1)
        )
        frame.insert(
            0, "value", frame.pop(key).fillna("(none)").astype(str) if key else "(all customers)"
        )
        frame.insert(0, "group", group)
        parts.append(frame.sort_values("value", kind="stable") if key else frame)
    out = pd.concat(parts, ignore_index=True)
    for col in ("repeat_customers", "gaps"):
        out[col] = out[col].fillna(0).astype("int64")
    out["customers"] = out["customers"].astype("int64")
    units = {"customers": "count", "repeat_customers": "count", "gaps": "count",
             "mean_days": "decimal"} | dict.fromkeys(QUANTILES, "decimal")  # fmt: skip
    reasons = dict.fromkeys(["mean_days", *QUANTILES], _NO_GAP)
    return Table(out, units, reasons)


def _per_customer(store: Store, r: ir.Table, c: ir.Table) -> pd.DataFrame:
    per = r.group_by("customer_id").aggregate(
        orders=r.count(),
        first_order=r.time.min(),
        last_order=r.time.max(),
    )
    per = per.join(c, "customer_id")
    return store.execute(per.order_by("customer_id"))


def _windows(per: pd.DataFrame, gaps: pd.DataFrame, k0: float, day: dt.date) -> Table:
    """The expected gap (own mean shrunk to the segment's) and the window per customer."""
    seg = gaps[gaps.group == "segment"].set_index("value")
    pooled = gaps[gaps.group == "all"].iloc[0]
    k = (per.orders - 1).astype("int64")
    own = (per.last_order - per.first_order).dt.total_seconds() / _DAY / k.where(k > 0)
    has = per.segment.map(seg.gaps).fillna(0) > 0
    prior = per.segment.where(has, "(all customers)")
    stat = {
        col: per.segment.map(seg[col]).where(has, pooled[col])
        for col in ("mean_days", "p25_days", "p75_days")
    }
    g_s = stat["mean_days"].astype("float64")
    expected = (k * own.fillna(0) + k0 * g_s) / (k + k0)
    expected = expected.where((k + k0) > 0)
    days = pd.to_timedelta(expected, unit="D")
    start = (per.last_order + days * (stat["p25_days"].astype("float64") / g_s)).dt.round("s")
    end = (per.last_order + days * (stat["p75_days"].astype("float64") / g_s)).dt.round("s")
    now = pd.Timestamp(day) + pd.Timedelta(days=1)  # the end of as_of
    status = np.select([now < start, now <= end], ["ahead", "due"], "overdue")
    status = pd.Series(status, index=per.index).where(expected.notna())
    out = pd.DataFrame(
        {
            "customer_id": per.customer_id.astype(str),
            "segment": per.segment,
            "source": per.source,
            "orders": per.orders.astype("int64"),
            "gaps": k,
            "last_order": per.last_order,
            "mean_gap_days": own,
            "prior": prior,
            "expected_gap_days": expected,
            "next_purchase": (per.last_order + days).dt.round("s"),
            "window_start": start,
            "window_end": end,
            "status": status,
        }
    )
    units = {"orders": "count", "gaps": "count", "mean_gap_days": "decimal",
             "expected_gap_days": "decimal"}  # fmt: skip
    reasons = {"mean_gap_days": "one order: no gap of their own (the prior's mean is used)"}
    for col in ("expected_gap_days", "next_purchase", "window_start", "window_end", "status"):
        reasons[col] = "no customer bought twice and prior_gaps is 0"
    return Table(out.reset_index(drop=True), units, reasons)


def _seasonality(store: Store, r: ir.Table, day: dt.date) -> Table:
    """Orders and revenue by month and weekday, with their index."""
    first = store.execute(r.time.min())
    span = pd.date_range(pd.Timestamp(first).normalize(), pd.Timestamp(day), freq="D")
    parts = []
    for period, expr, values, calendar in (
        ("month", r.time.month(), range(1, 13), span.month),
        ("weekday", r.time.day_of_week.index(), range(7), span.weekday),
    ):
        t = r.mutate(_v=expr)
        counts = store.execute(
            t.group_by("_v").aggregate(orders=t.count(), revenue=t.revenue.sum())
        ).set_index("_v")
        frame = pd.DataFrame({"_v": list(values)}).set_index("_v")
        frame = frame.join(counts).fillna({"orders": 0, "revenue": 0.0})
        frame["days"] = pd.Series(calendar).value_counts().reindex(frame.index, fill_value=0)
        n = len(frame)
        total, revenue, days = frame.orders.sum(), frame.revenue.sum(), frame.days.sum()
        frame["index"] = frame.orders * n / total
        frame["revenue_index"] = frame.revenue * n / revenue if revenue else np.nan
        per_day = frame.orders / frame.days.where(frame.days > 0)
        frame["index_per_day"] = per_day / (total / days)
        frame = frame.reset_index(names="value")
        if period == "weekday":
            frame["value"] = [WEEKDAYS[i] for i in frame.value]
        frame.insert(0, "period", period)
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    out["value"] = out["value"].astype(str)
    out["orders"] = out["orders"].astype("int64")
    out["days"] = out["days"].astype("int64")
    units = {"orders": "count", "revenue": "money", "days": "count", "index": "ratio",
             "revenue_index": "ratio", "index_per_day": "ratio"}  # fmt: skip
    reasons = {"index_per_day": "the history holds no day of it",
               "revenue_index": "no revenue"}  # fmt: skip
    return Table(out, units, reasons)


def _transitions(store: Store, r: ir.Table, item: str, top: int, min_count: int) -> Table | None:
    """Items of each customer's first order -> items of their second (distinct customers)."""
    if store.row_count("order_items") == 0:
        return None
    lines = store.table("order_items")
    lines = lines.filter(lines[item].notnull())
    firsts = r.filter(r._n < 2).select("customer_id", "order_id", step=r._n)  # from 0
    joined = lines.join(firsts, lines.order_id == firsts.order_id)
    rows = joined.select(customer="customer_id", step="step", item=joined[item]).distinct()
    both = rows.group_by("customer").aggregate(steps=rows.step.nunique())
    rows = rows.semi_join(both.filter(both.steps == 2), "customer")
    with rows.cache() as t:
        a = t.filter(t.step == 0).select(customer="customer", item_a="item")
        b = t.filter(t.step == 1).select(customer="customer", item_b="item")
        na = a.group_by("item_a").aggregate(n_a=a.count())
        nb = b.group_by("item_b").aggregate(n_b=b.count())
        co = a.join(b, "customer")
        counted = co.group_by(["item_a", "item_b"]).aggregate(n_ab=co.count())
        counted = counted.filter(counted.n_ab >= min_count).join(na, "item_a").join(nb, "item_b")
        frame = store.execute(counted.select("item_a", "item_b", "n_ab", "n_a", "n_b"))
        n = int(store.execute(t.customer.nunique()))
        m = int(store.execute(na.count())) * int(store.execute(nb.count()))
    if n == 0:
        return Table(pd.DataFrame(columns=["antecedent", "consequent", "count"]))
    rules = rule_table(frame, n, m, fdr=1.0, min_confidence=0.0, min_lift=0.0, both_ways=False)
    out = rules.frame.sort_values(
        ["count", "lift", "antecedent", "consequent"], ascending=[False, False, True, True]
    ).head(top)
    return rules.with_frame(out.reset_index(drop=True))
