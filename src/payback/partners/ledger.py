"""The commission ledger: pending -> locked -> paid, reversals before the lock, clawbacks after.

Each claim's commission (:mod:`payback.partners.commissions`) belongs to the calendar
month of the claim. With the rules' :class:`~payback.partners.commissions.Schedule`:

- ``lock_date = last day of the month + lock_days``: until the end of that day the
  commission is **pending** and a reversal (a cancelled or returned order, a claim the
  reconciliation refuses) removes it: **reversed**, never paid;
- after it the commission is **locked** (final) and is **paid** in the month's payout on
  ``payout_date = lock_date + pay_days`` (end of day);
- a reversal after the lock cannot take back a paid or locked amount: it becomes a
  **clawback**, a negative balance deducted from the partner's next payouts (first in,
  first out) until recovered; a payout never goes below 0;
- a claim whose order is still ``pending`` is **held**: it neither locks nor pays.

Everything is as of the end of ``as_of``: later claims, reversals, locks and payouts have
not happened. Per partner and commission month (``periods``)::

    commissions - reversals = payouts + open balance

with ``reversals`` = reversed before the lock + clawbacks of that month's commissions,
``payouts`` = the month's locked amount paid out minus its clawbacks recovered from
later payouts, ``open balance`` = pending + held + locked but not yet paid - clawbacks
not yet recovered. The ``payouts`` table is the cash: one row per payout with the locked
amount, the clawbacks deducted and what was paid.

>>> from payback.partners.commissions import Schedule
>>> lock_date("2024-01", Schedule(lock_days=27)), payout_date("2024-01", Schedule(27, 20))
(datetime.date(2024, 2, 27), datetime.date(2024, 3, 18))
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from payback._lazy import lazy_module
from payback.errors import InputError
from payback.partners.commissions import HELD, REVERSED, Rules, Schedule, month_labels

pd = lazy_module("pandas")

#: The state of a claim's commission as of a day.
STATES = ("pending", "held", "reversed", "locked", "paid", "clawed_back")


def month_end(month: str) -> dt.date:
    """The last day of a ``YYYY-MM`` month.

    >>> month_end("2024-02")
    datetime.date(2024, 2, 29)
    """
    first = pd.Timestamp(f"{month}-01")
    return (first + pd.offsets.MonthEnd(0)).date()


def lock_date(month: str, schedule: Schedule) -> dt.date:
    """The day (at its end) a month's commissions lock: month end + ``lock_days``."""
    return month_end(month) + dt.timedelta(days=schedule.lock_days)


def payout_date(month: str, schedule: Schedule) -> dt.date:
    """The day (at its end) a month's locked commissions are paid: lock + ``pay_days``."""
    return lock_date(month, schedule) + dt.timedelta(days=schedule.pay_days)


@dataclass(frozen=True)
class Ledger:
    """Result of :func:`build_ledger`.

    Attributes
    ----------
    lines : payback.present.Table
        One row per claim up to ``as_of``: its commission, ``state`` (:data:`STATES`),
        ``lock_date``, ``payout_date``, ``reversed_at``, ``reversal`` (reversed before
        the lock), ``clawback`` (reversed after it), ``recovered`` (of the clawback,
        deducted from payouts so far) and ``paid`` (paid out in its month's payout).
    periods : payback.present.Table
        Per partner and month: ``commissions, reversals, payouts, open_balance`` and the
        parts ``reversed_before_lock, clawbacks, pending, held, locked_unpaid,
        paid_gross, recovered``.
    payouts : payback.present.Table
        Per partner and payout (month): ``lock_date, payout_date, locked,
        clawback_deducted, payout, negative_balance`` (clawbacks still to recover after it).
    as_of : datetime.date
    schedule : Schedule
    """

    lines: Any
    periods: Any
    payouts: Any
    as_of: dt.date
    schedule: Schedule


def _day(value: Any) -> dt.date:
    if isinstance(value, int | float):  # pandas would read a number as nanoseconds
        raise InputError(f"as_of must be a date like 2024-03-31, got the number {value!r}")
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        raise InputError(f"as_of must be a date like 2024-03-31, got {value!r}") from None


