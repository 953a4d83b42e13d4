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
from payback.demo._arrays import (
    categorical,
    group_positions,
    ids,
    join,
    random_tokens,
    take,
    timestamps,
)
from payback.errors import InputError

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

AD, PARTNER, ORGANIC, DIRECT = 0, 1, 2, 3
DEFAULT_START = date(2024, 1, 1)
SHOP_URL = "https://shop.example.com"
_TIER_NAMES = tuple(cat.TIERS)
_CATEGORY_PATH = ("teacups", "teapots", "tea", "kitchen-textiles", "gift-sets", "candles")


@dataclass(frozen=True)
class Sources:
    """Every acquisition source: one row per ad keyword / ad set + ad, partner, organic, direct."""

    kind: np.ndarray  # AD / PARTNER / ORGANIC / DIRECT
    tier: np.ndarray  # index into TIERS
    share: np.ndarray  # share of all customers
    start_day: np.ndarray
    campaign_index: np.ndarray  # index into CAMPAIGNS (-1: not an ad)
    partner_index: np.ndarray  # index into PARTNERS (-1: not a partner)
    category: np.ndarray  # landing-page category index (-1: none)
    cpc: np.ndarray
    ctr: np.ndarray
    cr: np.ndarray
    lead_rate: np.ndarray
    spam_boost: np.ndarray
    platform: tuple[str | None, ...]
    campaign: tuple[str | None, ...]
    ad_group: tuple[str | None, ...]
    keyword: tuple[str | None, ...]
    match_type: tuple[str | None, ...]

    @property
    def n_ads(self) -> int:
        """Ad sources come first: indices ``0 .. n_ads - 1``."""
        return int((self.kind == AD).sum())


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


# -- sources ---------------------------------------------------------------------------------
def _sources(rng: np.random.Generator) -> Sources:
    rows: list[dict] = []
    for ci, c in enumerate(cat.CAMPAIGNS):
        leaves = [(g, k) for g in c.ad_groups for k in g.keywords]
        weights = rng.dirichlet(np.full(len(leaves), 4.0))
        jitters = np.exp(rng.normal(0.0, 0.15, (len(leaves), 3)))
        # keep the campaign's CAC as designed: sum_k w_k cpc_k / cr_k = cpc / cr
        jitters[:, 2] *= float(np.sum(weights * jitters[:, 0] / jitters[:, 2]))
        for (g, k), w, jitter in zip(leaves, weights, jitters, strict=True):
            rows.append(
                dict(
                    kind=AD,
                    tier=_TIER_NAMES.index(c.tier),
                    share=c.share * w,
                    start_day=round(c.start_month * 30.44),
                    campaign_index=ci,
                    partner_index=-1,
                    category=-1 if g.category is None else cat.CATEGORIES.index(g.category),
                    cpc=c.cpc * jitter[0],
                    ctr=min(c.ctr * jitter[1], 0.5),
                    cr=c.cr * jitter[2],
                    lead_rate=c.lead_rate,
                    spam_boost=c.spam_boost,
                    platform=c.platform,
                    campaign=c.name,
                    ad_group=g.name,
                    keyword=k,
                    match_type=c.match_type,
                )
            )
    for pi, p in enumerate(cat.PARTNERS):
        rows.append(
            dict(kind=PARTNER, tier=_TIER_NAMES.index(p.tier), share=p.share, partner_index=pi)
        )
    rows.append(
        dict(kind=ORGANIC, tier=_TIER_NAMES.index(cat.ORGANIC_TIER), share=cat.ORGANIC_SHARE)
    )
    rows.append(dict(kind=DIRECT, tier=_TIER_NAMES.index(cat.DIRECT_TIER), share=cat.DIRECT_SHARE))
    frame = pd.DataFrame(rows)

    def num(col: str, default: float, dtype=np.float64) -> np.ndarray:
        return (
            frame[col].fillna(default).to_numpy(dtype)
            if col in frame
            else np.full(len(frame), default, dtype)
        )

    def txt(col: str) -> tuple[str | None, ...]:
        return tuple(None if pd.isna(v) else v for v in frame[col])

    return Sources(
        kind=num("kind", 0, np.int8),
        tier=num("tier", 0, np.int8),
        share=num("share", 0.0),
        start_day=num("start_day", 0, np.int32),
        campaign_index=num("campaign_index", -1, np.int16),
        partner_index=num("partner_index", -1, np.int16),
        category=num("category", -1, np.int8),
        cpc=num("cpc", 0.0),
        ctr=num("ctr", 0.0),
        cr=num("cr", 0.0),
        lead_rate=num("lead_rate", 0.0),
        spam_boost=num("spam_boost", 1.0),
        platform=txt("platform"),
        campaign=txt("campaign"),
        ad_group=txt("ad_group"),
        keyword=txt("keyword"),
        match_type=txt("match_type"),
    )


