"""Partner claims against the shop's own orders: one status per claim, what is owed.

A partner (affiliate) bills for the sales it reports; the shop pays only for its own
confirmed orders that the partner brought within the agreed window. Each claim gets
exactly one status of :data:`STATUSES`, the first that applies in this order
(:data:`PRECEDENCE`):

1. ``unknown_order``: the shop has no order with the claim's order id;
2. ``duplicate_claim``: the same partner claimed the same order before (the earliest
   claim, by time then claim id, is the one judged);
3. ``claimed_twice``: another partner claims the same order too; the claim of the
   partner the shop's own attribution names (``orders.partner_id``) is judged, the
   others get this status (all of them when the shop names none of them);
4. ``cancelled``, ``returned``, ``pending``: the order's status in the shop (``pending``:
   not confirmed yet, nothing owed yet and nothing to reverse; reconcile again later);
5. ``outside_window``: the order is not within ``[click, click + window]``; the click is
   the claim's ``click_time`` or, when the network gives none, the latest order of the
   customer through the same partner at or before this one (the referral);
6. ``not_attributed``: the shop's attribution names another source (another partner,
   an ad platform or a UTM source), or there is no trace of the partner at all (no
   click time in the claim and no order of the customer through the partner);
7. ``existing_customer``: the customer's first confirmed order (their acquisition) is
   before the partner's first contact with them (the click, or an earlier order of the
   customer through the partner, whatever its status): the partner claims a customer
   the shop already had;
8. ``amount_differs``: the claimed revenue differs from the order's by more than half a
   cent (both amounts are given);
9. ``confirmed``: none of the above.

What is owed: the claimed commission for ``confirmed``; for ``amount_differs`` the
commission scaled to the shop's revenue, ``round(commission x order revenue / claimed
revenue, 2)`` (the claimed commission when the claimed revenue is 0); nothing otherwise.
The reversal is ``claimed commission - owed`` of a discrepancy (0 for ``confirmed`` and
``pending``: a pending claim is neither owed nor reversed yet). Reconciling again gives
the same result: it reads the store and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from payback.partners.network_state import add_network_columns, with_network_counts
from payback.present import Table

__all__ = [
    "DISCREPANCIES",
    "PRECEDENCE",
    "STATUSES",
    "Reconciliation",
    "parse_window",
    "reconcile",
    "shared_reconcile",
]

#: Every status a claim can get, in the order of precedence (the first that applies).
PRECEDENCE: tuple[str, ...] = (
    "unknown_order",
    "duplicate_claim",
    "claimed_twice",
    "cancelled",
    "returned",
    "pending",
    "outside_window",
    "not_attributed",
    "existing_customer",
    "amount_differs",
    "confirmed",
)
STATUSES = PRECEDENCE
#: Statuses that ask the network for a change (reversal or modification) before the lock.
DISCREPANCIES: tuple[str, ...] = tuple(s for s in PRECEDENCE if s not in ("confirmed", "pending"))

#: Claimed and shop revenue closer than this (money) are the same amount.
AMOUNT_TOLERANCE = 0.005
#: The attribution window when none is given (days).
DEFAULT_WINDOW_DAYS = 30

_ORDER_COLUMNS = ("order_id", "customer_id", "time", "revenue", "status", "partner_id")
_SOURCE_COLUMNS = ("platform", "utm_source")


def parse_window(window: Any) -> int:
    """Days of an attribution window: ``30``, ``"30"``, ``"30d"``, ``"4w"``.

    Examples
    --------
    >>> parse_window("30d"), parse_window("2w"), parse_window(7)
    (30, 14, 7)
    """
    from payback.errors import InputError

    if window is None:
        return DEFAULT_WINDOW_DAYS
    text = str(window).strip().lower()
    scale = {"d": 1, "w": 7}.get(text[-1:])
    number = text[:-1] if scale else text
    try:
        days = int(number) * (scale or 1)
    except ValueError:
        days = -1
    if days <= 0:
        raise InputError(
            f"{{window}} {window!r}: expected a positive number of days like 30d, 30 or 4w"
        )
    return days


@dataclass(frozen=True)
class Reconciliation:
    """Result of :func:`reconcile`.

    Attributes
    ----------
    claims : payback.present.Table
        One row per claim: ``claim_id``, ``partner_id``, ``order_id``, ``status``,
        ``claim_time``, ``order_time``, ``click_time`` (the claim's or the inferred
        referral), ``claimed_revenue``, ``order_revenue``, ``claimed_commission``,
        ``owed_commission``, ``reversal``, ``network_status`` and ``network_check`` (the
        network's own state of the claim against the status,
        :mod:`payback.partners.network_state`; missing without one).
    partners : payback.present.Table
        One row per partner and a totals row: claims, claimed and owed commission,
        reversal, a count per status, ``discrepancies`` (claims of
        :data:`DISCREPANCIES`) and ``discrepancy_rate = discrepancies / claims``.
    window_days : int
        The attribution window.
    """

    claims: Table
    partners: Table
    window_days: int

    @property
    def table(self) -> Table:
        """The per-partner table (what ``payback partners reconcile`` shows)."""
        return self.partners

    def owed(self) -> pd.Series:
        """Owed commission per partner (money), partners with no claims absent."""
        frame = self.claims.frame
        return frame.groupby("partner_id")["owed_commission"].sum().astype(float)


def _frame(store: Any, name: str, columns: tuple[str, ...]) -> pd.DataFrame:
    table = store.table(name)
    have = [c for c in columns if c in table.columns]
    frame = store.to_pyarrow(table.select(*have)).to_pandas()
    for c in columns:
        if c not in frame:
            frame[c] = None
    return frame


def _claims(store: Any, claims: Any) -> pd.DataFrame:
    if claims is None:
        cols = (
            "claim_id",
            "partner_id",
            "order_id",
            "time",
            "revenue",
            "commission",
            "currency",
            "click_time",
            "network_status",
        )
        return _frame(store, "partner_claims", cols)
    frame = claims.to_pandas() if hasattr(claims, "to_pandas") else pd.DataFrame(claims).copy()
    for c in ("commission", "currency", "click_time", "network_status"):
        if c not in frame:
            frame[c] = None
    return frame


def _statuses(c: pd.DataFrame, window_days: int) -> pd.Series:
    """The status of each claim (``c``: claims joined to their order, see :func:`reconcile`)."""
    window = pd.Timedelta(days=window_days)
    known = c["o_customer"].notna()
    duplicate = c.duplicated(["order_id", "partner_id"], keep="first")
    # distinct partners on one order (each partner's first claim)
    firsts = c[~duplicate & known]
    n_partners = firsts.groupby("order_id")["partner_id"].transform("size")
    named = firsts.groupby("order_id")["o_named"].transform("any")
    twice = pd.Series(False, index=c.index)
    twice.loc[firsts.index] = (n_partners > 1) & ~(firsts["o_named"] & named)
    other_source = c["o_partner"].notna() & (c["o_partner"] != c["partner_id"])
    other_source |= c["o_partner"].isna() & c["o_ad_source"]
    click = c["click"]
    conditions = {
        "unknown_order": ~known,
        "duplicate_claim": duplicate,
        "claimed_twice": twice,
        "cancelled": c["o_status"] == "cancelled",
        "returned": c["o_status"] == "returned",
        "pending": c["o_status"] == "pending",
        "not_attributed": other_source | click.isna(),
        "outside_window": (c["o_time"] > click + window) | (c["o_time"] < click),
        "existing_customer": c["acq_time"] < c["first_touch"],
        "amount_differs": (c["revenue"] - c["o_revenue"]).abs() > AMOUNT_TOLERANCE,
    }
    status = pd.Series("confirmed", index=c.index, dtype=object)
    for name in reversed(PRECEDENCE[:-1]):  # the first that applies wins: paint it last
        status = status.mask(conditions[name].fillna(False).astype(bool), name)
    return status


def reconcile(store: Any, *, window: Any = None, claims: Any = None) -> Reconciliation:
    """Give every partner claim exactly one status (module docstring) and what is owed.

    Parameters
    ----------
    store : payback.store.Store
        The shop's orders (every status) and, unless ``claims`` is given, its
        ``partner_claims``.
    window : int or str, optional
        Attribution window: days after the click in which an order counts (``30d``,
        default 30 days).
    claims : pandas.DataFrame or pyarrow.Table, optional
        Claims to check instead of the store's (a network file read but not imported),
        with the columns of ``partner_claims``.

    Returns
    -------
    Reconciliation

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> day = dt.datetime(2024, 3, 1, 12)
    >>> _ = store.write({
    ...     "orders": pa.table({"order_id": ["o1", "o2", "o3"], "customer_id": ["a", "b", "c"],
    ...         "time": [day] * 3, "revenue": [100.0, 50.0, 70.0],
    ...         "status": ["confirmed", "confirmed", "cancelled"], "currency": ["EUR"] * 3,
    ...         "partner_id": ["p1", "p1", "p2"]}),
    ...     "partner_claims": pa.table({"claim_id": ["c1", "c2", "c3", "c4", "c5"],
    ...         "partner_id": ["p1", "p1", "p2", "p2", "p1"],
    ...         "order_id": ["o1", "o2", "o3", "o9", "o1"], "time": [day] * 5,
    ...         "revenue": [100.0, 60.0, 70.0, 30.0, 100.0],
    ...         "commission": [10.0, 6.0, 7.0, 3.0, 10.0], "currency": ["EUR"] * 5})})
    >>> r = reconcile(store)
    >>> for row in r.claims.frame.itertuples():
    ...     print(row.claim_id, row.status, row.owed_commission)
    c1 confirmed 10.0
    c2 amount_differs 5.0
    c3 cancelled 0.0
    c4 unknown_order 0.0
    c5 duplicate_claim 0.0
    >>> r.owed().to_dict()
    {'p1': 15.0, 'p2': 0.0}
    """
    from payback.store import check_single_currency

    days = parse_window(window)
    check_single_currency(store, "orders", what="the orders")
    c = _claims(store, claims)
    orders, acq = _orders_of(store, c if claims is not None else None)
    currency = store.currencies("orders") if hasattr(store, "currencies") else None
    _check_currencies(c, currency)
    c["time"] = pd.to_datetime(c["time"])
    c["click_time"] = pd.to_datetime(c["click_time"])
    c = c.sort_values(["time", "claim_id"], kind="mergesort").reset_index(drop=True)
    o = orders.rename(
        columns={
            "customer_id": "o_customer",
            "time": "o_time",
            "revenue": "o_revenue",
            "status": "o_status",
            "partner_id": "o_partner",
        }
    )
    o["o_ad_source"] = o["platform"].notna() | o["utm_source"].notna()
    o = o.drop(columns=list(_SOURCE_COLUMNS)).drop_duplicates("order_id")
    c = c.merge(o, on="order_id", how="left", validate="many_to_one")
    c["o_time"] = pd.to_datetime(c["o_time"])
    c["o_ad_source"] = c["o_ad_source"].astype("boolean").fillna(False).astype(bool)
    c["o_named"] = (c["o_partner"] == c["partner_id"]).fillna(False).astype(bool)
    c["click"] = c["click_time"].where(c["click_time"].notna(), _referral(c, orders))
    c = c.merge(acq, left_on="o_customer", right_index=True, how="left")
    c = c.merge(_first_through(orders), on=["o_customer", "partner_id"], how="left")
    c["first_touch"] = c[["click", "partner_first"]].min(axis=1)
    status = _statuses(c, days)
    claimed = pd.to_numeric(c["commission"], errors="coerce").astype(float)
    scaled = np.where(
        c["revenue"] > 0,
        np.round(claimed * c["o_revenue"] / c["revenue"].where(c["revenue"] > 0), 2),
        claimed,
    )
    owed = np.where(
        status == "confirmed", claimed, np.where(status == "amount_differs", scaled, 0.0)
    )
    frame = pd.DataFrame(
        {
            "claim_id": c["claim_id"].astype(str),
            "partner_id": c["partner_id"].astype(str),
            "order_id": c["order_id"].astype(str),
            "status": status.astype(str),
            "claim_time": c["time"],
            "order_time": c["o_time"],
            "click_time": c["click"],
            "claimed_revenue": c["revenue"].astype(float),
            "order_revenue": c["o_revenue"].astype(float),
            "claimed_commission": claimed,
            "owed_commission": pd.Series(owed, dtype=float),
        }
    )
    changed = frame["status"].isin(list(DISCREPANCIES))
    frame["reversal"] = (frame["claimed_commission"] - frame["owed_commission"]).where(changed, 0.0)
    frame = add_network_columns(frame, c["network_status"].to_numpy())
    money = (
        "claimed_revenue",
        "order_revenue",
        "claimed_commission",
        "owed_commission",
        "reversal",
    )
    cur = next(iter(currency), None) if currency else None
    claims_table = Table(
        frame,
        units=dict.fromkeys(money, "money"),
        reasons={
            "order_revenue": "the shop has no such order",
            "click_time": "no click in the claim and no order of the customer through the partner",
            "claimed_commission": "the claim has no commission",
            "owed_commission": "the claim has no commission",
            "reversal": "the claim has no commission",
        },
        currency=cur,
        date_formats=dict.fromkeys(("claim_time", "order_time", "click_time"), "%Y-%m-%d %H:%M:%S"),
    )
    partners = _per_partner(frame, cur)
    return Reconciliation(claims_table, with_network_counts(partners, frame), days)


def _check_currencies(claims: pd.DataFrame, orders: tuple[str, ...] | None) -> None:
    """Claims compare amounts with the orders: in the orders' one currency only."""
    from payback.errors import CurrencyError

    codes = claims["currency"].dropna().astype(str).str.upper()
    other = codes[~codes.isin(list(orders or ()))]
    if orders and not other.empty:
        counts = other.value_counts()
        got = ", ".join(f"{code} ({n:,} claim{'s' * (n > 1)})" for code, n in counts.items())
        raise CurrencyError(
            f"partner claims in {got}, the orders in {', '.join(orders)}: a claimed amount "
            f"can only be compared with the order's in one currency; convert the claims "
            f"to {orders[0]} (or import them with an FX table) and reconcile again"
        )


