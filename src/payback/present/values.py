"""One value, one text: how every payback output shows a number to a human.

The CLI tables, the calculator's explanations, the HTML report and the dashboard all
call :func:`format_value`; CSV, JSON and Parquet keep the raw values (rates as fractions,
missing as empty or null). The rules, by the catalogue's units:

========  =====================================================  ==================
unit      rule                                                   examples
========  =====================================================  ==================
money     thousands separators, two decimals, then the           ``666.67``,
          currency code when one is given                        ``1,234.50 EUR``
count     thousands separators; whole when whole, else two       ``1,500``,
          decimals (expected counts such as funnel clicks)       ``23,257.37``
rate      a fraction shown as a percentage: two decimals below   ``6.25 %``,
          10 %, one from 10 % up (about three digits)            ``33.3 %``
ratio     two decimals and a times sign                          ``3.00×``
decimal   thousands separators, two decimals (no sign)           ``12.50``
missing   an en dash; its reason goes beside it (a table         ``–``,
          footnote, a tooltip, or :func:`missing_text`)          ``– (no orders)``
========  =====================================================  ==================

Every number rounds half away from zero on its decimal value, as a spreadsheet's
``ROUND`` does (``2.675`` shows ``2.68``, where Python's ``f"{2.675:.2f}"`` gives ``2.67``
from the binary value just below), after snapping off floating-point noise six digits
past the shown ones: a mean that one engine sums to ``469.50499999999994`` and another to
``469.50500000000005`` shows ``469.51`` in both (:func:`fixed`). Zero shows unsigned.

A number of no unit prints as it is (whole numbers with separators, others with up to
four decimals); dates print ``YYYY-MM-DD`` (see :mod:`payback.present.labels` for months
and weeks); booleans ``yes`` / ``no``. ``style="compact"`` shortens money and counts of a
million and more (``212.36 M USD``) for headline cards; every other place uses the
default ``style="exact"``.

Examples
--------
DOMAIN.md's worked examples read as the domain writes them:

>>> format_value(10_000 / 30_000, "rate"), format_value(100_000 / 150, "money")
('33.3 %', '666.67')
>>> format_value(0.0016, "rate"), format_value(3.0, "ratio"), format_value(None, "money")
('0.16 %', '3.00×', '–')
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from numbers import Real
from typing import Literal

#: The one mark of a missing value in every human output.
MISSING = "–"
#: How a table shows a missing dimension value (orders with no campaign, say).
NONE_LABEL = "(none)"
#: The units :func:`format_value` knows (the catalogue's, and ``decimal``).
UNITS = ("money", "count", "rate", "ratio", "decimal")

Style = Literal["exact", "compact"]


def is_missing(value: object) -> bool:
    """True for None, NaN, infinities and pandas' missing markers.

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing(0.0), is_missing(float("inf"))
    (True, True, False, True)
    """
    if value is None:
        return True
    if isinstance(value, Real):
        return not math.isfinite(float(value))
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def missing_text(reason: str | None) -> str:
    """The missing mark with its reason, for a value shown inside a sentence.

    Examples
    --------
    >>> missing_text("orders is 0"), missing_text(None)
    ('– (orders is 0)', '–')
    """
    return f"{MISSING} ({reason})" if reason else MISSING


def fixed(x: float, decimals: int) -> str:
    """``x`` with thousands separators and ``decimals`` decimals, rounded half away from
    zero on its decimal value; the one rounding of every shown number.

    The float is first rounded to ``decimals + 6`` decimals, which removes the noise of
    summing in another order (so two engines show the same text) and leaves the decimal
    value a person typed (``2.675``, stored as ``2.67499999999999982...``);
    then it rounds half up, as a spreadsheet's ``ROUND`` does. A result of zero shows
    without a sign. From 1e15 up (no cents left in a float) it is Python's formatting.

    Examples
    --------
    >>> fixed(2.675, 2), fixed(-2.675, 2)
    ('2.68', '-2.68')
    >>> fixed(469.50500000000005, 2), fixed(469.50499999999994, 2)
    ('469.51', '469.51')
    >>> import numpy as np
    >>> fixed(np.float64(1234567.125), 2), fixed(-0.001, 2), fixed(0.5, 0), fixed(2.5, 0)
    ('1,234,567.13', '0.00', '1', '3')
    """
    x = float(x)  # a NumPy float's repr is "np.float64(...)"
    if not abs(x) < 1e15:
        return f"{x:,.{decimals}f}"
    exact = Decimal(repr(round(x, decimals + 6)))
    shown = exact.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return f"{abs(shown) if shown.is_zero() else shown:,}"


def _percent(x: float) -> str:
    """``x`` (a fraction) as a percentage: two decimals below 10 %, one from 10 % up."""
    pct = x * 100
    decimals = 2 if abs(round(pct, 2)) < 10 else 1
    return f"{fixed(pct, decimals)} %"


def format_value(
    value: object,
    unit: str | None = None,
    currency: str | None = None,
    *,
    style: Style = "exact",
) -> str:
    """A value as every payback output shows it (rules: see the module docstring).

    Parameters
    ----------
    value : number, date, bool, str or None
        In its stored unit: rates as fractions (0.333 for 33.3 %).
    unit : {"money", "count", "rate", "ratio", "decimal"}, optional
        The catalogue unit; None prints a number as it is.
    currency : str, optional
        ISO code written after money (``1,234.50 EUR``).
    style : {"exact", "compact"}
        ``compact`` writes money and counts from a million up as ``2.77 M`` / ``1.20 B``
        (headline cards); the default shows every digit.

    Returns
    -------
    str

    Examples
    --------
    >>> format_value(1234.5, "money", "EUR"), format_value(1200, "count")
    ('1,234.50 EUR', '1,200')
    >>> format_value(23257.368, "count"), format_value(-0.02, "rate"), format_value(1 / 16, "rate")
    ('23,257.37', '-2.00 %', '6.25 %')
    >>> format_value(212_362_448.2, "money", "USD", style="compact")
    '212.36 M USD'
    >>> format_value(0.125), format_value(3), format_value(dt.date(2024, 3, 1))
    ('0.125', '3', '2024-03-01')
    """
    if is_missing(value):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):  # pandas.Timestamp too
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, Real) and not hasattr(value, "dtype"):
        return str(value)
    x = float(value)  # type: ignore[arg-type]
    if style == "compact" and unit in ("money", "count"):
        for size, suffix in ((1e9, "B"), (1e6, "M")):
            if abs(x) >= size:
                text = f"{fixed(x / size, 2)} {suffix}"
                return f"{text} {currency}" if unit == "money" and currency else text
    if unit == "money":
        return f"{fixed(x, 2)} {currency}" if currency else fixed(x, 2)
    if unit == "rate":
        return _percent(x)
    if unit == "ratio":
        return f"{fixed(x, 2)}×"
    if unit == "decimal" or (unit == "count" and not x.is_integer()):
        return fixed(x, 2)
    if x.is_integer():
        return f"{int(x):,}"
    return fixed(x, 4).rstrip("0").rstrip(".")


def format_change(change: float | None, unit: str) -> str:
    """A change against the previous period: relative for money, counts and ratios
    (0.125 is ``+12.5 %``), an absolute difference in percentage points for rates; one
    decimal, rounded as every number is (:func:`fixed`: ``0.0025`` is ``+0.3 %``).

    Examples
    --------
    >>> format_change(0.125, "money"), format_change(-0.02, "rate"), format_change(None, "count")
    ('+12.5 %', '−2.0 pp', '–')
    >>> format_change(0.0025, "money"), format_change(-0.0025, "rate")
    ('+0.3 %', '−0.3 pp')
    """
    if is_missing(change):
        return MISSING
    x = float(change)  # type: ignore[arg-type]
    sign = "+" if x > 0 else ("−" if x < 0 else "±")
    return f"{sign}{fixed(abs(x) * 100, 1)} {'pp' if unit == 'rate' else '%'}"


__all__ = [
    "MISSING",
    "NONE_LABEL",
    "UNITS",
    "fixed",
    "format_change",
    "format_value",
    "is_missing",
    "missing_text",
]
