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
>>> parse_status_map("paid=confirmed, Refunded=returned", ("confirmed", "returned"))
{'paid': 'confirmed', 'refunded': 'returned'}
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from datetime import timedelta

from payback.errors import InputError

_DURATION_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
#: The longest ``--dedupe-window`` accepted (ten years: longer is a typo, and overflows).
MAX_WINDOW = timedelta(days=3660)
#: strftime codes DuckDB's strptime reads (``%-d`` style flags are accepted too).
_STRPTIME_CODES = frozenset("aAbBcdfgGHIjmMnpSuUVwWxXyYzZ%")
_CODE = re.compile(r"%-?(.?)")

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
    try:
        for amount, unit in _DURATION.findall(s):
            total += timedelta(**{_DURATION_UNITS[unit]: float(amount)})
    except OverflowError:
        total = timedelta.max
    if total > MAX_WINDOW:
        raise InputError(
            f"--dedupe-window {text!r}: too long; expected at most {MAX_WINDOW.days}d "
            f"(ten years), e.g. 24h or 30d"
        )
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
    >>> strftime_format("%d.%Q")
    Traceback (most recent call last):
    ...
    payback.errors.InputError: --date-format '%d.%Q': '%Q' is not a date code; expected a \
format like DD-MM-YYYY, MM/DD/YYYY or strftime codes such as %d.%m.%Y
    """
    if text is None:
        return None
    out = text
    if "%" not in text:
        for token, code in _DATE_TOKENS:
            out = out.replace(token, code)
    example = "expected a format like DD-MM-YYYY, MM/DD/YYYY or strftime codes such as %d.%m.%Y"
    if "%" not in out:
        raise InputError(f"--date-format {text!r}: {example}")
    for code in _CODE.findall(out):
        if code not in _STRPTIME_CODES:
            raise InputError(f"--date-format {text!r}: '%{code}' is not a date code; {example}")
    return out


def parse_status_map(
    text: str | Iterable[str] | Mapping[str, str] | None, allowed: Iterable[str]
) -> dict[str, str]:
    """Parse ``--status-map paid=confirmed,refunded=returned``: the file's word -> a status.

    Both sides are compared in lower case; every target must be an allowed status.

    Raises
    ------
    payback.errors.InputError
        A target that is not one of ``allowed``.

    Examples
    --------
    >>> parse_status_map("paid=done", ("confirmed", "cancelled"))
    Traceback (most recent call last):
    ...
    payback.errors.InputError: --status-map paid=done: 'done' is not a status; expected \
one of confirmed, cancelled
    """
    allowed = tuple(allowed)
    pairs = parse_pairs(text, option="--status-map")
    out = {}
    for word, status in pairs.items():
        target = status.strip().lower()
        if target not in allowed:
            raise InputError(
                f"--status-map {word}={status}: {status!r} is not a status; expected one of "
                f"{', '.join(allowed)}"
            )
        out[word] = target
    return out


def check_set_choices(
    set_values: Mapping[str, str],
    choices: Mapping[str, tuple[str, ...]],
    *,
    kind: str,
    status_map: Mapping[str, str] | None = None,
) -> None:
    """Refuse a ``--set`` value outside a column's allowed values, once (not per row).

    ``choices`` maps a column to its allowed values; ``status_map`` translates the
    file's words for ``status`` first.

    Examples
    --------
    >>> check_set_choices({"status": "Paid"}, {"status": ("confirmed",)}, kind="orders",
    ...                   status_map={"paid": "confirmed"})
    >>> check_set_choices({"status": "completed"}, {"status": ("confirmed", "pending")},
    ...                   kind="orders")
    Traceback (most recent call last):
    ...
    payback.errors.InputError: --set status=completed: not a status of orders; expected \
one of confirmed, pending (or translate it with --status-map completed=STATUS)
    """
    for name, value in set_values.items():
        allowed = choices.get(name)
        if allowed is None:
            continue
        word = value.strip().lower()
        if name == "status" and status_map:
            word = status_map.get(word, word)
        if word not in allowed:
            hint = (
                f" (or translate it with --status-map {value.strip().lower()}=STATUS)"
                if name == "status"
                else ""
            )
            raise InputError(
                f"--set {name}={value}: not a {name.replace('_', ' ')} of {kind}; expected one "
                f"of {', '.join(allowed)}{hint}"
            )


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


def status_options(table, status_map, set_values: Mapping[str, str]) -> dict[str, str]:
    """``--status-map`` checked against ``table`` (a :class:`payback.schema.Table`), and
    the ``--set`` values of its status/kind columns checked once (not once per row).

    Examples
    --------
    >>> from payback.schema import ORDERS
    >>> status_options(ORDERS, "paid=confirmed", {"status": "paid"})
    {'paid': 'confirmed'}
    """
    choices = {c.name: c.allowed for c in table.columns if c.allowed is not None}
    pairs: dict[str, str] = {}
    if status_map is not None:
        if table.name not in ("orders", "leads"):
            raise InputError("--status-map applies to orders and leads imports only")
        pairs = parse_status_map(status_map, choices["status"])
    check_set_choices(set_values, choices, kind=table.kind, status_map=pairs)
    return pairs
