"""A realistic synthetic shop: customers, orders, ads, leads, partners and subscriptions.

:func:`generate_shop` draws a two-year history of a small tea-and-tableware web shop
from the plan in :mod:`payback.demo.catalog`. Everything is vectorised NumPy: one
million customers take seconds, not minutes. The same seed always gives the same shop.

The model, in the buy-till-you-die notation (time in days):

- **Acquisition.** ``n_customers`` first orders are spread over sources (ad keywords /
  ad sets, partners, organic, direct) and days in proportion to each source's share and
  a daily profile (growth, a winter and Black-Friday season, weekdays).
- **Repeat purchases (BG/NBD).** Per customer ``lambda ~ Gamma(r, alpha)`` and
  ``p ~ Beta(a, b)`` with the tier of the acquisition source; while alive, purchases are
  Poisson(lambda); after each repeat purchase the customer drops out with probability
  ``p``. The repeats seen before the end are ``x = min(N, M)`` with
  ``N ~ Poisson(lambda * window)`` and ``M ~ Geometric(p)``; their times are the first
  ``x`` order statistics of ``N`` uniforms (exponential spacings).
- **Spend (Gamma-Gamma).** ``nu ~ Gamma(q, gamma)`` per customer, each order's target
  spend ``z ~ Gamma(p, nu)``; the basket (1-6 lines, companion products bought together)
  is priced to about ``z``; revenue is the exact sum of the lines.
- Age band, gender and country shift each customer's rate (``m ** 0.7``) and spend
  (``m ** 0.5``), ``m`` a product of attribute multipliers normalised inside the tier, so
  an ideal customer profile exists without moving the tiers' means.

Examples
--------
>>> shop = generate_shop(300, seed=7)
>>> shop.customers.num_rows
300
>>> shop.orders.num_rows > 300
True
>>> generate_shop(300, seed=7).orders.equals(shop.orders)
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa

from payback.demo import catalog as cat
from payback.demo._population import (  # re-exported: the draws' records live there
    AD,
    DEVICES,
    DIRECT,
    ORDER_STATUSES,
    ORGANIC,
    PARTNER,
    Items,
    Orders,
    People,
    Sources,
    _customers,
    _expected_clicks,
    _items,
    _profiles,
    _purchases,
    _sources,
    time_of_day,
)
from payback.demo._tables import (  # re-exported: the canonical tables are built there
    SHOP_URL,
    _campaign_plan,
    _customers_table,
    _orders_table,
    _truth_table,
    attribution_columns,
    customer_ids,
    pc_where,
    source_labels,
)
from payback.errors import InputError

__all__ = [
    "AD",
    "DEFAULT_START",
    "DEVICES",
    "DIRECT",
    "ORDER_STATUSES",
    "ORGANIC",
    "PARTNER",
    "PHASES",
    "SHOP_URL",
    "Items",
    "Orders",
    "People",
    "ProgressHook",
    "Shop",
    "Sources",
    "attribution_columns",
    "customer_ids",
    "generate_shop",
    "pc_where",
    "source_labels",
    "time_of_day",
]

#: phases reported to the ``progress`` callback, in order
PHASES: tuple[str, ...] = (
    "customers",
    "purchases",
    "order items",
    "leads",
    "ad statistics",
    "subscriptions",
    "costs and claims",
)

ProgressHook = Callable[[str], None]
DEFAULT_START = date(2024, 1, 1)


@dataclass(frozen=True)
class Shop:
    """A generated shop: canonical tables (pyarrow) plus the plan and hidden truth.

    Attributes
    ----------
    ad_stats, orders, order_items, leads, customers, costs, partner_claims, subscriptions
        Canonical tables (column names of :mod:`payback.schema`). ``orders`` and ``leads``
        carry the derived attribution columns (platform, campaign, ad_group, keyword) the
        importer is expected to derive from their utm_* columns / landing URL.
    fx_rates
        Daily exchange rates into ``currency`` when one platform reports in ``fx``'s
        currency, else None. ``ad_stats`` rows of that platform are in that currency.
    campaigns, partners
        The plan (pandas): tier, designed click economics, intended verdict.
    customer_truth
        Hidden per-customer draws: source, tier, ``lam`` (per day), ``p_dropout``, ``nu``,
        ``value_multiplier``.
    claim_issues
        For every partner claim the discrepancy injected (``ok`` when none).
    """

    ad_stats: pa.Table
    orders: pa.Table
    order_items: pa.Table
    leads: pa.Table
    customers: pa.Table
    costs: pa.Table
    partner_claims: pa.Table
    subscriptions: pa.Table
    fx_rates: pa.Table | None
    campaigns: pd.DataFrame
    partners: pd.DataFrame
    customer_truth: pa.Table
    claim_issues: pa.Table
    seed: int
    start: date
    end: date
    currency: str = "USD"
    fx: tuple[str, str] | None = field(default=None)
    sessions: pa.Table | None = field(default=None)

    @property
    def tables(self) -> dict[str, pa.Table]:
        """The canonical tables by name (``fx_rates`` only when present)."""
        out = {
            "ad_stats": self.ad_stats,
            "orders": self.orders,
            "order_items": self.order_items,
            "leads": self.leads,
            "customers": self.customers,
            "costs": self.costs,
            "partner_claims": self.partner_claims,
            "subscriptions": self.subscriptions,
        }
        if self.fx_rates is not None:
            out["fx_rates"] = self.fx_rates
        if self.sessions is not None:
            out["sessions"] = self.sessions
        return out

    def counts(self) -> dict[str, int]:
        """Rows of every canonical table."""
        return {name: t.num_rows for name, t in self.tables.items()}


def generate_shop(
    n_customers: int = 10_000,
    seed: int = 42,
    start: date = DEFAULT_START,
    years: int = 2,
    *,
    currency: str = "USD",
    fx: tuple[str, str] | None = None,
    progress: ProgressHook | None = None,
) -> Shop:
    """Generate a synthetic shop, deterministic for ``seed``.

    Parameters
    ----------
    n_customers : int
        Customers acquired over the period (each has at least one order).
    seed : int
        Seed of every random draw; the same seed gives identical tables.
    start : date
        First day of the history; it lasts ``years`` years (end inclusive).
    currency : str
        The shop's currency (every money column, except ``fx``'s platform).
    fx : (platform, currency), optional
        Make one ad platform report in another currency (e.g. ``("yandex", "EUR")``);
        ``fx_rates`` then holds daily rates (``currency`` per 1 unit of the foreign one).
    progress : callable, optional
        Called with each phase name of :data:`PHASES` as it starts.

    Returns
    -------
    Shop

    Raises
    ------
    InputError
        For fewer than 100 customers, a non-positive period or an unknown ``fx`` platform.
    """
    if n_customers < 100:
        raise InputError(
            f"n_customers must be at least 100 (got {n_customers}): fewer leaves most "
            f"campaigns without a single customer"
        )
    if years < 1:
        raise InputError(f"years must be at least 1, got {years}")
    if fx is not None and fx[0] not in cat.PLATFORM_CONVERSION_FACTOR:
        raise InputError(
            f"fx platform {fx[0]!r} is unknown: expected one of "
            f"{', '.join(cat.PLATFORM_CONVERSION_FACTOR)} (e.g. yandex:EUR)"
        )
    from payback.demo import _activity, _backoffice, _partner_issues
    from payback.demo.sessions import demo_sessions

    step = progress or (lambda phase: None)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(10)]
    end = date(start.year + years, start.month, start.day) - timedelta(days=1)
    n_days = (end - start).days + 1

    step("customers")
    sources = _sources(rngs[0])
    profile = _profiles(sources, start, n_days)
    people = _customers(rngs[1], sources, profile, n_customers, n_days)
    step("purchases")
    orders = _purchases(rngs[2], people, sources, n_days)
    step("order items")
    items = _items(rngs[3], orders, people, sources)
    step("leads")
    expected_clicks = _expected_clicks(sources, profile, n_customers)
    leads = _activity.leads(rngs[4], people, sources, expected_clicks, n_days)
    step("ad statistics")
    ad_stats = _activity.ad_stats(
        rngs[5], orders, items, leads, sources, expected_clicks, start, currency, fx, rngs[9]
    )
    step("subscriptions")
    subs = _backoffice.subscriptions(rngs[6], people, sources, start, end, currency)
    step("costs and claims")
    costs = _backoffice.costs(orders, items, leads.t, start, n_days, n_customers, currency)
    claims, issues = _backoffice.claims(
        rngs[7], orders, items, people, sources, start, n_days, currency
    )

    orders_table = _orders_table(rngs[8], orders, people, sources, items, start, currency)
    shop = Shop(
        ad_stats=ad_stats.table,
        orders=orders_table,
        order_items=items.table(currency),
        leads=_activity.leads_table(leads, people, sources, start),
        customers=_customers_table(people, start),
        costs=costs,
        partner_claims=claims,
        subscriptions=subs,
        fx_rates=ad_stats.fx_rates,
        campaigns=_campaign_plan(),
        partners=pd.DataFrame([vars(p) for p in cat.PARTNERS]),
        customer_truth=_truth_table(people, sources),
        claim_issues=issues,
        seed=seed,
        start=start,
        end=end,
        currency=currency,
        fx=fx,
        sessions=demo_sessions(seed, orders_table, ad_stats.table),  # its own generator
    )
    return _partner_issues.plant(shop)  # appended claims: own generator, after every draw
