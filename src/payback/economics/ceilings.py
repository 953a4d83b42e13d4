"""Acquisition-cost ceilings per slice: what a customer may cost, next to what it costs.

For every value of one grain dimension (``campaign``, ``platform``, ``keyword``,
``partner`` ...) and for the two totals rows, from the store:

- **actual**: ``cost``, ``orders``, ``new_customers``, ``cpo``, ``cac``, ``aov``, as the
  metric engine gives them (:func:`payback.metrics.compute_metrics`), never re-derived:
  ``Total (paid)`` (``total_kind="paid"``) over the rows with ad statistics, ``Total
  (all)`` over every row and without ad ratios (no CPO, CAC, LTV/CAC). A grain without
  platform (``month``, ``country`` ...) mixes paid and organic orders in a row: each of
  its rows is its paid part, the engine's ``Total (paid)`` rule applied per value (the
  parts of its rows x platform with ad statistics, each metric from the catalogue);
- **LTV** per acquired customer over ``horizon_months`` months: historical cohort LTV
  on revenue and on gross margin (:func:`payback.clv.cohorts.cohort_ltv`: months 0 ..
  horizon-1 since the acquisition month, among cohorts observed that long) and the
  predicted CLV of a new customer (:func:`payback.clv.by_source.ltv_by_source`; its margin
  version is ``predicted_ltv x margin_rate``). ``ltv`` is the one the verdict uses:
  historical (or predicted, ``ltv="predicted"``), on margin (or revenue, ``basis``);
  a slice without its own value falls back as ``ltv_source`` says. The LTV of
  ``Total (paid)`` (and of the paid part of a month ...) is that of the customers
  acquired by paid traffic (first order through a slice with ad statistics), of
  ``Total (all)`` every customer's. ``margin`` (the share of revenue kept) replaces the
  data's margin everywhere, as in ``payback ltv predict``: margin LTV = revenue LTV x
  margin, the margin curve = revenue curve x margin, ``margin_rate = margin``;
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
  acquisition month; the curve pooled over the paid customers' cohorts for
  ``Total (paid)`` and paid parts, the shop's for grains without their own cohorts);
- for ``by="partner"`` the cost is the commission owed after reconciliation (a claim
  on an unknown, duplicate, cancelled, returned ... order owes nothing) on the confirmed
  orders of the same period and filters (:func:`partner_commissions`), not ad spend;
- **verdict** with its ``reason`` (:class:`VerdictRules`): *not enough data* (no cost,
  fewer than ``min_customers`` new customers, no LTV: no cohort old enough or no cost of
  goods, :data:`NO_MARGIN`, or no CAC), *cut* (CAC above the marginal
  CPO, or LTV/CAC below ``cut_below``), *scale* (LTV/CAC at least ``healthy`` and
  headroom above ``min_headroom x CAC``), otherwise *hold*. The marginal CPO is the
  ceiling on the cost of one *new customer* (DOMAIN.md: "50,000 of ads, 100 buyers"), so
  the cut compares it with the CAC; the CPO (cost per order, repeat orders included) is
  shown beside it in the reason.

Missing values are null with the reason in ``table.reasons``; never inf or NaN. The result
type and its columns: :mod:`payback.economics.ceilings_table`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from payback.economics.ceilings_table import (  # re-exported: the result type lives there
    _COLUMNS,
    NO_MARGIN,
    UNITS,
    Ceilings,
    _reasons,
)
from payback.economics.costs import (  # re-exported: their home before the split
    NonAdCosts,
    non_ad_costs_per_customer,
    orders_in_scope,
    partner_commissions,
)
from payback.economics.ltv import COHORT_DIMENSIONS, _cohort_values, _payback, _predicted
from payback.economics.ltv import PAID as _PAID
from payback.economics.ltv import TOTAL as _TOTAL
from payback.economics.verdicts import VERDICTS, VerdictRules, _verdicts
from payback.errors import InputError
from payback.metrics.catalogue import CATALOGUE
from payback.metrics.sides import PART_SIDE, SIDES
from payback.present import Table
from payback.present.values import fixed

#: What the ceilings ask the metric engine (:func:`payback.metrics.compute_metrics`).
_METRICS = (
    "cost",
    "orders",
    "new_customers",
    "revenue",
    "gross_profit",
    "leads",
    "cpa",
    "cpo",
    "cac",
    "aov",
)
__all__ = [
    "COHORT_DIMENSIONS",
    "NO_MARGIN",
    "UNITS",
    "VERDICTS",
    "Ceilings",
    "NonAdCosts",
    "VerdictRules",
    "ceilings",
    "non_ad_costs_per_customer",
    "orders_in_scope",
    "partner_commissions",
]


def _metric(name: str, **values: Any) -> pd.Series:
    """A catalogue metric's one definition on these columns (:meth:`Metric.evaluate`)."""
    return CATALOGUE[name].evaluate(values)


