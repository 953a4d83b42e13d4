"""Simulator inputs fitted on the store's history: the budget response and the retention.

- :func:`fit_response` fits ``customers = k x budget^beta`` by least squares on
  ``ln customers = ln k + beta ln budget`` over months with spend and new customers;
  :func:`response_from_store` takes those months from the metric engine (ad cost and
  new customers of the rows that have ad statistics, summed per month).
- :func:`retention_from_store` fits the sBG model (:func:`payback.clv.fit_sbg_records`)
  on the ``subscriptions`` table: a cancelled subscription churned in its last paid
  month; an active one has survived the full months between its start and ``as_of``.
  The records are grouped in the store (one row per distinct history, with a weight).

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
import pandas as pd

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


def subscription_records(
    store: Any,
    *,
    as_of: dt.date | str | None = None,
    where: Mapping[str, str] | None = None,
):
    """Distinct subscription histories: ``periods, churned, weight`` (a pandas DataFrame).

    ``periods`` is the paid months of a cancelled subscription (its churn period) and the
    full months an active one has completed by ``as_of`` (default: the latest start or end
    date in the table). ``where`` filters on columns of ``subscriptions`` (plan, platform,
    campaign, partner_id).
    """
    import ibis

    t = store.table("subscriptions")
    for column, value in (where or {}).items():
        if column not in ("plan", "platform", "campaign", "partner_id"):
            raise InputError(
                f"subscriptions can be filtered on plan, platform, campaign or partner_id, "
                f"not {column!r}"
            )
        t = t.filter(t[column] == ibis.literal(value))
    if as_of is None:
        latest = store.execute(ibis.greatest(t.start.max(), t.end.max()))
        if latest is None or pd.isna(latest):
            raise InputError(
                "no subscriptions in the store to fit retention on. Fix: import them "
                "(`payback import subscriptions FILE`) or give --retention / --alpha --beta-sbg"
            )
        as_of = latest
    try:
        day = ibis.literal(pd.Timestamp(as_of).date())
    except (ValueError, TypeError):
        raise InputError(f"as_of: expected a date like 2024-06-30, got {as_of!r}") from None

    def months(a, b):
        return (b.year() * 12 + b.month()) - (a.year() * 12 + a.month())

    churned = t.end.notnull()
    paid = ibis.greatest(months(t.start, t.end) + (t.end.day() >= t.start.day()).cast("int64"), 1)
    elapsed = months(t.start, day) - (day.day() < t.start.day()).cast("int64")
    rows = t.filter(churned | (t.start <= day)).select(
        periods=churned.ifelse(paid, elapsed), churned=churned
    )
    records = (
        rows.group_by(["periods", "churned"])
        .aggregate(weight=rows.count())
        .order_by(["churned", "periods"])
    )
    return store.execute(records)


def retention_from_store(
    store: Any,
    *,
    as_of: dt.date | str | None = None,
    where: Mapping[str, str] | None = None,
):
    """Fit the sBG retention model on the store's subscriptions (a :class:`payback.clv.SBGFit`).

    Raises
    ------
    payback.errors.InputError
        When the store holds no subscriptions (matching ``where``).
    """
    from payback.clv import fit_sbg_records

    rec = subscription_records(store, as_of=as_of, where=where)
    if rec.empty:
        raise InputError(
            "no subscriptions match: cannot fit retention. Fix: import subscriptions or give "
            "--retention / --alpha --beta-sbg"
        )
    return fit_sbg_records(
        rec["periods"].to_numpy(int), rec["churned"].to_numpy(bool), rec["weight"].to_numpy(float)
    )
