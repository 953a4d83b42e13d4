"""Fraud and quality signals per partner, from its claims and the shop's orders.

- ``duplicate_order_claims``: its claims on an order claimed more than once (by it
  again, ``duplicate_claim``, or by another partner, ``claimed_twice``);
- ``unattributed_claims``: its claims on orders with no click of it (``not_attributed``);
- ``stuffed_clicks``: its claims on existing customers whose click came at most
  ``stuffing_minutes`` before the order (cookie stuffing: a click dropped on a buyer
  who was buying anyway);
- cancelled or returned orders beyond chance: of its ``orders`` (every status),
  ``lost`` were cancelled or returned; under the rate of every other order of the shop,
  ``p0``, the chance of ``lost`` or more is the binomial tail
  ``p_value = P(X >= lost), X ~ Binomial(orders, p0)``; ``high_loss`` when
  ``p_value < alpha / partners`` (Bonferroni: one test per partner);
- ``ip_bursts``, ``contact_bursts``, ``burst_claims``: keys (an IP address, a contact)
  with many claims in ``burst_minutes`` beyond what the partner's volume explains, and
  their claims (:mod:`payback.partners.bursts`); missing for a partner whose claims
  carry no IP address or contact.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from payback.present import Table

__all__ = ["signals"]


def signals(
    store: Any,
    *,
    window: Any = None,
    stuffing_minutes: float = 60.0,
    alpha: float = 0.01,
    burst_minutes: float = 60.0,
) -> Table:
    """One row per partner with its fraud and quality signals (module docstring).

    Parameters
    ----------
    store : payback.store.Store
    window : int or str, optional
        Attribution window of the reconciliation (default 30 days).
    stuffing_minutes : float
        A click this close before an existing customer's order is suspect.
    alpha : float
        Family-wise false-alarm rate of the loss-rate flags (and of the bursts).
    burst_minutes : float
        The window of a burst of claims from one IP address or contact.

    Returns
    -------
    payback.present.Table

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> n = 200  # p1: 40 of its 100 orders cancelled; the rest of the shop 5 of 100
    >>> _ = store.write({"orders": pa.table({
    ...     "order_id": [f"o{i}" for i in range(n)],
    ...     "customer_id": [f"c{i}" for i in range(n)],
    ...     "time": [dt.datetime(2024, 3, 1)] * n, "revenue": [50.0] * n,
    ...     "status": ["cancelled" if i % 100 < (40 if i < 100 else 5) else "confirmed"
    ...                for i in range(n)],
    ...     "currency": ["EUR"] * n,
    ...     "partner_id": ["p1"] * 100 + ["p2"] * 20 + [None] * 80})})
    >>> t = signals(store).frame.set_index("partner")
    >>> print(t.loc["p1", "orders"], t.loc["p1", "lost"], t.loc["p1", "high_loss"])
    100 40 True
    >>> f"{t.loc['p1', 'p_value']:.1e}"  # P(X >= 40), X ~ Binomial(100, 5 / 100)
    '6.2e-26'
    """
    from scipy.stats import binom

    from payback.partners.bursts import BURST_COLUMNS, burst_counts
    from payback.partners.reconcile import shared_reconcile

    claims = shared_reconcile(store, window=window).claims.frame
    orders = store.table("orders")
    lost = orders.status.isin(["cancelled", "returned"])
    per = orders.group_by(partner=orders.partner_id).aggregate(
        orders=orders.count(), lost=lost.sum()
    )
    frame = store.execute(per)
    total_orders, total_lost = int(frame["orders"].sum()), int(frame["lost"].sum())
    frame = frame[frame["partner"].notna()].set_index("partner")
    gap = claims["order_time"] - claims["click_time"]
    flags = pd.DataFrame(
        {
            "claims": 1,
            "duplicate_order_claims": claims["status"].isin(["duplicate_claim", "claimed_twice"]),
            "unattributed_claims": claims["status"] == "not_attributed",
            "stuffed_clicks": (claims["status"] == "existing_customer")
            & (gap <= pd.Timedelta(minutes=stuffing_minutes)),
        }
    ).astype("int64")
    per_claims = flags.groupby(claims["partner_id"]).sum()
    partners = sorted(set(frame.index) | set(claims["partner_id"]))
    out = per_claims.reindex(pd.Index(partners, name="partner"), fill_value=0)
    out["orders"] = frame["orders"].reindex(out.index).fillna(0)
    out["lost"] = frame["lost"].reindex(out.index).fillna(0)
    out = out.astype("int64")
    rest_orders = total_orders - out["orders"]
    rest_lost = total_lost - out["lost"]
    p0 = (rest_lost / rest_orders.where(rest_orders > 0)).astype(float)
    out["loss_rate"] = (out["lost"] / out["orders"].where(out["orders"] > 0)).astype(float)
    out["shop_loss_rate"] = p0
    tail = binom.sf(out["lost"] - 1, out["orders"], p0.fillna(0.0))
    usable = (out["orders"] > 0) & p0.notna()
    out["p_value"] = pd.Series(tail, index=out.index).where(usable).astype(float)
    out["high_loss"] = (out["p_value"] < alpha / max(int(usable.sum()), 1)) & usable
    found, burst_reasons = burst_counts(store, out.index, minutes=burst_minutes, alpha=alpha)
    out = out.join(found).reset_index()
    counts = ("claims", "duplicate_order_claims", "unattributed_claims", "stuffed_clicks")
    counts += BURST_COLUMNS
    return Table(
        out,
        units={
            **dict.fromkeys((*counts, "orders", "lost"), "count"),
            "loss_rate": "rate",
            "shop_loss_rate": "rate",
            "p_value": "decimal",
        },
        reasons={
            "loss_rate": "no orders through the partner",
            "shop_loss_rate": "no other orders",
            "p_value": "no orders through the partner, or no other orders",
            **burst_reasons,
        },
    )
