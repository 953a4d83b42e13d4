"""The calculator's checks of its inputs and its ratio of two numbers.

Every function of :mod:`payback.calc.formulas` and :mod:`payback.calc.value` checks its
arguments here: a missing or non-finite number, a negative amount, a rate outside
[0, 1] raise :class:`payback.errors.InputError` naming the argument (``{name}``: the
library shows it as the Python argument, the CLI as its flag) and the fix.

Examples
--------
>>> _divide(10.0, 4.0, "no denominator")
(2.5, None)
>>> _divide(10.0, 0.0, "no denominator")
(None, 'no denominator')
>>> _nonneg("cpo", "cost", -1)
Traceback (most recent call last):
...
payback.errors.InputError: cpo: cost cannot be negative, got -1. Fix: give the cost ...
"""

from __future__ import annotations

import math

from payback.calc.result import CalcResult
from payback.errors import InputError
from payback.metrics.catalogue import CATALOGUE


def _require(metric: str, name: str, value: float | None) -> float:
    if value is None:
        raise InputError(f"missing {_opt(name)}", function=metric)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{_opt(name)} must be a number, got {value!r}", function=metric)
    value = float(value)
    if not math.isfinite(value):
        raise InputError(f"{_opt(name)} must be a finite number, got {value!r}", function=metric)
    return value


def _opt(name: str) -> str:
    """An argument in an :class:`InputError` message: ``{name}``, shown as the Python
    argument by the library and as its flag (``--name``) by the CLI."""
    return "{" + name + "}"


def _nonneg(metric: str, name: str, value: float | None) -> float:
    v = _require(metric, name, value)
    if v < 0:
        raise InputError(
            f"{_opt(name)} cannot be negative, got {_fmt_plain(v)}. "
            f"Fix: give the {name.replace('_', ' ')} as a positive amount or count",
            function=metric,
        )
    return v


def _fraction(metric: str, name: str, value: float | None, what: str) -> float:
    """A rate in [0, 1]; the message suggests a % sign for a value like 25."""
    v = _require(metric, name, value)
    if not 0 <= v <= 1:
        raise InputError(
            f"{_opt(name)} ({what}) must be between 0 and 100 %, got "
            f"{_fmt_plain(v)} (= {_fmt_plain(v * 100)} %). Fix: give a fraction like 0.25 or "
            "a percentage like 25% (a bare number is a fraction: 25 means 2,500 %)",
            function=metric,
        )
    return v


def _fmt_plain(v: float) -> str:
    return f"{v:,.6g}" if abs(v) < 1e15 else repr(v)


def _divide(num: float, den: float, reason: str) -> tuple[float | None, str | None]:
    if den == 0:
        return None, reason
    q = num / den
    if not math.isfinite(q):
        return None, f"{num!r} / {den!r} is too large to represent: the denominator is ~0"
    return q, None


def _evaluate(metric: str, values: dict[str, float]) -> float | None:
    """The catalogue's one definition of ``metric`` on plain numbers
    (:meth:`payback.metrics.catalogue.Metric.evaluate`): None when undefined."""
    return CATALOGUE[metric].evaluate(values)


def _simple(
    metric: str,
    num_name: str,
    num: float,
    den_name: str,
    den: float,
    reason: str,
    *,
    parts: dict[str, str] | None = None,
    formula: str | None = None,
) -> CalcResult:
    """A catalogue ratio from two numbers; ``parts`` maps the calculator's argument names
    to the catalogue's part names (``customers`` -> ``new_customers``)."""
    names = parts or {}
    value = _evaluate(
        metric, {names.get(num_name, num_name): num, names.get(den_name, den_name): den}
    )
    why = None
    if value is None:
        why = f"{den_name} is 0: {reason}" if den == 0 else _too_large(num, den)
    return CalcResult(
        metric=metric,
        value=value,
        inputs={num_name: num, den_name: den},
        formula=formula or f"{num_name} / {den_name}",
        unit=CATALOGUE[metric].unit,
        reason=why,
    )


def _too_large(num: float, den: float) -> str:
    return f"{num!r} / {den!r} is too large to represent: the denominator is ~0"


def _round_half_up(x: float) -> float:
    return float(math.floor(x + 0.5))


def _maybe_round(x: float | None) -> float | None:
    return None if x is None else _round_half_up(x)
