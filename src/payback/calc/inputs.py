"""Numbers as a marketer types them: ``1,200``, ``0.16%``, ``1/16``, ``50000,0``.

Rules (the same for ``payback calc``, ``payback simulate`` and ``payback economics``):

- a value ending in ``%`` is divided by 100 (``0.16%`` is 0.0016); only rates take one;
- a bare number given for a rate is already a fraction (``0.0016``);
- ``a/b`` is the fraction a divided by b (``1/16`` is 0.0625, ``100000/150`` a CPO of 666.67);
- thousands separators are ``,`` in groups of three (``1,200,000.50``), ``_`` or spaces;
  a comma anywhere else is refused (write decimals with a dot);
- ``nan`` and ``inf`` are refused.

Examples
--------
>>> parse_number("1,200")
1200.0
>>> parse_number("0.16%", name="--ctr", rate=True)
0.0016
>>> parse_number("1/16", name="--conversion", rate=True)
0.0625
>>> parse_numbers("50000,0")
(50000.0, 0.0)
"""

from __future__ import annotations

import math
import re

from payback.errors import InputError

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def parse_number(text: str | float, *, name: str = "value", rate: bool = False) -> float:
    """Parse one number typed by a user.

    Parameters
    ----------
    text : str or float
        The text (numbers pass through after the finiteness check).
    name : str
        The option it came from, for the error message (``"--cost"``).
    rate : bool
        Whether the option is a rate, which may carry a ``%`` sign.

    Returns
    -------
    float

    Raises
    ------
    payback.errors.InputError
        For text that is not a number, ``%`` on an amount, ``x/0``, ``nan`` or ``inf``.
    """
    if isinstance(text, int | float):
        return _finite(float(text), name, text)
    raw = text
    s = str(text).strip().replace("_", "").replace("\u202f", "").replace("\u00a0", "")
    s = s.replace(" ", "")
    percent = s.endswith("%")
    if percent:
        if not rate:
            raise InputError(
                f"{name} takes an amount or a count, not a percentage: got {raw!r}. "
                f"Fix: drop the % sign"
            )
        s = s[:-1]
    if "/" in s:
        num, _, den = s.partition("/")
        a = parse_number(num, name=name)
        b = parse_number(den, name=name)
        if b == 0:
            raise InputError(f"{name}: {raw!r} divides by zero. Fix: give a non-zero denominator")
        value = a / b
    else:
        if "," in s:
            if not _THOUSANDS.match(s):
                raise InputError(
                    f"{name}: cannot read {raw!r} as a number: a comma is only a thousands "
                    f"separator (1,200,000). Fix: write decimals with a dot, e.g. 12.5"
                )
            s = s.replace(",", "")
        try:
            value = float(s)
        except ValueError:
            raise InputError(
                f"{name}: cannot read {raw!r} as a number: expected something like 1200, "
                f"1,200.50, 1/16" + (", 0.16% or 0.0016" if rate else "")
            ) from None
    if percent:
        value /= 100
    return _finite(value, name, raw)


def _finite(value: float, name: str, raw: object) -> float:
    if not math.isfinite(value):
        raise InputError(f"{name}: expected a finite number, got {raw!r}")
    return value


def parse_numbers(text: str, *, name: str = "value", rate: bool = False) -> tuple[float, ...]:
    """Parse a comma-separated list (``"50000,0"``, ``"80%,90%,100%"``).

    Items are separated by ``,`` or ``;``. With ``;`` an item may use thousands separators
    (``50,000;0``). A text like ``100,000`` could be one number or two, so it is refused
    with a message saying how to write either.

    >>> parse_numbers("80%;90%;100%", rate=True)
    (0.8, 0.9, 1.0)
    >>> parse_numbers("100000")
    (100000.0,)
    """
    s = str(text).strip()
    if not s:
        raise InputError(f"{name}: expected one or more numbers, got an empty value")
    if ";" in s:
        parts = s.split(";")
    elif _THOUSANDS.match(s.rstrip("%")):
        raise InputError(
            f"{name}: {text!r} is ambiguous: one number with a thousands separator, or a "
            f"list? Fix: write {s.replace(',', '')} for one number, or separate a list "
            f"with semicolons ({s.replace(',', ';')})"
        )
    else:
        parts = s.split(",")
    return tuple(parse_number(p, name=name, rate=rate) for p in parts)