def _nullable(values: Any) -> pd.Series:
    """Float64 with pd.NA for missing, never inf or NaN."""
    s = pd.Series(values, dtype="Float64")
    return s.mask(~np.isfinite(s.astype(float).fillna(0.0)))


def _check_rate(name: str, value: float | None) -> None:
    if value is not None and not 0 <= value <= 1:
        raise InputError(
            f"{name} must be between 0 and 100 %, got {value:g} (= {value * 100:g} %). "
            f"Fix: give e.g. 25% or 0.25"
        )


def _paid_by_group(metrics: Any, grain: tuple[str, ...]) -> pd.DataFrame:
    """Per value of ``grain``, the engine's ``Total (paid)`` rule: the parts of the rows of
    ``grain x platform`` that have ad statistics, summed, every metric from the catalogue;
    the engine's totals rows appended unchanged."""
    frame, parts = metrics.frame, metrics.parts
    groups = ~frame["is_total"].astype(bool)
    paid = groups & parts["ad_rows"].notna()
    keys = frame.loc[groups, list(grain)].drop_duplicates()
    sums = (
        parts[paid]
        .groupby([frame.loc[paid, d] for d in grain], dropna=False)
        .sum(min_count=1)
        .reset_index()
    )
    out = keys.merge(sums, how="left", on=list(grain))
    for p in parts.columns:  # a group without paid rows: no ad parts, no paid orders
        if not SIDES[PART_SIDE[p]].paid:
            out[p] = out[p].fillna(0)
    values = pd.DataFrame({d: out[d] for d in grain})
    sums = {p: out[p] for p in parts.columns}
    for name in metrics.metrics:
        value = CATALOGUE[name].evaluate(sums).astype("Float64")
        values[name] = value.astype("Int64") if CATALOGUE[name].unit == "count" else value
    values["is_total"] = False
    values["total_kind"] = None
    totals = frame.loc[~groups, [*grain, *metrics.metrics, "is_total", "total_kind"]]
    return pd.concat([values, totals], ignore_index=True)


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
    margin : float, optional
        The share of revenue kept, in [0, 1], with one meaning everywhere (as in
        :func:`payback.clv.predict_ltv`'s ``margin``): margin LTV = revenue LTV x margin
        (historical and predicted), the payback curve = revenue curve x margin, and the
        margin of the maximum CPA. Default: the data's own margin (revenue - cost of
        goods), missing where orders lack cost of goods.
    average_check, share, conversion : float, optional
        Inputs of the maximum CPA/CPL: default the slice's AOV and orders / valid leads;
        ``share`` (of the margin spent to win a deal) defaults to 1.
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
    from payback.clv.cohorts import campaign_key, shared_cohort_ltv
    from payback.metrics import compute_metrics
    from payback.metrics.filters import GRAINS, expand_grain, parse_by

    dims = parse_by(by)
    if len(dims) != 1:
        raise InputError(f"by takes one dimension for ceilings, got {', '.join(dims) or 'none'}")
    (by,) = dims
    if ltv not in ("historical", "predicted"):
        raise InputError(f"ltv must be historical or predicted, got {ltv!r}")
    if basis not in ("margin", "revenue"):
        raise InputError(f"basis must be margin or revenue, got {basis!r}")
    if int(horizon_months) != horizon_months or horizon_months < 1:
        raise InputError(
            f"horizon_months must be a whole number of months >= 1, got {horizon_months}"
        )
    for name, value in (("margin", margin), ("share", share), ("conversion", conversion)):
        _check_rate(name, value)
    for name, value in (
        ("other_costs_per_customer", other_costs_per_customer),
        ("average_check", average_check),
    ):
        if value is not None and value < 0:
            raise InputError(f"{name} cannot be negative, got {value:g}")
    rules = rules or VerdictRules()
    horizon = int(horizon_months)

    notes: dict[str, str] = {}
    # a campaign lives in a platform: keyed by (platform, campaign) like the metrics
    grain = ("platform", "campaign") if by == "campaign" else (by,)
    # a grain without platform (month, country ...) mixes paid and organic orders in a row:
    # each of its rows is judged on its paid part, the engine's Total (paid) rule per value
    rollup = by != "partner" and "platform" not in expand_grain((by,))
    metrics = compute_metrics(
        store,
        by=(*grain, "platform") if rollup else grain,
        metrics=_METRICS,
        where=where,
        start=start,
        end=end,
    )
    groups = ~metrics.frame["is_total"].astype(bool)
    # the rows of the engine's Total (paid): those with ad statistics
    has_ads = metrics.parts.get("ad_rows", pd.Series(pd.NA, index=groups.index)).notna()
    paid_rows = groups & has_ads
    if rollup:
        f = _paid_by_group(metrics, grain)
        notes["cpo"] = notes["cac"] = (
            f"each {by} is its paid part: the cost, orders and new customers of its rows with "
            f"ad statistics (platform by platform), as in Total (paid); `payback metrics "
            f"--by {by}` shows the blended ones"
        )
    else:
        f = metrics.frame.copy()
    for column in grain:
        f[column] = f[column].astype(object).where(f[column].notna(), None)
    own = by in COHORT_DIMENSIONS
    # the acquisition sources of the customers bought by the ad spend (Total (paid))
    source = "platform" if not own else by
    rows = metrics.frame[paid_rows]
    if source == "campaign":
        paid = [campaign_key(p, c) for p, c in zip(rows["platform"], rows["campaign"], strict=True)]
    elif source in rows:
        paid = rows[source].astype(object).where(rows[source].notna(), None).tolist()
    else:
        paid = []
    if by == "partner":  # a partner's cost is the commission paid, not ad spend
        from payback.economics.costs import partner_commissions

        commission = f[by].map(partner_commissions(store, where=where, start=start, end=end))
        f["cost"] = f["cost"].astype("Float64").fillna(commission.astype("Float64"))
        f.loc[f["is_total"].astype(bool), "cost"] = pd.NA
        sums = {p: f[p] for p in ("cost", "orders", "new_customers")}
        f["cpo"] = CATALOGUE["cpo"].evaluate(sums)
        f["cac"] = CATALOGUE["cac"].evaluate(sums)
        f.loc[f["is_total"].astype(bool), ["cpo", "cac"]] = pd.NA
        notes["cost"] = (
            "partners: commission owed on the confirmed orders of the period and filters "
            "(the claims reconciled with the orders: each order once, a claim on an unknown, "
            "duplicate, cancelled or returned order owes nothing); the whole shop has no "
            "commission cost, so the totals row has no CAC"
        )
    if by == "campaign":  # the cohorts' source key "platform / campaign"
        slices = [campaign_key(p, c) for p, c in zip(f["platform"], f["campaign"], strict=True)]
    else:
        slices = list(f[by])
    kind = f["total_kind"].astype(object).where(f["total_kind"].notna(), None)
    key = pd.Series(
        [
            (_PAID if k == "paid" else _TOTAL) if t else (_PAID if rollup else s)
            for t, k, s in zip(f["is_total"].astype(bool), kind, slices, strict=True)
        ],
        index=f.index,
        dtype=object,
    )
    out = pd.DataFrame({**{c: f[c] for c in grain}, "is_total": f["is_total"].astype(bool)})
    out["total_kind"] = kind
    for col in ("cost", "orders", "new_customers", "leads", "revenue", "gross_profit", "cpa"):
        out[col] = _nullable(f[col])
    for col in ("cpo", "cac", "aov"):  # the engine's, its paid and blended totals rules
        out[col] = _nullable(f[col])
    if margin is None:
        out["margin_rate"] = _nullable(
            _metric("margin_rate", gross_profit=out["gross_profit"], revenue=out["revenue"])
        )
    else:
        out["margin_rate"] = _nullable([margin] * len(out))
        notes["margin_rate"] = (
            f"margin = {margin:.4g} of revenue (given): the margin LTV is the revenue LTV x "
            "margin, as in `payback ltv predict --margin`"
        )

    # whole-history cohorts: computed once per store version, shared with the CLV section
    table = shared_cohort_ltv(store, by if own else "platform", as_of=as_of)
    hist, curves, why_hist = _cohort_values(table, horizon, paid, own, margin)
    lookup = key if own else key.where(key == _PAID, _TOTAL)
    values = [hist.get(k, (None, None)) for k in lookup]
    out["historical_ltv"] = _nullable([v[0] for v in values])
    out["historical_margin_ltv"] = _nullable([v[1] for v in values])
    for column, why in why_hist.items():
        if out[column].isna().any():
            notes.setdefault(column, why)
    if predicted:
        pred, why = _predicted(store, by, horizon, min_model_customers, as_of, paid)
        if pred is None:
            notes["predicted_ltv"] = why
            out["predicted_ltv"] = _nullable([np.nan] * len(out))
        else:
            out["predicted_ltv"] = _nullable(key.map(lambda k: pred.get(k, np.nan)))
    else:
        out["predicted_ltv"] = _nullable([np.nan] * len(out))
        notes["predicted_ltv"] = "not computed (predicted=False)"
    out["predicted_margin_ltv"] = _nullable(out["predicted_ltv"] * out["margin_rate"])

    first, second = (
        ("historical", "predicted") if ltv == "historical" else ("predicted", "historical")
    )
    suffix = "_margin_ltv" if basis == "margin" else "_ltv"
    chosen = out[first + suffix]
    origin = pd.Series(np.where(chosen.notna(), first, None), index=out.index, dtype=object)
    fallback = out[second + suffix]
    use_fallback = chosen.isna() & fallback.notna()
    chosen = chosen.where(~use_fallback, fallback)
    origin = origin.where(~use_fallback, second)
    if not own:
        whose = pd.Series(np.where(lookup == _PAID, "paid ", "shop "), index=out.index)
        origin = origin.where(origin.isna(), whose + origin.astype(str))
    out["ltv"] = _nullable(chosen)
    out["ltv_source"] = origin
    out["ltv_cac"] = _nullable(_metric("ltv_cac", ltv=out["ltv"], cac=out["cac"]))

    other = _other_costs(store, other_costs_per_customer, horizon, as_of, notes)
    out["other_costs_per_customer"] = _nullable([np.nan if other is None else other] * len(out))
    # marginal CPO = LTV on revenue - cost of goods - other costs = margin LTV - other costs
    margin_ltv = out[first + "_margin_ltv"].where(
        out[first + "_margin_ltv"].notna(), out[second + "_margin_ltv"]
    )
    out["marginal_cpo"] = _nullable(
        _metric(
            "marginal_cpo", ltv=margin_ltv, other_costs_per_customer=out["other_costs_per_customer"]
        )
    )
    out["headroom"] = _nullable(
        _metric("headroom", marginal_cpo=out["marginal_cpo"], cac=out["cac"])
    )
    out["payback_months"] = _nullable(
        [_payback(curves.get(k), c) for k, c in zip(lookup, out["cac"].astype(object), strict=True)]
    )

    check = out["aov"] if average_check is None else _nullable([average_check] * len(out))
    out["max_cpa"] = _nullable(
        _metric("max_cpa", aov=check, margin=out["margin_rate"], share=share)
    )
    if conversion is None:
        conv = out["orders"] / out["leads"].where(out["leads"] > 0)
        conv = conv.where(conv <= 1)
    else:
        conv = pd.Series(conversion, index=out.index, dtype="Float64")
    out["lead_conversion"] = _nullable(conv)
    out["max_cpl"] = _nullable(
        _metric("max_cpl", max_cpa=out["max_cpa"], conversion=out["lead_conversion"])
    )
    out["cpl_headroom"] = _nullable(_metric("cpl_headroom", max_cpl=out["max_cpl"], cpa=out["cpa"]))

    no_margin = basis == "margin" and margin is None
    why_ltv = [
        NO_MARGIN if no_margin and not pd.isna(r) and pd.isna(m) else "no cohort old enough for LTV"
        for r, m in zip(
            out[first + "_ltv"].where(out[first + "_ltv"].notna(), out[second + "_ltv"]),
            out["ltv"],
            strict=True,
        )
    ]
    # the margin LTV behind the marginal CPO: missing for want of cost of goods, or cohorts
    why_margin = [
        NO_MARGIN if margin is None and not pd.isna(r) else "no cohort old enough for LTV"
        for r in out[first + "_ltv"].where(out[first + "_ltv"].notna(), out[second + "_ltv"])
    ]
    cells = metrics.cell_reasons["cac"].astype(object)
    if rollup:  # the group rows are rolled up; the totals rows are the engine's, last
        cells = pd.concat([pd.Series([None] * int((~out["is_total"]).sum())), cells[~groups]])
    why_cac = [
        "no CAC" if c is None or pd.isna(c) else str(c) for c in cells.reset_index(drop=True)
    ]
    verdict, reason = _verdicts(out, rules, why_ltv, why_cac)
    out["verdict"] = verdict
    out["reason"] = reason
    frame = out[[*grain, *_COLUMNS]].reset_index(drop=True)
    table = Table(
        frame,
        units=UNITS,
        reasons=_reasons(frame, metrics.reasons, notes, by, own, why_ltv, why_margin),
        currency=metrics.currency,
        date_formats={d: GRAINS[d].date_format for d in grain if GRAINS[d].date_format},
    )
    return Ceilings(
        table=table,
        by=by,
        rules=rules,
        horizon_months=horizon,
        other_costs_per_customer=other,
        currency=metrics.currency,
        notes=notes,
    )


def _other_costs(
    store: Any, given: float | None, horizon: int, as_of: Any, notes: dict[str, str]
) -> float | None:
    """Non-advertising costs per customer: ``given``, or the costs table's (an empty table
    counts as none, with a note)."""
    from payback.economics.costs import non_ad_costs_per_customer

    if given is not None:
        return float(given)
    costs = non_ad_costs_per_customer(store, horizon_months=horizon, as_of=as_of)
    if costs.amount is None:  # nothing known: counted as none, and said so
        notes["other_costs_per_customer"] = (
            "the costs table is empty: no non-advertising costs are counted "
            "(import costs or give other_costs_per_customer)"
        )
        return 0.0
    if costs.per_customer is None:
        notes["other_costs_per_customer"] = costs.reason
        notes["marginal_cpo"] = "no non-advertising costs per customer: " + costs.reason
    else:
        notes["other_costs_per_customer"] = (
            f"non-advertising costs {fixed(costs.amount, 2)} from {costs.first_month} to "
            f"{costs.last_month} (the {horizon} months of the LTV horizon) / "
            f"{costs.customers:,} customers with a confirmed order in those months"
        )
    return costs.per_customer
