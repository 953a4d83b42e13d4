"""The store's partner claims with their status, and the commission each one earns.

:func:`claim_rows` joins every claim to the shop's order (its revenue, its customer,
whether it is a new customer's order) and gives it a status: the one given (the
reconciliation's, :func:`claim_statuses`) or the order's own. :func:`commissions` applies
the rules (:mod:`payback.partners.commissions`) to every claim; :func:`commission_summary`
totals them per partner (and month).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from payback._lazy import lazy_module
from payback.errors import DataError, InputError
from payback.partners.commissions import (
    HELD,
    PAYABLE,
    REVERSED,
    STATUSES,
    Rules,
    commissions_of,
    read_rules,
)

pd = lazy_module("pandas")


def claim_statuses(statuses: Any) -> pd.DataFrame:
    """Claim statuses as a frame ``claim_id, status, changed_at`` (``changed_at`` may be NaT).

    ``statuses`` is a frame (or anything pandas reads as one) with ``claim_id``, ``status``
    and optionally ``changed_at`` (when the status became known: a reversal's time), a
    mapping ``claim_id -> status``, or an iterable of ``(claim_id, status)`` or
    ``(claim_id, status, changed_at)``.

    Raises
    ------
    payback.errors.InputError
        For a status outside :data:`STATUSES` or a missing column.

    Examples
    --------
    >>> claim_statuses({"k1": "returned"}).values.tolist()
    [['k1', 'returned', NaT]]
    """
    if isinstance(statuses, Mapping):
        frame = pd.DataFrame({"claim_id": list(statuses), "status": list(statuses.values())})
    elif isinstance(statuses, pd.DataFrame):
        frame = statuses.copy()
    else:
        rows = [tuple(r) for r in statuses]
        names = ["claim_id", "status", "changed_at"][: max((len(r) for r in rows), default=2)]
        frame = pd.DataFrame(rows, columns=names)
    missing = [c for c in ("claim_id", "status") if c not in frame.columns]
    if missing:
        raise InputError(f"claim statuses lack column(s) {missing}: expected claim_id, status "
                         f"and optionally changed_at; got {list(frame.columns)}")  # fmt: skip
    if "changed_at" not in frame.columns:
        frame["changed_at"] = pd.NaT
    frame = frame[["claim_id", "status", "changed_at"]].astype({"claim_id": str})
    frame["status"] = frame["status"].astype(str).str.strip().str.lower()
    frame["changed_at"] = pd.to_datetime(frame["changed_at"])
    bad = frame[~frame.status.isin(STATUSES)]
    if len(bad):
        row = bad.iloc[0]
        raise InputError(
            f"claim {row.claim_id!r}: unknown status {row.status!r}: expected one of "
            f"{', '.join(sorted(STATUSES))}"
        )
    return frame.reset_index(drop=True)


def claim_rows(store: Any, *, statuses: Any = None) -> pd.DataFrame:
    """Every partner claim with what the rules and the ledger need, one row per claim.

    Columns: ``claim_id, partner_id, order_id, customer_id, time, revenue, new_customer,
    referral_time, status, changed_at``. ``revenue`` is the shop's order revenue (the
    claim's own for an order the shop does not have); ``referral_time`` the partner's
    first claim on the customer; ``status`` the given one (``statuses``, e.g. the
    reconciliation's) or by default the order's own: ``confirmed``, ``pending``,
    ``cancelled`` or ``returned``, ``unknown_order`` when the shop has no such order and
    ``duplicate_claim`` for a second claim on one order (the earliest claim counts).
    ``changed_at`` is when the status became known (default: the claim's time, i.e. a
    reversal before the lock; the store's orders keep no date of cancellation).

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> t = dt.datetime(2024, 1, 5)
    >>> _ = store.write({
    ...     "orders": pa.table({"order_id": ["1", "2"], "customer_id": ["a", "a"],
    ...         "time": [t, t + dt.timedelta(40)], "revenue": [100.0, 50.0],
    ...         "status": ["confirmed", "returned"], "currency": ["EUR"] * 2}),
    ...     "partner_claims": pa.table({"claim_id": ["k1", "k2", "k3", "k4"],
    ...         "partner_id": ["P1"] * 4, "order_id": ["1", "2", "1", "9"],
    ...         "time": [t, t + dt.timedelta(40), t, t], "revenue": [100.0, 50.0, 100.0, 70.0],
    ...         "commission": [10.0, 5.0, 10.0, 7.0], "currency": ["EUR"] * 4})})
    >>> rows = claim_rows(store)
    >>> rows.claim_id.tolist(), rows.new_customer.tolist()
    (['k1', 'k3', 'k4', 'k2'], [True, True, True, False])
    >>> rows.status.tolist()
    ['confirmed', 'duplicate_claim', 'unknown_order', 'returned']
    """
    from payback.metrics import scope

    claims = store.table("partner_claims")
    orders = store.table("orders")
    first = scope.acquisitions(store).select(
        "customer_id", _first_time="time", _first_id="order_id"
    )
    joined = orders.select("order_id", "customer_id", "status", _order_time="time",
                           _shop_revenue="revenue")  # fmt: skip
    joined = joined.left_join(first, "customer_id").drop("customer_id_right")
    frame = store.execute(
        claims.select("claim_id", "partner_id", "order_id", "time", "revenue")
        .left_join(joined, "order_id")
        .drop("order_id_right")
    )
    frame = frame.sort_values(["time", "claim_id"], kind="stable").reset_index(drop=True)
    known = frame["status"].notna()
    frame["revenue"] = frame["_shop_revenue"].where(known, frame["revenue"]).astype(float)
    before = (frame._first_time < frame._order_time) | (
        (frame._first_time == frame._order_time) & (frame._first_id < frame.order_id)
    )
    frame["new_customer"] = ~before.fillna(False).astype(bool)
    frame["customer_id"] = frame["customer_id"].where(known, None)
    # the default status: the order's own; a second claim of one order is a duplicate
    status = frame["status"].where(known, "unknown_order")
    status = status.mask(known & frame.duplicated("order_id"), "duplicate_claim")
    frame["status"] = status.astype(str)
    frame["changed_at"] = frame["time"]
    if statuses is not None:
        given = claim_statuses(statuses).set_index("claim_id")
        mine = frame.claim_id.map(given.status)
        frame["status"] = mine.fillna(frame["status"])
        when = frame.claim_id.map(given.changed_at)
        frame["changed_at"] = when.where(when.notna(), frame["time"])
    customer = frame["customer_id"].fillna("claim:" + frame["claim_id"])
    frame["referral_time"] = frame.groupby([frame.partner_id, customer])["time"].transform("min")
    cols = ["claim_id", "partner_id", "order_id", "customer_id", "time", "revenue",
            "new_customer", "referral_time", "status", "changed_at"]  # fmt: skip
    return frame[cols]


def commissions(
    store: Any,
    rules: Rules | str | Path,
    *,
    statuses: Any = None,
    start: Any = None,
    end: Any = None,
    partners: Iterable[str] | None = None,
) -> Any:
    """The commission of every partner claim by the rules, with its status.

    Parameters
    ----------
    store : payback.store.Store
    rules : Rules or path
        A rules file (:func:`read_rules`) or parsed rules.
    statuses : optional
        Claim statuses to use instead of the orders' own (:func:`claim_statuses`): the
        reconciliation's, or a returns file's with ``changed_at``.
    start, end : date, optional
        Claims of these days (both included, by the claim's time). Tiers and recurring
        months are computed over every claim first, so a period cut changes no amount.
    partners : iterable of str, optional
        Only these partners.

    Returns
    -------
    payback.present.Table
        One row per claim (:func:`commissions_of`'s columns), money in the claims' currency.

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> t = dt.datetime(2024, 1, 5)
    >>> _ = store.write({
    ...     "orders": pa.table({"order_id": ["1", "2"], "customer_id": ["a", "b"],
    ...         "time": [t, t], "revenue": [100.0, 50.0],
    ...         "status": ["confirmed", "cancelled"], "currency": ["EUR"] * 2}),
    ...     "partner_claims": pa.table({"claim_id": ["k1", "k2"], "partner_id": ["P1"] * 2,
    ...         "order_id": ["1", "2"], "time": [t, t], "revenue": [100.0, 50.0],
    ...         "commission": [10.0, 5.0], "currency": ["EUR"] * 2})})
    >>> from payback.partners.commissions import parse_rules
    >>> table = commissions(store, parse_rules("[default]\\nrate = 0.1\\nfixed = 2.0"))
    >>> table.frame[["claim_id", "status", "commission"]].values.tolist()
    [['k1', 'confirmed', 12.0], ['k2', 'cancelled', 7.0]]
    """
    from payback.metrics.filters import parse_range
    from payback.present import Table
    from payback.store import check_single_currency

    rules = rules if isinstance(rules, Rules) else read_rules(rules)
    lo, hi = parse_range(start, end)
    currency = check_single_currency(store, "partner_claims", what="the partner claims")
    frame = commissions_of(claim_rows(store, statuses=statuses), rules)
    keep = pd.Series(True, index=frame.index)
    if lo is not None:
        keep &= frame.time >= pd.Timestamp(lo)
    if hi is not None:
        keep &= frame.time < pd.Timestamp(hi) + pd.Timedelta(days=1)
    if partners is not None:
        keep &= frame.partner_id.isin(list(partners))
    frame = frame[keep].reset_index(drop=True)
    units = {"revenue": "money", "rate": "rate", "fixed": "money", "commission": "money",
             "volume": "count", "age_months": "count"}  # fmt: skip
    return Table(frame, units=units, currency=currency or store.base_currency)


def read_statuses(path: str | Path) -> pd.DataFrame:
    """Claim statuses from a CSV file with ``claim_id``, ``status`` and optionally
    ``changed_at`` (e.g. ``payback partners reconcile --format csv`` output, or a returns
    list with the day each return was booked).

    Raises
    ------
    payback.errors.DataError
        Naming the file, row, column, value and what was expected.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = pathlib.Path(tmp) / "s.csv"
    ...     _ = p.write_text("claim_id,status\\nk1,returned\\nk2,lost\\n")
    ...     read_statuses(p)
    Traceback (most recent call last):
    ...
    payback.errors.DataError: .../s.csv, row 3, column 'status': unknown claim status: ...
    """
    p = Path(path)
    try:
        frame = pd.read_csv(p, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as e:
        raise InputError(f"cannot read the statuses file {str(p)!r}: {e}") from None
    missing = [c for c in ("claim_id", "status") if c not in frame.columns]
    if missing:
        raise DataError(
            f"missing column(s) {', '.join(missing)}",
            file=str(p),
            row=1,
            value=list(frame.columns),
            expected="a header with claim_id, status and optionally changed_at",
            fix="rename the columns in the file's first line",
        )
    status = frame["status"].str.strip().str.lower()
    bad = ~status.isin(STATUSES)
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise DataError(
            "unknown claim status",
            file=str(p),
            row=i + 2,
            column="status",
            value=frame["status"].iloc[i],
            expected="one of " + ", ".join(sorted(STATUSES)),
            fix="use the reconciliation's statuses",
            more=int(bad.sum()) - 1,
        )
    if "changed_at" in frame.columns:
        when = pd.to_datetime(frame["changed_at"].replace("", None), errors="coerce")
        wrong = when.isna() & frame["changed_at"].str.strip().ne("")
        if wrong.any():
            i = int(wrong.to_numpy().argmax())
            raise DataError(
                "not a date",
                file=str(p),
                row=i + 2,
                column="changed_at",
                value=frame["changed_at"].iloc[i],
                expected="a date or time such as 2024-03-10 or 2024-03-10 14:00",
                fix="write ISO dates, or leave the cell empty (the claim's own time)",
                more=int(wrong.sum()) - 1,
            )
        frame["changed_at"] = when
    return claim_statuses(frame.assign(status=status))


def commission_summary(table: Any, *, by_month: bool = False) -> Any:
    """Commissions per partner (and month): claims, what is owed, reversed and held.

    Columns: ``claims``, ``payable_claims``, ``revenue`` (of the payable claims),
    ``commission`` (owed: payable claims), ``commission_rate`` (commission / revenue),
    ``reversed`` (the commission of reversed claims), ``held`` (pending orders').

    Examples
    --------
    >>> import pandas as pd
    >>> from payback.present import Table
    >>> claims = Table(pd.DataFrame({"partner_id": ["P1", "P1", "P1"],
    ...     "month": ["2024-01"] * 3, "status": ["confirmed", "returned", "pending"],
    ...     "revenue": [100.0, 50.0, 10.0], "commission": [10.0, 5.0, 1.0]}))
    >>> row = commission_summary(claims).frame.iloc[0]
    >>> [float(row[c]) for c in ("commission", "commission_rate", "reversed", "held")]
    [10.0, 0.1, 5.0, 1.0]
    """
    from payback.metrics.catalogue import CATALOGUE

    frame = table.frame
    keys = ["partner_id", "month"] if by_month else ["partner_id"]
    payable = frame.status.isin(PAYABLE)
    parts = frame[keys].assign(
        claims=1,
        payable_claims=payable.astype("int64"),
        revenue=frame.revenue.where(payable, 0.0),
        commission=frame.commission.where(payable, 0.0),
        reversed=frame.commission.where(frame.status.isin(REVERSED), 0.0),
        held=frame.commission.where(frame.status.isin(HELD), 0.0),
    )
    out = parts.groupby(keys, sort=True).sum().reset_index()
    for column in ("revenue", "commission", "reversed", "held"):
        out[column] = out[column].round(2)
    rate = CATALOGUE["commission_rate"].evaluate({"commission": out.commission, "aov": out.revenue})
    out.insert(out.columns.get_loc("commission") + 1, "commission_rate", rate)
    units = {"claims": "count", "payable_claims": "count", "commission_rate": "rate"}
    units.update(dict.fromkeys(("revenue", "commission", "reversed", "held"), "money"))
    reasons = {"commission_rate": "no payable claims"}
    return type(table)(out, units=units, reasons=reasons, currency=table.currency)


__all__ = [
    "claim_rows",
    "claim_statuses",
    "commission_summary",
    "commissions",
    "read_statuses",
]
