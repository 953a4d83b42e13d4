"""Win-back: customers slipping away whose value, were they won back, is still high.

From :func:`payback.clv.predict_ltv` (the count model and Gamma-Gamma fit of the CLV
capability; nothing is refitted here), per customer ``p_alive`` and ``clv``, the
expected value over the horizon. These models' expected purchases are P(alive) times
the purchases expected of an alive customer, so::

    value_if_alive = clv / p_alive             (what the customer is worth when alive)
    winback_value  = value_if_alive - clv       (= clv (1 - p_alive) / p_alive)

``winback_value`` is the expected value added by bringing the customer back to alive
(multiply it by your campaign's success rate). The list holds the customers with
``p_alive < max_p_alive`` and ``value_if_alive`` at least ``min_value`` (default: the
``value_quantile`` quantile of ``value_if_alive`` over all customers), ranked by
``winback_value``, with their RFM segment (:func:`payback.segments.rfm_expr`) to send to
a CRM. A customer with ``p_alive = 0`` has no ``value_if_alive`` (zero denominator) and
is not listed.

Examples
--------
>>> from payback.demo import generate_shop
>>> from payback.store import open_store
>>> store = open_store(":memory:")
>>> _ = store.write(generate_shop(600, seed=3).tables)
>>> result = winback(store, max_p_alive=0.5)
>>> frame = result.customers.frame
>>> bool((frame.p_alive < 0.5).all() and (frame.value_if_alive >= result.min_value).all())
True
>>> bool(frame.winback_value.is_monotonic_decreasing)
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from payback._lazy import lazy_module
from payback.errors import InputError
from payback.present import Table

if TYPE_CHECKING:
    import pandas as pd

    from payback.store import Store
else:
    pd = lazy_module("pandas")
np = lazy_module("numpy")

__all__ = ["WinbackResult", "winback"]

UNITS = {
    "frequency": "count",
    "monetary": "money",
    "recency_days": "count",
    "p_alive": "rate",
    "predicted_clv": "money",
    "value_if_alive": "money",
    "winback_value": "money",
}


@dataclass(frozen=True)
class WinbackResult:
    """Result of :func:`winback`.

    Attributes
    ----------
    customers : payback.present.Table
        One row per customer to win back, the most valuable first: ``customer_id,
        segment, last_order, recency_days, frequency, monetary, p_alive, predicted_clv,
        value_if_alive, winback_value``.
    min_value : float
        The ``value_if_alive`` threshold used.
    total_value : float
        Sum of ``winback_value`` over the list.
    model : str
        The count model of the predictions.
    """

    customers: Table
    min_value: float
    total_value: float
    model: str


def winback(
    store: Store,
    *,
    max_p_alive: float = 0.5,
    min_value: float | None = None,
    value_quantile: float = 0.5,
    horizon_months: float = 12.0,
    model: str = "mbgnbd",
    as_of: Any = None,
) -> WinbackResult:
    """The customers to win back and the expected value of winning each back.

    Parameters
    ----------
    store : payback.store.Store
    max_p_alive : float
        Listed customers have a P(alive) below it (0..1).
    min_value : float, optional
        Fewest ``value_if_alive`` (in the orders' currency).
    value_quantile : float
        Without ``min_value``: that quantile of ``value_if_alive`` over all customers.
    horizon_months : float
        Horizon of the predicted values.
    model : {"mbgnbd", "bgnbd", "pareto"}
        Count model (MBG/NBD by default: BG/NBD calls every one-time buyer alive).
    as_of : date, optional
        End of observation.

    Returns
    -------
    WinbackResult

    Raises
    ------
    payback.errors.InputError
        Thresholds out of range, no confirmed orders.
    payback.errors.ModelFitError
        When the CLV models cannot be fitted.
    """
    from payback.clv import predict_ltv
    from payback.segments.rfm import rfm_as_of, rfm_expr
    from payback.store import check_single_currency

    if not 0.0 < max_p_alive <= 1.0 or not 0.0 <= value_quantile <= 1.0:
        raise InputError(
            f"max_p_alive must lie in (0, 1] and value_quantile in [0, 1], got "
            f"max_p_alive={max_p_alive}, value_quantile={value_quantile}"
        )
    currency = check_single_currency(store, "orders") or store.base_currency
    day = rfm_as_of(store, as_of)
    pred = predict_ltv(store, horizon_months=horizon_months, model=model, as_of=day)
    frame = pred.customers.frame
    p_alive = frame.p_alive.astype("float64").to_numpy()
    clv = frame.clv.astype("Float64").astype("float64").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        if_alive = np.where(p_alive > 0, clv / p_alive, np.nan)
    values = pd.DataFrame(
        {
            "customer_id": frame.customer_id.astype(str),
            "p_alive": p_alive,
            "predicted_clv": clv,
            "value_if_alive": if_alive,
            "winback_value": if_alive - clv,
        }
    )
    known = values.value_if_alive.dropna()
    if min_value is None:
        threshold = float(known.quantile(value_quantile)) if len(known) else 0.0
    else:
        threshold = float(min_value)
    chosen = values[(values.p_alive < max_p_alive) & (values.value_if_alive >= threshold)]
    members = store.execute(
        rfm_expr(store, as_of=day).select(
            "customer_id", "segment", "last_order", "recency_days", "frequency", "monetary"
        )
    )
    out = members.merge(chosen, on="customer_id", how="inner")
    out = out.sort_values(["winback_value", "customer_id"], ascending=[False, True])
    out = out.reset_index(drop=True)
    return WinbackResult(
        customers=Table(out, UNITS, {}, currency),
        min_value=threshold,
        total_value=float(out.winback_value.sum()),
        model=pred.model,
    )
