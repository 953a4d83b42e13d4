"""The per-customer summary in one aggregation over the transactions (DuckDB).

:func:`payback.clv.summary.summary_expr` defines the summary (periods, frequency,
recency, T, mean repeat spend, holdout columns). Written literally it is two hash
aggregations: by customer *and* period (one group per purchase period, about as many
groups as transactions: 10 M on 10 M transactions), then by customer. The first one is
most of the cost: on 10 M transactions of 1 M customers it took about 3 of the 4.5 s of
CPU of the whole query.

This module computes the same columns with **one** aggregation by customer (1 M groups):

- the number of distinct purchase periods is ``list_unique(list(period))`` (DuckDB's
  count of the distinct values of the customer's list of periods: a small list per
  customer instead of a hash table of every (customer, period));
- the value of the first purchase period is ``sum(value) FILTER (period = first)``,
  where ``first`` is the customer's first period, joined to each transaction before the
  aggregation: read from the store's table of first orders (kept per store version,
  :func:`payback.metrics.scope.acquisitions`) when given, else computed from the
  transactions;
- the end of observation (the last period of the data) is the period of the last day of
  the transactions with a customer, a scalar subquery: a second scan of the transactions
  (without the join), cheaper than a window over the million aggregated customers;
- several summaries of the same transactions (daily and weekly periods, a calibration
  cut: the report's CLV fit and its model check) are columns of the same aggregation
  (:func:`onepass_exprs`): the join and the hash aggregation by customer are paid once.

Formulas (per customer, periods ``p`` of their transactions with values ``v``, first
period ``f``, calibration cut ``c`` = the end of observation without calibration)::

    n          = #distinct {p : p <= c}
    frequency  = n - 1
    recency    = (max {p : p <= c} - f) / scale
    T          = (c - f) / scale
    monetary   = (sum {v : p <= c} - sum {v : p = f}) / (n - 1)   (null when n = 1)
    frequency_holdout      = #distinct {p : p > c}
    monetary_value_holdout = sum {v : p > c} / frequency_holdout   (null when 0)

Only DuckDB (the ``list`` aggregate and ``list_unique`` are its functions); other
engines run the two aggregations of :func:`payback.clv.summary.summary_expr`.

Examples
--------
>>> import ibis
>>> from payback.clv.summary import summary_expr
>>> tx = ibis.memtable({"customer_id": ["a", "a", "a", "b"],
...                     "time": ["2024-01-01 10:00", "2024-01-01 18:00",
...                              "2024-01-05 09:00", "2024-01-03 12:00"],
...                     "revenue": [10.0, 5.0, 20.0, 7.0]})
>>> expr = summary_expr(tx, observation_end="2024-01-10")  # one aggregation on DuckDB
>>> "list_unique" in ibis.to_sql(expr, dialect="duckdb").lower()
True
>>> expr.order_by("customer_id").execute()[["customer_id", "frequency", "recency", "T",
...                                         "monetary_value"]]
  customer_id  frequency  recency    T  monetary_value
0           a        1.0      4.0  9.0            20.0
1           b        0.0      0.0  7.0             NaN
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from payback._lazy import lazy_module

ibis = lazy_module("ibis")
dt = lazy_module("ibis.expr.datatypes")
ir = lazy_module("ibis.expr.types")

__all__ = ["Periods", "onepass_expr", "onepass_exprs", "onepass_of", "runs_on_duckdb"]

_UDF: dict[str, Any] = {}


def _functions() -> tuple[Any, Any]:
    """DuckDB's ``list`` aggregate and ``list_unique`` as Ibis builtin functions (made once,
    on first use: Ibis is imported lazily)."""
    if not _UDF:

        @ibis.udf.agg.builtin(name="list")
        def list_of(value: dt.int64) -> dt.Array[dt.int64]:  # pragma: no cover - builtin
            """DuckDB ``list(value)``: the group's values (no ``IS NOT NULL`` filter)."""

        @ibis.udf.scalar.builtin(name="list_unique")
        def count_unique(values: dt.Array[dt.int64]) -> dt.int64:  # pragma: no cover
            """DuckDB ``list_unique(values)``: the number of distinct non-null values."""

        _UDF.update(list_of=list_of, count_unique=count_unique)
    return _UDF["list_of"], _UDF["count_unique"]


