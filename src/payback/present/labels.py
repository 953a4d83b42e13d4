"""Labels every output shares: totals rows, and the periods of a date grain.

- **Totals rows.** A result's totals rows carry a ``total_kind``: ``paid`` sums the rows
  with ad statistics (the ad ratios CPO, CAC, DRR, ROMI), ``all`` sums every row (the
  blended orders, revenue, customers). Side by side they read ``Total (paid)`` and
  ``Total (all)``; a lone totals row reads ``Total``. The CLI tables, the report and the
  dashboard all call :func:`total_label`.
- **Periods.** A day reads ``YYYY-MM-DD``; a week by its Monday, ``YYYY-MM-DD``; a month
  ``YYYY-MM``, in tables, CSV and JSON alike (Parquet keeps the date: the first day of
  the period). :func:`date_format` is the one rule; the grain dimensions
  (:data:`payback.metrics.GRAINS`) read it. In a sentence a month is ``Feb 2024``
  (:func:`month_name`).

Examples
--------
>>> total_label("paid", 2), total_label("all", 2), total_label("all", 1)
('Total (paid)', 'Total (all)', 'Total')
>>> import datetime as dt
>>> period_label(dt.date(2024, 1, 1), "M"), period_label(dt.date(2024, 1, 1), "W")
('2024-01', '2024-01-01')
"""

from __future__ import annotations

import datetime as dt

#: The label of a lone totals row.
TOTAL = "Total"
#: What each ``total_kind`` sums, as the totals rows' labels name it.
TOTAL_KINDS = {"paid": "rows with ad statistics", "all": "every row"}

#: strftime format of a period, by the unit a day is truncated to (day, ISO week, month).
DATE_FORMATS = {"D": "%Y-%m-%d", "W": "%Y-%m-%d", "M": "%Y-%m"}


def total_label(kind: str | None, count: int = 1) -> str:
    """The label of a totals row of ``kind`` among ``count`` totals rows.

    Parameters
    ----------
    kind : {"paid", "all"} or None
        The row's ``total_kind``.
    count : int
        How many totals rows the table has: with one, it is just ``Total``.

    Examples
    --------
    >>> total_label("paid", 2), total_label(None, 2)
    ('Total (paid)', 'Total')
    """
    return f"{TOTAL} ({kind})" if count > 1 and isinstance(kind, str) and kind else TOTAL


def date_format(truncate: str | None) -> str:
    """The strftime format of a period of ``truncate`` (``"D"``, ``"W"``, ``"M"``).

    Examples
    --------
    >>> date_format("M"), date_format("D"), date_format(None)
    ('%Y-%m', '%Y-%m-%d', '%Y-%m-%d')
    """
    return DATE_FORMATS.get(truncate or "D", DATE_FORMATS["D"])


def period_label(value: object, truncate: str | None = None) -> str:
    """A period as the user writes and reads it (a month ``YYYY-MM``); text as it is.

    Examples
    --------
    >>> period_label(dt.date(2024, 10, 1), "M"), period_label("google")
    ('2024-10', 'google')
    """
    if isinstance(value, dt.date):
        return value.strftime(date_format(truncate))
    return str(value)


def dimension_label(name: str, value: object) -> str:
    """A value of the grain dimension ``name`` as tables and charts show it: ``(none)``
    when missing, a period by its grain's label (:data:`payback.metrics.GRAINS`), text as
    it is.

    Examples
    --------
    >>> dimension_label("month", dt.date(2024, 1, 1)), dimension_label("campaign", None)
    ('2024-01', '(none)')
    >>> dimension_label("month", "2024-02-01"), dimension_label("week", "2024-02-05")
    ('2024-02', '2024-02-05')
    """
    from payback.metrics.filters import GRAINS  # the grains read this module: import late
    from payback.present.values import NONE_LABEL, is_missing

    if is_missing(value):
        return NONE_LABEL
    grain = GRAINS.get(name)
    if grain is None:
        return period_label(value)
    if grain.dtype == "date" and isinstance(value, str):  # a JSON-ready row: ISO text
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return grain.label(value)


def month_name(day: dt.date | str) -> str:
    """The month of ``day`` as a sentence names it: ``Feb 2024``.

    Examples
    --------
    >>> month_name(dt.date(2024, 2, 29)), month_name("2025-12-01")
    ('Feb 2024', 'Dec 2025')
    """
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    return day.strftime("%b %Y")


def count_label(n: float, word: str) -> str:
    """``n`` of a thing in words: ``1 month``, ``3 months``, ``1.5 months``, ``1,200 days``.

    Whole numbers show with thousands separators, others with 4 significant digits;
    the plural adds ``s`` unless ``n`` is exactly 1.

    Examples
    --------
    >>> count_label(1, "month"), count_label(1.0, "month"), count_label(3, "month")
    ('1 month', '1 month', '3 months')
    >>> count_label(1.5, "month"), count_label(1200, "subscription")
    ('1.5 months', '1,200 subscriptions')
    """
    shown = f"{n:,.0f}" if float(n).is_integer() else f"{n:,.4g}"
    return f"{shown} {word}" if float(n) == 1 else f"{shown} {word}s"


__all__ = [
    "DATE_FORMATS",
    "TOTAL",
    "TOTAL_KINDS",
    "count_label",
    "date_format",
    "dimension_label",
    "month_name",
    "period_label",
    "total_label",
]
