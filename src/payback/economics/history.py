"""Simulator inputs fitted on the store's history: the budget response and the retention.

- :func:`fit_response` fits ``customers = k x budget^beta`` by least squares on
  ``ln customers = ln k + beta ln budget`` over months with spend and new customers;
  :func:`response_from_store` takes those months from the metric engine (ad cost and
  new customers of the rows that have ad statistics, summed per month).
- :func:`retention_from_store` fits the sBG model (:func:`payback.clv.fit_sbg_records`)
  on the ``subscriptions`` table, read by :func:`payback.clv.summary.subscription_records`
  and grouped in the store (one row per distinct history, with a weight).

Examples
--------
>>> r = fit_response([10_000, 40_000, 90_000], [200, 400, 600])
>>> round(r.k, 6), round(r.beta, 6), r.n_points
(2.0, 0.5, 3)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from payback.economics.simulator import PowerResponse
from payback.errors import InputError


def fit_response(budget: Sequence[float], customers: Sequence[float]) -> PowerResponse:
    """Fit ``customers = k x budget^beta`` (log-log least squares).

    Parameters
    ----------
    budget, customers : sequence of float
        Ad spend and new customers of each period (month). Periods without spend or
        without new customers carry no information on the curve and are left out.

    Returns
    -------
    PowerResponse
        With ``n_points`` (periods used) and ``r_squared`` (on the log scale).

    Raises
    ------
    payback.errors.InputError
        Fewer than two usable periods, or all at the same budget.
    """
    x = np.asarray(budget, dtype=float)
    y = np.asarray(customers, dtype=float)
    if x.shape != y.shape:
        raise InputError(f"fit_response: {x.size} budgets but {y.size} customer counts")
    keep = (x > 0) & (y > 0) & np.isfinite(x) & np.isfinite(y)
    lx, ly = np.log(x[keep]), np.log(y[keep])
    if lx.size < 2 or np.ptp(lx) == 0:
        raise InputError(
            f"the response curve customers = k x budget^beta needs at least two periods with "
            f"different spend and some new customers; found {lx.size}. "
            f"Fix: give --k and --beta, or a constant --cpo"
        )
    beta, log_k = np.polyfit(lx, ly, 1)
    fitted = log_k + beta * lx
    ss_res = float(np.sum((ly - fitted) ** 2))
    ss_tot = float(np.sum((ly - ly.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    if beta <= 0:
        raise InputError(
            f"the history gives a response curve with beta = {beta:.3f} <= 0 (more spend, no "
            f"more customers): it cannot drive a projection. Fix: give --k and --beta or --cpo"
        )
    return PowerResponse(k=float(np.exp(log_k)), beta=float(beta), n_points=int(lx.size),
                         r_squared=r2)  # fmt: skip


def response_from_store(
    store: Any,
    *,
    where: Mapping[str, Any] | Sequence[str] | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
) -> PowerResponse:
    """Fit the budget response on the store: monthly ad cost against new customers.

    Only rows with ad statistics count (month x platform rows with a cost), so organic and
    partner customers do not inflate the curve.
    """
    from payback.metrics import compute_metrics

    result = compute_metrics(
        store,
        by=("month", "platform"),
        metrics=("cost", "new_customers"),
        where=where,
        start=start,
        end=end,
        totals=False,
    )
    f = result.frame
    f = f[f["cost"].notna() & (f["cost"] > 0)]
    monthly = f.groupby("month", dropna=False)[["cost", "new_customers"]].sum()
    return fit_response(monthly["cost"].to_numpy(float), monthly["new_customers"].to_numpy(float))


def retention_from_store(store: Any, *, as_of: dt.date | str | None = None):
    """Fit the sBG retention model on the store's subscriptions (a :class:`payback.clv.SBGFit`).

    The records are :func:`payback.clv.summary.subscription_records` (monthly periods),
    grouped in the engine into distinct ``(periods, churned)`` histories with a weight.

    Raises
    ------
    payback.errors.InputError
        When the store holds no subscriptions.
    """
    from payback.clv import fit_sbg_records
    from payback.clv.summary import subscription_records

    records = subscription_records(store, as_of=as_of)
    grouped = records.group_by(["periods", "churned"]).aggregate(weight=records.count())
    rec = store.execute(grouped.order_by(["churned", "periods"]))
    if rec.empty:
        raise InputError(
            "no subscriptions in the store to fit retention on. Fix: import them "
            "(`payback import subscriptions FILE`) or give --retention / --alpha --beta-sbg"
        )
    return fit_sbg_records(
        rec["periods"].to_numpy(int), rec["churned"].to_numpy(bool), rec["weight"].to_numpy(float)
    )


def fit_from_store(
    store: Any, *, retention: bool = False, response: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fit the simulator's inputs on the store: the sBG retention of its subscriptions
    (:func:`retention_from_store`) and the response curve of its monthly ad cost and new
    customers (:func:`response_from_store`), each when asked.

    Returns
    -------
    tuple of dict
        ``(inputs, fitted)``: ``inputs`` holds the fitted objects under the keys of a
        scenario (``"retention"``, ``"response"``: merge them into the scenario's base);
        ``fitted`` describes each fit as plain values (model, parameters, data size).

    Examples
    --------
    >>> from payback.store import open_store
    >>> fit_from_store(open_store(":memory:"))
    ({}, {})
    """
    inputs: dict[str, Any] = {}
    fitted: dict[str, Any] = {}
    if retention:
        sbg = inputs["retention"] = retention_from_store(store)
        fitted["retention"] = {
            "model": "sBG",
            "alpha": sbg.alpha,
            "beta": sbg.beta,
            "subscriptions": round(sbg.n_customers),
            "period": "month",
        }
    if response:
        curve = inputs["response"] = response_from_store(store)
        fitted["response"] = {
            "model": "new customers = k x budget^beta",
            "k": curve.k,
            "beta": curve.beta,
            "months": curve.n_points,
            "r_squared": curve.r_squared,
        }
    return inputs, fitted