def runs_on_duckdb(table: ir.Table) -> bool:
    """True when ``table`` runs on DuckDB (a DuckDB store's table or an in-memory table).

    >>> import ibis
    >>> runs_on_duckdb(ibis.memtable({"a": [1]}))
    True
    """
    try:
        return table._find_backend(use_default=True).name == "duckdb"
    except Exception:  # an unbound table, or no default backend
        return False


@dataclass(frozen=True)
class Periods:
    """One summary of an aggregation: its periods and where they end.

    Attributes
    ----------
    period : callable
        ``period(day) -> integer period index`` of a date (Ibis) expression; never
        decreasing in ``day``.
    scale : float
        Periods per unit of recency and T.
    end_period : int, optional
        Last period observed; None: the period of the last day of the rows.
    cut_period : int, optional
        Last period of the calibration; given, adds the holdout columns.
    """

    period: Callable[[Any], Any]
    scale: float
    end_period: int | None = None
    cut_period: int | None = None


def onepass_expr(
    rows: ir.Table,
    firsts: ir.Table | None,
    *,
    customer_col: str,
    with_value: bool,
    periods: Periods,
) -> ir.Table:
    """The summary of :func:`payback.clv.summary.summary_expr` from its rows, in one
    aggregation by customer (:func:`onepass_exprs` with one summary)."""
    (summary,) = onepass_exprs(
        rows, firsts, customer_col=customer_col, with_value=with_value, summaries=(periods,)
    )
    return summary


def onepass_exprs(
    rows: ir.Table,
    firsts: ir.Table | None,
    *,
    customer_col: str,
    with_value: bool,
    summaries: Sequence[Periods],
) -> list[ir.Table]:
    """Summaries of :func:`payback.clv.summary.summary_expr` (one per item of
    ``summaries``: other periods, other calibration cuts) of the same rows, from **one**
    aggregation by customer: one join of the rows with the first purchases and one hash
    aggregation for all of them. An expression asking for several of them (a union of
    their groupings) computes it once.

    Parameters
    ----------
    rows : ibis.Table
        One row per transaction: ``customer, day, value``, already cut at the end of
        observation.
    firsts : ibis.Table, optional
        One row per customer: ``customer, first_day`` (the day of their first purchase
        among ``rows``); None computes it from ``rows``. Any other column of it (one value
        per customer, e.g. the acquisition source) is carried to every summary, after
        the summary's columns.
    customer_col : str
        Name of the customer column in the results.
    with_value : bool
        Whether to add the monetary columns.
    summaries : sequence of Periods
        The summaries asked for.

    Returns
    -------
    list of ibis.Table
        One per item of ``summaries``: the columns of
        :func:`payback.clv.summary.summary_expr`, in its order.
    """
    if firsts is None:
        firsts = rows.group_by("customer").aggregate(first_day=rows.day.min())
    carried = [c for c in firsts.columns if c not in ("customer", "first_day")]
    joined = rows.join(firsts, "customer")
    # customers without an id are the join's too: left out of the end of observation
    last_day = rows.filter(rows.customer.notnull()).day.max()
    return onepass_of(
        joined, customer=joined.customer, day=joined.day, value=joined.value,
        first_day=joined.first_day, carried={c: joined[c] for c in carried},
        last_day=last_day, customer_col=customer_col, with_value=with_value,
        summaries=summaries,
    )  # fmt: skip


