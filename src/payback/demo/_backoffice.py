"""Subscriptions, non-advertising costs and partner claims of the demo shop.

- **Subscriptions (sBG).** A share of each tier's customers joins the tea club (monthly
  price); each subscriber's monthly churn probability is ``theta ~ Beta(alpha, beta)``,
  paid months ``~ Geometric(theta)``; subscriptions still paid at the end are open.
- **Costs.** Monthly rent, salaries and software (fixed, so much per customer of the
  shop), delivery per shipped order, packaging per order line, payment fees as a share of
  shipped revenue, customer service per lead.
- **Partner claims.** Every order a partner referred is claimed (cancelled and returned
  ones too: the partner cannot know), plus injected discrepancies: duplicates, unknown
  order ids, orders outside the 30-day window, inflated revenue.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from payback.demo import catalog as cat
from payback.demo._arrays import ids, take, timestamps
from payback.demo._population import (
    PARTNER,
    Items,
    Orders,
    People,
    Sources,
)
from payback.demo._tables import customer_ids

CLAIM_WINDOW_DAYS = 30
DUPLICATE_CLAIMS = 0.015
UNKNOWN_CLAIMS = 0.01
OUTSIDE_WINDOW_CLAIMS = 0.02
INFLATED_CLAIMS = 0.02


def add_months(day: np.ndarray, months: np.ndarray) -> np.ndarray:
    """``day`` (datetime64[D]) plus whole months, the day of month clipped to the month's end.

    >>> add_months(np.array(["2024-01-31"], "datetime64[D]"), np.array([1])).tolist()
    [datetime.date(2024, 2, 29)]
    """
    month = day.astype("datetime64[M]")
    offset = (day - month.astype("datetime64[D]")).astype(np.int64)
    target = month + months.astype("timedelta64[M]")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    return target.astype("datetime64[D]") + np.minimum(offset, length - 1).astype("timedelta64[D]")


def subscriptions(
    rng: np.random.Generator,
    people: People,
    sources: Sources,
    start: date,
    end: date,
    currency: str,
) -> pa.Table:
    """The tea club: one row per subscription, ``end`` = last paid day, null while active."""
    tiers = list(cat.TIERS.values())
    n_days = (end - start).days + 1
    rate = np.array([t.subscribe_rate for t in tiers])[people.tier]
    joined = rng.random(people.n) < rate
    t_start = people.t0 + rng.uniform(0.0, 45.0, people.n)
    member = np.flatnonzero(joined & (t_start < n_days - 1))
    t_start = t_start[member]
    tier = people.tier[member]
    theta = rng.beta(
        np.array([t.sbg_alpha for t in tiers])[tier], np.array([t.sbg_beta for t in tiers])[tier]
    )
    months = rng.geometric(theta)
    first = np.datetime64(start, "D") + np.floor(t_start).astype("timedelta64[D]")
    last_paid = add_months(first, months) - np.timedelta64(1, "D")
    active = last_paid >= np.datetime64(end, "D")
    order = np.lexsort((member, first))
    member, first, last_paid, active = member[order], first[order], last_paid[order], active[order]
    src = people.source[member]
    partner = np.where(sources.kind[src] == PARTNER, sources.partner_index[src], -1)
    n = len(member)
    return pa.table(
        {
            "subscription_id": ids("S", np.arange(1, n + 1), max(7, len(str(n)))),
            "customer_id": customer_ids(people.n).take(pa.array(member)),
            "plan": pa.array([cat.SUBSCRIPTION_PLAN] * n, pa.string()),
            "start": pa.array(first),
            "end": pa.array(last_paid, mask=active),
            "price": pa.array(np.full(n, cat.SUBSCRIPTION_PRICE)),
            "cogs": pa.array(np.full(n, cat.SUBSCRIPTION_COGS)),
            "currency": pa.array([currency] * n, pa.string()),
            "platform": take(sources.platform, src),
            "campaign": take(sources.campaign, src),
            "partner_id": take([p.partner_id for p in cat.PARTNERS], partner),
        }
    )


def _month_index(start: date, t: np.ndarray) -> np.ndarray:
    day = np.datetime64(start, "D") + np.floor(t).astype("timedelta64[D]")
    return (day.astype("datetime64[M]") - np.datetime64(start, "M")).astype(np.int64)


def costs(
    orders: Orders,
    items: Items,
    leads_t: np.ndarray,
    start: date,
    n_days: int,
    n_customers: int,
    currency: str,
) -> pa.Table:
    """Monthly non-advertising costs by category (see :data:`catalog.COST_LINES`)."""
    last = np.datetime64(start, "D") + np.timedelta64(n_days - 1, "D")
    n_months = int((last.astype("datetime64[M]") - np.datetime64(start, "M")).astype(np.int64)) + 1
    month = np.arange(n_months)
    shipped = (orders.status == 0) | (orders.status == 2)
    order_month = _month_index(start, orders.t)
    per_order = np.bincount(order_month[shipped], minlength=n_months)
    lines = np.bincount(order_month[items.order[shipped[items.order]]], minlength=n_months)
    revenue = np.bincount(order_month[shipped], items.revenue[shipped], n_months)
    lead_count = np.bincount(_month_index(start, leads_t), minlength=n_months)
    weights = {
        "rent": np.where(month >= 12, 1.08, 1.0),
        "salaries": 1.0 + 0.5 * month / max(n_months - 1, 1),
        "software": np.ones(n_months),
    }
    rows_cat, rows_amount, rows_month = [], [], []
    for category, kind, amount in cat.COST_LINES:
        if kind == "fixed":
            w = weights.get(category, np.ones(n_months))
            value = amount * n_customers * w / w.sum()
        else:
            base = {
                "per_order": per_order,
                "per_item": lines,
                "revenue_share": revenue,
                "per_lead": lead_count,
            }[kind]
            value = amount * base
        rows_cat += [category] * n_months
        rows_amount.append(np.round(value, 2))
        rows_month.append(month)
    month_all = np.concatenate(rows_month)
    first = np.datetime64(start, "M") + month_all.astype("timedelta64[M]")
    order = np.lexsort((np.array(rows_cat), month_all))
    return pa.table(
        {
            "date": pa.array(first.astype("datetime64[D]")[order]),
            "period_end": pa.array(((first + 1).astype("datetime64[D]") - 1)[order]),
            "category": pa.array(np.array(rows_cat)[order].tolist(), pa.string()),
            "amount": pa.array(np.concatenate(rows_amount)[order]),
            "currency": pa.array([currency] * len(order), pa.string()),
        }
    )


CLAIM_ISSUES = (
    "ok",
    "cancelled_order",
    "returned_order",
    "pending_order",
    "duplicate",
    "unknown_order",
    "outside_window",
    "inflated_revenue",
)


def claims(
    rng: np.random.Generator,
    orders: Orders,
    items: Items,
    people: People,
    sources: Sources,
    start: date,
    n_days: int,
    currency: str,
) -> tuple[pa.Table, pa.Table]:
    """Partner claims and, per claim, the discrepancy injected (:data:`CLAIM_ISSUES`)."""
    partner_of_source = np.where(sources.kind == PARTNER, sources.partner_index, -1)
    via = np.flatnonzero(
        (orders.source >= 0) & (partner_of_source[np.maximum(orders.source, 0)] >= 0)
    )
    partner = partner_of_source[orders.source[via]]
    issue = np.array([0, 1, 2, 3])[orders.status[via]]
    revenue = items.revenue[via].copy()
    inflated = (issue == 0) & (rng.random(len(via)) < INFLATED_CLAIMS)
    revenue[inflated] = np.round(revenue[inflated] * rng.uniform(1.1, 1.6, int(inflated.sum())), 2)
    issue[inflated] = CLAIM_ISSUES.index("inflated_revenue")
    lag = rng.uniform(0.0, 3.0, len(via))
    t = np.minimum(orders.t[via] + lag, np.maximum(orders.t[via], n_days - 1e-4))
    order_no = via + 1

    dup = np.flatnonzero(rng.random(len(via)) < DUPLICATE_CLAIMS)
    t_dup = np.minimum(t[dup] + rng.uniform(1.0, 10.0, len(dup)), np.maximum(t[dup], n_days - 1e-4))

    # repeat orders of referred customers long after the referral, not through the partner
    cust_partner = partner_of_source[people.source[orders.customer]]
    late = np.flatnonzero(
        (cust_partner >= 0)
        & (orders.source < 0)
        & (orders.t - people.t0[orders.customer] > CLAIM_WINDOW_DAYS)
    )
    n_late = min(len(late), round(OUTSIDE_WINDOW_CLAIMS * len(via)))
    late = np.sort(rng.choice(late, n_late, replace=False)) if n_late else late[:0]

    n_unknown = round(UNKNOWN_CLAIMS * len(via))
    unknown_no = orders.n + 1 + np.sort(rng.choice(orders.n + 10 * n_unknown + 1, n_unknown, False))
    unknown_partner = rng.integers(0, len(cat.PARTNERS), n_unknown)
    unknown_t = rng.uniform(0, n_days - 1e-4, n_unknown)
    unknown_revenue = np.round(rng.gamma(3.0, 20.0, n_unknown) + 5.0, 2)

    all_t = np.concatenate(
        [
            t,
            t_dup,
            np.minimum(
                orders.t[late] + rng.uniform(0, 3, n_late),
                np.maximum(orders.t[late], n_days - 1e-4),
            ),
            unknown_t,
        ]
    )
    all_partner = np.concatenate([partner, partner[dup], cust_partner[late], unknown_partner])
    all_no = np.concatenate([order_no, order_no[dup], late + 1, unknown_no])
    all_revenue = np.concatenate([revenue, revenue[dup], items.revenue[late], unknown_revenue])
    all_issue = np.concatenate(
        [
            issue,
            np.full(len(dup), CLAIM_ISSUES.index("duplicate")),
            np.full(n_late, CLAIM_ISSUES.index("outside_window")),
            np.full(n_unknown, CLAIM_ISSUES.index("unknown_order")),
        ]
    )
    order = np.lexsort((all_no, all_t))
    all_t, all_partner, all_no = all_t[order], all_partner[order], all_no[order]
    all_revenue, all_issue = all_revenue[order], all_issue[order]
    rate = np.array([p.commission_rate for p in cat.PARTNERS])[all_partner]
    fee = np.array([p.fixed_fee for p in cat.PARTNERS])[all_partner]
    commission = np.round(all_revenue * rate + fee, 2)
    n = len(all_t)
    claim_id = ids("PC", np.arange(1, n + 1), max(7, len(str(n))))
    width = max(8, len(str(orders.n)))
    order_id = ids("O", all_no, width)
    partner_id = take([p.partner_id for p in cat.PARTNERS], all_partner)
    claims_table = pa.table(
        {
            "claim_id": claim_id,
            "partner_id": partner_id,
            "order_id": order_id,
            "time": timestamps(start, all_t),
            "revenue": pa.array(all_revenue),
            "commission": pa.array(commission),
            "currency": pa.array([currency] * n, pa.string()),
        }
    )
    issues = pa.table(
        {
            "claim_id": claim_id,
            "partner_id": partner_id,
            "order_id": order_id,
            "issue": take(CLAIM_ISSUES, all_issue),
        }
    )
    return claims_table, issues
