"""Goals: which events (GA4) and goal ids (Yandex Metrica) are which micro or macro conversion.

A goal is a named conversion a visit can reach. The **macro** conversion is the purchase;
**micro** conversions come before it (a sign-up, a cart, a phone click). A small TOML file
names them and says what reaches them::

    [purchase]
    kind = "macro"
    events = ["purchase"]          # GA4 event names (event_name)
    metrica = [3001]               # Yandex Metrica goal ids (ym:s:goalsID)

    [sign_up]
    kind = "micro"
    events = ["sign_up"]
    metrica = [3002]

Without a file the four standard goals apply, reached by the GA4 recommended event of the
same name (``purchase``, ``sign_up``, ``add_to_cart``) and ``phone_click``; Metrica goal ids
are the counter's own numbers, so they reach a goal only through a file. A session stores the
names of the goals it reached (:data:`payback.schema.TABLES` ``sessions.goals``).

Examples
--------
>>> [g.name for g in DEFAULT_GOALS]
['purchase', 'sign_up', 'add_to_cart', 'phone_click']
>>> DEFAULT_GOALS[0].kind, DEFAULT_GOALS[1].kind
('macro', 'micro')
>>> parse_goals('[lead]\\nkind = "micro"\\nevents = ["generate_lead"]\\nmetrica = [42]\\n')[0]
Goal(name='lead', kind='micro', events=('generate_lead',), metrica=('42',))
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from payback.errors import DataError

GoalKind = Literal["macro", "micro"]
_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Goal:
    """One goal: its name, macro or micro, and what reaches it.

    Attributes
    ----------
    name : str
        Lower-case identifier (``sign_up``); metrics are ``goal_<name>``, ``cr_<name>``
        and ``cost_per_<name>``.
    kind : {"macro", "micro"}
    events : tuple of str
        GA4 event names (and generic files' goal words) that reach it.
    metrica : tuple of str
        Yandex Metrica goal ids that reach it.
    """

    name: str
    kind: GoalKind
    events: tuple[str, ...] = ()
    metrica: tuple[str, ...] = ()


DEFAULT_GOALS: tuple[Goal, ...] = (
    Goal("purchase", "macro", ("purchase",)),
    Goal("sign_up", "micro", ("sign_up",)),
    Goal("add_to_cart", "micro", ("add_to_cart",)),
    Goal("phone_click", "micro", ("phone_click",)),
)


def parse_goals(text: str, *, file: str = "goals config") -> tuple[Goal, ...]:
    """The goals of a TOML text (see the module docstring).

    Raises
    ------
    DataError
        Naming the file, the line (for TOML syntax) or the goal and key, what was expected
        and what was got.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        found = re.search(r"\(at line (\d+)", str(e))
        line = int(found.group(1)) if found else None
        raise DataError(
            f"not valid TOML: {re.sub(r' [(]at line .*[)]', '', str(e))}",
            file=file,
            row=line,
            expected='tables like [purchase] with kind = "macro" and events = ["purchase"]',
        ) from None
    goals = []
    for name, body in data.items():
        where = f"[{name}]"
        if not _NAME.fullmatch(name):
            raise DataError(
                f"goal {where}: a goal name is lower-case letters, digits and _",
                file=file,
                value=name,
                expected="a name like sign_up",
            )
        if not isinstance(body, dict):
            raise DataError(
                f"{name} must be a table [{name}] with kind, events and metrica",
                file=file,
                value=body,
                expected=f'[{name}] then kind = "micro"',
            )
        unknown = sorted(set(body) - {"kind", "events", "metrica"})
        if unknown:
            raise DataError(
                f"goal {where}: unknown key(s) {', '.join(unknown)}",
                file=file,
                expected="kind, events, metrica",
            )
        kind = body.get("kind", "micro")
        if kind not in ("macro", "micro"):
            raise DataError(
                f"goal {where}: kind", file=file, value=kind, expected='"macro" or "micro"'
            )
        lists = {}
        for key in ("events", "metrica"):
            value = body.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
                raise DataError(
                    f"goal {where}: {key} must be a list of names or ids",
                    file=file,
                    value=value,
                    expected=f'{key} = ["..."]',
                )
            lists[key] = tuple(str(v).strip() for v in value)
        goals.append(Goal(name, kind, lists["events"], lists["metrica"]))
    if not goals:
        raise DataError("no goals", file=file, expected="at least one table like [purchase]")
    return tuple(goals)


def load_goals(path: str | Path | None) -> tuple[Goal, ...]:
    """The goals of a TOML file, or :data:`DEFAULT_GOALS` for None."""
    if path is None:
        return DEFAULT_GOALS
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise DataError(f"cannot read the goals file: {e.strerror}", file=str(path)) from None
    return parse_goals(text, file=str(path))


def lookup(goals: Sequence[Goal], attribute: str) -> dict[str, str]:
    """Event name (``attribute="events"``) or Metrica goal id (``"metrica"``) -> goal name.

    >>> lookup(DEFAULT_GOALS, "events")["add_to_cart"]
    'add_to_cart'
    """
    return {key: g.name for g in goals for key in getattr(g, attribute)}


__all__ = ["DEFAULT_GOALS", "Goal", "load_goals", "lookup", "parse_goals"]
