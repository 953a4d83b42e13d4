"""Parse the small option languages of ``payback import``: mappings, durations, date formats.

These are pure functions shared by the CLI and the Python API, so ``--map cost=Spend``
on the command line and ``mapping={"cost": "Spend"}`` in Python mean the same thing.

Examples
--------
>>> parse_pairs("cost=Spent, clicks=Clicks", option="--map")
{'cost': 'Spent', 'clicks': 'Clicks'}
>>> parse_duration("24h")
datetime.timedelta(days=1)
>>> strftime_format("DD-MM-YYYY")
'%d-%m-%Y'
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from datetime import timedelta

from payback.errors import InputError

_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")

#: Human date tokens accepted by ``--date-format`` besides strftime codes, longest first.
_DATE_TOKENS = (
    ("YYYY", "%Y"),
    ("MMMM", "%B"),
    ("MMM", "%b"),
    ("MM", "%m"),
    ("DD", "%d"),
    ("HH", "%H"),
    ("mm", "%M"),
    ("SS", "%S"),
    ("ss", "%S"),
    ("YY", "%y"),
)


def parse_pairs(
    text: str | Iterable[str] | Mapping[str, str] | None, *, option: str = "--map"
) -> dict[str, str]:
    """Parse ``"canon=source,canon2=source2"`` (or several such strings) into a dict.

    A value may contain ``=`` (only the first one splits). Keys are stripped and
    lower-cased (canonical names are lower case); values are stripped only.

    Parameters
    ----------
    text : str, iterable of str, mapping or None
        ``"cost=Spent,clicks=Clicks"``; a mapping is returned as a dict unchanged.
    option : str
        The option name used in error messages.

    Raises
    ------
    payback.errors.InputError
        When a pair has no ``=`` or an empty side.

    Examples
    --------
    >>> parse_pairs(["date=2024-10-31", "platform=meta"], option="--set")
    {'date': '2024-10-31', 'platform': 'meta'}
    >>> parse_pairs(None)
    {}
    """
    if text is None:
        return {}
    if isinstance(text, Mapping):
        return {str(k).strip().lower(): str(v) for k, v in text.items()}
    parts: list[str] = []
    for chunk in [text] if isinstance(text, str) else list(text):
        parts += [p for p in chunk.split(",") if p.strip()]
    pairs: dict[str, str] = {}
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InputError(
                f"{option} {part.strip()!r}: expected NAME=VALUE pairs separated by commas, "
                f"e.g. {option} cost=Spent,clicks=Clicks"
            )
        pairs[key.strip().lower()] = value.strip()
    return pairs


def parse_duration(text: str | timedelta | None) -> timedelta | None:
    """Parse a window such as ``"24h"``, ``"30m"``, ``"7d"``, ``"1d12h"`` or ``"2w"``.

    Units: s (seconds), m (minutes), h (hours), d (days), w (weeks).

    Examples
    --------
    >>> parse_duration("1d12h")
    datetime.timedelta(days=1, seconds=43200)
    >>> parse_duration("90s").total_seconds()
    90.0
    """
    if text is None or isinstance(text, timedelta):
        return text
    s = str(text).strip().lower().replace(" ", "")
    if not s or _DURATION.sub("", s) != "":
        raise InputError(
            f"--dedupe-window {text!r}: expected a duration like 30m, 24h, 7d or 1d12h "
            f"(units s, m, h, d, w)"
        )
    total = timedelta()
    for amount, unit in _DURATION.findall(s):
        total += timedelta(**{_DURATION_UNITS[unit]: float(amount)})
    if total <= timedelta(0):
        raise InputError(f"--dedupe-window {text!r}: expected a positive duration")
    return total


def strftime_format(text: str | None) -> str | None:
    """Turn ``DD-MM-YYYY`` style formats into strftime codes; strftime codes pass through.

    Examples
    --------
    >>> strftime_format("%d.%m.%Y")
    '%d.%m.%Y'
    >>> strftime_format("MM/DD/YYYY HH:mm")
    '%m/%d/%Y %H:%M'
    """
    if text is None:
        return None
    if "%" in text:
        return text
    out = text
    for token, code in _DATE_TOKENS:
        out = out.replace(token, code)
    if "%" not in out:
        raise InputError(
            f"--date-format {text!r}: expected a format like DD-MM-YYYY, MM/DD/YYYY or "
            f"strftime codes such as %d.%m.%Y"
        )
    return out


def closest(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The candidates closest to ``name`` (difflib ratio >= 0.6, case-insensitive).

    Examples
    --------
    >>> closest("cost", ["Cost micros", "Clicks", "Campaign"])
    ['Cost micros']
    """
    cands = list(candidates)
    lowered = {c.lower(): c for c in cands}
    hits = difflib.get_close_matches(name.lower(), list(lowered), n=n, cutoff=0.6)
    prefix = [c for c in cands if c.lower().startswith(name.lower()) and c.lower() not in hits]
    return ([lowered[h] for h in hits] + prefix)[:n]


def check_names(
    given: Mapping[str, str],
    allowed: Iterable[str],
    *,
    option: str,
    kind: str,
    aliases: Mapping[str, str] | None = None,
) -> None:
    """Refuse canonical names that the table does not have, naming the closest ones.

    ``aliases`` (alias -> canonical name) turns a known synonym into a suggestion.

    Examples
    --------
    >>> check_names({"cost": "Spent"}, ["cost", "clicks"], option="--map", kind="ads")
    >>> check_names({"costs": "Spent"}, ["cost", "clicks"], option="--map", kind="ads")
    Traceback (most recent call last):
    ...
    payback.errors.InputError: --map costs=...: ads has no column 'costs' (closest: cost); \
columns: cost, clicks
    """
    allowed = list(allowed)
    for name in given:
        if name not in allowed:
            near = [aliases[name]] if aliases and name in aliases else closest(name, allowed)
            hint = f" (closest: {', '.join(near)})" if near else ""
            raise InputError(
                f"{option} {name}=...: {kind} has no column {name!r}{hint}; "
                f"columns: {', '.join(allowed)}"
            )
