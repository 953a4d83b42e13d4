"""Grains (the dimensions a metric can be cut by) and filters, parsed and bound as literals.

A grain dimension is a name, a type and, for dates, a truncation; each data side says
which of its columns holds it (:attr:`payback.metrics.sides.Side.columns`):

=========  ==========================  ==========================  ====================
dimension  ads (``ad_stats``)          orders / leads              type
=========  ==========================  ==========================  ====================
date       ``date``                    day of ``time``             date
week       Monday of ``date``'s week   Monday of ``time``'s week   date (ISO week start)
month      first day of the month      first day of the month      date
platform   ``platform``                ``platform``                text
campaign   ``campaign``                ``campaign``                text
ad_group   ``ad_group``                ``ad_group``                text
keyword    ``keyword``                 ``keyword``                 text
partner    —  (ads have no partner)    ``partner_id``              text
country    ``country``                 ``country``                 text
device     ``device``                  ``device``                  text
=========  ==========================  ==========================  ====================

A side that lacks a dimension of the grain (or of a filter) cannot be split by it: its
metrics are missing at that grain, with the reason.

Hierarchy
---------
Campaigns live in a platform, ad groups in a campaign, keywords in an ad group, and the
same name can live in two of them ("Brand - Exact" on Google and on Microsoft). So the
grain keys are hierarchical: ``campaign`` is keyed by (platform, campaign), ``ad_group``
by (platform, campaign, ad_group), ``keyword`` by (platform, campaign, ad_group,
keyword). :func:`expand_grain` adds the missing parents, in hierarchy order, where the
first hierarchical dimension of the grain stands; ``hierarchy=False`` (``--flat``)
keeps the grain as written, to pool a keyword across campaigns on purpose.

Filter values are kept as Python values and bound into Ibis expressions as literals;
they are never pasted into SQL text.

Examples
--------
>>> parse_where(["platform=google", "platform=meta", "month=2024-03-15"])
{'platform': ('google', 'meta'), 'month': (datetime.date(2024, 3, 1),)}
>>> parse_where(["month=2024-10", "week=2024-W10"])
{'month': (datetime.date(2024, 10, 1),), 'week': (datetime.date(2024, 3, 4),)}
>>> parse_by("campaign, week")
('campaign', 'week')
>>> expand_grain(parse_by("month,keyword"))
('month', 'platform', 'campaign', 'ad_group', 'keyword')
>>> parse_date("2024-02-30")
Traceback (most recent call last):
...
payback.errors.InputError: unparsable date '2024-02-30': expected YYYY-MM-DD, e.g. 2024-03-31
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from payback.errors import InputError
from payback.present import date_format, period_label

DimType = Literal["date", "string"]


@dataclass(frozen=True)
class Dimension:
    """A grain dimension.

    Attributes
    ----------
    name : str
        As written in ``--by`` / ``--where``.
    dtype : {"date", "string"}
    truncate : {"D", "W", "M"} or None
        For date dimensions, the unit the day is truncated to.
    description : str
    parents : tuple of str
        The dimensions a value lives in (a campaign in a platform): part of its key.
    case_insensitive : bool
        Filter values are compared ignoring case (``platform``: the importer lower-cases
        it, so ``--where platform=Google`` means ``google``).
    """

    name: str
    dtype: DimType
    truncate: str | None = None
    description: str = ""
    parents: tuple[str, ...] = ()
    case_insensitive: bool = False

    def normalise(self, value: object) -> object:
        """Parse a filter value to the dimension's type: a month (``YYYY-MM`` or any day
        of it) to its first day, a week (``YYYY-Www`` or any day of it) to its Monday.

        Raises
        ------
        InputError
            For text that is not a date (or month, week) of the dimension.
        """
        if self.dtype == "string":
            return str(value).strip().lower() if self.case_insensitive else str(value)
        if self.truncate == "D":
            return parse_date(value)
        text = str(value).strip()
        try:
            if self.truncate == "M":
                if _MONTH.fullmatch(text):
                    return dt.date(int(text[:4]), int(text[5:7]), 1)
                return parse_date(value).replace(day=1)
            week = _WEEK.fullmatch(text)
            if week:
                return dt.date.fromisocalendar(int(week[1]), int(week[2]), 1)
            day = parse_date(value)
            return day - dt.timedelta(days=day.weekday())
        except (InputError, ValueError):
            example = "YYYY-MM or a day YYYY-MM-DD of it, e.g. 2024-10"
            if self.truncate == "W":
                example = "YYYY-Www (ISO week) or a day YYYY-MM-DD of it, e.g. 2024-W10"
            raise InputError(f"unparsable {self.name} {value!r}: expected {example}") from None

    def label(self, value: object) -> str:
        """A value as the user writes and reads it: a month ``YYYY-MM``, a day (and a
        week, by its Monday) ``YYYY-MM-DD`` (the rule: :func:`payback.present.period_label`)."""
        return period_label(value, self.truncate)

    @property
    def date_format(self) -> str | None:
        """How tables, CSV and JSON show the dimension when not as a day (``%Y-%m`` for
        month; :func:`payback.present.date_format`)."""
        fmt = date_format(self.truncate) if self.dtype == "date" else None
        return None if fmt == date_format("D") else fmt


_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_WEEK = re.compile(r"(\d{4})-?W(\d{2})", re.IGNORECASE)

#: Every grain dimension, in the order ``--by`` lists them.
GRAINS: dict[str, Dimension] = {
    d.name: d
    for d in (
        Dimension("date", "date", "D", "calendar day"),
        Dimension("week", "date", "W", "ISO week, labelled by its Monday"),
        Dimension("month", "date", "M", "calendar month, labelled by its 1st"),
        Dimension("platform", "string", None, "ad platform", case_insensitive=True),
        Dimension("campaign", "string", None, "campaign", ("platform",)),
        Dimension("ad_group", "string", None, "ad group / ad set", ("platform", "campaign")),
        Dimension(
            "keyword",
            "string",
            None,
            "keyword / search phrase",
            ("platform", "campaign", "ad_group"),
        ),
        Dimension("partner", "string", None, "referral partner (affiliate)"),
        Dimension("country", "string", None, "country"),
        Dimension("device", "string", None, "device"),
    )
}

_DIM_ALIASES = {"day": "date", "partner_id": "partner", "adgroup": "ad_group", "ad_set": "ad_group"}


def _dimension(name: str) -> str:
    key = name.strip().lower().replace("-", "_")
    key = _DIM_ALIASES.get(key, key)
    if key not in GRAINS:
        raise InputError(f"unknown dimension {name.strip()!r}: expected one of {', '.join(GRAINS)}")
    return key


def parse_by(by: Iterable[str] | str | None) -> tuple[str, ...]:
    """Canonical grain dimensions from ``"campaign,date"`` or a list; () for none.

    Raises
    ------
    InputError
        For an unknown dimension (the message lists the valid ones).
    """
    if by is None:
        return ()
    if isinstance(by, str):
        by = [by]
    out: list[str] = []
    for raw in by:
        for piece in str(raw).split(","):
            if piece.strip():
                key = _dimension(piece)
                if key not in out:
                    out.append(key)
    return tuple(out)


#: The attribution hierarchy, parent first.
HIERARCHY: tuple[str, ...] = ("platform", "campaign", "ad_group", "keyword")


def expand_grain(by: tuple[str, ...], hierarchy: bool = True) -> tuple[str, ...]:
    """The grain with the parents of its hierarchical dimensions (see the module notes).

    The hierarchical dimensions of the grain and their parents are placed together, in
    hierarchy order (platform, campaign, ad_group, keyword), where the first of them
    stands; the other dimensions keep their places. ``hierarchy=False`` returns ``by``.

    Examples
    --------
    >>> expand_grain(("campaign", "month"))
    ('platform', 'campaign', 'month')
    >>> expand_grain(("date", "keyword", "campaign"))
    ('date', 'platform', 'campaign', 'ad_group', 'keyword')
    >>> expand_grain(("keyword",), hierarchy=False)
    ('keyword',)
    """
    if not hierarchy:
        return tuple(by)
    block = {p for d in by for p in GRAINS[d].parents} | {d for d in by if d in HIERARCHY}
    if not any(GRAINS[d].parents for d in by):
        return tuple(by)
    out: list[str] = []
    for d in by:
        if d not in HIERARCHY:
            out.append(d)
        elif not any(h in out for h in HIERARCHY):
            out += [h for h in HIERARCHY if h in block]
    return tuple(out)


def parse_date(value: object) -> dt.date:
    """A date from ``YYYY-MM-DD`` text, a ``date`` or a ``datetime``.

    Raises
    ------
    InputError
        When the text is not a valid ISO date, or the date is outside
        :data:`payback.schema.FIRST_DATE` .. :data:`payback.schema.LAST_DATE`.

    Examples
    --------
    >>> parse_date("9999-12-31")
    Traceback (most recent call last):
    ...
    payback.errors.InputError: date 9999-12-31 out of range: expected a date from 1900-01-01 \
