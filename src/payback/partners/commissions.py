"""Commission rules per partner, read from a small TOML file, and the commission of each claim.

A rules file has one ``[default]`` table (the rule of every partner without its own
table), one ``[partners.<id>]`` table per partner (it replaces the default, it does not
add to it) and an optional ``[schedule]`` (the locking and payment periods of
:mod:`payback.partners.ledger`)::

    [schedule]
    lock_days = 27          # a month's commissions lock 27 days after the month ends
    pay_days = 20           # and are paid 20 days after they lock

    [default]
    rate = 0.10             # 10 % of the order's revenue

    [partners.P01]
    fixed = 8.0             # 8.00 per order
    first_order_only = true # only a customer's first confirmed order pays

    [partners.P02]          # tiers by the partner's orders in the calendar month
    tiers = [{min_orders = 0, rate = 0.05}, {min_orders = 50, rate = 0.07}]

    [partners.P03]          # new vs returning customers
    new_rate = 0.10
    returning_rate = 0.04

    [partners.P04]          # time-limited recurring: first 3 months 40 %, then 20 %
    recurring = [{months = 3, rate = 0.40}, {months = 9, rate = 0.20}]

The commission of one claim (money, rounded to cents)::

    commission = revenue x rate + fixed

where ``revenue`` is the shop's order revenue (the claim's own when the shop has no such
order) and ``rate`` / ``fixed`` are the rule's, resolved in this order:

1. ``first_order_only`` and the order is not the customer's first: 0;
2. ``recurring``: the step covering the complete months since the partner's first claim
   on this customer (the referral); past the last step (when it has ``months``): 0;
3. ``new_rate`` for a new customer's order, ``returning_rate`` for a returning one's;
4. ``tiers``: the rate of the highest tier whose ``min_orders`` the partner's payable
   (and eligible) claims of the calendar month reach, for every claim of that month;
5. ``rate``.

An order is a **new customer's** when the customer has no confirmed order before it (the
store's acquisition rule, :mod:`payback.metrics.scope`).

>>> rules = parse_rules("[default]\\nrate = 0.1\\n[partners.P1]\\nfixed = 5.0")
>>> rules.rule_for("P1").fixed, rules.rule_for("P9").rate
(5.0, 0.1)
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from payback._lazy import lazy_module
from payback.errors import DataError, InputError

pd = lazy_module("pandas")

#: Claim statuses whose commission is owed (``amount_differs``: owed on the shop's amount).
PAYABLE = frozenset({"confirmed", "amount_differs"})
#: Claim statuses whose commission is held: neither owed nor reversed yet (pending orders).
HELD = frozenset({"pending"})
#: Claim statuses that reverse the commission (the reconciliation's vocabulary).
REVERSED = frozenset(
    {
        "unknown_order",
        "duplicate_claim",
        "cancelled",
        "returned",
        "outside_window",
        "claimed_twice",
        "existing_customer",
        "not_attributed",
    }
)
STATUSES = PAYABLE | HELD | REVERSED


@dataclass(frozen=True)
class Tier:
    """A volume tier: ``rate`` applies from ``min_orders`` claims in a calendar month."""

    min_orders: int
    rate: float


@dataclass(frozen=True)
class Step:
    """A step of a recurring scheme: ``rate`` and ``fixed`` for ``months`` complete months
    since the referral (None: every month after the steps before)."""

    months: int | None
    rate: float = 0.0
    fixed: float = 0.0


@dataclass(frozen=True)
class Rule:
    """One partner's commission rule (see the module docstring for the resolution order).

    Attributes
    ----------
    rate : float
        Fraction of the order's revenue (0.12 = 12 %).
    fixed : float
        Money per order.
    tiers : tuple of Tier
        By the partner's orders in the calendar month, ascending ``min_orders``.
    first_order_only : bool
        Only a new customer's order pays.
    new_rate, returning_rate : float or None
        Rate for a new customer's order, a returning customer's order.
    recurring : tuple of Step
        Rates by months since the referral.
    """

    rate: float = 0.0
    fixed: float = 0.0
    tiers: tuple[Tier, ...] = ()
    first_order_only: bool = False
    new_rate: float | None = None
    returning_rate: float | None = None
    recurring: tuple[Step, ...] = ()


@dataclass(frozen=True)
class Schedule:
    """When commissions lock and are paid: a month's commissions lock ``lock_days`` after
    the month's last day and are paid ``pay_days`` after they lock (impact.com: "locked 27
    days after the end of the month", "paid 20 days after the end of the month they lock"
    is ``pay_days`` counted from the lock)."""

    lock_days: int = 30
    pay_days: int = 0


@dataclass(frozen=True)
class Rules:
    """A rules file: the default rule, each partner's, the schedule and where they came from."""

    default: Rule = field(default_factory=Rule)
    partners: Mapping[str, Rule] = field(default_factory=dict)
    schedule: Schedule = field(default_factory=Schedule)
    source: str = "<rules>"

    def rule_for(self, partner_id: str) -> Rule:
        """The partner's rule; the default for a partner without its own table."""
        return self.partners.get(partner_id, self.default)