def build_ledger(
    commissions: Any, schedule: Schedule, *, as_of: Any = None, currency: str | None = None
) -> Ledger:
    """The ledger of claims' commissions as of the end of ``as_of``.

    Parameters
    ----------
    commissions : payback.present.Table or pandas.DataFrame
        One row per claim with ``claim_id, partner_id, time, commission, status,
        changed_at`` (:func:`payback.partners.commissions.commissions`).
    schedule : Schedule
        The locking and payment periods.
    as_of : date, optional
        Default: the day of the last claim or status change.
    currency : str, optional
        Of the money columns (default: the table's).

    Examples
    --------
    January's 100.00 locks on 27 February and is paid on 5 March; its reversal on 10 March
    (after the lock) is clawed back from February's payout of 50.00 (paid on 3 April),
    and the other 50.00 stays a negative balance for the next payouts:

    >>> import pandas as pd
    >>> claims = pd.DataFrame({"claim_id": ["a", "b"], "partner_id": ["P1", "P1"],
    ...     "time": pd.to_datetime(["2024-01-10", "2024-02-10"]), "commission": [100.0, 50.0],
    ...     "status": ["confirmed", "confirmed"], "changed_at": pd.NaT})
    >>> ledger = build_ledger(claims, Schedule(lock_days=27, pay_days=7), as_of="2024-04-30")
    >>> ledger.payouts.frame[["month", "locked", "clawback_deducted", "payout"]].values.tolist()
    [['2024-01', 100.0, 0.0, 100.0], ['2024-02', 50.0, 0.0, 50.0]]
    >>> claims.loc[0, ["status", "changed_at"]] = ["returned", pd.Timestamp("2024-03-10")]
    >>> later = build_ledger(claims, Schedule(27, 7), as_of="2024-04-30")
    >>> later.payouts.frame[["month", "locked", "clawback_deducted", "payout",
    ...     "negative_balance"]].values.tolist()
    [['2024-01', 100.0, 0.0, 100.0, 0.0], ['2024-02', 50.0, 50.0, 0.0, 50.0]]
    >>> later.periods.frame[["month", "commissions", "reversals", "payouts", "open_balance"]
    ...     ].values.tolist()
    [['2024-01', 100.0, 100.0, 50.0, -50.0], ['2024-02', 50.0, 0.0, 50.0, 0.0]]
    """
    from payback.present import Table

    frame = commissions.frame if hasattr(commissions, "frame") else commissions
    currency = currency or getattr(commissions, "currency", None)
    needed = ["claim_id", "partner_id", "time", "commission", "status", "changed_at"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(f"commissions lack column(s) {missing}: expected {', '.join(needed)}")
    lines = frame[needed + [c for c in ("order_id",) if c in frame.columns]].copy()
    lines["time"] = pd.to_datetime(lines["time"])
    changed = pd.to_datetime(lines["changed_at"])
    lines["changed_at"] = changed.where(changed.notna(), lines["time"])
    if as_of is None:
        last = max(lines["time"].max(), lines["changed_at"].max()) if len(lines) else None
        as_of = dt.date.today() if last is None or pd.isna(last) else last
    day = _day(as_of)
    end = pd.Timestamp(day) + pd.Timedelta(days=1)
    lines = lines[lines["time"] < end].sort_values(["time", "claim_id"], kind="stable")
    lines = lines.reset_index(drop=True)
    lines["commission"] = lines["commission"].astype(float)
    lines["month"] = month_labels(lines["time"])
    months = lines.month.unique()
    lines["lock_date"] = lines.month.map({m: lock_date(m, schedule) for m in months})
    lines["payout_date"] = lines.month.map({m: payout_date(m, schedule) for m in months})
    # compare days as datetime64 (a reversal on the lock day is before the lock)
    rev_day = lines["changed_at"].dt.normalize()
    lock = pd.to_datetime(lines["lock_date"])
    today = pd.Timestamp(day)
    reversed_ = lines.status.isin(REVERSED) & (rev_day <= today)
    before = reversed_ & (rev_day <= lock)
    held = lines.status.isin(HELD) & ~reversed_
    locked = ~before & ~held & (lock <= today)
    paid = locked & (pd.to_datetime(lines["payout_date"]) <= today)
    clawed = reversed_ & ~before
    money = lines.commission
    lines["reversed_at"] = lines["changed_at"].where(reversed_)
    lines["reversal"] = money.where(before, 0.0)
    lines["clawback"] = money.where(clawed, 0.0)
    lines["paid"] = money.where(paid, 0.0)
    state = pd.Series("pending", index=lines.index)
    state[held], state[before], state[locked], state[paid] = "held", "reversed", "locked", "paid"
    state[clawed] = "clawed_back"
    lines["state"] = state
    lines["locked"] = money.where(locked, 0.0)
    recovered, payouts = _settle(lines, day)
    lines["recovered"] = recovered
    periods = _periods(lines, held, locked, paid)
    units = {c: "money" for c in ("commission", "reversal", "clawback", "recovered", "paid")}
    lines = lines.drop(columns=["locked"])
    money_cols = [c for c in periods.columns if c not in ("partner_id", "month")]
    payout_cols = ["locked", "clawback_deducted", "payout", "negative_balance"]
    return Ledger(
        Table(lines, units=units, currency=currency),
        Table(periods, units=dict.fromkeys(money_cols, "money"), currency=currency),
        Table(payouts, units=dict.fromkeys(payout_cols, "money"), currency=currency),
        day,
        schedule,
    )


def _settle(lines: pd.DataFrame, day: dt.date) -> tuple[Any, pd.DataFrame]:
    """Pay each partner's locked months in payout order, deducting the clawbacks known by
    each payout day first in, first out. Returns each line's recovered clawback and the
    payouts table."""
    import numpy as np

    recovered = np.zeros(len(lines))
    due = lines[(lines.locked > 0) & (pd.to_datetime(lines.payout_date) <= pd.Timestamp(day))]
    gross = due.groupby(["partner_id", "month"], sort=True).agg(
        locked=("locked", "sum"), lock_date=("lock_date", "first"),
        payout_date=("payout_date", "first"),
    )  # fmt: skip
    owed: dict[str, list[list[Any]]] = {}  # partner -> [known day, claim, position, left]
    claws = lines[lines.clawback > 0]
    for n, partner, when, claim, amount in zip(
        claws.index, claws.partner_id, claws.reversed_at, claws.claim_id, claws.clawback,
        strict=True,
    ):  # fmt: skip
        owed.setdefault(partner, []).append([when.date(), claim, n, float(amount)])
    for mine in owed.values():
        mine.sort(key=lambda c: (c[0], c[1]))
    rows = []
    ordered = gross.reset_index().sort_values(["partner_id", "payout_date", "month"])
    for partner, month, locked, lock, pay in ordered.itertuples(index=False):
        amount = round(float(locked), 2)
        deducted = 0.0
        known = [c for c in owed.get(partner, []) if c[0] <= pay]
        for claw in known:
            take = min(claw[3], amount - deducted)
            if take > 0:
                claw[3] -= take
                recovered[claw[2]] += take
                deducted += take
        rows.append({
            "partner_id": partner, "month": month, "lock_date": lock, "payout_date": pay,
            "locked": amount, "clawback_deducted": round(deducted, 2),
            "payout": round(amount - deducted, 2),
            "negative_balance": round(sum(c[3] for c in known), 2),
        })  # fmt: skip
    names = ["partner_id", "month", "lock_date", "payout_date", "locked",
             "clawback_deducted", "payout", "negative_balance"]  # fmt: skip
    return recovered.round(2), pd.DataFrame(rows, columns=names)


def _periods(lines: pd.DataFrame, held, locked, paid) -> pd.DataFrame:
    """Per partner and month: the identity's four columns and their parts."""
    money = lines.commission
    pending = ~held & ~locked & (lines.state == "pending")
    parts = pd.DataFrame({
        "partner_id": lines.partner_id, "month": lines.month,
        "commissions": money,
        "reversed_before_lock": lines.reversal,
        "clawbacks": lines.clawback,
        "pending": money.where(pending, 0.0),
        "held": money.where(held, 0.0),
        "locked_unpaid": money.where(locked & ~paid, 0.0),
        "paid_gross": lines.paid,
        "recovered": lines.recovered,
    })  # fmt: skip
    out = parts.groupby(["partner_id", "month"], sort=True).sum().round(2).reset_index()
    out.insert(3, "reversals", (out.reversed_before_lock + out.clawbacks).round(2))
    out.insert(4, "payouts", (out.paid_gross - out.recovered).round(2))
    open_ = out.pending + out.held + out.locked_unpaid - (out.clawbacks - out.recovered)
    out.insert(5, "open_balance", open_.round(2))
    return out


def ledger(store: Any, rules: Rules | str, *, statuses: Any = None, as_of: Any = None) -> Ledger:
    """The ledger of the store's partner claims under ``rules`` (its schedule), as of a day.

    Parameters
    ----------
    store : payback.store.Store
    rules : Rules or path of a rules file
    statuses : optional
        Claim statuses (:func:`payback.partners.commissions.claim_statuses`), e.g. the
        reconciliation's, with ``changed_at`` for reversals known later.
    as_of : date, optional
        Default: the day of the last claim or status change.

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> from payback.partners.commissions import parse_rules
    >>> store = open_store(":memory:")
    >>> t = dt.datetime(2024, 1, 5)
    >>> _ = store.write({
    ...     "orders": pa.table({"order_id": ["1", "2"], "customer_id": ["a", "b"],
    ...         "time": [t, t], "revenue": [100.0, 50.0],
    ...         "status": ["confirmed", "cancelled"], "currency": ["EUR"] * 2}),
    ...     "partner_claims": pa.table({"claim_id": ["k1", "k2"], "partner_id": ["P1"] * 2,
    ...         "order_id": ["1", "2"], "time": [t, t], "revenue": [100.0, 50.0],
    ...         "commission": [10.0, 5.0], "currency": ["EUR"] * 2})})
    >>> rules = parse_rules("[schedule]\\nlock_days = 27\\n[default]\\nrate = 0.1")
    >>> book = ledger(store, rules, as_of="2024-03-01")
    >>> book.lines.frame[["claim_id", "state", "commission"]].values.tolist()
    [['k1', 'paid', 10.0], ['k2', 'reversed', 5.0]]
    """
    from payback.partners.accrual import commissions
    from payback.partners.commissions import read_rules

    rules = rules if isinstance(rules, Rules) else read_rules(rules)
    table = commissions(store, rules, statuses=statuses)
    return build_ledger(table, rules.schedule, as_of=as_of)


@dataclass(frozen=True)
class Statement:
    """One partner's statement: its months, payouts, claim lines and open balance."""

    partner_id: str
    periods: Any
    payouts: Any
    lines: Any
    balance: float
    as_of: dt.date


def statement(book: Ledger, partner_id: str) -> Statement:
    """One partner's part of the ledger.

    Raises
    ------
    payback.errors.InputError
        For a partner without claims (the message lists those with claims).

    Examples
    --------
    >>> import pandas as pd
    >>> claims = pd.DataFrame({"claim_id": ["a"], "partner_id": ["P1"],
    ...     "time": pd.to_datetime(["2024-01-10"]), "commission": [100.0],
    ...     "status": ["confirmed"], "changed_at": pd.NaT})
    >>> statement(build_ledger(claims, Schedule(27), as_of="2024-02-01"), "P1").balance
    100.0
    """
    lines = book.lines.frame
    if partner_id not in set(lines.partner_id):
        known = ", ".join(sorted(set(lines.partner_id))) or "none"
        raise InputError(f"partner {partner_id!r} has no claims up to {book.as_of}: "
                         f"expected one of {known}")  # fmt: skip

    def mine(table: Any) -> Any:
        frame = table.frame
        return table.with_frame(frame[frame.partner_id == partner_id].reset_index(drop=True))

    periods = mine(book.periods)
    balance = round(float(periods.frame.open_balance.sum()), 2)
    return Statement(partner_id, periods, mine(book.payouts), mine(book.lines), balance,
                     book.as_of)  # fmt: skip


__all__ = [
    "STATES",
    "Ledger",
    "Statement",
    "build_ledger",
    "ledger",
    "lock_date",
    "month_end",
    "payout_date",
    "statement",
]