def _profiles(sources: Sources, start: date, n_days: int) -> np.ndarray:
    """Per source and day, the share of the source's customers acquired that day (rows sum to 1)."""
    day = np.arange(n_days)
    when = np.datetime64(start, "D") + day.astype("timedelta64[D]")
    doy = (when - when.astype("datetime64[Y]")).astype(np.int64) + 1
    weekday = (when.astype(np.int64) + 3) % 7  # 0 = Monday
    growth = 1.0 + 0.6 * day / n_days
    winter = 1.0 + 0.12 * np.cos(2 * np.pi * (doy - 15) / 365.25)
    peak = 0.5 * np.exp(-(((doy - 331) / 12.0) ** 2)) + 0.3 * np.exp(-(((doy - 350) / 7.0) ** 2))
    week = np.array([1.0, 1.03, 1.0, 0.98, 0.95, 0.87, 0.93])[weekday]
    gift = sources.tier == _TIER_NAMES.index("gift")
    base = growth * winter * week
    profile = base[None, :] * (1.0 + np.where(gift[:, None], 2.5, 1.0) * peak[None, :])
    profile[day[None, :] < sources.start_day[:, None]] = 0.0
    return profile / profile.sum(axis=1, keepdims=True)


def _expected_clicks(sources: Sources, profile: np.ndarray, n_customers: int) -> np.ndarray:
    """Expected clicks per (ad source, day): expected new customers / conversion rate."""
    k = sources.n_ads
    return n_customers * sources.share[:k, None] * profile[:k] / sources.cr[:k, None]


# -- customers -------------------------------------------------------------------------------
@dataclass(frozen=True)
class People:
    source: np.ndarray
    tier: np.ndarray
    t0: np.ndarray  # acquisition time, days since start
    age: np.ndarray
    gender: np.ndarray
    country: np.ndarray
    language: np.ndarray  # index into the country's languages
    city: np.ndarray
    value: np.ndarray  # attribute value multiplier m (mean 1 inside a tier)
    lam: np.ndarray
    p_dropout: np.ndarray
    nu: np.ndarray

    @property
    def n(self) -> int:
        return len(self.source)


_HOURS = np.array(
    [
        0.8,
        0.5,
        0.3,
        0.2,
        0.2,
        0.3,
        0.7,
        1.5,
        2.6,
        3.5,
        4.2,
        4.8,
        5.6,
        5.6,
        5.0,
        4.7,
        4.7,
        5.0,
        5.8,
        6.8,
        7.6,
        7.3,
        5.4,
        2.8,
    ]
)


def time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Fractions of a day drawn from a typical web shop's hourly traffic."""
    hour = categorical(rng, _HOURS[None, :], np.zeros(n, dtype=np.int32))
    return (hour + rng.random(n)) / 24.0


