"""The customers :func:`payback.clv.predict_ltv` fits on, per customer or compressed in
the engine to distinct histories.

A customer's predicted value depends on their history alone: the acquisition source,
``x`` repeat purchases, ``t_x`` the period of the last, ``T`` their age and ``m`` the mean
repeat spend. Customers with the same ``(source, x, t_x, T, m)`` get the same
prediction, so the fits and the per-source results need one row per distinct history
with ``weights`` (its customers) and the sum of their first orders. That table is
grouped where the data is (DuckDB, or the Spark executors): at weekly periods a million
customers are a few tens of thousands of rows; most one-time buyers share a history.
Only a per-customer output (``ltv predict --customers``) fetches one row per customer.

Weighted means give the per-source results of the per-customer table:

.. math::

    \\bar v = \\frac{\\sum_h w_h v_h}{\\sum_h w_h}, \\qquad
    \\bar f = \\frac{\\sum_h F_h}{\\sum_h w_h}

for a value ``v_h`` of history ``h`` shared by its ``w_h`` customers and ``F_h`` the sum of
their first orders.
"""

from __future__ import annotations

from typing import Any

from payback._lazy import lazy_module

np = lazy_module("numpy")
pd = lazy_module("pandas")

#: The columns one history is the same on (its source and the models' statistics).
HISTORY = ("source", "frequency", "recency", "T", "monetary_value")

__all__ = [
    "HISTORY",
    "customer_expr",
    "customer_histories",
    "customers_in",
    "histories_beside",
    "histories_expr",
    "spend_note",
    "weighted_mean",
]


def _source(by: str | None):
    """``acq -> source`` of the first orders (or of
    :func:`payback.clv.cohorts.acquisition_expr`'s rows): the acquisition ``by``, or
    ``"all"``."""
    from payback.clv.cohorts import source_expr

    def source(acq):
        return source_expr(acq, by) if by else acq.customer_id.isnull().ifelse("all", "all")

    return source


def _carried(by: str | None):
    """``first -> {first_order_revenue, source}`` of the store's first orders: the columns
    the summary's join with them brings along."""
    source = _source(by)
    return lambda first: {"first_order_revenue": first.revenue, "source": source(first)}


def customer_expr(store, by: str | None, as_of: Any, freq: str = "D"):
    """One row per customer (Ibis expression): ``customer_id``, the summary at ``freq``
    (:func:`payback.clv.customer_summary`), ``first_order_revenue`` and ``source`` (the
    acquisition ``by``, or ``"all"``)."""
    from payback.clv.cohorts import acquisition_expr
    from payback.clv.summary import customer_summary, summary_with_first_orders

    # where the store keeps the first orders, the summary's one join with them brings
    # the source and first order along (not a second join of a million customers)
    kept = summary_with_first_orders(store, _carried(by), freq=freq, observation_end=as_of)
    if kept is not None:
        return kept
    summary = customer_summary(store, freq=freq, observation_end=as_of)
    acq = acquisition_expr(store)
    acq = acq.select("customer_id", "first_order_revenue", source=_source(by)(acq))
    return summary.join(acq, "customer_id")


def histories_expr(rows):
    """The distinct histories of per-customer ``rows`` (of :func:`customer_expr`):
    ``HISTORY`` with ``weights`` (customers, float) and ``first_order_revenue`` (their
    sum), a grouping the engine runs."""
    return rows.group_by(list(HISTORY)).aggregate(
        weights=rows.count().cast("float64"),
        first_order_revenue=rows.first_order_revenue.sum().cast("float64"),
    )


def _in_order(frame):
    """Histories sorted by ``HISTORY`` (nulls last): every engine gives the fits the same
    rows in the same order."""
    frame = frame.sort_values(list(HISTORY), na_position="last", kind="mergesort")
    return frame.reset_index(drop=True)


def customer_histories(store, by: str | None, as_of: Any, freq: str = "D"):
    """Distinct histories ``HISTORY`` with ``weights`` (customers, float) and
    ``first_order_revenue`` (their sum), grouped in the engine, sorted by ``HISTORY``
    (nulls last) so that every engine gives the fits the same rows in the same order.

    Without ``as_of`` they depend on the store's data only: computed once per store
    version (:func:`payback.cache.per_store_version`; each caller gets its own copy),
    or beside another summary of the same orders (:func:`histories_beside`).

    Examples
    --------
    >>> from payback.demo import generate_shop
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write(generate_shop(400, seed=2).tables)
    >>> table = customer_histories(store, "channel", None, "W")
    >>> customers = store.execute(customer_expr(store, "channel", None, "W"))
    >>> int(table.weights.sum()) == len(customers), len(table) < len(customers)
    (True, True)
    >>> bool(np.isclose(table.first_order_revenue.sum(), customers.first_order_revenue.sum()))
    True
    """

    def compute():
        return _in_order(store.execute(histories_expr(customer_expr(store, by, as_of, freq))))

    if as_of is not None:
        return compute()
    from payback.cache import per_store_version

    return per_store_version(store, (*_KEY, by, freq), compute).copy()


_KEY = ("clv.customer_histories",)


