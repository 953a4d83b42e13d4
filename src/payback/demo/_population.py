"""The demo's people and purchases: acquisition sources, customers, orders and order lines.

The draws :func:`payback.demo.generator.generate_shop` makes first, in its order of
random generators (see that module for the model): the sources of acquisition
(:func:`_sources`), each source's daily profile (:func:`_profiles`), the customers
(:func:`_customers`), their purchases (:func:`_purchases`, BG/NBD and Gamma-Gamma) and
the lines of each order (:func:`_items`). Plain NumPy arrays in frozen records.

Examples
--------
>>> import numpy as np
>>> sources = _sources(np.random.default_rng(1))
>>> int((sources.kind == AD).sum()) == sources.n_ads
True
>>> float(round(sources.share.sum(), 6))
1.0
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from payback.demo import catalog as cat
from payback.demo._arrays import categorical, group_positions, ids, take

AD, PARTNER, ORGANIC, DIRECT = 0, 1, 2, 3
_TIER_NAMES = tuple(cat.TIERS)


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