def _customers(
    rng: np.random.Generator, sources: Sources, profile: np.ndarray, n: int, n_days: int
) -> People:
    cells = profile * sources.share[:, None]
    counts = rng.multinomial(n, (cells / cells.sum()).ravel())
    cell = np.repeat(np.arange(cells.size), counts)
    source = (cell // n_days).astype(np.int32)
    t0 = (cell % n_days) + time_of_day(rng, n)
    order = np.lexsort((source, t0))
    source, t0 = source[order], t0[order]
    tier = sources.tier[source].astype(np.int32)

    tiers = list(cat.TIERS.values())
    age = categorical(rng, np.array([t.age_weights for t in tiers]), tier)
    female = np.array([t.female_share for t in tiers])
    unknown = cat.UNKNOWN_GENDER_SHARE
    gender_p = np.stack(
        [female * (1 - unknown), (1 - female) * (1 - unknown), np.full(len(tiers), unknown)], axis=1
    )
    gender = categorical(rng, gender_p, tier)
    country = categorical(rng, np.array([[c[1] for c in cat.COUNTRIES]]), np.zeros(n, np.int32))
    n_lang = max(len(c[3]) for c in cat.COUNTRIES)
    lang_p = np.zeros((len(cat.COUNTRIES), n_lang))
    for i, c in enumerate(cat.COUNTRIES):
        lang_p[i, : len(c[3])] = [s for _, s in c[3]]
    language = categorical(rng, lang_p, country)
    n_cities = np.array([len(c[4]) for c in cat.COUNTRIES])
    city = np.floor(rng.random(n) * n_cities[country]).astype(np.int32)

    value = (
        np.array(cat.AGE_VALUE)[age]
        * np.array(cat.GENDER_VALUE)[gender]
        * np.array([c[2] for c in cat.COUNTRIES])[country]
    )
    tier_mean = np.bincount(tier, value, len(tiers)) / np.maximum(
        np.bincount(tier, None, len(tiers)), 1
    )
    value = value / tier_mean[tier]

    par = {
        k: np.array([getattr(t, k) for t in tiers])[tier]
        for k in ("r", "alpha", "a", "b", "q", "gamma")
    }
    lam = np.minimum(rng.gamma(par["r"], 1.0 / par["alpha"]) * value**0.7, 0.5)
    p_dropout = rng.beta(par["a"], par["b"])
    nu = rng.gamma(par["q"], 1.0 / par["gamma"]) / value**0.5
    return People(source, tier, t0, age, gender, country, language, city, value, lam, p_dropout, nu)


# -- purchases -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Orders:
    customer: np.ndarray  # customer index
    t: np.ndarray  # days since start, sorted
    first: np.ndarray  # the customer's first (acquisition) order
    spend: np.ndarray  # Gamma-Gamma target spend z
    source: np.ndarray  # attributed source index, -1: none
    newsletter: np.ndarray  # repeat order from the e-mail newsletter
    status: np.ndarray  # index into ORDER_STATUSES
    device: np.ndarray

    @property
    def n(self) -> int:
        return len(self.t)


ORDER_STATUSES = ("confirmed", "cancelled", "returned", "pending")
DEVICES = ("mobile", "desktop", "tablet")


def _purchases(rng: np.random.Generator, people: People, sources: Sources, n_days: int) -> Orders:
    n = people.n
    window = n_days - people.t0
    potential = rng.poisson(people.lam * window)
    alive_for = rng.geometric(np.maximum(people.p_dropout, 1e-9))
    x = np.minimum(potential, alive_for)
    owner = np.repeat(np.arange(n), x)
    spacing = rng.exponential(size=len(owner))
    cum = np.cumsum(spacing)
    before = np.concatenate([[0.0], cum])[np.cumsum(x) - x]  # cumulated spacing before a group
    cum -= np.repeat(before, x)
    last = np.zeros(n)
    has = x > 0
    last[has] = cum[np.cumsum(x)[has] - 1]
    # the first x of N uniform order statistics: S_j / (S_x + Gamma(N - x + 1))
    rest = rng.gamma(np.maximum(potential - x + 1, 1).astype(float))
    u = cum / (last[owner] + rest[owner])
    repeat_t = people.t0[owner] + u * window[owner]

    customer = np.concatenate([np.arange(n), owner])
    t = np.concatenate([people.t0, repeat_t])
    first = np.concatenate([np.ones(n, bool), np.zeros(len(owner), bool)])
    order = np.lexsort((customer, t))
    customer, t, first = customer[order], t[order], first[order]
    m = len(t)

    tiers = list(cat.TIERS.values())
    tier = people.tier[customer]
    p_shape = np.array([tt.p_shape for tt in tiers])[tier]
    spend = np.clip(rng.gamma(p_shape, 1.0 / people.nu[customer]), 4.0, 3000.0)

    src = people.source[customer]
    kind = sources.kind[src]
    via_same = np.where(kind == AD, 0.15, 0.0)
    partner = sources.partner_index[src]
    repeat_partner = np.array([p.repeat_via_partner for p in cat.PARTNERS])
    via_same = np.where(kind == PARTNER, repeat_partner[np.maximum(partner, 0)], via_same)
    draw = rng.random(m)
    same = first | (draw < via_same)
    attributed = same & ((kind == AD) | (kind == PARTNER))
    source = np.where(attributed, src, -1).astype(np.int32)
    newsletter = ~same & (rng.random(m) < 0.15)

    cancel = np.array([tt.cancel_rate for tt in tiers])[tier]
    ret = np.array([tt.return_rate for tt in tiers])[tier]
    recent = t > n_days - 10
    pending = np.where(recent, 0.6, 0.004)
    status_p = np.stack([1 - cancel - ret - pending, cancel, ret, pending], axis=1)
    status = categorical(rng, status_p, np.arange(m))
    is_meta = np.array([p == "meta" for p in sources.platform])
    mobile = np.where(is_meta[src], 0.8, 0.55)
    device_p = np.stack([mobile, (1 - mobile) * 0.86, (1 - mobile) * 0.14], axis=1)
    device = categorical(rng, device_p, np.arange(m))
    return Orders(customer, t, first, spend, source, newsletter, status, device)


# -- order items -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Items:
    order: np.ndarray  # order index of each line
    line: np.ndarray  # 1-based line number
    product: np.ndarray  # index into PRODUCTS
    quantity: np.ndarray
    price: np.ndarray  # unit price paid
    cogs: np.ndarray  # cost of goods of the line
    revenue: np.ndarray  # per order: sum of price * quantity
    order_cogs: np.ndarray  # per order
    first_category: np.ndarray  # per order: category of the first line
    order_ids: pa.Array  # per order

    def table(self, currency: str) -> pa.Table:
        names = [p.name for p in cat.PRODUCTS]
        return pa.table(
            {
                "order_id": self.order_ids.take(pa.array(self.order)),
                "line": pa.array(self.line, pa.int64()),
                "product_id": take([p.product_id for p in cat.PRODUCTS], self.product),
                "product_name": take(names, self.product),
                "category": take([p.category for p in cat.PRODUCTS], self.product),
                "quantity": pa.array(self.quantity, pa.float64()),
                "price": pa.array(self.price),
                "cogs": pa.array(self.cogs),
                "currency": pa.array(np.full(len(self.line), currency)),
            }
        )


def _product_arrays() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    prods = cat.PRODUCTS
    pid = [p.product_id for p in prods]
    price = np.array([p.price for p in prods])
    category = np.array([cat.CATEGORIES.index(p.category) for p in prods])
    companion = np.array([pid.index(p.companion) for p in prods])
    unit_cogs = price * np.array([cat.COGS_SHARE[p.category] for p in prods])
    return (
        price,
        category,
        companion,
        unit_cogs,
        np.bincount(category, minlength=len(cat.CATEGORIES)),
    )


def _pick_in_category(rng: np.random.Generator, category: np.ndarray) -> np.ndarray:
    _, prod_cat, _, _, per_cat = _product_arrays()
    first_of = np.searchsorted(prod_cat, np.arange(len(cat.CATEGORIES)))
    return first_of[category] + np.floor(rng.random(len(category)) * per_cat[category]).astype(int)


def _items(rng: np.random.Generator, orders: Orders, people: People, sources: Sources) -> Items:
    price, _, companion, unit_cogs, _ = _product_arrays()
    m = orders.n
    k = np.minimum(1 + rng.poisson(np.maximum(orders.spend / 30.0 - 1.0, 0.0)), 6)
    line_order = np.repeat(np.arange(m), k)
    pos = group_positions(k)
    tier = people.tier[orders.customer]
    weights = np.array([t.category_weights for t in cat.TIERS.values()])
    landing = np.where(orders.source >= 0, sources.category[np.maximum(orders.source, 0)], -1)
    usual = categorical(rng, weights, tier)
    first_cat = np.where((landing >= 0) & (rng.random(m) < 0.7), landing, usual)

    product = np.empty(len(pos), dtype=np.int32)
    at = np.flatnonzero(pos == 0)
    product[at] = _pick_in_category(rng, first_cat)
    for j in range(1, int(k.max(initial=1))):
        at = np.flatnonzero(pos == j)
        with_companion = rng.random(len(at)) < 0.55
        other = _pick_in_category(rng, categorical(rng, weights, tier[line_order[at]]))
        product[at] = np.where(with_companion, companion[product[at - 1]], other)

    quantity = np.array([1, 2, 3])[
        categorical(rng, np.array([[0.8, 0.15, 0.05]]), np.zeros(len(pos), np.int32))
    ]
    list_value = np.bincount(line_order, price[product] * quantity, m)
    # a big spender buys more units of the first product (up to 10 more)
    first_line = np.flatnonzero(pos == 0)
    short = orders.spend - list_value
    quantity[first_line] += np.clip(np.round(short / price[product[first_line]]), 0, 10).astype(int)
    list_value = np.bincount(line_order, price[product] * quantity, m)
    factor = np.clip(np.round(orders.spend / list_value / 0.05) * 0.05, 0.7, 1.0)
    paid = np.round(price[product] * factor[line_order], 2)
    cogs = np.round(unit_cogs[product] * quantity, 2)
    revenue = np.round(np.bincount(line_order, paid * quantity, m), 2)
    order_cogs = np.round(np.bincount(line_order, cogs, m), 2)
    width = max(8, len(str(m)))
    return Items(
        order=line_order,
        line=pos + 1,
        product=product,
        quantity=quantity,
        price=paid,
        cogs=cogs,
        revenue=revenue,
        order_cogs=order_cogs,
        first_category=first_cat,
        order_ids=ids("O", np.arange(1, m + 1), width),
    )


# -- canonical tables ------------------------------------------------------------------------
def customer_ids(n: int) -> pa.Array:
    """Customer ids ``C0000001`` ... in order of acquisition."""
    return ids("C", np.arange(1, n + 1), max(7, len(str(n))))


def _scatter(values: pa.Array, mask: np.ndarray) -> pa.Array:
    """Spread ``values`` (one per True of ``mask``) over the rows; null elsewhere."""
    idx = np.cumsum(mask) - 1
    return values.take(pa.array(np.where(mask, idx, 0), mask=~mask))


def attribution_columns(
    rng: np.random.Generator,
    source: np.ndarray,
    sources: Sources,
    *,
    url_share: float,
    click_id_share: float,
    path: np.ndarray | None = None,
    newsletter: np.ndarray | None = None,
) -> dict[str, pa.Array]:
    """utm_* / click id / landing_url / partner_id and derived attribution of rows.

    Ad rows are written either as a landing URL with utm parameters and a click id
    (``url_share``) or as utm_* columns (then a click id column with ``click_id_share``);
    partner rows carry ``partner_id``; newsletter rows utm_source=newsletter.
    """
    m = len(source)
    s = np.maximum(source, 0)
    kind = np.where(source >= 0, sources.kind[s], -1)
    ad = kind == AD
    news = np.zeros(m, bool) if newsletter is None else newsletter & (source < 0)
    platforms = list(cat.PLATFORM_CONVERSION_FACTOR)
    plat = np.array([platforms.index(p) if p else -1 for p in sources.platform])[s]
    is_meta = plat == platforms.index("meta")
    variant = (is_meta & (rng.random(m) < 0.3)).astype(np.int64)  # instagram
    as_url = ad & (rng.random(m) < url_share)
    as_cols = ad & ~as_url
    utm_values = [
        cat.UTM_SOURCE[p][min(v, len(cat.UTM_SOURCE[p]) - 1)] for p in platforms for v in (0, 1)
    ] + ["newsletter"]
    utm_idx = np.where(news, len(utm_values) - 1, plat * 2 + variant)
    col_rows = as_cols | news
    mediums = [cat.UTM_MEDIUM[p] for p in platforms] + ["email"]
    medium_idx = np.where(news, len(mediums) - 1, plat)

    def src_text(values: tuple[str | None, ...], rows: np.ndarray, news_value=None) -> pa.Array:
        idx = np.where(rows & (source >= 0), s, -1)
        if news_value is None:
            return take(values, idx)
        return take((*values, news_value), np.where(news, len(values), idx))

    # landing URL: one query string per (source, utm variant), then the click id
    queries = []
    for i in range(sources.n_ads):
        p = sources.platform[i]
        for v in (0, 1):
            q = {
                "utm_source": cat.UTM_SOURCE[p][min(v, len(cat.UTM_SOURCE[p]) - 1)],
                "utm_medium": cat.UTM_MEDIUM[p],
                "utm_campaign": sources.campaign[i],
                "utm_content": sources.ad_group[i],
                "utm_term": sources.keyword[i],
            }
            queries.append("&".join(f"{k}={_quote(val)}" for k, val in q.items() if val))
    click_names = [f"&{cat.CLICK_ID.get(p, 'msclkid')}=" for p in platforms]
    token = _scatter(random_tokens(rng, int(ad.sum()), 24), ad)
    pages = take(_CATEGORY_PATH, np.zeros(m, np.int64) if path is None else path)
    query = take(queries, np.where(as_url, s * 2 + variant, -1))
    url = join(
        SHOP_URL + "/", pages, "?", query, take(click_names, np.where(as_url, plat, -1)), token
    )
    id_col = as_cols & (rng.random(m) < click_id_share)
    out: dict[str, pa.Array] = {
        "platform": take(
            [*platforms, "newsletter"], np.where(news, len(platforms), np.where(ad, plat, -1))
        ),
        "campaign": src_text(sources.campaign, ad, "monthly_digest"),
        "ad_group": src_text(sources.ad_group, ad),
        "keyword": src_text(sources.keyword, ad),
        "utm_source": take(utm_values, np.where(col_rows, utm_idx, -1)),
        "utm_medium": take(mediums, np.where(col_rows, medium_idx, -1)),
        "utm_campaign": src_text(sources.campaign, as_cols, "monthly_digest"),
        "utm_term": src_text(sources.keyword, as_cols),
        "utm_content": src_text(sources.ad_group, as_cols),
        **{
            name: pc_where(id_col & (plat == platforms.index(p)), token)
            for p, name in cat.CLICK_ID.items()
        },
        "landing_url": pc_where(as_url, url),
    }
    partner_idx = np.where(kind == PARTNER, sources.partner_index[s], -1)
    out["partner_id"] = take([p.partner_id for p in cat.PARTNERS], partner_idx)
    return out


def pc_where(mask: np.ndarray, values: pa.Array) -> pa.Array:
    """``values`` where ``mask``, else null."""
    import pyarrow.compute as pc

    return pc.if_else(pa.array(mask), values, pa.scalar(None, values.type))


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _orders_table(
    rng: np.random.Generator,
    orders: Orders,
    people: People,
    sources: Sources,
    items: Items,
    start: date,
    currency: str,
) -> pa.Table:
    attribution = attribution_columns(
        rng,
        orders.source,
        sources,
        url_share=0.55,
        click_id_share=0.5,
        path=items.first_category,
        newsletter=orders.newsletter,
    )
    organic = (sources.kind[people.source[orders.customer]] == ORGANIC) & orders.first
    bare = organic & (rng.random(orders.n) < 0.3)
    pages = take(_CATEGORY_PATH, items.first_category)
    bare_url = join(SHOP_URL + "/", pages, null_if=~bare)
    landing = attribution["landing_url"]
    attribution["landing_url"] = pa.compute.coalesce(landing, bare_url)
    cust = customer_ids(people.n)
    return pa.table(
        {
            "order_id": items.order_ids,
            "customer_id": cust.take(pa.array(orders.customer)),
            "time": timestamps(start, orders.t),
            "revenue": pa.array(items.revenue),
            "cogs": pa.array(items.order_cogs),
            "status": take(ORDER_STATUSES, orders.status),
            "currency": pa.array(np.full(orders.n, currency)),
            **attribution,
            "country": take([c[0] for c in cat.COUNTRIES], people.country[orders.customer]),
            "device": take(DEVICES, orders.device),
        }
    )


def _customers_table(people: People, start: date) -> pa.Table:
    country = people.country
    langs = [[lang for lang, _ in c[3]] for c in cat.COUNTRIES]
    width = max(len(x) for x in langs)
    lang_values = [x[i] if i < len(x) else None for x in langs for i in range(width)]
    cities = [c[4] for c in cat.COUNTRIES]
    cw = max(len(x) for x in cities)
    city_values = [x[i] if i < len(x) else None for x in cities for i in range(cw)]
    return pa.table(
        {
            "customer_id": customer_ids(people.n),
            "age_band": take(cat.AGE_BANDS, people.age),
            "gender": take(cat.GENDERS, people.gender),
            "country": take([c[0] for c in cat.COUNTRIES], country),
            "language": take(lang_values, country * width + people.language),
            "city": take(city_values, country * cw + people.city),
            "signup_time": timestamps(start, people.t0),
        }
    )


def source_labels(sources: Sources) -> list[str]:
    """A readable name per source: ``platform / campaign``, ``partner:name``, organic, direct."""
    out = []
    for i, k in enumerate(sources.kind):
        if k == AD:
            out.append(f"{sources.platform[i]} / {sources.campaign[i]}")
        elif k == PARTNER:
            out.append(f"partner:{cat.PARTNERS[sources.partner_index[i]].name}")
        else:
            out.append("organic" if k == ORGANIC else "direct")
    return out


def _truth_table(people: People, sources: Sources) -> pa.Table:
    partner = np.where(sources.kind == PARTNER, sources.partner_index, -1)[people.source]
    return pa.table(
        {
            "customer_id": customer_ids(people.n),
            "source": take(source_labels(sources), people.source),
            "source_kind": take(
                ("ad", "partner", "organic", "direct"), sources.kind[people.source]
            ),
            "platform": take(sources.platform, people.source),
            "campaign": take(sources.campaign, people.source),
            "partner_id": take([p.partner_id for p in cat.PARTNERS], partner),
            "tier": take(_TIER_NAMES, people.tier),
            "lam": pa.array(people.lam),
            "p_dropout": pa.array(people.p_dropout),
            "nu": pa.array(people.nu),
            "value_multiplier": pa.array(people.value),
        }
    )


def _campaign_plan() -> pd.DataFrame:
    rows = []
    for c in cat.CAMPAIGNS:
        t = cat.TIERS[c.tier]
        rows.append(
            {
                "platform": c.platform,
                "campaign": c.name,
                "tier": c.tier,
                "share": c.share,
                "cpc": c.cpc,
                "ctr": c.ctr,
                "cr": c.cr,
                "designed_cac": round(c.designed_cac, 2),
                "mean_spend": round(t.mean_spend, 2),
                "start_month": c.start_month,
                "intended_verdict": c.verdict,
            }
        )
    return pd.DataFrame(rows)
