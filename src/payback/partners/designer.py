"""The CLV-based commission designer: per partner, the highest commission per first and
repeat order that keeps the customers it brings profitable.

Per partner (the catalogue's formulas, :mod:`payback.metrics.catalogue`)::

    commission budget  = share x predicted margin CLV                      (commission_budget)
    max commission     = commission budget - other costs per customer      (max_commission)

``predicted margin CLV`` is the expected margin of a new customer from that partner over
the horizon (:func:`payback.clv.predict_ltv` with ``by="partner"``), ``share`` the part
of it the business will pay to acquire the customer, ``other costs per customer`` the
non-advertising costs (:func:`payback.economics.costs.non_ad_costs_per_customer`). A
customer the partner brings costs ``first + r x repeat`` in commissions, where ``first``
and ``repeat`` are the commissions per first and repeat order now (the rules', or the
claimed ones) and ``r`` the partner's commissioned repeat orders per first order. So,
holding the other at its current level::

    max per first order  = max commission - r x repeat
    max per repeat order = (max commission - first) / r

each also as a rate of that kind of order's average value (``commission_rate``), 0 when
even no commission keeps the customer profitable. The recommendation: when a customer
costs more than the max commission, cut the repeat-order commission first (to what the
budget leaves after the first order, at least 0), then the first-order one; otherwise
keep the rules (the headroom says how far they could rise). The effect on profit is the
commission saved at the volume of the last ``horizon_months`` of claims:
``first orders x (first - recommended first) + repeat orders x (repeat - recommended repeat)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from payback._lazy import lazy_module
from payback.errors import InputError
from payback.metrics.catalogue import CATALOGUE
from payback.partners.accrual import claim_rows
from payback.partners.commissions import PAYABLE, Rules, commissions_of, read_rules
from payback.present.values import fixed

pd = lazy_module("pandas")


@dataclass(frozen=True)
class CommissionDesign:
    """Result of :func:`design_commissions`.

    Attributes
    ----------
    table : payback.present.Table
        One row per partner: ``customers, predicted_margin_clv, commission_budget,
        max_commission, first_orders, repeat_orders, repeat_per_first, first_commission,
        repeat_commission, max_first_commission, max_first_rate, max_repeat_commission,
        max_repeat_rate, headroom, recommended_first, recommended_repeat, profit_effect,
        action``.
    share, margin, other_costs_per_customer : float
        The inputs used (``margin`` None when the CLV was given without it).
    horizon_months : float
    window : tuple of str
        First and last day of the claims the volumes and current commissions come from.
    """

    table: Any
    share: float
    margin: float | None
    other_costs_per_customer: float
    horizon_months: float
    window: tuple[str, str]


def _data_margin(store: Any) -> float:
    """The confirmed orders' gross margin rate: gross profit / revenue."""
    from payback.metrics.scope import confirmed_orders

    orders = confirmed_orders(store)
    sums = store.execute(
        orders.aggregate(
            revenue=orders.revenue.sum(),
            cogs=orders.cogs.sum(),
            cogs_missing=orders.count() - orders.cogs.count(),
        )
    )
    values = {k: sums[k].iloc[0] for k in ("revenue", "cogs", "cogs_missing")}
    profit = CATALOGUE["gross_profit"].evaluate(values)
    if profit is None or not values["revenue"]:
        raise InputError(
            "the orders' margin is unknown (some confirmed orders lack cogs, or there is no "
            "revenue): give margin, e.g. 0.4 for 40 %"
        )
    return float(profit) / float(values["revenue"])


def _other_costs(store: Any, given: float | None, horizon_months: float) -> float:
    if given is not None:
        if given < 0:
            raise InputError(f"other_costs_per_customer must be 0 or more, got {given}")
        return float(given)
    from payback.economics.costs import non_ad_costs_per_customer

    costs = non_ad_costs_per_customer(store, horizon_months=round(horizon_months))
    if costs.per_customer is None:
        raise InputError(
            f"other costs per customer are unknown ({costs.reason}): give "
            f"other_costs_per_customer (0 when there are none)"
        )
    return float(costs.per_customer)


