"""The network's own batch file of the discrepancies found by :func:`reconcile`.

Every claim with a status of :data:`payback.partners.DISCREPANCIES` becomes one row: a
**modification** for ``amount_differs`` (the shop's revenue), a **reversal** otherwise.
``confirmed`` and ``pending`` claims are left out (nothing to change before the lock), and
so are the discrepancies the network has reversed already (``network_check`` is
``already_reversed``, :mod:`payback.partners.network_state`): sending the file again asks
nothing twice.

- ``impact``: impact.com order-level batch modifications / reversals (``ActionId``,
  ``Oid``, ``Amount``: the new order amount, 0 to reverse; ``CurrencyCode``, ``Reason``:
  one of impact.com's reason codes).
- ``awin``: Awin's batch of transactions (the fields of its advertiser batch API:
  ``transactionId``, ``orderRef``, ``transactionDate``, ``action`` ``decline`` or
  ``amend``, ``declineReason`` from Awin's decline reasons, ``saleAmount``).
- ``generic``: one row per claim with its status, both amounts and the reason in words.

Writing the file again from the same store gives the same file.
"""

from __future__ import annotations

import pandas as pd

from payback.errors import InputError

__all__ = ["BATCH_LAYOUTS", "REASON_CODES", "batch_file"]

#: Status -> (impact.com reason code, Awin decline reason, the reason in words).
REASON_CODES: dict[str, tuple[str, str, str]] = {
    "unknown_order": ("ORDER_ERROR", "Other", "the shop has no such order"),
    "duplicate_claim": ("ORDER_ERROR", "Duplicate order", "the partner claimed this order before"),
    "claimed_twice": (
        "CREDITED_DIFFERENT_MP",
        "Other",
        "another partner claims the order and the shop credits it",
    ),
    "cancelled": ("ORDER_UPDATE", "Order canceled", "the order was cancelled"),
    "returned": ("ITEM_RETURNED", "Item was returned", "the order was returned"),
    "not_attributed": ("ADV_ACT_DISPUTE", "Other", "the shop attributes the order elsewhere"),
    "outside_window": (
        "NOT_COMPLIANCE_TERMS",
        "Breach of program terms",
        "the order is outside the attribution window",
    ),
    "existing_customer": (
        "NOT_COMPLIANCE_TERMS",
        "Breach of program terms",
        "the customer bought before the click",
    ),
    "amount_differs": ("ORDER_UPDATE", "", "the order's revenue differs from the claim"),
}

#: Layout name -> the columns of its file.
BATCH_LAYOUTS: dict[str, tuple[str, ...]] = {
    "impact": ("ActionId", "Oid", "Amount", "CurrencyCode", "Reason"),
    "awin": (
        "transactionId",
        "orderRef",
        "transactionDate",
        "action",
        "declineReason",
        "saleAmount",
    ),
    "generic": (
        "claim_id",
        "partner_id",
        "order_id",
        "status",
        "action",
        "claimed_revenue",
        "order_revenue",
        "claimed_commission",
        "owed_commission",
        "reason",
    ),
}


def batch_file(reconciliation, network: str = "generic") -> pd.DataFrame:
    """The rows to send ``network`` before its locking date.

    Parameters
    ----------
    reconciliation : payback.partners.Reconciliation
    network : {"impact", "awin", "generic"}

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`BATCH_LAYOUTS` ``[network]``, one row per discrepancy, in
        claim order.

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> from payback.partners import reconcile
    >>> store = open_store(":memory:")
    >>> day = dt.datetime(2024, 3, 1, 12)
    >>> _ = store.write({
    ...     "orders": pa.table({"order_id": ["o1", "o2"], "customer_id": ["a", "b"],
    ...         "time": [day] * 2, "revenue": [100.0, 50.0],
    ...         "status": ["returned", "confirmed"], "currency": ["EUR"] * 2,
    ...         "partner_id": ["p1", "p1"]}),
    ...     "partner_claims": pa.table({"claim_id": ["1001", "1002"],
    ...         "partner_id": ["p1", "p1"], "order_id": ["o1", "o2"], "time": [day] * 2,
    ...         "revenue": [100.0, 60.0], "commission": [10.0, 6.0],
    ...         "currency": ["EUR"] * 2})})
    >>> print(batch_file(reconcile(store), "impact").to_csv(index=False).strip())
    ActionId,Oid,Amount,CurrencyCode,Reason
    1001,o1,0.0,EUR,ITEM_RETURNED
    1002,o2,50.0,EUR,ORDER_UPDATE
    """
    if network not in BATCH_LAYOUTS:
        raise InputError(f"{{network}} {network!r}: expected one of {', '.join(BATCH_LAYOUTS)}")
    claims = reconciliation.claims.frame
    rows = claims[claims["status"].isin(list(REASON_CODES)) & ~_already_reversed(claims)]
    rows = rows.reset_index(drop=True)
    modify = rows["status"] == "amount_differs"
    codes = rows["status"].map(REASON_CODES)
    amount = rows["order_revenue"].where(modify, 0.0).round(2)
    currency = reconciliation.claims.currency
    if network == "impact":
        out = pd.DataFrame(
            {
                "ActionId": rows["claim_id"],
                "Oid": rows["order_id"],
                "Amount": amount,
                "CurrencyCode": currency,
                "Reason": codes.str[0],
            }
        )
    elif network == "awin":
        out = pd.DataFrame(
            {
                "transactionId": rows["claim_id"],
                "orderRef": rows["order_id"],
                "transactionDate": rows["claim_time"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
                "action": modify.map({True: "amend", False: "decline"}),
                "declineReason": codes.str[1].where(~modify, None),
                "saleAmount": amount.where(modify, None),
            }
        )
    else:
        out = rows[
            [
                "claim_id",
                "partner_id",
                "order_id",
                "status",
                "claimed_revenue",
                "order_revenue",
                "claimed_commission",
                "owed_commission",
            ]
        ].copy()
        out.insert(4, "action", modify.map({True: "modify", False: "reverse"}))
        out["reason"] = codes.str[2]
    return out[list(BATCH_LAYOUTS[network])]


def _already_reversed(claims: pd.DataFrame) -> pd.Series:
    """Claims the network has reversed already (:mod:`payback.partners.network_state`):
    nothing to send for them."""
    if "network_check" not in claims:
        return pd.Series(False, index=claims.index)
    return (claims["network_check"] == "already_reversed").fillna(False).astype(bool)
