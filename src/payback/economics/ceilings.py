"""Acquisition-cost ceilings per slice: what a customer may cost, next to what it costs.

For every value of one grain dimension (``campaign``, ``platform``, ``keyword``,
``partner`` ...) and for the whole shop (the totals row), from the store:

- **actual**: ``cost``, ``orders``, ``new_customers``, ``cpo = cost / orders``,
  ``cac = cost / new customers`` (:func:`payback.metrics.compute_metrics`);
- **LTV** per acquired customer over ``horizon_months`` months: historical cohort LTV
  on revenue and on gross margin (:func:`payback.clv.cohorts.cohort_ltv`: months 0 ..
  horizon-1 since the acquisition month, among cohorts observed that long) and the
  predicted CLV of a new customer (:func:`payback.clv.sources.ltv_by_source`; its margin
  version is ``predicted_ltv x margin_rate``). ``ltv`` is the one the verdict uses:
  historical (or predicted, ``ltv="predicted"``), on margin (or revenue, ``basis``);
  a slice without its own value falls back as ``ltv_source`` says;
- **ceilings**: ``marginal_cpo = LTV on revenue - cost of goods per customer - other
  (non-advertising) costs per customer`` (= margin LTV - other costs per customer), all
  over the same ``horizon_months``: the other costs per customer are the ``costs``
  table's total of the last ``horizon_months`` complete months over the customers with a
  confirmed order in those months (:func:`non_ad_costs_per_customer`; DOMAIN.md's
  "yearly costs / yearly customers" for 12 months), or ``other_costs_per_customer``;
  ``max_cpa = average check x margin x share`` and
  ``max_cpl = max_cpa x lead-to-deal conversion`` (average check = AOV, margin = gross
  profit / revenue, conversion = orders / valid leads of the slice, each overridable);
- ``headroom = marginal_cpo - cac`` (CAC is the actual cost of one customer, >= CPO);
  ``ltv_cac = ltv / cac``; ``payback_months``: the first month since acquisition at which
  the cohort's cumulative gross margin per customer reaches the CAC (month 1 = the
  acquisition month; the shop's curve, size-weighted over cohorts, for the totals row and
  for grains without their own cohorts);
- for ``by="partner"`` the cost is the commission claimed on the confirmed orders of the
  same period and filters (:func:`partner_commissions`), not ad spend;
- **verdict** with its ``reason`` (:class:`VerdictRules`): *not enough data* (no cost,
  fewer than ``min_customers`` new customers, or no LTV), *cut* (CAC above the marginal
  CPO, or LTV/CAC below ``cut_below``), *scale* (LTV/CAC at least ``healthy`` and
  headroom above ``min_headroom x CAC``), otherwise *hold*. The marginal CPO is the
  ceiling on the cost of one *new customer* (DOMAIN.md: "50,000 of ads, 100 buyers"), so
  the cut compares it with the CAC; the CPO (cost per order, repeat orders included) is
  shown beside it in the reason.

Missing values are null with the reason in ``frame.attrs["reasons"]``; never inf or NaN.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from payback.calc.formulas import HEALTHY_LTV_CAC
from payback.errors import CurrencyError, InputError, PaybackError

#: Dimensions with their own cohort LTV (the acquisition source of a customer's first order).
COHORT_DIMENSIONS = ("platform", "campaign", "partner")

VERDICTS = ("scale", "hold", "cut", "not enough data")

_METRICS = ("cost", "orders", "new_customers", "revenue", "gross_profit", "leads", "cpa")

UNITS: dict[str, str] = {
    "cost": "money",
    "orders": "count",
    "new_customers": "count",
    "cpo": "money",
    "cac": "money",
    "aov": "money",
    "margin_rate": "rate",
    "historical_ltv": "money",
    "historical_margin_ltv": "money",
    "predicted_ltv": "money",
    "predicted_margin_ltv": "money",
    "ltv": "money",
    "ltv_cac": "ratio",
    "other_costs_per_customer": "money",
    "marginal_cpo": "money",
    "headroom": "money",
    "payback_months": "count",
    "leads": "count",
    "cpa": "money",
    "lead_conversion": "rate",
    "max_cpa": "money",
    "max_cpl": "money",
    "cpl_headroom": "money",
    # text columns (so that tables print them on the totals row too)
    "ltv_source": "text",
    "verdict": "text",
    "reason": "text",
}


@dataclass(frozen=True)
class VerdictRules:
    """Thresholds of the verdict.

    Attributes
    ----------
    healthy : float
        LTV/CAC at or above which a slice with headroom is scaled; default
        :data:`payback.calc.formulas.HEALTHY_LTV_CAC` (DOMAIN.md: 3).
    cut_below : float
        LTV/CAC below which a slice is cut (1: a customer brings less than they cost).
    min_customers : int
        Fewer new customers than this: "not enough data".
    min_headroom : float
        Headroom needed to scale, as a share of the CAC (0: any headroom).
    """

    healthy: float = HEALTHY_LTV_CAC
    cut_below: float = 1.0
    min_customers: int = 30
    min_headroom: float = 0.0

    def __post_init__(self) -> None:
        if not self.cut_below <= self.healthy:
            raise InputError(
                f"verdict rules: --cut-below ({self.cut_below:g}) must not exceed --healthy "
                f"({self.healthy:g})"
            )
        if self.min_customers < 1 or self.min_headroom < 0 or self.cut_below < 0:
            raise InputError(
                "verdict rules: --min-customers must be >= 1, --min-headroom and --cut-below >= 0"
            )


@dataclass(frozen=True)
class Ceilings:
    """Result of :func:`ceilings`.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per slice, then the totals row (``is_total``); columns as in the module
        docstring; ``attrs`` holds ``units``, ``reasons`` and ``currency``.
    by : str
    rules : VerdictRules
    horizon_months : int
    other_costs_per_customer : float or None
    currency : str or None
    """

    frame: pd.DataFrame
    by: str
    rules: VerdictRules
    horizon_months: int
    other_costs_per_customer: float | None
    currency: str | None = None
    notes: Mapping[str, str] = field(default_factory=dict)

    def verdicts(self) -> dict[Any, str]:
        """Slice value -> verdict (the totals row left out); a campaign's slice value is
        ``"platform / campaign"`` (:func:`payback.clv.cohorts.campaign_key`)."""
        rows = self.frame[~self.frame["is_total"]]
        if self.by == "campaign":
            from payback.clv.cohorts import campaign_key

            keys = [campaign_key(p, c) for p, c in zip(rows.platform, rows.campaign, strict=True)]
        else:
            keys = list(rows[self.by])
        return dict(zip(keys, rows["verdict"], strict=True))


def _nullable(values: Any) -> pd.Series:
    """Float64 with pd.NA for missing, never inf or NaN."""
    s = pd.Series(values, dtype="Float64")
    return s.mask(~np.isfinite(s.astype(float).fillna(0.0)))


def _check_rate(name: str, value: float | None) -> None:
    if value is not None and not 0 <= value <= 1:
        raise InputError(
            f"--{name.replace('_', '-')} must be between 0 and 100 %, got {value:g} "
            f"(= {value * 100:g} %). Fix: give e.g. 25% or 0.25"
        )


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
    from payback.clv.cohorts import confirmed_orders, last_complete_month, month_label

    costs = store.table("costs")
    currencies = store.execute(costs.select("currency").distinct())["currency"].dropna().tolist()
    base = store.base_currency
    foreign = [c for c in currencies if base is not None and c != base]
    if foreign or len(currencies) > 1:
        raise CurrencyError(
            f"the costs table holds money in {', '.join(sorted(currencies))} but the store's "
            f"currency is {base}: convert the costs before importing them, or pass "
            f"--other-costs-per-customer"
        )
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
            f"{horizon} months of the horizon ({window[0]} to {window[1]}) have costs; pass "
            f"--other-costs-per-customer or a shorter --horizon"
        )
        return NonAdCosts(None, amount, customers, *window, why)
    if customers == 0:
        why = f"no customer has a confirmed order from {window[0]} to {window[1]}"
        return NonAdCosts(None, amount, 0, *window, why)
    return NonAdCosts(amount / customers, amount, customers, *window)


def _orders_in_scope(
    store: Any,
    *,
    where: Mapping[str, Any] | Sequence[str] | None = None,
    start: Any = None,
    end: Any = None,
):
    """Confirmed orders of the period ``start .. end`` (days included, by ``time``) and of
    the ``where`` filters, with the metric engine's meaning of each dimension
    (:data:`payback.metrics.filters.GRAINS`): the orders whose actual costs ``ceilings``
    compares."""
    from payback.metrics.sides import rows_in_scope

    return rows_in_scope("orders", store, where=where, start=start, end=end)


def partner_commissions(
    store: Any,
    *,
    where: Mapping[str, Any] | Sequence[str] | None = None,
    start: Any = None,
    end: Any = None,
) -> pd.Series:
    """Commission paid per partner: claims on the store's confirmed orders, each order once.

    A claim on an order the shop does not have, or did not confirm, is not owed; a second
    claim on the same order is a duplicate (the first claim counts). Only claims on the
    orders of the period (``start .. end``, both days included, by the **order's** time)
    and of the ``where`` filters count, so that the commission and the new customers it
    is divided by are of the same orders. Reconciling claims in detail is the partners'
    report; this is the cost side of their ceilings.

    Parameters
    ----------
    store : payback.store.Store
    where, start, end
        Filters of :func:`payback.metrics.compute_metrics`.

    Returns
    -------
    pandas.Series
        Commission (money, the claims' currency) indexed by ``partner_id``; partners
        without an owed claim are absent.

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> jan, feb = dt.datetime(2024, 1, 5), dt.datetime(2024, 2, 5)
    >>> _ = store.write({
    ...     "orders": pa.table({"order_id": ["1", "2", "3"], "customer_id": ["a", "b", "c"],
    ...         "time": [jan, feb, jan], "revenue": [100.0] * 3,
    ...         "status": ["confirmed", "confirmed", "cancelled"], "currency": ["EUR"] * 3}),
    ...     "partner_claims": pa.table({"claim_id": ["k1", "k2", "k3", "k4"],
    ...         "partner_id": ["P1", "P1", "P1", "P2"], "order_id": ["1", "1", "2", "3"],
    ...         "time": [jan, jan, feb, jan], "revenue": [100.0] * 4,
    ...         "commission": [10.0, 10.0, 7.0, 5.0], "currency": ["EUR"] * 4})})
    >>> partner_commissions(store).to_dict()  # k2 repeats k1; order 3 was cancelled
    {'P1': 17.0}
    >>> partner_commissions(store, start="2024-01-01", end="2024-01-31").to_dict()
    {'P1': 10.0}
    """
    import ibis

    claims = store.table("partner_claims")
    orders = _orders_in_scope(store, where=where, start=start, end=end)
    matched = claims.join(orders.select("order_id"), "order_id")
    rank = ibis.row_number().over(
        group_by=matched.order_id, order_by=[matched.time, matched.claim_id]
    )
    first = matched.mutate(_n=rank).filter(lambda t: t._n == 0)
    paid = first.group_by("partner_id").aggregate(cost=first.commission.sum())
    frame = store.execute(paid.order_by("partner_id"))
    return frame.set_index("partner_id")["cost"].astype(float)


def _cohort_values(store: Any, by: str, horizon: int, as_of: Any):
    """Historical LTV at the horizon (per source and pooled: a
    :class:`payback.clv.cohorts.HorizonLTV`) and the cumulative margin curves per source
    and for the whole shop (``_TOTAL``)."""
    from payback.clv.cohorts import cohort_ltv, ltv_at_horizon

    own = by in COHORT_DIMENSIONS
    table = cohort_ltv(store, by if own else "month", as_of=as_of)
    at = ltv_at_horizon(table, horizon)
    # the shop's curve: size-weighted over the cohorts observed at each month
    w = table["customers"].astype(float)
    shop = (table["gross_margin_per_customer"] * w).groupby(table["months_since_acquisition"]).sum(
        min_count=1
    ) / w.groupby(table["months_since_acquisition"]).sum()
    if table["gross_margin_per_customer"].isna().any():
        shop[:] = np.nan
    shop_curve = pd.Series({_TOTAL: shop.sort_index().to_numpy(float)}, dtype=object)
    if not own:
        return at, shop_curve
    curves = table.groupby(
        table["cohort"].astype(object).where(table["cohort"].notna(), None), dropna=False
    )["gross_margin_per_customer"].apply(lambda s: s.to_numpy(float))
    return at, pd.concat([curves, shop_curve])


_TOTAL = "__total__"


def _payback(curve: Any, cac: float | None) -> float | None:
    """First month (1-based) whose cumulative margin per customer reaches ``cac``."""
    if curve is None or cac is None or pd.isna(cac) or not isinstance(curve, np.ndarray):
        return None
    reached = np.flatnonzero(np.nan_to_num(curve, nan=-np.inf) >= cac)
    return float(reached[0] + 1) if reached.size else None


def _predicted(store: Any, by: str, horizon: int, min_customers: int, as_of: Any):
    from payback.clv.sources import ltv_by_source

    if by not in COHORT_DIMENSIONS:
        return None, f"predicted CLV is by platform, campaign or partner, not by {by}"
    try:
        table = ltv_by_source(
            store, by, horizon_months=horizon, min_customers=min_customers, as_of=as_of
        )
    except PaybackError as e:
        return None, f"predicted CLV unavailable: {e}"
    keys = table["source"].astype(object).where(table["source"].notna(), None)
    values = dict(zip(keys, table["predicted_ltv"], strict=True))
    weights = table["customers"].astype(float)
    pv = table["predicted_ltv"].astype(float)
    ok = pv.notna()
    values[_TOTAL] = (
        float((pv[ok] * weights[ok]).sum() / weights[ok].sum()) if weights[ok].sum() else None
    )
    return values, None


def ceilings(
    store: Any,
    by: str = "campaign",
    *,
    horizon_months: int = 12,
    ltv: Literal["historical", "predicted"] = "historical",
    basis: Literal["margin", "revenue"] = "margin",
    predicted: bool = True,
    other_costs_per_customer: float | None = None,
    average_check: float | None = None,
    margin: float | None = None,
    share: float = 1.0,
    conversion: float | None = None,
    rules: VerdictRules | None = None,
    where: Mapping[str, Any] | Sequence[str] | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    as_of: dt.date | str | None = None,
    min_model_customers: int = 500,
) -> Ceilings:
    """Ceilings, headroom, payback and a verdict per slice of one grain dimension.

    Parameters
    ----------
    store : payback.store.Store
    by : str
        One grain dimension of the metric engine (``campaign``, ``platform``, ``keyword``,
        ``partner``, ``ad_group`` ...). Only platform, campaign and partner have their own
        cohort LTV; other grains use the whole shop's LTV (``ltv_source`` says so).
    horizon_months : int
        LTV horizon: the acquisition month and the ``horizon_months - 1`` after it.
    ltv : {"historical", "predicted"}
        Which LTV the ceiling and the verdict use (the other one fills a gap).
    basis : {"margin", "revenue"}
        LTV/CAC on gross margin (default) or on revenue. The marginal CPO always
        subtracts the cost of goods and the other costs.
    predicted : bool
        Also fit the predicted CLV (BG/NBD + Gamma-Gamma, a second or so).
    other_costs_per_customer : float, optional
        Non-advertising costs per customer over the horizon; default from the ``costs``
        table (:func:`non_ad_costs_per_customer` over the horizon's last complete months
        up to ``as_of``; an empty table counts as 0, with a note).
    average_check, margin, share, conversion : float, optional
        Inputs of the maximum CPA/CPL: default the slice's AOV, gross margin rate and
        orders / valid leads; ``share`` (of the margin spent to win a deal) defaults to 1.
    rules : VerdictRules, optional
    where, start, end
        Filters of :func:`payback.metrics.compute_metrics` (the actual costs, and the
        partner commissions); not of the LTV or of the other costs, which are the
        horizon's up to ``as_of``.
    as_of : date, optional
        Last day of the data for the cohort curves (default: the last confirmed order);
        its month counts only if it is the month's last day
        (:func:`payback.clv.cohorts.last_complete_month`).
    min_model_customers : int
        Sources with fewer customers use the pooled CLV fit.

    Returns
    -------
    Ceilings

    Raises
    ------
    payback.errors.InputError
        For an unknown dimension, a rate outside [0, 1], a negative amount.

    Examples
    --------
    Campaign A spends 2,000 and brings 40 customers who each buy twice (100 revenue,
    40 cost of goods an order) in January and February: CPO 2,000 / 80 = 25, CAC
    2,000 / 40 = 50, two-month margin LTV 2 x 60 = 120 = the ceiling (no other costs),
    headroom 70, LTV/CAC 2.4: below 3, so hold.

    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> days = [dt.datetime(2024, 1, 10), dt.datetime(2024, 2, 29)]
    >>> _ = store.write({
    ...     "orders": pa.table({"order_id": [f"{i}-{k}" for i in range(40) for k in (1, 2)],
    ...         "customer_id": [str(i) for i in range(40) for k in (1, 2)], "time": days * 40,
    ...         "revenue": [100.0] * 80, "cogs": [40.0] * 80, "status": ["confirmed"] * 80,
    ...         "currency": ["EUR"] * 80, "platform": ["google"] * 80, "campaign": ["A"] * 80}),
    ...     "ad_stats": pa.table({"date": [dt.date(2024, 1, 1)], "platform": ["google"],
    ...         "campaign": ["A"], "impressions": [5000], "clicks": [400], "cost": [2000.0],
    ...         "currency": ["EUR"]})}, meta={"base_currency": "EUR"})
    >>> result = ceilings(store, "campaign", horizon_months=2, predicted=False)
    >>> a = result.frame.set_index("campaign").loc["A"]
    >>> [float(a[k]) for k in ("cpo", "cac", "ltv", "marginal_cpo", "headroom", "ltv_cac")]
    [25.0, 50.0, 120.0, 120.0, 70.0, 2.4]
    >>> a["verdict"], a["reason"]
    ('hold', 'LTV/CAC below 3')
    """
    from payback.metrics import compute_metrics
    from payback.metrics.filters import parse_by

    dims = parse_by(by)
    if len(dims) != 1:
        raise InputError(f"--by takes one dimension for ceilings, got {', '.join(dims) or 'none'}")
    (by,) = dims
    if ltv not in ("historical", "predicted"):
        raise InputError(f"--ltv must be historical or predicted, got {ltv!r}")
    if basis not in ("margin", "revenue"):
        raise InputError(f"--basis must be margin or revenue, got {basis!r}")
    if int(horizon_months) != horizon_months or horizon_months < 1:
        raise InputError(f"--horizon must be a whole number of months >= 1, got {horizon_months}")
    for name, value in (("margin", margin), ("share", share), ("conversion", conversion)):
        _check_rate(name, value)
    for name, value in (
        ("other_costs_per_customer", other_costs_per_customer),
        ("average_check", average_check),
    ):
        if value is not None and value < 0:
            raise InputError(f"--{name.replace('_', '-')} cannot be negative, got {value:g}")
    rules = rules or VerdictRules()
    horizon = int(horizon_months)

    notes: dict[str, str] = {}
    # a campaign lives in a platform: keyed by (platform, campaign) like the metrics
    grain = ("platform", "campaign") if by == "campaign" else (by,)
    metrics = compute_metrics(store, by=grain, metrics=_METRICS, where=where, start=start, end=end)
    f = metrics.frame.copy()
    for column in grain:
        f[column] = f[column].astype(object).where(f[column].notna(), None)
    if by == "partner":  # a partner's cost is the commission paid, not ad spend
        paid = partner_commissions(store, where=where, start=start, end=end)
        commission = f[by].map(paid).astype("Float64")
        f["cost"] = f["cost"].astype("Float64").fillna(commission)
        f.loc[f["is_total"].astype(bool), "cost"] = pd.NA
        notes["cost"] = (
            "partners: commission claimed on the confirmed orders of the period and filters "
            "(each order once); the whole shop has no commission cost, so the totals row has "
            "no CAC"
        )
    if by == "campaign":  # the cohorts' source key "platform / campaign"
        from payback.clv.cohorts import campaign_key

        slices = [campaign_key(p, c) for p, c in zip(f["platform"], f["campaign"], strict=True)]
    else:
        slices = list(f[by])
    key = np.where(f["is_total"].astype(bool), _TOTAL, pd.Series(slices, dtype=object))
    key = pd.Series(key, index=f.index, dtype=object)
    out = pd.DataFrame({**{c: f[c] for c in grain}, "is_total": f["is_total"].astype(bool)})
    if "total_kind" in f.columns:  # the metrics' "Total (paid)" and "Total (all)"
        out["total_kind"] = f["total_kind"].astype(object).where(f["total_kind"].notna(), None)
    for col in ("cost", "orders", "new_customers", "leads", "revenue", "gross_profit", "cpa"):
        out[col] = _nullable(f[col])
    cost = out["cost"]
    out["cpo"] = _nullable(cost / out["orders"].where(out["orders"] > 0))
    out["cac"] = _nullable(cost / out["new_customers"].where(out["new_customers"] > 0))
    out["aov"] = _nullable(out["revenue"] / out["orders"].where(out["orders"] > 0))
    out["margin_rate"] = _nullable(out["gross_profit"] / out["revenue"].where(out["revenue"] > 0))

    hist, curves = _cohort_values(store, by, horizon, as_of)
    own = by in COHORT_DIMENSIONS
    lookup = key if own else pd.Series(_TOTAL, index=f.index)
    values = [
        (hist.historical_ltv, hist.historical_margin_ltv) if k == _TOTAL else hist.value(k)
        for k in lookup
    ]
    out["historical_ltv"] = _nullable([v[0] for v in values])
    out["historical_margin_ltv"] = _nullable([v[1] for v in values])
    for column, why in hist.reasons.items():
        if out[column].isna().any():
            notes.setdefault(column, why)
    if predicted:
        values, why = _predicted(store, by, horizon, min_model_customers, as_of)
        if values is None:
            notes["predicted_ltv"] = why
            out["predicted_ltv"] = _nullable([np.nan] * len(out))
        else:
            out["predicted_ltv"] = _nullable(key.map(lambda k: values.get(k, np.nan)))
    else:
        out["predicted_ltv"] = _nullable([np.nan] * len(out))
        notes["predicted_ltv"] = "not computed (--no-predicted)"
    out["predicted_margin_ltv"] = _nullable(out["predicted_ltv"] * out["margin_rate"])

    first, second = (
        ("historical", "predicted") if ltv == "historical" else ("predicted", "historical")
    )
    suffix = "_margin_ltv" if basis == "margin" else "_ltv"
    chosen = out[first + suffix]
    source = pd.Series(np.where(chosen.notna(), first, None), index=out.index, dtype=object)
    fallback = out[second + suffix]
    use_fallback = chosen.isna() & fallback.notna()
    chosen = chosen.where(~use_fallback, fallback)
    source = source.where(~use_fallback, second)
    if not own:
        source = source.where(source.isna(), "shop " + source.astype(str))
    out["ltv"] = _nullable(chosen)
    out["ltv_source"] = source
    out["ltv_cac"] = _nullable(out["ltv"] / out["cac"].where(out["cac"] > 0))

    other: float | None
    if other_costs_per_customer is not None:
        other = float(other_costs_per_customer)
    else:
        costs = non_ad_costs_per_customer(store, horizon_months=horizon, as_of=as_of)
        other = costs.per_customer
        if costs.amount is None:  # nothing known: counted as none, and said so
            other = 0.0
            notes["other_costs_per_customer"] = (
                "the costs table is empty: no non-advertising costs are counted "
                "(import costs or pass --other-costs-per-customer)"
            )
        elif other is None:
            notes["other_costs_per_customer"] = costs.reason
            notes["marginal_cpo"] = "no non-advertising costs per customer: " + costs.reason
        else:
            notes["other_costs_per_customer"] = (
                f"non-advertising costs {costs.amount:,.2f} from {costs.first_month} to "
                f"{costs.last_month} (the {horizon} months of the LTV horizon) / "
                f"{costs.customers:,} customers with a confirmed order in those months"
            )
        other_costs_per_customer = other
    out["other_costs_per_customer"] = _nullable([np.nan if other is None else other] * len(out))
    # marginal CPO = LTV on revenue - cost of goods - other costs = margin LTV - other costs
    margin_ltv = out[first + "_margin_ltv"].where(
        out[first + "_margin_ltv"].notna(), out[second + "_margin_ltv"]
    )
    out["marginal_cpo"] = _nullable(margin_ltv - out["other_costs_per_customer"])
    out["headroom"] = _nullable(out["marginal_cpo"] - out["cac"])
    out["payback_months"] = _nullable(
        [_payback(curves.get(k), c) for k, c in zip(lookup, out["cac"].astype(object), strict=True)]
    )

    check = out["aov"] if average_check is None else _nullable([average_check] * len(out))
    rate = out["margin_rate"] if margin is None else _nullable([margin] * len(out))
    out["max_cpa"] = _nullable(check * rate * share)
    if conversion is None:
        conv = out["orders"] / out["leads"].where(out["leads"] > 0)
        conv = conv.where(conv <= 1)
    else:
        conv = pd.Series(conversion, index=out.index, dtype="Float64")
    out["lead_conversion"] = _nullable(conv)
    out["max_cpl"] = _nullable(out["max_cpa"] * out["lead_conversion"])
    out["cpl_headroom"] = _nullable(out["max_cpl"] - out["cpa"])

    verdict, reason = _verdicts(out, rules)
    out["verdict"] = verdict
    out["reason"] = reason
    columns = [
        *grain,
        "cost",
        "orders",
        "new_customers",
        "cpo",
        "cac",
        "aov",
        "margin_rate",
        "historical_ltv",
        "historical_margin_ltv",
        "predicted_ltv",
        "predicted_margin_ltv",
        "ltv",
        "ltv_source",
        "ltv_cac",
        "other_costs_per_customer",
        "marginal_cpo",
        "headroom",
        "payback_months",
        "leads",
        "cpa",
        "lead_conversion",
        "max_cpa",
        "max_cpl",
        "cpl_headroom",
        "verdict",
        "reason",
        "is_total",
        *(["total_kind"] if "total_kind" in out.columns else []),
    ]
    frame = out[columns].reset_index(drop=True)
    frame.attrs["units"] = dict(UNITS)
    frame.attrs["currency"] = metrics.currency
    frame.attrs["reasons"] = _reasons(frame, metrics.reasons, notes, by, own)
    return Ceilings(
        frame=frame,
        by=by,
        rules=rules,
        horizon_months=horizon,
        other_costs_per_customer=other_costs_per_customer,
        currency=metrics.currency,
        notes=notes,
    )


def _verdicts(out: pd.DataFrame, rules: VerdictRules) -> tuple[list[str], list[str]]:
    verdicts, reasons = [], []
    columns = ["cost", "new_customers", "cpo", "cac", "ltv", "ltv_cac", "marginal_cpo", "headroom"]
    for cost, new, cpo, cac, ltv, ratio, ceiling, headroom in (
        out[columns].astype(object).itertuples(index=False)
    ):
        v, why = _verdict(cost, new, cpo, cac, ltv, ratio, ceiling, headroom, rules)
        verdicts.append(v)
        reasons.append(why)
    return verdicts, reasons


def _missing(x: Any) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x))


def _verdict(cost, new, cpo, cac, ltv, ratio, ceiling, headroom, rules: VerdictRules):
    """The verdict of one slice and the sentence that explains it.

    The ceiling (marginal CPO) is the break-even cost of acquiring one customer, so it is
    compared with the CAC (cost / new customers), not with the CPO (cost / all orders,
    repeat orders included, whose value the LTV already counts); the reason shows both.
    """
    if _missing(cost) or cost == 0:
        return "not enough data", "no acquisition cost recorded"
    if _missing(new) or new < rules.min_customers:
        n = 0 if _missing(new) else int(new)
        return "not enough data", f"{n} new customers < {rules.min_customers}"
    if _missing(ltv) or _missing(cac):
        return "not enough data", "no cohort old enough for LTV"
    if not _missing(ceiling) and cac > ceiling:
        paid = "" if _missing(cpo) else f" (CPO {cpo:,.2f})"
        return "cut", (
            f"CAC {cac:,.2f} above the marginal CPO {ceiling:,.2f}, the most one new "
            f"customer may cost{paid}"
        )
    if ratio < rules.cut_below:
        return "cut", f"LTV/CAC below {rules.cut_below:g}"
    if ratio >= rules.healthy:
        if _missing(headroom):
            return "hold", "no ceiling to measure headroom"
        if headroom > rules.min_headroom * cac:
            return "scale", f"LTV/CAC >= {rules.healthy:g}, headroom"
        return "hold", "headroom too small to scale"
    return "hold", f"LTV/CAC below {rules.healthy:g}"


def _reasons(
    frame: pd.DataFrame, metric_reasons: Mapping[str, str], notes: Mapping[str, str], by, own
) -> dict[str, str]:
    reasons = {k: v for k, v in metric_reasons.items() if k in frame.columns}
    reasons.update(notes)
    if not own:
        reasons["ltv"] = (
            f"customers are not attributed to a {by} for cohort LTV: the whole shop's LTV is used"
        )
    if frame["historical_ltv"].isna().any():
        reasons.setdefault("historical_ltv", "no cohort of the slice is old enough for the horizon")
    if frame["margin_rate"].isna().any():
        reasons.setdefault("margin_rate", "no revenue, or cost of goods missing on orders")
    if frame["payback_months"].isna().any():
        reasons["payback_months"] = (
            "the cumulative margin per customer has not reached the CAC in the months observed, "
            "or there is no CAC"
        )
    if frame["lead_conversion"].isna().any():
        reasons["lead_conversion"] = (
            "no valid leads, or more orders than leads (orders do not come through leads): "
            "pass --conversion"
        )
    return reasons
