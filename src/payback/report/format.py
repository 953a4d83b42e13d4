"""Numbers for humans: thousands separators, currency, percentages, changes.

The report and the dashboard show the same text for the same number; the dashboard's
JavaScript (``server/static/dashboard.js``) mirrors these rules.

Rules
-----
- money: two decimals below 10,000, none from 10,000 up, then the currency code
  (``1,234.50 EUR``, ``52,310 EUR``);
- count: thousands separators, two decimals only when the count is fractional;
- rate (a fraction, e.g. DRR 0.333): a percentage with one decimal (``33.3 %``);
- ratio (e.g. ROAS 3.0): two decimals with a times sign (``3.00×``);
- a missing value (None, NaN) is an en dash, as in the CLI tables.

Examples
--------
>>> format_value(1234.5, "money", "EUR")
'1,234.50 EUR'
>>> format_value(52310.4, "money", "EUR")
'52,310 EUR'
>>> format_value(0.3333, "rate")
'33.3 %'
>>> format_value(2.5, "ratio")
'2.50×'
>>> format_value(23257.4, "count")
'23,257.40'
>>> format_value(None, "money", "EUR")
'–'
"""

from __future__ import annotations

import math
from numbers import Real

from payback.output import MISSING  # the same mark as the CLI tables


def is_missing(value: object) -> bool:
    """True for None, NaN and pandas' missing markers.

    >>> is_missing(None), is_missing(float("nan")), is_missing(0.0)
    (True, True, False)
    """
    if value is None:
        return True
    if isinstance(value, Real):
        return math.isnan(float(value))
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_value(value: object, unit: str, currency: str | None = None) -> str:
    """Format one metric value for a human reader (see the module docstring for the rules).

    Parameters
    ----------
    value : number or None
        The value in its stored unit (rates as fractions).
    unit : {"money", "count", "rate", "ratio"}
        The catalogue unit; anything else is printed with separators.
    currency : str, optional
        ISO code appended to money.

    Examples
    --------
    >>> format_value(0.01, "rate"), format_value(1500, "count")
    ('1.0 %', '1,500')
    """
    if is_missing(value):
        return MISSING
    if not isinstance(value, Real):
        return str(value)
    x = float(value)
    if unit == "money":
        text = f"{x:,.2f}" if abs(x) < 10_000 else f"{x:,.0f}"
        return f"{text} {currency}" if currency else text
    if unit == "rate":
        return f"{x * 100:,.1f} %"
    if unit == "ratio":
        return f"{x:,.2f}×"
    if x.is_integer():
        return f"{int(x):,}"
    return f"{x:,.2f}"


def format_compact(value: object, unit: str, currency: str | None = None) -> str:
    """Like :func:`format_value`, with millions and billions shortened (for headline cards).

    >>> format_compact(212_362_448.2, "money", "USD"), format_compact(2_767_299, "count")
    ('212.36 M USD', '2.77 M')
    >>> format_compact(944_224, "count"), format_compact(0.073, "rate")
    ('944,224', '7.3 %')
    """
    if is_missing(value) or unit not in ("money", "count") or not isinstance(value, Real):
        return format_value(value, unit, currency)
    x = float(value)
    for size, suffix in ((1e9, "B"), (1e6, "M")):
        if abs(x) >= size:
            text = f"{x / size:,.2f} {suffix}"
            return f"{text} {currency}" if unit == "money" and currency else text
    return format_value(value, unit, currency)


def format_change(change: float | None, unit: str) -> str:
    """Format a change against the previous period.

    ``change`` is relative (0.12 = +12 %) for money, counts and ratios, and an absolute
    difference of fractions for rates, shown in percentage points.

    >>> format_change(0.125, "money"), format_change(-0.02, "rate"), format_change(None, "count")
    ('+12.5 %', '−2.0 pp', '–')
    """
    if is_missing(change):
        return MISSING
    x = float(change)  # type: ignore[arg-type]
    sign = "+" if x > 0 else ("−" if x < 0 else "±")
    if unit == "rate":
        return f"{sign}{abs(x) * 100:,.1f} pp"
    return f"{sign}{abs(x) * 100:,.1f} %"