def _referral(c: pd.DataFrame, orders: pd.DataFrame) -> pd.Series:
    """Per claim, the latest order of its customer through its partner at or before the
    claimed order (the click the sale is credited to when the network gives none)."""
    via = orders.loc[orders["partner_id"].notna(), ["customer_id", "partner_id", "time"]]
    via = via.rename(columns={"customer_id": "o_customer", "time": "ref_time"})
    via["ref_time"] = pd.to_datetime(via["ref_time"])
    keys = c[["o_customer", "partner_id", "o_time"]].reset_index()
    keys = keys[keys["o_customer"].notna() & keys["o_time"].notna()]
    if keys.empty or via.empty:
        return pd.Series(pd.NaT, index=c.index, dtype="datetime64[ns]")
    keys = keys.sort_values("o_time")
    via = via.sort_values("ref_time")
    found = pd.merge_asof(
        keys,
        via,
        left_on="o_time",
        right_on="ref_time",
        by=["o_customer", "partner_id"],
        direction="backward",
    )
    out = pd.Series(pd.NaT, index=c.index, dtype="datetime64[ns]")
    out.loc[found["index"].to_numpy()] = found["ref_time"].to_numpy()
    return out


def _first_through(orders: pd.DataFrame) -> pd.DataFrame:
    """Each customer's earliest order through each partner, whatever its status."""
    via = orders[orders["partner_id"].notna()]
    first = via.groupby(["customer_id", "partner_id"], as_index=False)["time"].min()
    first["time"] = pd.to_datetime(first["time"])
    return first.rename(columns={"customer_id": "o_customer", "time": "partner_first"})


