"""Horizons written as text (``12m``, ``52w``, ``365d``, ``1y``) in months, the unit of
every LTV horizon in payback (``predict_ltv(horizon_months=...)``)."""

from __future__ import annotations

import re

from payback.errors import InputError

__all__ = ["parse_horizon"]

#: Months in one unit: a day and a week of the Julian year (365.25 days = 12 months).
_MONTHS_PER = {"d": 12 / 365.25, "w": 7 * 12 / 365.25, "m": 1.0, "y": 12.0}


def parse_horizon(horizon: str | float) -> float:
    """A horizon like ``12m``, ``52w``, ``365d``, ``2y`` or ``12`` (months) in months.

    months = value x months per unit: 1 for ``m``, 12 for ``y``, 12 / 365.25 for ``d``
    and 7 x 12 / 365.25 for ``w``; a bare number is months.

    Parameters
    ----------
    horizon : str or float
        The text (or a number of months).

    Returns
    -------
    float
        Months, positive.

    Raises
    ------
    payback.errors.InputError
        For anything else than a positive number with an optional unit d, w, m or y.

    Examples
    --------
    >>> parse_horizon("12m"), parse_horizon("2y"), round(parse_horizon("365.25d"), 6)
    (12.0, 24.0, 12.0)
    >>> round(parse_horizon("52w"), 4)
    11.9589
    >>> parse_horizon("soon")
    Traceback (most recent call last):
    ...
    payback.errors.InputError: horizon 'soon': expected a positive duration like 12m, ...
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dwmy]?)\s*", str(horizon).lower())
    if not m or float(m.group(1)) <= 0:
        raise InputError(
            f"{{horizon}} {str(horizon)!r}: expected a positive duration like 12m, 52w, "
            f"365d or 1y (a bare number is months)"
        )
    return float(m.group(1)) * _MONTHS_PER[m.group(2) or "m"]
