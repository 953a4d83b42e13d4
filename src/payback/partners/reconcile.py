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

The rules are judged in the store, in one query on any engine (:func:`_judged`: the
claimed order, the referral, the first order through the partner and the acquisition
joined there, the statuses one ``CASE`` in the order of :data:`PRECEDENCE`); only the
claims' rows leave it, and the amounts owed are computed from them.
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

#: The claim columns a reconciliation reads, with their types (missing ones are null).
_CLAIM_COLUMNS: dict[str, str] = {
    "claim_id": "string",
    "partner_id": "string",
    "order_id": "string",
    "time": "timestamp",
    "revenue": "float64",
    "commission": "float64",
    "currency": "string",
    "click_time": "timestamp",
    "network_status": "string",
}
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


def _claims_table(store: Any, claims: Any) -> tuple[Any, pd.Series]:
    """The claims to judge as an Ibis table (the columns of :data:`_CLAIM_COLUMNS` and
    ``_input``: a file's row order, the last tie-break of the claims' order) and the
    number of claims per currency code (upper case).

    ``claims``: the rows of a file (None: the store's ``partner_claims``, whose key
    ``claim_id`` orders them alone).
    """
    import ibis
    import pyarrow as pa

    if claims is None:
        table = store.table("partner_claims")
        missing = {c: ibis.null(t) for c, t in _CLAIM_COLUMNS.items() if c not in table.columns}
        table = table.mutate(**missing, _input=ibis.literal(0, "int64"))
        code = table.currency.cast("string").upper()
        per = store.to_pyarrow(table.group_by(code=code).aggregate(n=table.count()))
        counts = per.to_pandas().dropna().set_index("code")["n"].astype("int64")
        return table.select(*_CLAIM_COLUMNS, "_input"), counts.sort_values(ascending=False)
    frame = claims.to_pandas() if hasattr(claims, "to_pandas") else pd.DataFrame(claims).copy()
    for c in _CLAIM_COLUMNS:
        if c not in frame:
            frame[c] = None
    counts = frame["currency"].dropna().astype(str).str.upper().value_counts()
    arrays = {}
    for c, kind in _CLAIM_COLUMNS.items():
        col = frame[c]
        if kind == "string":
            arrays[c] = pa.array(col.astype(str).where(col.notna(), None), pa.string())
        elif kind == "timestamp":
            arrays[c] = pa.Array.from_pandas(pd.to_datetime(col))
        else:
            arrays[c] = pa.array(pd.to_numeric(col, errors="coerce"), pa.float64())
    arrays["_input"] = pa.array(np.arange(len(frame), dtype=np.int64))
    return ibis.memtable(pa.table(arrays)), counts


def _joined(store: Any, claims: Any) -> Any:
    """Each claim (``claims``, :func:`_claims_table`) with what its rules look at, joined
    in the store: its order (``o_customer``, ``o_time``, ``o_revenue``, ``o_status``,
    ``o_partner``, ``o_ad_source``: the order names a platform or UTM source), the
    referral (``referral``: the latest order of the customer through the claim's partner
    at or before the claimed order, whatever its status), the customer's first order
    through the partner (``partner_first``) and acquisition (``acq_time``: the store's
    one rule, :func:`payback.metrics.scope.acquisitions`)."""
    import ibis

    from payback.metrics.scope import acquisitions

    orders = store.table("orders")
    sources = [orders[s].notnull() for s in _SOURCE_COLUMNS if s in orders.columns]
    ad_source = ibis.or_(*sources) if sources else ibis.literal(False)
    partner = orders.partner_id if "partner_id" in orders.columns else ibis.null("string")
    o = orders.select(
        order_id=orders.order_id,
        o_customer=orders.customer_id,
        o_time=orders.time,
        o_revenue=orders.revenue,
        o_status=orders.status,
        o_partner=partner,
        o_ad_source=ad_source,
    )
    # each join a relation of its own (``view``): in one chain of joins Ibis would read
    # a left key through the right side's equal column, missing where nothing matched
    c = claims.left_join(o, "order_id").select(claims, *[o[k] for k in o.columns[1:]]).view()
    keys = c.filter(c.o_customer.notnull(), c.o_time.notnull())
    keys = keys.select("o_customer", "partner_id", "o_time").distinct()
    via = o.filter(o.o_partner.notnull()).select(
        v_customer=o.o_customer, v_partner=o.o_partner, v_time=o.o_time
    )
    pairs = keys.join(via, [keys.o_customer == via.v_customer, keys.partner_id == via.v_partner])
    t = pairs.group_by(
        t_customer=pairs.o_customer, t_partner=pairs.partner_id, t_time=pairs.o_time
    ).aggregate(
        referral=pairs.v_time.max(where=pairs.v_time <= pairs.o_time),
        partner_first=pairs.v_time.min(),
    )
    same = [c.o_customer == t.t_customer, c.partner_id == t.t_partner, c.o_time == t.t_time]
    c = c.left_join(t, same).select(c, t.referral, t.partner_first).view()
    acq = acquisitions(store)
    acq = acq.select(a_customer=acq.customer_id, acq_time=acq.time)
    return c.left_join(acq, c.o_customer == acq.a_customer).select(c, acq.acq_time)