def _orders_of(store: Any, claims: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every order of the customers whose orders are claimed (all a claim's rules look
    at), and those customers' acquisitions (``acq_time``, ``acq_partner``: the store's
    one rule, :func:`payback.metrics.scope.acquisitions`), selected in the store.

    ``claims``: the claims of a file (None: the store's ``partner_claims``).
    """
    import ibis
    import pyarrow as pa

    from payback.metrics.scope import acquisitions

    orders = store.table("orders")
    if claims is None:
        claimed = store.table("partner_claims").select("order_id")
    else:
        ids = claims["order_id"].dropna().astype(str).unique()
        claimed = ibis.memtable(pa.table({"order_id": pa.array(ids, pa.string())}))
    customers = orders.semi_join(claimed, "order_id").select("customer_id").distinct()
    have = [col for col in _ORDER_COLUMNS + _SOURCE_COLUMNS if col in orders.columns]
    frame = store.to_pyarrow(orders.semi_join(customers, "customer_id").select(*have))
    frame = frame.to_pandas()
    for col in _ORDER_COLUMNS + _SOURCE_COLUMNS:
        if col not in frame:
            frame[col] = None
    acq = acquisitions(store)
    acq = acq.semi_join(customers, "customer_id").select(
        "customer_id", acq_time=acq.time, acq_partner=acq.partner_id
    )
    first = store.to_pyarrow(acq).to_pandas().set_index("customer_id")
    first["acq_time"] = pd.to_datetime(first["acq_time"])
    return frame, first


def _per_partner(frame: pd.DataFrame, currency: str | None) -> Table:
    counts = pd.crosstab(frame["partner_id"], frame["status"]).reindex(
        columns=list(PRECEDENCE), fill_value=0
    )
    sums = frame.groupby("partner_id")[
        ["claimed_revenue", "claimed_commission", "owed_commission", "reversal"]
    ].sum()
    per = pd.concat([frame.groupby("partner_id").size().rename("claims"), sums, counts], axis=1)
    per = per.reset_index()
    total = per.drop(columns="partner_id").sum().to_frame().T
    total.insert(0, "partner_id", None)
    per["is_total"] = False
    total["is_total"] = True
    out = pd.concat([per, total], ignore_index=True)
    out["discrepancies"] = out[list(DISCREPANCIES)].sum(axis=1)
    claims = out["claims"].astype(float)
    out["discrepancy_rate"] = (out["discrepancies"] / claims.where(claims > 0)).astype(float)
    out["total_kind"] = np.where(out["is_total"], "all", None)
    for col in ("claims", "discrepancies", *PRECEDENCE):
        out[col] = out[col].astype("int64")
    money = ("claimed_revenue", "claimed_commission", "owed_commission", "reversal")
    units = {
        **dict.fromkeys(money, "money"),
        **dict.fromkeys(("claims", "discrepancies", *PRECEDENCE), "count"),
        "discrepancy_rate": "rate",
    }
    front = ["partner_id", "claims", *money, "discrepancies", "discrepancy_rate"]
    out = out[[*front, *PRECEDENCE, "is_total", "total_kind"]]
    return Table(
        out,
        units=units,
        reasons={"discrepancy_rate": "no claims"},
        currency=currency,
    )


def shared_reconcile(store: Any, *, window: Any = None) -> Reconciliation:
    """The store's own claims reconciled (:func:`reconcile`), computed once per store
    version and window (:func:`payback.cache.per_store_version`) for every reader of the
    same store: value, signals, the partner costs of the economics and the report's
    partners section ask for it in one report. The result is shared: read it, never
    change its frames.

    >>> from payback.store import open_store
    >>> shared_reconcile(open_store(":memory:")).window_days
    30
    """
    from payback.cache import per_store_version

    days = parse_window(window)
    return per_store_version(
        store, ("partners.reconcile", days), lambda: reconcile(store, window=days)
    )