def design_commissions(
    store: Any,
    rules: Rules | str | None = None,
    *,
    share: float = 0.3,
    margin: float | None = None,
    other_costs_per_customer: float | None = None,
    horizon_months: float = 12.0,
    statuses: Any = None,
    model: str = "bgnbd",
    min_customers: int = 100,
    clv: Mapping[str, float] | None = None,
) -> CommissionDesign:
    """Per partner, the highest commission per first and repeat order keeping its
    customers profitable, the recommended change and its effect on profit.

    Parameters
    ----------
    store : payback.store.Store
    rules : Rules or path, optional
        The commission rules now; None: the commissions the partners claimed.
    share : float
        Share of a customer's predicted margin CLV the business will pay to acquire them,
        in (0, 1].
    margin : float, optional
        Gross margin rate of the predictions (default: the confirmed orders' own,
        gross profit / revenue).
    other_costs_per_customer : float, optional
        Default: the store's non-advertising costs per customer over the horizon.
    horizon_months : float
        Horizon of the predicted CLV, and the window of claims the volumes come from.
    statuses : optional
        Claim statuses (the reconciliation's): only payable claims count.
    model, min_customers
        Of :func:`payback.clv.predict_ltv` (partners with fewer customers use the
        pooled count fit).
    clv : mapping, optional
        Predicted margin CLV of a new customer per partner id, given instead of
        predicted (then ``margin`` is not used and ``customers`` is missing).

    Returns
    -------
    CommissionDesign

    Examples
    --------
    >>> from payback.demo import generate_shop
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write(generate_shop(1500, seed=11).tables)
    >>> design = design_commissions(store, share=0.5, margin=0.4, other_costs_per_customer=5)
    >>> row = design.table.frame.set_index("partner_id").loc["P01"]
    >>> bool(row.max_commission == row.commission_budget - 5)
    True
    """
    from payback.clv.by_source import shared_prediction
    from payback.present import Table
    from payback.store import check_single_currency

    if not 0 < share <= 1:
        raise InputError(f"share must be a fraction in (0, 1], e.g. 0.3 for 30 %, got {share}")
    rows = claim_rows(store, statuses=statuses)
    if rows.empty:
        raise InputError(
            "the store has no partner claims: import them first "
            "(payback import partner-claims FILE)"
        )
    check_single_currency(store, "partner_claims", what="the partner claims")
    other = _other_costs(store, other_costs_per_customer, horizon_months)
    if clv is None:
        kept = _data_margin(store) if margin is None else float(margin)
        prediction = shared_prediction(
            store,
            horizon_months=horizon_months,
            margin=kept,
            by="partner",
            model=model,
            min_customers=min_customers,
        )
        values = prediction.by_source.frame.set_index("source")
    else:
        kept = None if margin is None else float(margin)
        values = pd.DataFrame({"predicted_ltv": pd.Series(clv, dtype=float), "customers": pd.NA})
    if rules is not None:
        rules = rules if isinstance(rules, Rules) else read_rules(rules)
        rows = commissions_of(rows, rules)
    else:
        claimed = store.execute(store.table("partner_claims").select("claim_id", "commission"))
        rows = rows.merge(claimed, on="claim_id", how="left")
        rows["commission"] = rows["commission"].fillna(0.0).astype(float)
    end = rows["time"].max()
    start = end.normalize() + pd.Timedelta(days=1) - pd.DateOffset(months=round(horizon_months))
    recent = rows[rows.status.isin(PAYABLE) & (rows.time >= start)]
    out = [
        _partner(p, recent[recent.partner_id == p], values, share, other)
        for p in sorted(rows.partner_id.unique())
    ]
    frame = pd.DataFrame(out)
    money = ["predicted_margin_clv", "commission_budget", "max_commission", "first_commission",
             "repeat_commission", "max_first_commission", "max_repeat_commission", "headroom",
             "recommended_first", "recommended_repeat", "profit_effect"]  # fmt: skip
    units = dict.fromkeys(money, "money")
    units.update(
        customers="count",
        first_orders="count",
        repeat_orders="count",
        repeat_per_first="decimal",
        max_first_rate="rate",
        max_repeat_rate="rate",
    )
    no_first = "no predicted CLV, or no commissioned first orders in the window"
    no_repeat = "no predicted CLV, or no commissioned repeat orders in the window"
    reasons = {
        "predicted_margin_clv": "no customer acquired through the partner's orders",
        "customers": "the CLV was given",
        "commission_budget": "no predicted CLV",
        "max_commission": "no predicted CLV",
        "headroom": no_first,
        "repeat_per_first": "no commissioned first orders in the window",
        "max_first_commission": no_first,
        "max_first_rate": no_first,
        "max_repeat_commission": no_repeat,
        "max_repeat_rate": no_repeat,
    }
    table = Table(frame, units=units, reasons=reasons, currency=store.base_currency)
    window = (str(start.date()), str(end.date()))
    return CommissionDesign(table, share, kept, other, horizon_months, window)


