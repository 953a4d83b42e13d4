"""Periods as a marketer names them: a year, a quarter, a month, an ISO week, a day or a
range of days, and the runs of consecutive periods between two of them.

Examples
--------
>>> parse_period("2024-Q2")
Period(label='2024-Q2', start=datetime.date(2024, 4, 1), end=datetime.date(2024, 6, 30))
>>> parse_period("2024-W01").start, parse_period("2024-02").end
(datetime.date(2024, 1, 1), datetime.date(2024, 2, 29))
>>> parse_period("2024-11-25..2024-12-01").label
'2024-11-25..2024-12-01'
>>> [p.label for p in periods_between("2024-11", "2025-01", "month")]
['2024-11', '2024-12', '2025-01']
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from payback.errors import InputError

__all__ = ["UNITS", "Period", "parse_period", "period_of", "periods_between"]

#: The units of ``--period``.
UNITS = ("day", "week", "month", "quarter", "year")
_EXPECTED = (
    "a year (2024), a quarter (2024-Q1), a month (2024-03), an ISO week (2024-W05), "
    "a day (2024-03-01) or a range of days (2024-01-01..2024-03-31)"
)


@dataclass(frozen=True)
class Period:
    """A period: its label and its first and last day (both included)."""

    label: str
    start: dt.date
    end: dt.date


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def parse_period(text: str | Period, *, name: str = "period") -> Period:
    """The period a label names (see the module's examples).

    Raises
    ------
    payback.errors.InputError
        Naming ``name`` (the argument), the text and the accepted forms.
    """
    if isinstance(text, Period):
        return text
    value = str(text).strip()
    try:
        if ".." in value:
            first, last = value.split("..", 1)
            start, end = parse_period(first, name=name).start, parse_period(last, name=name).end
            if start > end:
                raise InputError(f"{{{name}}}: the range {value!r} ends before it starts")
            return Period(value, start, end)
        if re.fullmatch(r"\d{4}", value):
            year = int(value)
            return Period(value, dt.date(year, 1, 1), dt.date(year, 12, 31))
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", value):
            year, q = int(m[1]), int(m[2])
            return Period(f"{year}-Q{q}", dt.date(year, 3 * q - 2, 1), _month_end(year, 3 * q))
        if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
            year, month = int(m[1]), int(m[2])
            return Period(value, dt.date(year, month, 1), _month_end(year, month))
        if m := re.fullmatch(r"(\d{4})-[Ww](\d{2})", value):
            start = dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return Period(f"{m[1]}-W{m[2]}", start, start + dt.timedelta(days=6))
        day = dt.date.fromisoformat(value)
        return Period(value, day, day)
    except InputError:
        raise
    except ValueError:
        raise InputError(f"{{{name}}}: unparsable period {value!r}: expected {_EXPECTED}") from None


def period_of(day: dt.date, unit: str) -> Period:
    """The period of ``unit`` holding ``day``.

    >>> day = dt.date(2024, 5, 17)
    >>> period_of(day, "quarter").label, period_of(day, "week").label, period_of(day, "week").start
    ('2024-Q2', '2024-W20', datetime.date(2024, 5, 13))
    """
    if unit == "day":
        return parse_period(day.isoformat())
    if unit == "week":
        year, week, _ = day.isocalendar()
        return parse_period(f"{year}-W{week:02d}")
    if unit == "month":
        return parse_period(f"{day.year}-{day.month:02d}")
    if unit == "quarter":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if unit == "year":
        return parse_period(str(day.year))
    raise InputError(f"unknown {{period}} {unit!r}: expected one of {', '.join(UNITS)}")


def periods_between(first: str | Period, last: str | Period, unit: str) -> list[Period]:
    """The consecutive periods of ``unit`` from the one holding ``first``'s first day to
    the one holding ``last``'s last day."""
    start = parse_period(first, name="start").start
    end = parse_period(last, name="end").end
    if start > end:
        raise InputError(f"{{start}} {first} is after {{end}} {last}: swap them")
    out = [period_of(start, unit)]
    while out[-1].end < end:
        out.append(period_of(out[-1].end + dt.timedelta(days=1), unit))
    return out
