"""The demo's canonical tables from its draws: orders, customers, the hidden truth, the plan.

Also the attribution columns every row an ad or a partner brought carries (utm_*, click
ids, landing URL, partner id), shared by the orders and the leads.

Examples
--------
>>> customer_ids(3).to_pylist()
['C0000001', 'C0000002', 'C0000003']
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from payback.demo import catalog as cat
from payback.demo._arrays import ids, join, random_tokens, take, timestamps
from payback.demo._population import (
    _TIER_NAMES,
    AD,
    DEVICES,
    ORDER_STATUSES,
    ORGANIC,
    PARTNER,
    Items,
    Orders,
    People,
    Sources,
)

SHOP_URL = "https://shop.example.com"
_CATEGORY_PATH = ("teacups", "teapots", "tea", "kitchen-textiles", "gift-sets", "candles")


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