# -- reading the file -----------------------------------------------------------------------------

_RULE_KEYS = {
    "rate": "a fraction of revenue in [0, 1], e.g. 0.12 for 12 %",
    "fixed": "money per order, 0 or more, e.g. 8.0",
    "tiers": "an array of {min_orders = N, rate = R} tables, min_orders ascending",
    "first_order_only": "true or false",
    "new_rate": "a fraction in [0, 1] for a new customer's order",
    "returning_rate": "a fraction in [0, 1] for a returning customer's order",
    "recurring": "an array of {months = N, rate = R, fixed = F} tables; only the last "
    "may leave out months",
}
_SCHEDULE_KEYS = {
    "lock_days": "whole days after the month's end, 0 or more",
    "pay_days": "whole days after the lock, 0 or more",
}


class _Reader:
    """Checks a parsed rules file, naming the file, line and key of every problem."""

    def __init__(self, text: str, file: str) -> None:
        self.lines = text.splitlines()
        self.file = file

    def line_of(self, table: str, key: str | None = None) -> int | None:
        """The line of ``key`` inside ``[table]`` (or of the table's header)."""
        current, found = "", None
        wanted = _norm(table)
        for n, raw in enumerate(self.lines, 1):
            line = raw.split("#", 1)[0].strip()
            header = re.fullmatch(r"\[\s*([^\[\]]+?)\s*\]", line)
            if header:
                current = _norm(header.group(1))
                if key is None and (current == wanted or current.startswith(wanted + ".")):
                    return n
                continue
            if (
                key is not None
                and current == wanted
                and re.match(rf'"?{re.escape(key)}"?\s*=', line)
            ):
                found = n
                break
        return found

    def fail(self, table: str, key: str | None, problem: str, value: Any, expected: str) -> None:
        where = f"{table}.{key}" if key else table
        raise DataError(
            problem,
            file=self.file,
            row=self.line_of(table, key),
            column=where,
            value=value,
            expected=expected,
            fix=f"correct [{table}] in {self.file}",
        )

    def fraction(self, table: str, key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(table, key, "not a number", value, _RULE_KEYS.get(key, "a fraction"))
        if not 0 <= value <= 1:
            self.fail(table, key, "a rate outside 0..1", value, "a fraction, e.g. 0.12 for 12 %")
        return float(value)

    def money(self, table: str, key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(table, key, "not a number", value, "money per order, e.g. 8.0")
        if value < 0 or not math.isfinite(value):
            self.fail(table, key, "a negative or infinite amount", value, "0 or more")
        return float(value)

    def whole(self, table: str, key: str, value: Any, expected: str, least: int = 0) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            self.fail(table, key, "not a whole number in range", value, expected)
        return int(value)

    def rule(self, table: str, body: Any) -> Rule:
        if not isinstance(body, dict):
            self.fail(table, None, "not a table", body, "[" + table + "] with rule keys")
        unknown = [k for k in body if k not in _RULE_KEYS]
        if unknown:
            self.fail(table, unknown[0], "unknown key", unknown[0],
                      "one of " + ", ".join(_RULE_KEYS))  # fmt: skip
        kw: dict[str, Any] = {}
        for key in ("rate", "new_rate", "returning_rate"):
            if key in body:
                kw[key] = self.fraction(table, key, body[key])
        if "fixed" in body:
            kw["fixed"] = self.money(table, "fixed", body["fixed"])
        if "first_order_only" in body:
            if not isinstance(body["first_order_only"], bool):
                self.fail(table, "first_order_only", "not a boolean", body["first_order_only"],
                          "true or false")  # fmt: skip
            kw["first_order_only"] = body["first_order_only"]
        if "tiers" in body:
            kw["tiers"] = self.tiers(table, body["tiers"])
        if "recurring" in body:
            kw["recurring"] = self.steps(table, body["recurring"])
        return Rule(**kw)

    def _array(self, table: str, key: str, value: Any, fields: set[str]) -> list[dict]:
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            self.fail(table, key, "not a non-empty array of tables", value, _RULE_KEYS[key])
        for item in value:
            extra = sorted(set(item) - fields)
            if extra:
                self.fail(table, key, f"unknown key {extra[0]!r} in an item", item,
                          "items with " + ", ".join(sorted(fields)))  # fmt: skip
        return value

    def tiers(self, table: str, value: Any) -> tuple[Tier, ...]:
        items = self._array(table, "tiers", value, {"min_orders", "rate"})
        out = []
        for item in items:
            if "min_orders" not in item or "rate" not in item:
                self.fail(table, "tiers", "a tier without min_orders or rate", item,
                          "{min_orders = N, rate = R}")  # fmt: skip
            least = self.whole(table, "tiers", item["min_orders"], "min_orders 0 or more")
            out.append(Tier(least, self.fraction(table, "tiers", item["rate"])))
        mins = [t.min_orders for t in out]
        if mins != sorted(set(mins)):
            self.fail(table, "tiers", "min_orders not strictly ascending", mins,
                      "ascending thresholds such as 0, 50, 200")  # fmt: skip
        return tuple(out)

    def steps(self, table: str, value: Any) -> tuple[Step, ...]:
        items = self._array(table, "recurring", value, {"months", "rate", "fixed"})
        out = []
        for n, item in enumerate(items):
            months = item.get("months")
            if months is None and n < len(items) - 1:
                self.fail(table, "recurring", "a step without months before the last", item,
                          "months = N on every step but the last")  # fmt: skip
            if months is not None:
                months = self.whole(table, "recurring", months, "months 1 or more", least=1)
            rate = self.fraction(table, "recurring", item.get("rate", 0.0))
            fixed = self.money(table, "recurring", item.get("fixed", 0.0))
            out.append(Step(months, rate, fixed))
        return tuple(out)

    def schedule(self, body: Any) -> Schedule:
        if not isinstance(body, dict):
            self.fail("schedule", None, "not a table", body, "[schedule] with lock_days, pay_days")
        unknown = [k for k in body if k not in _SCHEDULE_KEYS]
        if unknown:
            self.fail("schedule", unknown[0], "unknown key", unknown[0],
                      "one of " + ", ".join(_SCHEDULE_KEYS))  # fmt: skip
        kw = {k: self.whole("schedule", k, body[k], _SCHEDULE_KEYS[k]) for k in body}
        return Schedule(**kw)


def _norm(header: str) -> str:
    return ".".join(p.strip().strip('"').strip("'") for p in header.split("."))


def parse_rules(text: str, *, file: str = "<rules>") -> Rules:
    """Commission rules from the text of a TOML rules file (see the module docstring).

    Raises
    ------
    payback.errors.DataError
        Naming the file, the line, the key, what was got and what was expected.

    Examples
    --------
    >>> parse_rules("[partners.P1]\\nrate = 12", file="rules.toml")
    Traceback (most recent call last):
    ...
    payback.errors.DataError: rules.toml, row 2, column 'partners.P1.rate': a rate outside ...
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        line = re.search(r"line (\d+)", str(e))
        raise DataError(
            f"not valid TOML ({e})",
            file=file,
            row=int(line.group(1)) if line else None,
            expected="key = value lines under [default], [partners.<id>], [schedule]",
            fix='quote partner ids with dots or spaces: [partners."my.partner"]',
        ) from None
    reader = _Reader(text, file)
    unknown = [k for k in data if k not in ("default", "partners", "schedule")]
    if unknown:
        reader.fail(unknown[0], None, "unknown table", unknown[0],
                    "[default], [partners.<partner id>] or [schedule]")  # fmt: skip
    default = reader.rule("default", data["default"]) if "default" in data else Rule()
    partners = data.get("partners", {})
    if not isinstance(partners, dict):
        reader.fail("partners", None, "not a table", partners, "[partners.<partner id>] tables")
    rules = {str(p): reader.rule(f"partners.{p}", body) for p, body in partners.items()}
    schedule = reader.schedule(data["schedule"]) if "schedule" in data else Schedule()
    return Rules(default, rules, schedule, file)


def read_rules(path: str | Path) -> Rules:
    """Commission rules from a TOML file (:func:`parse_rules`).

    Raises
    ------
    payback.errors.InputError
        When the file cannot be read.
    payback.errors.DataError
        For a problem in it.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(
            f"cannot read the rules file {str(p)!r}: {e}; expected a UTF-8 TOML file"
        ) from None
    return parse_rules(text, file=str(p))


# -- the commission of each claim ----------------------------------------------------------------


def months_between(start: Any, end: Any) -> int:
    """Complete calendar months from ``start`` to ``end`` (0 within the first month).

    >>> months_between("2024-01-31", "2024-02-29"), months_between("2024-01-15", "2024-04-15")
    (0, 3)
    """
    return int(_months(pd.Series([pd.Timestamp(start)]), pd.Series([pd.Timestamp(end)]))[0])


def month_labels(times: pd.Series) -> pd.Series:
    """``YYYY-MM`` of each time (formatted once per distinct month, not per row).

    >>> month_labels(pd.Series(pd.to_datetime(["2024-01-31 23:00", "2024-02-01 00:00"]))).tolist()
    ['2024-01', '2024-02']
    """
    from payback.clv.cohorts import month_label

    index = times.dt.year * 12 + times.dt.month - 1
    return index.map({int(i): month_label(int(i)) for i in index.dropna().unique()})


def _months(start: pd.Series, end: pd.Series) -> Any:
    """:func:`months_between` of each pair of two datetime Series (an int64 array)."""
    a, b = start.reset_index(drop=True), end.reset_index(drop=True)
    months = (b.dt.year - a.dt.year) * 12 + b.dt.month - a.dt.month
    earlier = (b.dt.day < a.dt.day) | (
        (b.dt.day == a.dt.day) & ((b - b.dt.normalize()) < (a - a.dt.normalize()))
    )
    return (months - earlier.astype("int64")).clip(lower=0).to_numpy("int64")


def _resolve(rule: Rule, new: bool, age: int, volume: int) -> tuple[float, float, str]:
    """(rate, fixed, basis) of one claim under ``rule``."""
    if rule.first_order_only and not new:
        return 0.0, 0.0, "not the customer's first order"
    if rule.recurring:
        start = 0
        for step in rule.recurring:
            if step.months is None or age < start + step.months:
                end = "" if step.months is None else f"-{start + step.months}"
                return step.rate, step.fixed, f"recurring month {age + 1} (months {start + 1}{end})"
            start += step.months
        return 0.0, 0.0, f"recurring ended after {start} months"
    if new and rule.new_rate is not None:
        return rule.new_rate, rule.fixed, "new customer"
    if not new and rule.returning_rate is not None:
        return rule.returning_rate, rule.fixed, "returning customer"
    reached = [t for t in rule.tiers if volume >= t.min_orders]
    if reached:
        tier = reached[-1]
        return tier.rate, rule.fixed, f"tier {tier.min_orders}+ orders/month ({volume})"
    return rule.rate, rule.fixed, "base"


def commissions_of(rows: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """The commission of each claim of ``rows`` (as :func:`claim_rows` gives them).

    Adds ``month`` (``YYYY-MM`` of the claim), ``age_months`` (complete months since the
    referral), ``volume`` (the partner's payable, eligible claims of the month), ``rate``,
    ``fixed``, ``basis`` (which part of the rule applied) and ``commission``
    (``revenue x rate + fixed``, rounded to cents). Reversed claims keep the commission
    they would have earned: the ledger reverses it.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"claim_id": ["k1", "k2"], "partner_id": ["P1", "P1"],
    ...     "time": pd.to_datetime(["2024-01-05", "2024-05-05"]), "revenue": [100.0, 80.0],
    ...     "new_customer": [True, False], "status": ["confirmed", "confirmed"],
    ...     "referral_time": pd.to_datetime(["2024-01-05"] * 2)})
    >>> rules = parse_rules("[default]\\nrecurring = [{months = 3, rate = 0.4}, {rate = 0.2}]")
    >>> out = commissions_of(rows, rules)
    >>> out.age_months.tolist(), out.rate.tolist(), out.commission.tolist()
    ([0, 4], [0.4, 0.2], [40.0, 16.0])
    """
    out = rows.copy()
    out["month"] = month_labels(out["time"])
    out["age_months"] = _months(out.referral_time, out.time)
    partners = out.partner_id.unique()
    first_only = out.partner_id.map({p: rules.rule_for(p).first_order_only for p in partners})
    eligible = out.status.isin(PAYABLE | HELD) & (out.new_customer | ~first_only.astype(bool))
    out["volume"] = eligible.astype("int64").groupby([out.partner_id, out.month]).transform("sum")
    # the rule once per distinct (partner, new, age, volume), not once per claim
    keys = ["partner_id", "new_customer", "age_months", "volume"]
    cases = out[keys].drop_duplicates()
    resolved = [
        _resolve(rules.rule_for(p), bool(new), int(age), int(volume))
        for p, new, age, volume in cases.itertuples(index=False)
    ]
    cases = cases.assign(
        rate=[r[0] for r in resolved], fixed=[r[1] for r in resolved],
        basis=[r[2] for r in resolved],
    )  # fmt: skip
    out = out.merge(cases, on=keys, how="left", validate="many_to_one")
    out.index = rows.index
    out["commission"] = (out.revenue * out.rate + out.fixed).round(2)
    return out


__all__ = [
    "HELD",
    "PAYABLE",
    "REVERSED",
    "STATUSES",
    "Rule",
    "Rules",
    "Schedule",
    "Step",
    "Tier",
    "commissions_of",
    "month_labels",
    "months_between",
    "parse_rules",
    "read_rules",
]
