"""Leads and daily ad statistics of the demo shop (vectorised; see :mod:`.generator`).

Ad rows are built bottom-up from what the shop saw: for each ad (keyword / ad set + ad)
and day, clicks = attributed orders + clicks that left a lead without buying + clicks
that did nothing (``Poisson(expected_clicks * (1 - cr))``); impressions add
``Poisson(expected_clicks * (1 / ctr - 1))``; cost = clicks x CPC with daily noise.
Platforms report conversions that differ from the shop's orders by a factor
(:data:`payback.demo.catalog.PLATFORM_CONVERSION_FACTOR`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from payback.demo import catalog as cat
from payback.demo._arrays import categorical, dates, ids, join, take, timestamps
from payback.demo._population import (
    AD,
    ORGANIC,
    PARTNER,
    Items,
    Orders,
    People,
    Sources,
    time_of_day,
)
from payback.demo._tables import attribution_columns, customer_ids

LEAD_KINDS = ("call", "form", "chat", "email")
LEAD_STATUSES = ("valid", "failed", "duplicate", "spam")
#: share of customers whose first order followed a call / form / chat / e-mail, by source kind
CONVERTED_LEAD_SHARE = {AD: 0.3, PARTNER: 0.2, ORGANIC: 0.25}
OTHER_LEAD_SHARE = 0.08  # direct customers
FAILED_CALL_SHARE = 0.35
SPAM_SHARE = {"call": 0.04, "form": 0.12, "chat": 0.05, "email": 0.15}
DUPLICATE_SHARE = 0.08


@dataclass(frozen=True)
class Leads:
    t: np.ndarray
    kind: np.ndarray
    status: np.ndarray
    customer: np.ndarray  # -1: did not buy
    contact: pa.Array
    source: np.ndarray
    attribution: dict[str, pa.Array]
    clicks: np.ndarray  # (ad source, day): clicks that left a lead and did not buy

    @property
    def n(self) -> int:
        return len(self.t)


def leads(
    rng: np.random.Generator,
    people: People,
    sources: Sources,
    expected_clicks: np.ndarray,
    n_days: int,
) -> Leads:
    """Calls, forms, chats and e-mails: some became customers, some failed, spam, duplicates."""
    n_ads = sources.n_ads
    kind_of = sources.kind[people.source]
    share = np.full(people.n, OTHER_LEAD_SHARE)
    for k, s in CONVERTED_LEAD_SHARE.items():
        share[kind_of == k] = s
    buyer = np.flatnonzero(rng.random(people.n) < share)
    t_buyer = people.t0[buyer] - np.minimum(
        rng.uniform(0.02, 2.0, len(buyer)), 0.8 * people.t0[buyer]
    )
    kind_buyer = categorical(
        rng, np.array([[0.4, 0.25, 0.2, 0.15]]), np.zeros(len(buyer), np.int32)
    )

    # leads from ad clicks that did not buy: per (ad, day)
    rate = expected_clicks * sources.lead_rate[:n_ads, None]
    per_cell = rng.poisson(rate)
    cell = np.repeat(np.arange(per_cell.size), per_cell.ravel())
    src_ad = cell // n_days
    t_ad = cell % n_days + time_of_day(rng, len(cell))
    # leads from partners / organic / direct visitors who did not buy
    non_ad = np.flatnonzero(sources.kind != AD)
    per_source = rng.poisson(
        0.5 * np.bincount(people.source[buyer], minlength=len(sources.kind))[non_ad]
    )
    src_other = np.repeat(non_ad, per_source)
    t_other = rng.uniform(0, n_days, len(src_other))

    src_prospect = np.concatenate([src_ad, src_other]).astype(np.int32)
    n_prospect = len(src_prospect)
    kind_prospect = categorical(
        rng, np.array([[0.45, 0.25, 0.15, 0.15]]), np.zeros(n_prospect, np.int32)
    )
    spam_p = np.array([SPAM_SHARE[k] for k in LEAD_KINDS])[kind_prospect]
    spam_p = np.minimum(spam_p * sources.spam_boost[src_prospect], 0.9)
    failed_p = np.where(kind_prospect == 0, FAILED_CALL_SHARE, 0.0)
    draw = rng.random(n_prospect)
    status_prospect = np.where(draw < spam_p, 3, np.where(draw < spam_p + failed_p, 1, 0))

    src_buyer = people.source[buyer]
    t = np.concatenate([t_buyer, t_ad, t_other])
    kind = np.concatenate([kind_buyer, kind_prospect])
    status = np.concatenate([np.zeros(len(buyer), np.int64), status_prospect])
    customer = np.concatenate([buyer, np.full(n_prospect, -1)])
    source = np.concatenate([src_buyer, src_prospect]).astype(np.int32)
    person = np.concatenate([buyer + 1, 50_000_000 + np.arange(n_prospect)])

    # the same contact again the same day: a duplicate
    dup = np.flatnonzero((kind != 2) & (status <= 1) & (rng.random(len(t)) < DUPLICATE_SHARE))
    left = np.floor(t[dup]) + 1.0 - t[dup]
    gap = np.minimum(rng.uniform(5 / 1440, 4 / 24, len(dup)), left * 0.9)
    t = np.concatenate([t, t[dup] + gap])
    kind = np.concatenate([kind, kind[dup]])
    status = np.concatenate([status, np.full(len(dup), 2)])
    customer = np.concatenate([customer, customer[dup]])
    source = np.concatenate([source, source[dup]])
    person = np.concatenate([person, person[dup]])

    order = np.lexsort((person, t))
    t, kind, status = t[order], kind[order], status[order]
    customer, source, person = customer[order], source[order], person[order]
    phone = kind == 0
    number = ids("", person, 8)
    contact = join(
        pa.array(np.where(phone, "+1555", "u")),
        number,
        pa.array(np.where(phone, "", "@example.com")),
    )
    attributed = np.where(
        (sources.kind[source] == AD) | (sources.kind[source] == PARTNER), source, -1
    )
    attribution = attribution_columns(rng, attributed, sources, url_share=0.3, click_id_share=0.3)
    clicks = np.bincount(src_ad * n_days + (t_ad.astype(np.int64)), minlength=n_ads * n_days)
    return Leads(
        t=t,
        kind=kind,
        status=status,
        customer=customer,
        contact=contact,
        source=attributed,
        attribution=attribution,
        clicks=clicks.reshape(n_ads, n_days),
    )


def leads_table(leads: Leads, people: People, sources: Sources, start: date) -> pa.Table:
    """The canonical ``leads`` table."""
    del sources
    country = np.where(leads.customer >= 0, people.country[np.maximum(leads.customer, 0)], -1)
    return pa.table(
        {
            "lead_id": ids("L", np.arange(1, leads.n + 1), max(8, len(str(leads.n)))),
            "time": timestamps(start, leads.t),
            "kind": take(LEAD_KINDS, leads.kind),
            "status": take(LEAD_STATUSES, leads.status),
            "contact": leads.contact,
            "customer_id": customer_ids(people.n).take(
                pa.array(np.maximum(leads.customer, 0), mask=leads.customer < 0)
            ),
            **leads.attribution,
            "country": take([c[0] for c in cat.COUNTRIES], country),
        }
    )


@dataclass(frozen=True)
class AdStats:
    table: pa.Table
    fx_rates: pa.Table | None


def fx_series(rng: np.random.Generator, n_days: int, level: float = 1.08) -> np.ndarray:
    """A daily exchange-rate path: a geometric random walk around ``level``."""
    steps = rng.normal(0.0, 0.003, n_days)
    return np.round(level * np.exp(np.cumsum(steps) - steps.mean() * np.arange(n_days)), 6)


def ad_stats(
    rng: np.random.Generator,
    orders: Orders,
    items: Items,
    leads: Leads,
    sources: Sources,
    expected_clicks: np.ndarray,
    start: date,
    currency: str,
    fx: tuple[str, str] | None,
    fx_rng: np.random.Generator,
) -> AdStats:
    """Daily rows per ad: impressions, clicks, cost and the platform's own conversions."""
    n_ads, n_days = expected_clicks.shape
    on_ad = (orders.source >= 0) & (orders.source < n_ads)
    cell = (orders.source * n_days + orders.t.astype(np.int64))[on_ad]
    bought = np.bincount(cell, minlength=n_ads * n_days).reshape(n_ads, n_days)
    revenue = np.bincount(cell, items.revenue[on_ad], n_ads * n_days).reshape(n_ads, n_days)
    mean = expected_clicks * np.exp(rng.normal(-0.03, 0.25, expected_clicks.shape))
    idle = rng.poisson(mean * (1.0 - sources.cr[:n_ads, None]))
    clicks = bought + leads.clicks + idle
    impressions = clicks + rng.poisson(mean * (1.0 / sources.ctr[:n_ads, None] - 1.0))
    cost = np.round(
        clicks * sources.cpc[:n_ads, None] * np.exp(rng.normal(0, 0.1, clicks.shape)), 2
    )

    platforms = list(cat.PLATFORM_CONVERSION_FACTOR)
    plat = np.array([platforms.index(p) for p in sources.platform[:n_ads]])
    factor = np.array(list(cat.PLATFORM_CONVERSION_FACTOR.values()))[plat][:, None]
    reported = rng.poisson(bought * factor).astype(float)
    google = (plat == platforms.index("google"))[:, None]
    fractional = np.round(reported * rng.uniform(0.85, 1.15, reported.shape), 2)
    conversions = np.where(google, fractional, reported)
    value = np.where(
        reported > 0, np.round(revenue * factor * np.exp(rng.normal(0, 0.1, revenue.shape)), 2), 0.0
    )

    src, day = np.nonzero(impressions > 0)
    order = np.lexsort((src, day))
    src, day = src[order], day[order]
    money_currency = np.full(len(src), currency, dtype=object)
    cost_rows, value_rows = cost[src, day], value[src, day]
    fx_rates = None
    if fx is not None:
        rate = fx_series(fx_rng, n_days)
        foreign = plat[src] == platforms.index(fx[0])
        cost_rows = np.where(foreign, np.round(cost_rows / rate[day], 2), cost_rows)
        value_rows = np.where(foreign, np.round(value_rows / rate[day], 2), value_rows)
        money_currency[foreign] = fx[1]
        fx_rates = pa.table(
            {
                "date": dates(start, np.arange(n_days)),
                "currency": pa.array([fx[1]] * n_days),
                "rate": pa.array(rate),
                "base_currency": pa.array([currency] * n_days),
            }
        )
    is_google = plat[src] == platforms.index("google")
    table = pa.table(
        {
            "date": dates(start, day),
            "platform": take(platforms, plat[src]),
            "campaign": take(sources.campaign, src),
            "ad_group": take(sources.ad_group, src),
            "keyword": take(sources.keyword, src),
            "match_type": take(sources.match_type, np.where(is_google, src, -1)),
            "impressions": pa.array(impressions[src, day].astype(np.int64)),
            "clicks": pa.array(clicks[src, day].astype(np.int64)),
            "cost": pa.array(cost_rows),
            "currency": pa.array(money_currency.astype(str)),
            "conversions": pa.array(conversions[src, day]),
            "conversion_value": pa.array(value_rows),
        }
    )
    return AdStats(table=table, fx_rates=fx_rates)
