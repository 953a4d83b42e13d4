"""The additive LMDI decomposition: a change of a product split exactly into its factors.

When ``V = x_1 x x_2 x ... x x_n`` (revenue = customers x orders per customer x average
order value) goes from ``V_0`` to ``V_T``, the additive LMDI-I (Ang 2005, "The LMDI
approach to decomposition analysis: a practical guide", Energy Policy 33:867-871) gives
factor ``k`` the effect::

    effect_k = L(V_T, V_0) x ln(x_k,T / x_k,0)
    L(a, b)  = (a - b) / (ln a - ln b),  L(a, a) = a      (the logarithmic mean)

and the effects add up to ``V_T - V_0`` with no residual, since
``sum_k ln(x_k,T / x_k,0) = ln(V_T / V_0)``.

**Zeros** (a source without customers in one period, orders whose revenue is all 0) make
a logarithm infinite. The rule used is the analytical limit of Ang & Liu (2007,
"Handling zero values in the LMDI decomposition analysis", Energy Policy 35:238-246):
replace each zero by ``d`` and let ``d -> 0``. Then ``L(V_T, V_0) -> 0`` and every factor
that is non-zero in both periods gets 0, and the ``z`` factors that are zero in one period
share the whole change equally, ``(V_T - V_0) / z`` each (with one zero factor: all of
it). When both ``V_0`` and ``V_T`` are 0, every effect is 0.

Money is split to the cent by :func:`split_cents` (largest remainders), so the parts
of a change in cents add up to it exactly.

Examples
--------
100 customers x 2 orders x 50.00 = 10,000 become 120 x 2.5 x 45.00 = 13,500:

>>> effects = lmdi([100, 2.0, 50.0], [120, 2.5, 45.0])
>>> [round(e, 2) for e in effects], round(sum(effects), 6)
([2126.34, 2602.43, -1228.78], 3500.0)
>>> split_cents(350000, [e * 100 for e in effects])
[212634, 260244, -122878]
>>> lmdi([0, 1.0, 1.0], [10, 2.0, 30.0])                # a new source: all customers
(600.0, 0.0, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from payback.errors import InputError

__all__ = ["lmdi", "log_mean", "split_cents"]


def log_mean(a: float, b: float) -> float:
    """The logarithmic mean ``L(a, b) = (a - b) / (ln a - ln b)``; ``L(a, a) = a`` and
    ``L(a, 0) = 0`` (its limit).

    >>> round(log_mean(10_000, 12_000), 4), log_mean(5.0, 5.0), log_mean(3.0, 0.0)
    (10969.6299, 5.0, 0.0)
    """
    if a < 0 or b < 0:
        raise InputError(f"the logarithmic mean needs values >= 0, got {a} and {b}")
    if a == 0 or b == 0:
        return 0.0
    if a == b:
        return float(a)
    return (a - b) / math.log(a / b)


def lmdi(before: Sequence[float], after: Sequence[float]) -> tuple[float, ...]:
    """Additive LMDI-I effects of the factors of ``V = prod(factors)`` from ``before`` to
    ``after`` (see the module's description, zeros included).

    Parameters
    ----------
    before, after : sequences of float
        The factors in the base period and in the compared period, in the same order;
        each >= 0.

    Returns
    -------
    tuple of float
        One effect per factor; they add up to ``prod(after) - prod(before)``.

    Raises
    ------
    payback.errors.InputError
        Factors of different lengths or negative factors.

    Examples
    --------
    >>> lmdi([4.0, 0.0], [4.0, 5.0])        # the zero factor takes the whole change
    (0.0, 20.0)
    >>> lmdi([0.0, 0.0], [2.0, 5.0])        # two zero factors share it
    (5.0, 5.0)
    >>> lmdi([3.0, 2.0], [3.0, 2.0])
    (0.0, 0.0)
    """
    x0 = [float(x) for x in before]
    xt = [float(x) for x in after]
    if len(x0) != len(xt) or not x0:
        raise InputError(
            f"LMDI needs the same factors in both periods, got {len(x0)} and {len(xt)}"
        )
    if any(x < 0 or math.isnan(x) for x in (*x0, *xt)):
        raise InputError(f"LMDI factors must be numbers >= 0, got {x0} and {xt}")
    v0, vt = math.prod(x0), math.prod(xt)
    zero0, zerot = [x == 0 for x in x0], [x == 0 for x in xt]
    if any(zero0) and any(zerot):  # V is 0 in both periods
        return tuple(0.0 for _ in x0)
    if any(zero0) or any(zerot):  # the factors zero in that period share the change
        zeros = zero0 if any(zero0) else zerot
        share = (vt - v0) / sum(zeros)
        return tuple(share if z else 0.0 for z in zeros)
    weight = log_mean(vt, v0)
    return tuple(weight * math.log(t / b) for b, t in zip(x0, xt, strict=True))


def split_cents(total: int, parts: Sequence[float]) -> list[int]:
    """Whole cents for ``parts`` adding up to ``total`` exactly (largest remainders).

    Each part is rounded down; the cents left over (``total`` minus those) go one each to
    the parts with the largest fractions (or are taken from the smallest when negative).

    >>> split_cents(100, [33.4, 33.3, 33.3]), split_cents(-7, [-2.5, -2.5, -2.0])
    ([34, 33, 33], [-2, -3, -2])
    """
    floors = [math.floor(p) for p in parts]
    left = int(total) - sum(floors)
    # the cents left over: one each by fraction (more only when the parts are too large for
    # a float to hold their cents, then spread evenly first)
    even, left = divmod(left, len(parts)) if abs(left) > len(parts) else (0, left)
    out = [f + even for f in floors]
    order = sorted(range(len(parts)), key=lambda i: (parts[i] - floors[i], -i), reverse=True)
    step = 1 if left >= 0 else -1
    ranked = order if left >= 0 else order[::-1]
    for k in range(abs(left)):
        out[ranked[k]] += step
    return out
