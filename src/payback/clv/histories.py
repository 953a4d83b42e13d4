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
    "spend_note",
    "weighted_mean",
]


def customer_expr(store, by: str | None, as_of: Any, freq: str = "D"):
    """One row per customer (Ibis expression): ``customer_id``, the summary at ``freq``
    (:func:`payback.clv.customer_summary`), ``first_order_revenue`` and ``source`` (the
    acquisition ``by``, or ``"all"``)."""
    from payback.clv.cohorts import acquisition_expr, source_expr
    from payback.clv.summary import customer_summary, summary_with_first_orders

    def source(acq):  # of the first orders or acquisition_expr's rows
        return source_expr(acq, by) if by else acq.customer_id.isnull().ifelse("all", "all")

    # where the store keeps the first orders, the summary's one join with them brings
    # the source and first order along (not a second join of a million customers)
    kept = summary_with_first_orders(
        store, lambda first: {"first_order_revenue": first.revenue, "source": source(first)},
        freq=freq, observation_end=as_of,
    )  # fmt: skip
    if kept is not None:
        return kept
    summary = customer_summary(store, freq=freq, observation_end=as_of)
    acq = acquisition_expr(store)
    acq = acq.select("customer_id", "first_order_revenue", source=source(acq))
    return summary.join(acq, "customer_id")


def customer_histories(store, by: str | None, as_of: Any, freq: str = "D"):
    """Distinct histories ``HISTORY`` with ``weights`` (customers, float) and
    ``first_order_revenue`` (their sum), grouped in the engine, sorted by ``HISTORY``
    (nulls last) so that every engine gives the fits the same rows in the same order.

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
    rows = customer_expr(store, by, as_of, freq)
    grouped = rows.group_by(list(HISTORY)).aggregate(
        weights=rows.count().cast("float64"),
        first_order_revenue=rows.first_order_revenue.sum().cast("float64"),
    )
    frame = store.execute(grouped)
    frame = frame.sort_values(list(HISTORY), na_position="last", kind="mergesort")
    return frame.reset_index(drop=True)


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