to 2200-12-31
    """
    from payback.schema import FIRST_DATE, LAST_DATE

    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise InputError(
                f"unparsable date {value!r}: expected YYYY-MM-DD, e.g. 2024-03-31"
            ) from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise InputError(
            f"date {day} out of range: expected a date from {FIRST_DATE} to {LAST_DATE}"
        )
    return day


Where = Mapping[str, object] | Iterable[str] | None


def parse_where(where: Where) -> dict[str, tuple[object, ...]]:
    """Filters as ``{dimension: (allowed values, ...)}``.

    Accepts a mapping ``{dim: value or [values]}`` or ``"dim=value"`` strings; the same
    dimension given twice keeps rows matching either value. Values are parsed to the
    dimension's type (dates, a week to its Monday, a month to its first day).

    Raises
    ------
    InputError
        For text without ``=``, an unknown dimension or an unparsable date.
    """
    if where is None:
        return {}
    pairs: list[tuple[str, object]] = []
    if isinstance(where, Mapping):
        for dim, value in where.items():
            values = value if isinstance(value, list | tuple | set | frozenset) else [value]
            pairs += [(str(dim), v) for v in values]
    else:
        if isinstance(where, str):
            where = [where]
        for item in where:
            text = str(item)
            if "=" not in text:
                raise InputError(
                    f"unparsable filter {text!r}: expected dim=value, e.g. platform=google "
                    f"(dimensions: {', '.join(GRAINS)})"
                )
            dim, value = text.split("=", 1)
            pairs.append((dim, value))
    out: dict[str, list[object]] = {}
    for dim, value in pairs:
        key = _dimension(dim)
        if value is None:
            raise InputError(f"filter {dim}: expected a value, got None")
        parsed = GRAINS[key].normalise(value)
        if parsed not in out.setdefault(key, []):
            out[key].append(parsed)
    return {k: tuple(v) for k, v in out.items()}


def parse_range(start: object = None, end: object = None) -> tuple[dt.date | None, dt.date | None]:
    """An inclusive date range; raises InputError when ``start`` is after ``end``."""
    lo = None if start is None else parse_date(start)
    hi = None if end is None else parse_date(end)
    if lo is not None and hi is not None and lo > hi:
        raise InputError(f"empty date range: --from {lo} is after --to {hi}; swap them")
    return lo, hi