def _judged(store: Any, claims: Any, window_days: int) -> Any:
    """Each claim with its ``status`` (the first of :data:`PRECEDENCE` whose rule
    applies, module docstring) and ``click`` (the claim's click time, else the
    referral), ordered by claim time, claim id (and a file's row order); computed in
    the store."""
    import ibis

    c = _joined(store, claims)
    order = [c.time, c.claim_id, c._input]
    c = c.mutate(
        click=c.click_time.coalesce(c.referral),
        o_named=(c.o_partner == c.partner_id).fill_null(False),
        # the same partner's earlier claim on the order (by time, then claim id) is judged
        duplicate=ibis.row_number().over(group_by=[c.order_id, c.partner_id], order_by=order) > 0,
    )
    judged = c.o_customer.notnull() & ~c.duplicate  # each partner's first claim on an order
    c = c.mutate(
        partners_on=judged.cast("int64").sum().over(group_by=c.order_id),
        first_touch=ibis.cases(
            (c.click.isnull(), c.partner_first),
            (c.partner_first.isnull(), c.click),
            else_=ibis.least(c.click, c.partner_first),
        ),
    )
    judged = c.o_customer.notnull() & ~c.duplicate
    window = ibis.interval(days=window_days)
    ad = c.o_ad_source.fill_null(False)
    other_source = (c.o_partner.notnull() & (c.o_partner != c.partner_id)) | (
        c.o_partner.isnull() & ad
    )
    conditions = {
        "unknown_order": c.o_customer.isnull(),
        "duplicate_claim": c.duplicate,
        "claimed_twice": judged & (c.partners_on > 1) & ~c.o_named,
        "cancelled": c.o_status == "cancelled",
        "returned": c.o_status == "returned",
        "pending": c.o_status == "pending",
        "outside_window": (c.o_time > c.click + window) | (c.o_time < c.click),
        "not_attributed": other_source | c.click.isnull(),
        "existing_customer": c.acq_time < c.first_touch,
        "amount_differs": (c.revenue - c.o_revenue).abs() > AMOUNT_TOLERANCE,
    }
    # a rule that cannot be told (a missing value) does not apply
    status = ibis.cases(
        *((conditions[name].fill_null(False), name) for name in PRECEDENCE[:-1]),
        else_=PRECEDENCE[-1],
    )
    return c.select(
        "claim_id",
        "partner_id",
        "order_id",
        status=status,
        claim_time=c.time,
        order_time=c.o_time,
        click_time=c.click,
        claimed_revenue=c.revenue,
        order_revenue=c.o_revenue,
        claimed_commission=c.commission,
        network_status=c.network_status,
        _input=c._input,
    ).order_by(["claim_time", "claim_id", "_input"])


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
    table, codes = _claims_table(store, claims)
    currency = store.currencies("orders") if hasattr(store, "currencies") else None
    _check_currencies(codes, currency)
    c = store.to_pyarrow(_judged(store, table, days)).to_pandas()
    claimed = c["claimed_commission"].astype(float)
    revenue = c["claimed_revenue"].astype(float)
    scaled = np.where(
        revenue > 0,
        np.round(claimed * c["order_revenue"] / revenue.where(revenue > 0), 2),
        claimed,
    )
    status = c["status"]
    owed = np.where(
        status == "confirmed", claimed, np.where(status == "amount_differs", scaled, 0.0)
    )
    frame = pd.DataFrame(
        {
            "claim_id": c["claim_id"].astype(str),
            "partner_id": c["partner_id"].astype(str),
            "order_id": c["order_id"].astype(str),
            "status": status.astype(str),
            "claim_time": c["claim_time"],
            "order_time": c["order_time"],
            "click_time": c["click_time"],
            "claimed_revenue": revenue,
            "order_revenue": c["order_revenue"].astype(float),
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


def _check_currencies(codes: pd.Series, orders: tuple[str, ...] | None) -> None:
    """Claims compare amounts with the orders: in the orders' one currency only
    (``codes``: the number of claims per currency code, upper case, most first)."""
    from payback.errors import CurrencyError

    counts = codes[~codes.index.isin(list(orders or ()))]
    if orders and not counts.empty:
        got = ", ".join(f"{code} ({n:,} claim{'s' * (n > 1)})" for code, n in counts.items())
        raise CurrencyError(
            f"partner claims in {got}, the orders in {', '.join(orders)}: a claimed amount "
            f"can only be compared with the order's in one currency; convert the claims "
            f"to {orders[0]} (or import them with an FX table) and reconcile again"
        )


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
