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
- the end of observation (the last period of the data) is the largest period of the
  transactions with a customer, a scalar subquery: a second scan of the transactions
  (without the join), cheaper than a window over the million aggregated customers.

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

from typing import Any

from payback._lazy import lazy_module

ibis = lazy_module("ibis")
dt = lazy_module("ibis.expr.datatypes")
ir = lazy_module("ibis.expr.types")

__all__ = ["onepass_expr", "runs_on_duckdb"]

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


def _last_period(rows: ir.Table) -> ir.IntegerScalar:
    """The last period of ``rows`` with a customer: the end of observation when none is
    given (the last period any summarised customer bought in)."""
    return rows.filter(rows.customer.notnull()).period.max()


def onepass_expr(
    rows: ir.Table,
    firsts: ir.Table | None,
    *,
    customer_col: str,
    with_value: bool,
    scale: float,
    end_period: int | None,
    cut_period: int | None,
) -> ir.Table:
    """The summary of :func:`payback.clv.summary.summary_expr` from its rows, in one
    aggregation by customer.

    Parameters
    ----------
    rows : ibis.Table
        One row per transaction: ``customer, day, value, period`` (integer period
        index), already cut at the end of observation.
    firsts : ibis.Table, optional
        One row per customer: ``customer, first_period`` (the period of their first
        purchase among ``rows``); None computes it from ``rows``. Any other column of it
        (one value per customer, e.g. the acquisition source) is carried to the result,
        after the summary's columns.
    customer_col : str
        Name of the customer column in the result.
    with_value : bool
        Whether to add the monetary columns.
    scale : float
        Periods per unit of recency and T.
    end_period : int, optional
        Last period observed; None: the last period of ``rows``.
    cut_period : int, optional
        Last period of the calibration; given, adds the holdout columns.

    Returns
    -------
    ibis.Table
        The columns of :func:`payback.clv.summary.summary_expr`, in its order.
    """
    list_of, count_unique = _functions()
    period = rows.period.cast("int64")
    rows = rows.mutate(period=period)
    if firsts is None:
        firsts = rows.group_by("customer").aggregate(first_period=rows.period.min())
    carried = [c for c in firsts.columns if c not in ("customer", "first_period")]
    joined = rows.join(firsts, "customer")
    p = joined.period
    in_cal = None if cut_period is None else p <= cut_period
    summary = joined.group_by("customer").aggregate(
        first_purchase=joined.day.min(),
        first_period=joined.first_period.min(),
        n_periods=count_unique(list_of(p, where=in_cal)),
        last_period=p.max(where=in_cal),
        total_value=joined.value.sum(where=in_cal),
        first_value=joined.value.sum(where=p == joined.first_period),
        **{c: joined[c].arbitrary() for c in carried},  # one value per customer
        **(
            {}
            if cut_period is None
            else {
                "n_holdout": count_unique(list_of(p, where=p > cut_period)),
                "value_holdout": joined.value.sum(where=p > cut_period),
            }
        ),
    )
    # the last period of the data: a scalar subquery over the transactions (a scan, no
    # join), not a window over every customer's row (which held them all in memory);
    # customers without an id are the join's too: left out of both
    end = ibis.literal(end_period) if end_period is not None else _last_period(rows)
    cut = ibis.literal(cut_period) if cut_period is not None else end
    summary = summary.mutate(end_period=end)
    if cut_period is not None:  # customers whose first purchase is after the cut: left out
        summary = summary.filter(summary.first_period <= cut_period)
    n = summary.n_periods
    repeat_mean = (summary.total_value - summary.first_value) / (n - 1)
    cols = {
        customer_col: summary.customer,
        "first_purchase": summary.first_purchase,
        "frequency": (n - 1).cast("float64"),
        "recency": (summary.last_period - summary.first_period).cast("float64") / scale,
        "T": (cut - summary.first_period).cast("float64") / scale,
    }
    if with_value:
        cols["monetary_value"] = (n > 1).ifelse(repeat_mean, ibis.null("float64"))
    if cut_period is None:
        return summary.select(**cols, **{c: summary[c] for c in carried})
    held = summary.n_holdout.coalesce(0)
    cols["frequency_holdout"] = held.cast("float64")
    if with_value:
        cols["monetary_value_holdout"] = (held > 0).ifelse(
            summary.value_holdout / held, ibis.null("float64")
        )
    cols["duration_holdout"] = (summary.end_period - cut).cast("float64") / scale
    return summary.select(**cols, **{c: summary[c] for c in carried})