def histories_beside(
    store, by: str | None, freq: str, other: tuple[str, Any], group, *, cells: bool = False
):
    """``group(summary)`` of the customer summary at ``other = (freq, calibration_end)``
    (:func:`payback.clv.customer_summary`), computed in **one** statement with the
    whole-history :func:`customer_histories` ``(by, freq)`` and, with ``cells``, the
    cohort cells (:func:`payback.clv.cohorts.cell_expr`), those of them not kept yet: one
    join of the orders with the first orders for all
    (:func:`payback.clv.cohorts.orders_with_first`), one aggregation by customer for both
    summaries (:func:`payback.clv.summary.summaries_with_first_orders`). The histories and
    cells are kept per store version for the fit and the cohort tables that ask for them.
    Alone when the store keeps no first orders.

    The report's model check (a weekly summary with a calibration cut, grouped by
    history and holdout), its CLV fit (the daily histories by platform) and its cohort
    curves read the same orders: at 1 M customers one statement instead of three saves
    two joins of 3 M orders and one aggregation of them by customer.

    Examples
    --------
    >>> import tempfile
    >>> from payback.clv import customer_summary
    >>> from payback.demo import generate_shop
    >>> from payback.store import open_store
    >>> def by_frequency(rows):
    ...     return rows.group_by("frequency").aggregate(customers=rows.count())
    >>> with tempfile.TemporaryDirectory() as tmp, open_store(f"{tmp}/s.duckdb") as store:
    ...     _ = store.write(generate_shop(400, seed=2).tables)
    ...     check = histories_beside(store, "platform", "D", ("W", "2024-12-31"), by_frequency)
    ...     alone = store.execute(by_frequency(
    ...         customer_summary(store, freq="W", calibration_end="2024-12-31")))
    ...     kept = customer_histories(store, "platform", None, "D")  # kept: no query
    ...     fresh = histories_expr(customer_expr(store, "platform", None, "D"))
    ...     fresh = store.execute(fresh)
    >>> check.sort_values("frequency", ignore_index=True).equals(
    ...     alone.sort_values("frequency", ignore_index=True))
    True
    >>> int(kept.weights.sum()) == int(fresh.weights.sum()), len(kept) == len(fresh)
    (True, True)
    """
    from payback.cache import kept_per_store_version, per_store_version
    from payback.clv import cohorts
    from payback.clv.summary import customer_summary, summaries_with_first_orders

    freq_other, calibration_end = other
    both = summaries_with_first_orders(store, _carried(by), [(freq, None), other])
    if both is None:
        return store.execute(
            group(customer_summary(store, freq=freq_other, calibration_end=calibration_end))
        )
    key = (*_KEY, by, freq)
    wanted = {}
    if cells and not kept_per_store_version(store, cohorts.CELLS_KEY):
        wanted["cells"] = cohorts.cell_expr(store)[0]
    if not kept_per_store_version(store, key):
        wanted["histories"] = histories_expr(both[0])
    wanted["other"] = group(both[1])
    frames = dict(zip(wanted, _together(store, *wanted.values()), strict=True))
    if "histories" in frames:
        per_store_version(store, key, lambda: _in_order(frames["histories"]))
    if "cells" in frames:
        cohorts._cells(store, frames["cells"])
    return frames["other"]


def _together(store, *exprs):
    """Frames of several table expressions from one statement (a union of them with
    typed nulls for the columns one lacks; a column two of them have must have one
    type): a subexpression they share runs once. Each frame is what
    :meth:`payback.store.Store.execute` gives for its expression alone; on an engine
    other than DuckDB each runs by itself."""
    import ibis
    import pyarrow.compute as pc

    from payback.storage import arrow_frame

    if store.engine != "duckdb":
        return [store.execute(expr) for expr in exprs]
    names: dict[str, Any] = {}
    for expr in exprs:
        names.update({n: t for n, t in expr.schema().items() if n not in names})
    parts = [
        expr.select(
            _part=ibis.literal(i, "int8"),
            **{n: expr[n] if n in expr.columns else ibis.null(t) for n, t in names.items()},
        )
        for i, expr in enumerate(exprs)
    ]
    table = store.to_pyarrow(ibis.union(*parts, distinct=False))
    return [
        arrow_frame(table.filter(pc.equal(table["_part"], i)).select(expr.columns), expr)
        for i, expr in enumerate(exprs)
    ]


def customers_in(part) -> int:
    """Customers a table holds: the sum of its ``weights``, else its rows.

    >>> customers_in(pd.DataFrame({"weights": [2.0, 3.0]})), customers_in(pd.DataFrame({"a": [1]}))
    (5, 1)
    """
    return round(float(part["weights"].sum())) if "weights" in part else len(part)


def weighted_mean(values, weights) -> float:
    """The mean of ``values`` over customers: ``sum(w v) / sum(w)``; the plain mean when
    ``weights`` is None (one row per customer).

    >>> weighted_mean(np.array([1.0, 4.0]), np.array([3.0, 1.0])), weighted_mean(np.ones(2), None)
    (1.75, 1.0)
    """
    if weights is None:
        return float(values.mean())
    return float(np.asarray(weights, float) @ np.asarray(values, float) / np.sum(weights))


def spend_note(store, frame, by: str | None, as_of: Any, freq: str = "D") -> str | None:
    """:func:`payback.clv.gamma_gamma.zero_spend_note` for ``frame``, per customer or
    distinct histories: for histories, the repeat buyers without spend (few: free repeat
    orders) are fetched from the engine by themselves, so the note names them."""
    from payback.clv.gamma_gamma import zero_spend, zero_spend_note

    if "weights" not in frame or not zero_spend(frame.frequency, frame.monetary_value).any():
        return zero_spend_note(frame)
    rows = customer_expr(store, by, as_of, freq)
    free = rows.filter((rows.frequency > 0) & (rows.monetary_value <= 0))
    return zero_spend_note(
        store.execute(
            free.select("customer_id", "frequency", "monetary_value").order_by("customer_id")
        )
    )
