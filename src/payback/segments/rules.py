"""The RFM rule table: which named segment each cell of scores belongs to, checked.

A rule table is rows of ``segment`` and a score range per axis. Its axes are either
``recency, frequency, monetary`` (a cell is ``R F M``, 125 cells) or ``recency, fm``
(a cell is ``R FM``, 25 cells), where ``FM`` is the mean of F and M rounded half up,
``(F + M + 1) // 2``. A range is one score (``5``), two scores (``4-5``) or ``*``
(1-5). Several rows may name the same segment (a segment is the union of its rows);
an optional ``action`` column says what to do with the segment.

The table is **checked**: every cell must match exactly one segment. A cell matched by
two segments (an overlap: the R package ``rfm`` silently relabels a 555 customer
"Loyal") or by none (a gap: other tools call them "Others") is refused, naming the cells.

Examples
--------
>>> table = default_rules()
>>> table.axes, len(table.segments)
(('recency', 'frequency', 'monetary'), 11)
>>> table.segment_of(5, 5, 5), table.segment_of(5, 1, 3), table.segment_of(1, 5, 5)
('champions', 'new', "can't lose")
>>> parse_rules("segment,recency,fm\\nrecent,4-5,*\\nold,1-3,*\\n").segment_of(2, 1, 5)
'old'
>>> parse_rules("segment,recency,fm\\nrecent,3-5,*\\nold,1-3,*\\n")
Traceback (most recent call last):
...
payback.errors.InputError: rule table: 5 cell(s) match two segments: R3 FM1 (recent, old), \
R3 FM2 (recent, old), R3 FM3 (recent, old), R3 FM4 (recent, old), R3 FM5 (recent, old). \
Every cell of scores 1-5 must match exactly one segment: narrow the ranges so that \
each cell is in one row's ranges only
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass
from pathlib import Path

from payback.errors import InputError

__all__ = [
    "AXES_2D",
    "AXES_3D",
    "DEFAULT_RULES_CSV",
    "SCORES",
    "RuleTable",
    "as_rules",
    "default_rules",
    "fm_score",
    "parse_rules",
    "read_rules",
]

#: The scores of every axis.
SCORES = (1, 2, 3, 4, 5)
AXES_3D = ("recency", "frequency", "monetary")
AXES_2D = ("recency", "fm")
_SHORT = {"r": "recency", "f": "frequency", "m": "monetary", "recency": "recency",
          "frequency": "frequency", "monetary": "monetary", "fm": "fm"}  # fmt: skip
_LETTER = {"recency": "R", "frequency": "F", "monetary": "M", "fm": "FM"}
#: How many cells an error message lists before "and N more".
_SHOWN = 12

_CHAMPIONS = (
    "Reward them: early access, loyalty perks; ask for reviews and referrals. No discounts needed."
)
#: The built-in rule table's rows: segment, R, F, M, action (on a segment's first row).
DEFAULT_ROWS: tuple[tuple[str, str, str, str, str], ...] = (
    ("champions", "4-5", "4-5", "4-5", _CHAMPIONS),
    ("loyal", "4-5", "4-5", "1-3",
     "Upsell higher-value products; invite them to the loyalty programme."),
    ("loyal", "3", "4-5", "*", ""),
    ("potential loyalists", "4-5", "2-3", "*",
     "Offer membership or a loyalty programme; recommend related products."),
    ("new", "5", "1", "*", "Onboarding: a welcome series and a reason for a second order."),
    ("promising", "4", "1", "*",
     "Build the relationship: brand content, a small incentive for a second order."),
    ("need attention", "3", "2-3", "*",
     "Limited-time offers based on their past purchases, before they slip."),
    ("about to sleep", "3", "1", "*",
     "Share popular products and a time-limited discount to reconnect."),
    ("can't lose", "1-2", "4-5", "4-5",
     "Win them back with the best offers and personal contact; ask what went wrong."),
    ("at risk", "1-2", "3", "*", "Personalised win-back messages, renewals and helpful resources."),
    ("at risk", "1-2", "4-5", "1-3", ""),
    ("at risk", "1-2", "2", "4-5", ""),
    ("hibernating", "2", "1", "*",
     "Offer relevant products and special discounts; do not overspend."),
    ("hibernating", "2", "2", "1-3", ""),
    ("lost", "1", "1", "*", "Revive interest with a low-cost reach-out campaign, or leave them."),
    ("lost", "1", "2", "1-3", ""),
)  # fmt: skip


def _csv_text(header: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


#: The built-in rule table as CSV (``payback segments rules`` prints it). Scores: 5 is the
#: most recent, most frequent, highest spending fifth of the customers.
DEFAULT_RULES_CSV = _csv_text(("segment", *AXES_3D, "action"), DEFAULT_ROWS)


def fm_score(f: int, m: int) -> int:
    """The combined FM score: the mean of F and M rounded half up.

    >>> fm_score(1, 1), fm_score(1, 2), fm_score(4, 5), fm_score(1, 5)
    (1, 2, 5, 3)
    """
    return (f + m + 1) // 2


@dataclass(frozen=True)
class RuleTable:
    """A checked rule table: each cell of scores maps to exactly one segment.

    Attributes
    ----------
    axes : tuple of str
        ``("recency", "frequency", "monetary")`` or ``("recency", "fm")``.
    cells : dict
        Cell (a tuple of scores along ``axes``) -> segment; every cell is present.
    segments : tuple of str
        The segments in the order of their first row.
    actions : dict
        Segment -> suggested action (empty text when the table gives none).
    source : str
        Where the table came from (a file name, or ``built-in``), for messages.
    text : str
        The CSV text it was parsed from.
    """

    axes: tuple[str, ...]
    cells: dict[tuple[int, ...], str]
    segments: tuple[str, ...]
    actions: dict[str, str]
    source: str = "built-in"
    text: str = ""

    def segment_of(self, r: int, f: int, m: int) -> str:
        """The segment of a customer with scores R, F and M."""
        key = (r, f, m) if self.axes == AXES_3D else (r, fm_score(f, m))
        return self.cells[key]

    def cell_rows(self) -> list[tuple[int, int, int, str]]:
        """Every (R, F, M) cell of scores with its segment: 125 rows, for a lookup join."""
        return [
            (r, f, m, self.segment_of(r, f, m)) for r, f, m in itertools.product(SCORES, repeat=3)
        ]

    def to_csv(self) -> str:
        """The table as CSV text, one row per segment and box of cells as given."""
        return self.text


def _cell_name(axes: tuple[str, ...], cell: tuple[int, ...]) -> str:
    return " ".join(f"{_LETTER[a]}{s}" for a, s in zip(axes, cell, strict=True))


def _listed(items: list[str]) -> str:
    shown = ", ".join(items[:_SHOWN])
    return shown + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def _parse_range(text: str, *, where: str) -> tuple[int, ...]:
    value = (text or "").strip()
    if value in ("*", ""):
        return SCORES
    low, sep, high = value.partition("-")
    try:
        lo = int(low)
        hi = int(high) if sep else lo
    except ValueError:
        raise InputError(
            f"{where}: unparsable score range {text!r}: expected a score 1-5 (3), a range "
            f"(4-5) or * (any)"
        ) from None
    if not (1 <= lo <= hi <= 5):
        raise InputError(
            f"{where}: score range {text!r} is outside 1-5 or reversed: expected e.g. 2-4"
        )
    return tuple(range(lo, hi + 1))


def parse_rules(text: str, *, source: str = "rule table") -> RuleTable:
    """Parse and check a rule table given as CSV text (see the module's description).

    Raises
    ------
    payback.errors.InputError
        Missing columns, an unparsable range, or cells matched by two segments or none
        (each listed, with the rows).
    """
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    known = {*_SHORT, "segment", "action"}
    unknown = [h for h in header if h not in known]
    if unknown or "segment" not in header:
        raise InputError(
            f"{source}: columns {header}: expected segment, recency and either frequency and "
            f"monetary or fm (optional action); unknown: {unknown or 'none'}"
        )
    given = {_SHORT[h] for h in header if h in _SHORT}
    if given == set(AXES_3D):
        axes = AXES_3D
    elif given == set(AXES_2D):
        axes = AXES_2D
    else:
        raise InputError(
            f"{source}: score columns {sorted(given)}: expected recency, frequency, monetary "
            f"(cells R F M) or recency, fm (cells R FM), not a mix"
        )
    matched: dict[tuple[int, ...], dict[str, int]] = {}
    segments: list[str] = []
    actions: dict[str, str] = {}
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        name = row.get("segment", "")
        if not name:
            raise InputError(f"{source}, row {line}: empty segment name: name every row")
        ranges = [
            _parse_range(row.get(next(k for k in row if _SHORT.get(k) == a), ""),
                         where=f"{source}, row {line}, column {a}")
            for a in axes
        ]  # fmt: skip
        if name not in segments:
            segments.append(name)
        action = row.get("action", "")
        if action and actions.get(name, action) != action:
            raise InputError(
                f"{source}, row {line}: segment {name!r} has two actions ({actions[name]!r} "
                f"and {action!r}): give its action on one row only"
            )
        if action:
            actions[name] = action
        for cell in itertools.product(*ranges):
            matched.setdefault(cell, {}).setdefault(name, line)
    overlaps = [
        f"{_cell_name(axes, c)} ({', '.join(s)})" for c, s in sorted(matched.items()) if len(s) > 1
    ]
    if overlaps:
        raise InputError(
            f"{source}: {len(overlaps)} cell(s) match two segments: {_listed(overlaps)}. "
            f"Every cell of scores 1-5 must match exactly one segment: narrow the ranges so "
            f"that each cell is in one row's ranges only"
        )
    gaps = [
        _cell_name(axes, c) for c in itertools.product(SCORES, repeat=len(axes)) if c not in matched
    ]
    if gaps:
        raise InputError(
            f"{source}: {len(gaps)} cell(s) match no segment: {_listed(gaps)}. Every cell of "
            f"scores 1-5 must match exactly one segment (there is no 'Others'): add rows "
            f"covering them, or widen a range (* is any score)"
        )
    cells = {c: next(iter(s)) for c, s in matched.items()}
    table = RuleTable(
        axes=axes,
        cells=cells,
        segments=tuple(segments),
        actions={s: actions.get(s, "") for s in segments},
        source=source,
        text=text,
    )
    return table


def read_rules(path: str | Path) -> RuleTable:
    """Read and check a rule table from a CSV file (see :func:`parse_rules`)."""
    file = Path(path)
    if not file.is_file():
        raise InputError(
            f"no rule table at {file}: give a CSV file with columns segment, recency, "
            f"frequency, monetary (or recency, fm) and action; `payback segments rules "
            f"-o rules.csv` writes the built-in one to start from"
        )
    return parse_rules(file.read_text(encoding="utf-8-sig"), source=str(file))


def default_rules() -> RuleTable:
    """The built-in rule table (:data:`DEFAULT_RULES_CSV`), checked."""
    return parse_rules(DEFAULT_RULES_CSV, source="built-in rule table")


def as_rules(rules: RuleTable | str | Path | None) -> RuleTable:
    """A rule table from a table, a file path, or None (the built-in one)."""
    if rules is None:
        return default_rules()
    if isinstance(rules, RuleTable):
        return rules
    return read_rules(rules)
