"""Value by partner: what the customers each partner brings are worth, beside what it costs.

Per partner (the ``partner_id`` of the shop's orders):

- ``orders``, ``revenue``, ``new_customers``: the metric engine's (confirmed orders
  attributed to the partner; customers whose first confirmed order came through it);
- ``commission``: the reconciled commission (:func:`payback.partners.reconcile`: what is
  owed, not what was claimed); ``cpo = commission / orders`` and ``cac = commission /
  new customers`` from the catalogue;
- ``ltv`` (12-month cohort margin LTV per customer acquired through the partner),
  ``historical_ltv`` (revenue basis) and ``predicted_ltv`` (BG/NBD + Gamma-Gamma) from
  :func:`payback.clv.ltv_by_source`; ``ltv_cac = ltv / cac`` and ``ltv_cpo = ltv / cpo``;
- ``predicted_clv``: the mean predicted value of its customers over the horizon, with
  ``predicted_clv_low``/``_high`` given an ``interval``
  (:mod:`payback.partners.clv_intervals`);
- ``repeat_rate``: share of its new customers with a second confirmed order (through
  any source);
- ``cancel_rate``, ``return_rate``: cancelled, returned orders / every order attributed
  to it;
- ``existing_customer_share``: its claims with status ``existing_customer`` / its claims;
- ``net_value = new customers x ltv - commission``.

Rows are ranked by ``ltv`` (the value of a customer it brings), highest first, partners
without an LTV last; ``rank_by_orders`` shows where order count would have put them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from payback.present import Table

__all__ = ["value"]

_RATES = ("repeat_rate", "cancel_rate", "return_rate", "existing_customer_share")


def _history_only(store: Any, horizon_months: float) -> Table:
    """Cohort LTV per partner at the horizon, without a model fit (``predicted_ltv``
    missing with the reason), in the shape of :func:`payback.clv.ltv_by_source`."""
    from payback.clv.cohort_values import ltv_at_horizon
    from payback.clv.cohorts import shared_cohort_ltv

    table = shared_cohort_ltv(store, "partner")  # once per store version
    at = ltv_at_horizon(table, int(np.ceil(horizon_months)))
    sources = [s for s in at.by_cohort.index if s is not None and not pd.isna(s)]
    values = [at.value(s) for s in sources]
    frame = pd.DataFrame(
        {
            "source": sources,
            "historical_ltv": [v[0] for v in values],
            "historical_margin_ltv": [v[1] for v in values],
            "predicted_ltv": [np.nan] * len(sources),
        },
        columns=["source", "historical_ltv", "historical_margin_ltv", "predicted_ltv"],
    )
    reasons = {**at.reasons, "predicted_ltv": "not computed (predicted=False)"}
    return Table(frame, reasons=reasons, currency=table.currency)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """``num / den``; missing where ``den`` is 0 or missing (never inf or NaN)."""
    den = den.astype(float)
    return (num.astype(float) / den.where(den > 0)).astype(float)


def value(
    store: Any,
    *,
    horizon_months: float = 12.0,
    window: Any = None,
    predicted: bool = True,
    interval: float | None = None,
    draws: int | None = None,
    seed: int = 0,
) -> Table:
    """One row per partner: orders, revenue, new customers, reconciled commission, CPO,
    CAC, cohort and predicted LTV, LTV/CAC, repeat, cancel and return rates, the share of
    claims on existing customers; ranked by LTV (module docstring).

    Parameters
    ----------
    store : payback.store.Store
    horizon_months : float
        Horizon of the cohort and predicted LTV.
    window : int or str, optional
        Attribution window of the reconciliation (default 30 days).
    predicted : bool
        Fit the count and spend models per partner for ``predicted_ltv`` (default);
        ``False`` takes the cohort LTV alone (no model fit: the report's section, fast
        on a million customers), ``predicted_ltv`` then missing with the reason.
    interval : float, optional
        Level (0.9 = 90 %) of the interval of ``predicted_clv``, the mean predicted
        value of the partner's customers: ``predicted_clv_low``/``_high`` columns
        (:mod:`payback.partners.clv_intervals`; ``notes["interval"]`` says the level,
        draws and method).
    draws, seed : int, optional
        Parameter draws of the interval (default 200) and their seed.

    Returns
    -------
    payback.present.Table

    Examples
    --------
    >>> from payback.demo import generate_shop
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write(generate_shop(3000, seed=11).tables)
    >>> t = value(store).frame
    >>> for row in t.itertuples():  # ranked by LTV; by orders P02 would be second
    ...     print(row.partner, row.orders, row.rank_by_orders)
    P01 198 1
    P04 97 4
    P03 176 3
    P02 183 2
    >>> round(float(t.loc[t.partner == "P01", "commission"].iloc[0]), 2)
    2439.66
    """
    from payback.clv.by_source import shared_prediction
    from payback.metrics import CATALOGUE, compute_metrics
    from payback.partners.clv_intervals import CLV_COLUMNS, clv_columns, prediction_arguments
    from payback.partners.reconcile import shared_reconcile

    m = compute_metrics(
        store, by="partner", metrics="orders,revenue,new_customers", totals=False
    ).frame
    m = m[m["partner"].notna()].set_index("partner")[["orders", "revenue", "new_customers"]]
    claims = shared_reconcile(store, window=window).claims.frame
    commission = claims.groupby("partner_id")["owed_commission"].sum()
    n_claims = claims.groupby("partner_id").size()
    existing = claims[claims["status"] == "existing_customer"].groupby("partner_id").size()
    spread = prediction_arguments(interval, draws, seed, predicted)
    if predicted:
        ltv = shared_prediction(
            store, by="partner", horizon_months=horizon_months, **spread
        ).by_source
    else:
        ltv = _history_only(store, horizon_months)
    lf = ltv.frame[ltv.frame["source"].notna()].set_index("source")
    partners = sorted(set(m.index) | set(commission.index))
    out = pd.DataFrame(index=pd.Index(partners, name="partner"))
    out = out.join(m)
    for col in ("orders", "new_customers"):
        out[col] = out[col].fillna(0).astype("int64")
    out["revenue"] = out["revenue"].astype(float)
    out["commission"] = commission.reindex(out.index).fillna(0.0).astype(float)
    cpo, cac = CATALOGUE["cpo"], CATALOGUE["cac"]
    out["cpo"] = cpo.evaluate({"cost": out["commission"], "orders": out["orders"]})
    out["cac"] = cac.evaluate({"cost": out["commission"], "new_customers": out["new_customers"]})
    out["ltv"] = lf["historical_margin_ltv"].reindex(out.index).astype(float)
    out["historical_ltv"] = lf["historical_ltv"].reindex(out.index).astype(float)
    out["predicted_ltv"] = lf["predicted_ltv"].reindex(out.index).astype(float)
    out = out.join(clv_columns(ltv)) if predicted else out.assign(predicted_clv=np.nan)
    ratio = CATALOGUE["ltv_cac"]
    out["ltv_cac"] = ratio.evaluate({"ltv": out["ltv"], "cac": out["cac"]})
    out["ltv_cpo"] = ratio.evaluate({"ltv": out["ltv"], "cac": out["cpo"]})
    rates = _order_rates(store)
    out = out.join(rates.reindex(out.index))
    out["existing_customer_share"] = _ratio(
        existing.reindex(out.index).fillna(0), n_claims.reindex(out.index).fillna(0)
    )
    out["net_value"] = out["new_customers"] * out["ltv"] - out["commission"]
    out["rank_by_orders"] = out["orders"].rank(ascending=False, method="min").astype("int64")
    out = out.sort_values(["ltv", "orders"], ascending=False, na_position="last")
    out = out.reset_index()
    for col in ("cpo", "cac", "ltv_cac", "ltv_cpo", *_RATES):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    money = ("revenue", "commission", "cpo", "cac", "ltv", "historical_ltv", "predicted_ltv")
    money += tuple(c for c in CLV_COLUMNS.values() if c in out)
    reasons = {
        "cpo": "no confirmed orders",
        "cac": "no new customers",
        "ltv": ltv.reasons.get("historical_margin_ltv", "no cohort old enough"),
        "historical_ltv": ltv.reasons.get("historical_ltv", "no cohort old enough"),
        "predicted_ltv": ltv.reasons.get("predicted_ltv", "no prediction"),
        "ltv_cac": "no LTV or no CAC",
        "ltv_cpo": "no LTV or no CPO",
        "repeat_rate": "no new customers",
        "cancel_rate": "no orders",
        "return_rate": "no orders",
        "existing_customer_share": "no claims",
        "net_value": "no LTV",
        **{
            new: ltv.reasons.get(old, ltv.reasons.get("predicted_ltv", "no finite expected spend"))
            for old, new in CLV_COLUMNS.items()
            if new in out
        },
    }
    return Table(
        out,
        units={
            **dict.fromkeys(money, "money"),
            "net_value": "money",
            "orders": "count",
            "new_customers": "count",
            "rank_by_orders": "count",
            "ltv_cac": "ratio",
            "ltv_cpo": "ratio",
            **dict.fromkeys(_RATES, "rate"),
        },
        reasons=reasons,
        currency=ltv.currency,
        notes={
            "basis": {
                "ltv": "margin",
                "historical_ltv": "revenue",
                "predicted_ltv": "revenue",
                "predicted_clv": "revenue",
            },
            **({"interval": ltv.notes["interval"]} if "interval" in ltv.notes else {}),
        },
    )


def _order_rates(store: Any) -> pd.DataFrame:
    """Per partner: repeat rate of its new customers, cancel and return rates of its orders."""
    import ibis

    from payback.metrics.scope import acquisitions, confirmed_orders

    orders = store.table("orders").filter(lambda t: t.partner_id.notnull())
    by_status = orders.group_by("partner_id").aggregate(
        n=orders.count(),
        cancelled=(orders.status == "cancelled").sum(),
        returned=(orders.status == "returned").sum(),
    )
    acq = acquisitions(store)
    acq = acq.filter(acq.partner_id.notnull()).select("customer_id", "partner_id")
    # the confirmed orders of the partners' customers alone, counted per customer
    bought = confirmed_orders(store).select("customer_id")
    theirs = bought.join(acq, "customer_id")
    per_customer = theirs.group_by("partner_id", "customer_id").aggregate(k=ibis._.count())
    repeat = per_customer.group_by("partner_id").aggregate(
        customers=per_customer.count(), repeaters=(per_customer.k >= 2).sum()
    )
    s = store.execute(by_status).set_index("partner_id")
    r = store.execute(repeat).set_index("partner_id")
    out = pd.DataFrame(index=s.index.union(r.index))
    out["repeat_rate"] = _ratio(
        r["repeaters"].reindex(out.index), r["customers"].reindex(out.index)
    )
    out["cancel_rate"] = _ratio(s["cancelled"].reindex(out.index), s["n"].reindex(out.index))
    out["return_rate"] = _ratio(s["returned"].reindex(out.index), s["n"].reindex(out.index))
    return out.replace([np.inf, -np.inf], np.nan)