def _per_order(values: pd.Series) -> float:
    return float(values.mean()) if len(values) else 0.0


def _partner(partner: str, claims: pd.DataFrame, clv: pd.DataFrame, share: float,
             other: float) -> dict[str, Any]:  # fmt: skip
    """One row of the design."""
    first, repeat = claims[claims.new_customer], claims[~claims.new_customer]
    n_first, n_repeat = len(first), len(repeat)
    known = partner in clv.index and pd.notna(clv.loc[partner, "predicted_ltv"])
    value = float(clv.loc[partner, "predicted_ltv"]) if known else None
    customers = clv.loc[partner, "customers"] if partner in clv.index else 0
    customers = None if pd.isna(customers) else int(customers)
    budget = CATALOGUE["commission_budget"].evaluate({"ltv": value, "share": share})
    ceiling = CATALOGUE["max_commission"].evaluate(
        {"commission_budget": budget, "other_costs_per_customer": other}
    )
    c_first, c_repeat = _per_order(first.commission), _per_order(repeat.commission)
    r = n_repeat / n_first if n_first else None
    row: dict[str, Any] = {
        "partner_id": partner, "customers": customers, "predicted_margin_clv": value,
        "commission_budget": budget, "max_commission": ceiling, "first_orders": n_first,
        "repeat_orders": n_repeat, "repeat_per_first": r, "first_commission": round(c_first, 2),
        "repeat_commission": round(c_repeat, 2),
    }  # fmt: skip
    max_first = max_repeat = headroom = None
    if ceiling is not None and r is not None:
        headroom = ceiling - (c_first + r * c_repeat)
        max_first = max(ceiling - r * c_repeat, 0.0)
        max_repeat = max((ceiling - c_first) / r, 0.0) if r > 0 else None
    aov_first = _per_order(first.revenue) if n_first else None
    aov_repeat = _per_order(repeat.revenue) if n_repeat else None
    rate = CATALOGUE["commission_rate"]
    row.update(
        max_first_commission=_cents(max_first),
        max_first_rate=rate.evaluate({"commission": max_first, "aov": aov_first}),
        max_repeat_commission=_cents(max_repeat),
        max_repeat_rate=rate.evaluate({"commission": max_repeat, "aov": aov_repeat}),
        headroom=_cents(headroom),
    )
    rec_first, rec_repeat, action = c_first, c_repeat, "no commissioned first orders: keep"
    if headroom is not None and ceiling is not None and r is not None:
        if headroom >= 0:
            action = f"keep: a customer may cost {fixed(headroom, 2)} more in commissions"
        else:
            left = ceiling - c_first
            if r > 0 and left >= 0:
                rec_repeat = left / r
                action = f"lower the repeat-order commission to {fixed(rec_repeat, 2)}"
            else:
                rec_repeat = 0.0
                rec_first = max(ceiling, 0.0)
                action = f"lower the first-order commission to {fixed(rec_first, 2)}"
                action += " and stop paying repeat orders" if n_repeat else ""
    elif ceiling is None:
        action = "no predicted CLV: keep"
    row.update(
        recommended_first=round(rec_first, 2),
        recommended_repeat=round(rec_repeat, 2),
        profit_effect=round(
            n_first * (c_first - rec_first) + n_repeat * (c_repeat - rec_repeat), 2
        ),
        action=action,
    )
    return row


def _cents(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


__all__ = ["CommissionDesign", "design_commissions"]
