"""Customer lifetime value over a horizon: expected purchases x expected spend x margin,
discounted.

Discounting convention
----------------------
``annual_discount_rate`` is an **annual** rate (0.1 = 10 % a year; ``--discount`` on the
command line), whatever the model's time unit. (The contractual sBG's
:meth:`payback.clv.SBGFit.expected_lifetime_value` takes ``period_discount_rate``, a rate
per subscription period, as in Fader & Hardie 2010.) The horizon is cut into
months (or into the model's own periods for the discrete BG/BB); the purchases expected
in step ``k``, ending ``t_k`` years after today, are valued at the end of the step and
discounted by ``(1 + annual_discount_rate) ** t_k`` (monthly steps: ``t_k = k/12``)::

    CLV = margin * spend * sum_k [E(Y(t_k)) - E(Y(t_{k-1}))] / (1 + d)^(t_k)

``spend`` is the expected value of one purchase (e.g. the Gamma-Gamma conditional
expectation). ``margin`` is the fraction of revenue kept (1 = value in revenue).
For a *new* customer the first purchase, made today, is added undiscounted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from payback._lazy import lazy_module
from payback.clv.bgbb import BGBBFit
from payback.errors import InputError

np = lazy_module("numpy")

__all__ = ["DAYS_PER_UNIT", "customer_lifetime_value", "new_customer_value"]

#: length of one model time unit in days, by summary unit
DAYS_PER_UNIT: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}
_DAYS_PER_YEAR = 365.25


def _check(horizon_months: float, annual_discount_rate: float, margin: float) -> None:
    if not np.isfinite(horizon_months) or horizon_months <= 0:
        raise InputError(f"horizon must be a positive number of months, got {horizon_months}")
    if not np.isfinite(annual_discount_rate) or annual_discount_rate < 0:
        raise InputError(
            f"annual discount rate must be >= 0 (a fraction a year: 0.1 = 10 %), "
            f"got {annual_discount_rate}"
        )
    if not np.isfinite(margin) or not 0 < margin <= 1:
        raise InputError(f"margin must be a fraction in (0, 1] (0.3 = 30 %), got {margin}")


def _days_per_unit(unit: str | float) -> float:
    if isinstance(unit, str):
        if unit not in DAYS_PER_UNIT:
            raise InputError(f"unit must be 'D', 'W', 'M' or days per unit, got {unit!r}")
        return DAYS_PER_UNIT[unit]
    if not unit > 0:
        raise InputError(f"unit (days per model time unit) must be > 0, got {unit}")
    return float(unit)


def _steps(model: Any, horizon_months: float, days: float) -> tuple[np.ndarray, np.ndarray]:
    """Step ends in model time units and in years."""
    years = horizon_months / 12
    if isinstance(model, BGBBFit):  # discrete opportunities: one step per period
        n = int(np.floor(years * _DAYS_PER_YEAR / days + 1e-9))
        ends = np.arange(1, n + 1, dtype=float)
        return ends, ends * days / _DAYS_PER_YEAR
    months = np.arange(1, int(np.ceil(horizon_months - 1e-9)) + 1, dtype=float)
    months[-1] = horizon_months
    return months / 12 * _DAYS_PER_YEAR / days, months / 12


def _discounted(cumulative: Callable[[np.ndarray], np.ndarray], ends, years, d) -> np.ndarray:
    """``sum_k (C(t_k) - C(t_{k-1})) / (1+d)^years_k`` with ``C(0) = 0``; vectorised.

    Undiscounted (``d = 0``) the sum telescopes to ``C(t_K)``, the last step's value: one
    evaluation of ``C`` instead of one per step (equal to the sum of the steps within a
    few units in the last place).

    >>> steps = np.array([1.0, 2.0, 3.0])
    >>> float(_discounted(np.sqrt, steps, steps, 0.0)) == float(np.sqrt(3.0))
    True
    >>> round(float(_discounted(np.sqrt, steps, steps, 1.0)), 6)  # 1/2 + 0.414/4 + 0.318/8
    0.643283
    """
    if d == 0 and len(ends):
        return np.asarray(cumulative(ends[-1]), dtype=float)
    total = 0.0
    before = 0.0
    for t, y in zip(ends, years, strict=True):  # a few steps, each vectorised over customers
        now = cumulative(t)
        total = total + (now - before) / (1 + d) ** y
        before = now
    return np.asarray(total, dtype=float)


def customer_lifetime_value(
    model: Any,
    frequency: Any,
    recency: Any,
    T: Any,
    expected_spend: Any,
    *,
    horizon_months: float = 12.0,
    unit: str | float = "D",
    annual_discount_rate: float = 0.0,
    margin: float = 1.0,
) -> np.ndarray:
    """Discounted value of each existing customer's purchases over the next months.

    Parameters
    ----------
    model : BGNBDFit, MBGNBDFit, ParetoNBDFit or BGBBFit
        A fitted count model (``expected_purchases(t, x, t_x, T)``).
    frequency, recency, T : array-like
        The customers' histories, in the model's time unit (for BG/BB: ``x, t_x, n``).
    expected_spend : array-like or float
        Expected value of one purchase per customer (e.g.
        :meth:`GammaGammaFit.expected_spend`).
    horizon_months : float
        Horizon in months from now.
    unit : {"D", "W", "M"} or float
        The model's time unit (the summary's ``unit``) or its length in days (BG/BB with
        yearly opportunities: 365.25).
    annual_discount_rate : float
        Annual discount rate, a fraction (see the module notes for the convention).
    margin : float
        Fraction of revenue kept, in (0, 1].

    Returns
    -------
    numpy.ndarray
        Value per customer, in the currency of ``expected_spend``.

    Examples
    --------
    >>> from payback.clv import BGNBDFit
    >>> m = BGNBDFit(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> clv = customer_lifetime_value(m, [2, 0], [30.43, 0], [38.86, 38.86], 35.0,
    ...                               horizon_months=12, unit="W", annual_discount_rate=0.1,
    ...                               margin=0.3)
    >>> clv.round(2)
    array([15.65,  2.53])
    """
    _check(horizon_months, annual_discount_rate, margin)
    days = _days_per_unit(unit)
    x, t_x, age = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    spend = np.asarray(expected_spend, dtype=float)
    ends, years = _steps(model, horizon_months, days)
    purchases = _discounted(
        lambda t: model.expected_purchases(t, x, t_x, age), ends, years, annual_discount_rate
    )
    return margin * spend * purchases


def new_customer_value(
    model: Any,
    expected_spend: float,
    *,
    horizon_months: float = 12.0,
    unit: str | float = "D",
    annual_discount_rate: float = 0.0,
    margin: float = 1.0,
    first_purchase_value: float | None = None,
) -> float:
    """Expected discounted value of a customer acquired today over the horizon.

    ``margin * (first purchase + spend * sum_k [E(X(t_k)) - E(X(t_{k-1}))] / (1+d)^t_k)``
    with ``E(X(t))`` the model's expected repeat purchases of a new customer.

    Parameters
    ----------
    model : fitted count model
        With ``expected_purchases_new(t)``.
    expected_spend : float
        Expected value of a repeat purchase (e.g. :attr:`GammaGammaFit.mean_spend`).
    first_purchase_value : float, optional
        Value of the acquisition purchase; default ``expected_spend``.
    horizon_months, unit, annual_discount_rate, margin
        As in :func:`customer_lifetime_value`.

    Examples
    --------
    >>> from payback.clv import BGNBDFit
    >>> m = BGNBDFit(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> round(new_customer_value(m, 35.0, horizon_months=12, unit="W"), 2)
    85.72
    """
    _check(horizon_months, annual_discount_rate, margin)
    days = _days_per_unit(unit)
    ends, years = _steps(model, horizon_months, days)
    repeat = _discounted(model.expected_purchases_new, ends, years, annual_discount_rate)
    first = expected_spend if first_purchase_value is None else first_purchase_value
    return float(margin * (first + expected_spend * repeat))
