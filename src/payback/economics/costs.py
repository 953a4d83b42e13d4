"""The costs beside the ad spend in the ceilings: non-advertising costs per customer and
partner commissions, each over the orders the metric engine counts.

>>> from payback.economics.costs import NonAdCosts
>>> NonAdCosts(None, None, 0, None, None, "the costs table is empty").reason
'the costs table is empty'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from payback.errors import CurrencyError
from payback.metrics.sides import rows_in_scope
from payback.store import check_single_currency


@dataclass(frozen=True)
class NonAdCosts:
    """Result of :func:`non_ad_costs_per_customer`.

    Attributes
    ----------
    per_customer : float or None
        ``amount / customers`` (money); None with ``reason`` when unknown.
    amount : float or None
        Non-advertising costs of the window (None: the ``costs`` table is empty).
    customers : int
        Customers with a confirmed order in the window.
    first_month, last_month : str or None
        The window, ``YYYY-MM`` (both included).
    reason : str or None
        Why ``per_customer`` is missing.
    """

    per_customer: float | None
    amount: float | None
    customers: int
    first_month: str | None
    last_month: str | None
    reason: str | None = None


def non_ad_costs_per_customer(
    store: Any, *, horizon_months: int = 12, as_of: Any = None
) -> NonAdCosts:
    """Non-advertising costs per customer over the LTV horizon (DOMAIN.md section 3).

    ``other costs per customer = sum(costs.amount) / customers with a confirmed order``,
    both over the same window: the last ``horizon_months`` complete calendar months of the
    data (ending with the month of ``as_of`` if it is that month's last day, else the
    month before; default ``as_of``: the last confirmed order, as the cohort curves). A
    cost counts in the month of its period start ``date``; money in the store's currency.
    With a 12-month horizon this is DOMAIN's "yearly non-advertising costs / yearly
    customers", the per-customer cost of the same 12 months the historical LTV covers.

    Returns
    -------
    NonAdCosts
        ``per_customer`` is None, with the reason, when the ``costs`` table is empty, when
        it starts after the window's first month (fewer months of costs than the horizon)
        or when no customer bought in the window.

    Raises
    ------
    payback.errors.CurrencyError
        When the costs are in a currency other than the store's.

    Examples
    --------
    DOMAIN.md: in a year, 500 customers and non-advertising costs of 5,000,000.

    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write({
    ...     "orders": pa.table({"order_id": [f"o{i}" for i in range(500)],
    ...         "customer_id": [f"c{i}" for i in range(500)],
    ...         "time": [dt.datetime(2024, 1 + i % 12, 28) for i in range(500)],
    ...         "revenue": [20_000.0] * 500, "status": ["confirmed"] * 500,
    ...         "currency": ["EUR"] * 500}),
    ...     "costs": pa.table({"date": [dt.date(2024, m, 1) for m in range(1, 13)],
    ...         "category": ["rent"] * 12, "amount": [5_000_000 / 12] * 12,
    ...         "currency": ["EUR"] * 12})}, meta={"base_currency": "EUR"})
    >>> costs = non_ad_costs_per_customer(store, horizon_months=12, as_of="2024-12-31")
    >>> round(costs.per_customer, 2), costs.customers, costs.first_month, costs.last_month
    (10000.0, 500, '2024-01', '2024-12')
    """
    from payback.cache import per_store_version

    key = ("economics.non_ad_costs", int(horizon_months), None if as_of is None else str(as_of))
    return per_store_version(
        store, key, lambda: _non_ad_costs(store, horizon_months=horizon_months, as_of=as_of)
    )


def _non_ad_costs(store: Any, *, horizon_months: int, as_of: Any) -> NonAdCosts:
    """:func:`non_ad_costs_per_customer`, computed (three to five queries)."""
    from payback.clv.cohorts import last_complete_month, month_label
    from payback.metrics.scope import confirmed_orders

    costs = store.table("costs")
    try:
        check_single_currency(store, "costs", what="the costs table")
    except CurrencyError as e:
        raise CurrencyError(f"{e}; or give other_costs_per_customer") from None
    horizon = int(horizon_months)
    if int(store.execute(costs.count())) == 0:
        return NonAdCosts(None, None, 0, None, None, "the costs table is empty")
    orders = confirmed_orders(store)
    end = as_of if as_of is not None else store.execute(orders.time.max())
    if end is None or pd.isna(end):
        return NonAdCosts(None, None, 0, None, None, "no confirmed orders")
    last = last_complete_month(end)
    first = last - horizon + 1
    lo = dt.date(first // 12, first % 12 + 1, 1)
    hi = dt.date((last + 1) // 12, (last + 1) % 12 + 1, 1)  # first day after the window
    window = (month_label(first), month_label(last))
    in_window = costs.filter((costs.date >= lo) & (costs.date < hi))
    amount = float(store.execute(in_window.amount.sum()) or 0.0)
    buyers = orders.filter(
        (orders.time >= dt.datetime.combine(lo, dt.time()))
        & (orders.time < dt.datetime.combine(hi, dt.time()))
    )
    customers = int(store.execute(buyers.customer_id.nunique()))
    since = pd.Timestamp(store.execute(costs.date.min()))
    started = since.year * 12 + since.month - 1
    if started > first:
        why = (
            f"the costs table starts in {month_label(started)}: fewer than the "
            f"{horizon} months of the horizon ({window[0]} to {window[1]}) have costs; give "
            f"other_costs_per_customer or a shorter horizon_months"
        )
        return NonAdCosts(None, amount, customers, *window, why)
    if customers == 0:
        why = f"no customer has a confirmed order from {window[0]} to {window[1]}"
        return NonAdCosts(None, amount, 0, *window, why)
    return NonAdCosts(amount / customers, amount, customers, *window)


def orders_in_scope(
    store: Any,
    *,
    where: Mapping[str, Any] | Sequence[str] | None = None,
    start: Any = None,
    end: Any = None,
):
    """Confirmed orders of the period ``start .. end`` (days included, by ``time``) and of
    the ``where`` filters: the metric engine's own order side
    (:func:`payback.metrics.sides.rows_in_scope`, with its case-insensitive platform match
    and its date truncation), the orders whose actual costs the ceilings compare.

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write({"orders": pa.table({"order_id": ["1", "2", "3"],
    ...     "customer_id": ["a", "b", "c"], "time": [dt.datetime(2024, 1, 5)] * 3,
    ...     "revenue": [10.0] * 3, "status": ["confirmed", "confirmed", "cancelled"],
    ...     "currency": ["EUR"] * 3, "platform": ["Google", "meta", "google"]})})
    >>> rows = orders_in_scope(store, where=["platform=google"], start="2024-01-01")
    >>> store.execute(rows.order_id).tolist()  # "Google" matches; order 3 was cancelled
    ['1']
    """
    return rows_in_scope("orders", store, where=where, start=start, end=end)


def partner_commissions(
    store: Any,
    *,
    where: Mapping[str, Any] | Sequence[str] | None = None,
    start: Any = None,
    end: Any = None,
) -> pd.Series:
    """Commission owed per partner: the reconciled claims on the orders of the scope.

    Each claim is reconciled against the shop's orders (:func:`payback.partners.reconcile`,
    default 30-day window): a confirmed claim is owed as claimed, a claim whose revenue
    differs is owed scaled to the shop's revenue, every other claim (unknown, duplicate,
    claimed by two partners, cancelled, returned, pending, outside the window, not
    attributed, on an existing customer) is owed nothing. Only claims on the orders of
    the period (``start .. end``, both days included, by the **order's** time) and of the
    ``where`` filters count, so that the commission and the new customers it is divided
    by are of the same orders.

    Parameters
    ----------
    store : payback.store.Store
    where, start, end
        Filters of :func:`payback.metrics.compute_metrics`.

    Returns
    -------
    pandas.Series
        Commission (money, the claims' currency) indexed by ``partner_id``; partners
        without a claim on the scope's orders are absent.

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> jan, feb = dt.datetime(2024, 1, 5), dt.datetime(2024, 2, 5)
    >>> _ = store.write({
    ...     "orders": pa.table({"order_id": ["1", "2", "3"], "customer_id": ["a", "b", "c"],
    ...         "time": [jan, feb, jan], "revenue": [100.0] * 3,
    ...         "status": ["confirmed", "confirmed", "cancelled"], "currency": ["EUR"] * 3,
    ...         "partner_id": ["P1", "P1", "P2"]}),
    ...     "partner_claims": pa.table({"claim_id": ["k1", "k2", "k3", "k4"],
    ...         "partner_id": ["P1", "P1", "P1", "P2"], "order_id": ["1", "1", "2", "3"],
    ...         "time": [jan, jan, feb, jan], "revenue": [100.0, 100.0, 50.0, 100.0],
    ...         "commission": [10.0, 10.0, 7.0, 5.0], "currency": ["EUR"] * 4})})
    >>> partner_commissions(store).to_dict()  # k2 repeats k1; k3 claims 50 of 100
    {'P1': 24.0}
    >>> partner_commissions(store, start="2024-01-01", end="2024-01-31").to_dict()
    {'P1': 10.0}
    """
    from payback.partners.reconcile import shared_reconcile

    orders = orders_in_scope(store, where=where, start=start, end=end)
    claimed = store.table("partner_claims").select("order_id")
    scope = store.execute(orders.semi_join(claimed, "order_id").order_id).astype(str)
    claims = shared_reconcile(store).claims.frame
    claims = claims[claims["order_id"].isin(set(scope))]
    return claims.groupby("partner_id")["owed_commission"].sum().astype(float).sort_index()