def onepass_of(
    table: ir.Table,
    *,
    customer: ir.Value,
    day: ir.DateValue,
    value: ir.NumericValue,
    first_day: ir.DateValue,
    carried: dict[str, ir.Value],
    last_day: ir.DateScalar,
    customer_col: str,
    with_value: bool,
    summaries: Sequence[Periods],
) -> list[ir.Table]:
    """:func:`onepass_exprs` of transactions given as columns of ``table`` (each beside its
    customer's first purchase day, already joined), aggregated as ``table`` is: no
    projection between, so a statement that aggregates ``table`` otherwise too (the cohort
    cells, :func:`payback.clv.cohorts.orders_with_first`) joins once. ``carried``: one
    value per customer, carried to every summary; ``last_day``: the last day of the data
    (the end of observation of a summary without one)."""
    list_of, count_unique = _functions()
    columns = {
        "first_purchase": day.min(),
        "first_day": first_day.min(),
        **{c: v.arbitrary() for c, v in carried.items()},  # one value per customer
    }
    for i, spec in enumerate(summaries):
        p = spec.period(day).cast("int64")
        in_cal = None if spec.cut_period is None else p <= spec.cut_period
        columns[f"n_periods_{i}"] = count_unique(list_of(p, where=in_cal))
        columns[f"last_period_{i}"] = p.max(where=in_cal)
        if with_value:
            first = spec.period(first_day).cast("int64")
            columns[f"total_value_{i}"] = value.sum(where=in_cal)
            columns[f"first_value_{i}"] = value.sum(where=p == first)
        if spec.cut_period is not None:
            columns[f"n_holdout_{i}"] = count_unique(list_of(p, where=p > spec.cut_period))
            if with_value:
                columns[f"value_holdout_{i}"] = value.sum(where=p > spec.cut_period)
    summary = table.group_by(customer.name("customer")).aggregate(**columns)
    if any(spec.end_period is None for spec in summaries):
        # the last day of the data: a scalar subquery over the transactions (a scan), not a
        # window over every customer's row (which held them all in memory). Periods never
        # decrease with the day, so the last period is the last day's.
        summary = summary.mutate(last_day=last_day)
    return [
        _summary(summary, i, spec, customer_col, with_value, list(carried))
        for i, spec in enumerate(summaries)
    ]


def _summary(
    summary: ir.Table,
    i: int,
    spec: Periods,
    customer_col: str,
    with_value: bool,
    carried: list[str],
) -> ir.Table:
    """The ``i``-th summary's columns from the aggregation of :func:`onepass_exprs`."""
    first = spec.period(summary.first_day).cast("int64")
    if spec.end_period is not None:
        end = ibis.literal(spec.end_period)
    else:
        end = spec.period(summary.last_day).cast("int64")
    cut = ibis.literal(spec.cut_period) if spec.cut_period is not None else end
    if spec.cut_period is not None:  # customers whose first purchase is after the cut: left out
        summary = summary.filter(first <= spec.cut_period)
    n = summary[f"n_periods_{i}"]
    scale = spec.scale
    cols = {
        customer_col: summary.customer,
        "first_purchase": summary.first_purchase,
        "frequency": (n - 1).cast("float64"),
        "recency": (summary[f"last_period_{i}"] - first).cast("float64") / scale,
        "T": (cut - first).cast("float64") / scale,
    }
    if with_value:
        repeat_mean = (summary[f"total_value_{i}"] - summary[f"first_value_{i}"]) / (n - 1)
        cols["monetary_value"] = (n > 1).ifelse(repeat_mean, ibis.null("float64"))
    if spec.cut_period is None:
        return summary.select(**cols, **{c: summary[c] for c in carried})
    held = summary[f"n_holdout_{i}"].coalesce(0)
    cols["frequency_holdout"] = held.cast("float64")
    if with_value:
        cols["monetary_value_holdout"] = (held > 0).ifelse(
            summary[f"value_holdout_{i}"] / held, ibis.null("float64")
        )
    cols["duration_holdout"] = (end - cut).cast("float64") / scale
    return summary.select(**cols, **{c: summary[c] for c in carried})
