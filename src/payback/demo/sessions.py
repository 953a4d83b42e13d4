"""The demo shop's visits: sessions and the goals they reach, for its paid and organic traffic.

Drawn after every other table, from a generator of its own seeded from the shop's seed
(the other tables do not change). Three kinds of rows, in the generic sessions layout
(:mod:`payback.ingest.sessions`):

- **one visit per order** (any status): the visit in which it was placed, with the
  order's attribution (UTM tags, click ids, landing URL, partner), a few minutes before
  it; it reaches ``add_to_cart`` and ``purchase`` (a first order signs up 40 % of the
  time); new when it is the customer's first order, half the time;
- **the other paid visits**, one aggregated row per ad statistics row: about 88 % of
  its clicks land (``sessions`` = N visits), UTM-tagged with the ad row's platform,
  campaign, ad group and keyword; 45 % bounce, 70 % are new; 6 % reach ``add_to_cart``,
  2 % ``sign_up``, 1 % ``phone_click`` (``goals`` as ``name=N``);
- **organic and direct visits** (no tags) and **newsletter visits**, one aggregated row
  per day, about 30 and 15 visits per organic and newsletter order of the day.

Aggregated rows keep the file small (a visit per click would make the demo's largest
file); their ``users`` are about 85 % of their visits.

Examples
--------
>>> from payback.demo.generator import generate_shop
>>> shop = generate_shop(300, seed=7)
>>> visits = shop.sessions.to_pandas()
>>> int(visits.sessions.sum()) > shop.orders.num_rows
True
>>> int(visits.goals.str.contains("purchase").sum()) == shop.orders.num_rows
True
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from payback.schema import TABLES

LANDED, BOUNCE, NEW, USERS = 0.88, 0.45, 0.70, 0.85
MICRO = (("add_to_cart", 0.06), ("sign_up", 0.02), ("phone_click", 0.01))
PER_ORGANIC_ORDER, PER_NEWSLETTER_ORDER = 30.0, 15.0
_ORDER_COLUMNS = (
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "gclid", "fbclid",
    "yclid", "landing_url", "partner_id", "country", "device", "platform", "campaign",
    "ad_group", "keyword",
)  # fmt: skip


def demo_sessions(seed: int, orders: pa.Table, ad_stats: pa.Table) -> pa.Table:
    """The demo's ``sessions`` table (canonical columns, derived attribution included).

    Parameters
    ----------
    seed : int
        The shop's seed; the draws come from ``np.random.default_rng([seed, 14])``.
    orders, ad_stats : pyarrow.Table
        The shop's canonical orders and ad statistics.
    """
    rng = np.random.default_rng([seed, 14])
    parts = [_order_visits(rng, orders), _paid_visits(rng, ad_stats), _daily_visits(rng, orders)]
    schema = pa.schema([(c.name, _ARROW[c.dtype]) for c in TABLES["sessions"].columns])
    return pa.concat_tables([_table(p, schema) for p in parts])


def _table(columns: dict[str, object], schema: pa.Schema) -> pa.Table:
    """The columns as a table of ``schema`` (a column not drawn is null)."""
    n = len(columns["session_id"])
    return pa.table(
        [pa.array(columns[f.name], type=f.type) if f.name in columns
         else pa.nulls(n, f.type) for f in schema], schema=schema)  # fmt: skip


_ARROW = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(),
          "timestamp": pa.timestamp("s")}  # fmt: skip


def _order_visits(rng: np.random.Generator, orders: pa.Table) -> dict[str, object]:
    n = orders.num_rows
    customer = orders["customer_id"].to_numpy(zero_copy_only=False)
    times = orders["time"].to_numpy().astype("datetime64[s]")
    order = np.lexsort((times, customer))
    first = np.ones(n, dtype=bool)
    first[order[1:]] = customer[order[1:]] != customer[order[:-1]]
    pages = 3 + rng.poisson(4.0, n)
    minutes = rng.uniform(2.0, 40.0, n)
    sign_up = first & (rng.random(n) < 0.4)
    goals = np.where(sign_up, "add_to_cart,purchase,sign_up", "add_to_cart,purchase")
    out: dict[str, object] = {
        "session_id": [f"V{i:08d}" for i in range(1, n + 1)],
        "client_id": np.char.add("K", np.char.lstrip(customer.astype(str), "C")),
        "time": times - (minutes * 60).astype("timedelta64[s]"),
        "sessions": np.ones(n, dtype=np.int64),
        "new_sessions": (first & (rng.random(n) < 0.5)).astype(np.int64),
        "bounces": np.zeros(n, dtype=np.int64),
        "page_views": pages.astype(np.int64),
        "duration": np.round(minutes * 60 + pages * 10.0, 1),
        "users": np.full(n, None),
        "goals": goals,
    }
    for c in _ORDER_COLUMNS:
        out[c] = orders[c]
    return out


def _aggregate(rng: np.random.Generator, visits: np.ndarray) -> dict[str, object]:
    """The counts of aggregated rows of ``visits`` visits each."""
    n = len(visits)
    pages = visits + rng.poisson(1.6 * visits)
    counts = {name: rng.binomial(visits, p) for name, p in MICRO}
    goals = np.full(n, "", dtype=object)
    for name, k in counts.items():
        piece = np.where(k > 0, np.char.add(f"{name}=", k.astype(str)), "")
        goals = np.where(goals == "", piece, np.where(piece == "", goals, goals + "," + piece))
    return {
        "sessions": visits.astype(np.int64),
        "new_sessions": rng.binomial(visits, NEW).astype(np.int64),
        "bounces": rng.binomial(visits, BOUNCE).astype(np.int64),
        "page_views": pages.astype(np.int64),
        "duration": np.round(rng.gamma(np.maximum(visits, 1) * 0.8, 90.0) * (visits > 0), 1),
        "users": np.maximum(rng.binomial(visits, USERS), np.minimum(visits, 1)).astype(np.int64),
        "goals": [g or None for g in goals],
        "client_id": np.full(n, None),
    }


def _paid_visits(rng: np.random.Generator, ads: pa.Table) -> dict[str, object]:
    visits = rng.binomial(ads["clicks"].to_numpy(), LANDED)
    keep = visits > 0
    rows = ads.filter(pa.array(keep))
    visits = visits[keep]
    day = rows["date"].to_numpy().astype("datetime64[s]") + np.timedelta64(12, "h")
    out = _aggregate(rng, visits)
    platform = rows["platform"]
    out |= {
        "session_id": [f"A{i:08d}" for i in range(1, len(visits) + 1)],
        "time": day,
        "utm_source": platform,
        "utm_medium": pa.array(["cpc"] * len(visits)),
        "utm_campaign": rows["campaign"],
        "utm_content": rows["ad_group"],
        "utm_term": rows["keyword"],
        "platform": platform,
        "campaign": rows["campaign"],
        "ad_group": rows["ad_group"],
        "keyword": rows["keyword"],
    }
    return out


def _daily_visits(rng: np.random.Generator, orders: pa.Table) -> dict[str, object]:
    days = pc.cast(pc.floor_temporal(orders["time"], unit="day"), pa.timestamp("s"))
    source = orders["utm_source"].to_numpy(zero_copy_only=False)
    untagged = pc.and_(pc.is_null(orders["landing_url"]), pc.is_null(orders["partner_id"]))
    organic = np.asarray(untagged.to_numpy(zero_copy_only=False)) & (source == None)  # noqa: E711
    newsletter = source == "newsletter"
    first = days.to_numpy().astype("datetime64[D]").min()
    last = days.to_numpy().astype("datetime64[D]").max()
    span = np.arange(first, last + 1)
    index = (days.to_numpy().astype("datetime64[D]") - first).astype(int)
    per_day = {
        "organic": np.bincount(index[organic], minlength=len(span)) * PER_ORGANIC_ORDER,
        "newsletter": np.bincount(index[newsletter], minlength=len(span)) * PER_NEWSLETTER_ORDER,
    }
    out: dict[str, list] = {}
    for kind, mean in per_day.items():
        visits = rng.poisson(mean + 2.0)
        rows = _aggregate(rng, visits)
        rows["session_id"] = [f"D{kind[0].upper()}{d}" for d in span.astype(str)]
        rows["time"] = span.astype("datetime64[s]") + np.timedelta64(12, "h")
        tag = kind == "newsletter"
        for c, value in (("utm_source", "newsletter"), ("utm_medium", "email"),
                         ("utm_campaign", "monthly_digest"), ("platform", "newsletter"),
                         ("campaign", "monthly_digest")):  # fmt: skip
            rows[c] = [value if tag else None] * len(span)
        for c, values in rows.items():
            out.setdefault(c, []).append(values)
    merged = {c: np.concatenate([np.asarray(v, dtype=object) for v in vs]) for c, vs in out.items()}
    merged["time"] = np.concatenate(out["time"])
    for c in ("sessions", "new_sessions", "bounces", "page_views", "users"):
        merged[c] = merged[c].astype(np.int64)
    merged["duration"] = merged["duration"].astype(float)
    return merged


__all__ = ["demo_sessions"]
