"""More partner claim discrepancies planted in the demo shop, after every other draw.

:func:`payback.demo._backoffice.claims` plants duplicates, unknown orders, orders outside
the window and inflated revenue. This module appends the claims that make the other
statuses of :func:`payback.partners.reconcile` occur, from its own random generator
(seeded from the shop's seed), so that no earlier number of the demo changes:

- ``claimed_twice``: a second partner claims an order the shop credits to a partner;
- ``not_attributed``: a partner claims an order the shop's attribution gives to an ad
  platform, from a customer who never came through that partner;
- ``existing_customer``: cookie stuffing: a partner reports a click minutes before a
  direct order of a customer the shop acquired long before, through another source.

Every claim gets a ``click_time`` column (the network's click; empty for the claims
planted earlier, whose click the shop infers from its own orders).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyarrow as pa

from payback.demo import catalog as cat

#: Share of the partner claims planted of each kind (at least one each).
SHARES = {"claimed_twice": 0.01, "not_attributed": 0.01, "existing_customer": 0.01}


def plant(shop):
    """The shop with the planted claims appended to ``partner_claims`` and
    ``claim_issues`` (a new ``click_time`` column on the claims)."""
    rng = np.random.default_rng([int(shop.seed), 12])
    claims = shop.partner_claims.to_pandas()
    issues = shop.claim_issues.to_pandas()
    orders = shop.orders.to_pandas()
    n_claims = len(claims)
    want = {k: max(1, round(v * n_claims)) for k, v in SHARES.items()}
    partners = [p.partner_id for p in cat.PARTNERS]
    rate = {p.partner_id: p.commission_rate for p in cat.PARTNERS}
    fee = {p.partner_id: p.fixed_fee for p in cat.PARTNERS}
    confirmed = orders[orders["status"] == "confirmed"]
    via_any = set(orders.loc[orders["partner_id"].notna(), "customer_id"])
    first = orders[orders["status"] == "confirmed"].sort_values(["time", "order_id"])
    acquired = first.drop_duplicates("customer_id").set_index("customer_id")["time"]
    claimed = set(claims["order_id"])
    rows = []

    # a second partner on an order the shop credits to a partner (and that was claimed)
    credited = confirmed[confirmed["partner_id"].notna() & confirmed["order_id"].isin(claimed)]
    for _, o in _pick(rng, credited, want["claimed_twice"]).iterrows():
        other = rng.choice([p for p in partners if p != o["partner_id"]])
        rows.append((o, other, None, "claimed_twice"))

    # ad-attributed orders of customers who never came through any partner
    ads = confirmed[
        confirmed["platform"].notna()
        & confirmed["partner_id"].isna()
        & ~confirmed["customer_id"].isin(via_any)
        & ~confirmed["order_id"].isin(claimed)
    ]
    for _, o in _pick(rng, ads, want["not_attributed"]).iterrows():
        rows.append((o, rng.choice(partners), None, "not_attributed"))

    # cookie stuffing: a click minutes before a direct repeat order of an old customer
    direct = confirmed[
        confirmed["platform"].isna()
        & confirmed["utm_source"].isna()
        & confirmed["partner_id"].isna()
        & ~confirmed["customer_id"].isin(via_any)
        & ~confirmed["order_id"].isin(claimed)
    ]
    since = direct["time"] - direct["customer_id"].map(acquired)
    direct = direct[since > pd.Timedelta(days=30)]
    for _, o in _pick(rng, direct, want["existing_customer"]).iterrows():
        click = o["time"] - pd.Timedelta(minutes=float(rng.uniform(2, 60)))
        rows.append((o, rng.choice(partners), click, "existing_customer"))

    width = len(claims["claim_id"].iloc[0]) - 2 if n_claims else 7
    new = pd.DataFrame(
        {
            "claim_id": [f"PC{n_claims + 1 + i:0{width}d}" for i in range(len(rows))],
            "partner_id": [str(r[1]) for r in rows],
            "order_id": [r[0]["order_id"] for r in rows],
            "time": [
                r[0]["time"] + pd.Timedelta(hours=float(h))
                for r, h in zip(rows, rng.uniform(0, 72, len(rows)), strict=True)
            ],
            "revenue": [float(r[0]["revenue"]) for r in rows],
            "commission": [
                round(float(r[0]["revenue"]) * rate[str(r[1])] + fee[str(r[1])], 2) for r in rows
            ],
            "currency": [shop.currency] * len(rows),
            "click_time": [r[2] for r in rows],
        }
    )
    for col in ("time", "click_time"):  # whole seconds, as every time of the shop
        new[col] = pd.to_datetime(new[col]).dt.floor("s")
    claims["click_time"] = pd.NaT
    all_claims = pd.concat([claims, new], ignore_index=True)
    all_claims["click_time"] = pd.to_datetime(all_claims["click_time"])
    new_issues = new[["claim_id", "partner_id", "order_id"]].assign(issue=[r[3] for r in rows])
    schema = shop.partner_claims.schema.append(
        pa.field("click_time", shop.partner_claims.schema.field("time").type)
    )
    return dataclasses.replace(
        shop,
        partner_claims=pa.Table.from_pandas(
            all_claims, schema=schema, preserve_index=False
        ).replace_schema_metadata(None),
        claim_issues=pa.Table.from_pandas(
            pd.concat([issues, new_issues], ignore_index=True),
            schema=shop.claim_issues.schema,
            preserve_index=False,
        ).replace_schema_metadata(None),
    )


def _pick(rng: np.random.Generator, frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """``n`` rows of ``frame`` drawn without replacement, in their order (fewer if short)."""
    take = np.sort(rng.choice(len(frame), min(n, len(frame)), replace=False))
    return frame.iloc[take]
