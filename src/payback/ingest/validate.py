"""Row checks run as SQL over the whole file at once, and the problem list they fill.

A :class:`Check` is a SQL condition that is true on a bad row. :class:`Problems` counts
every check in one pass, then fetches the first offending rows of the checks that
failed: each becomes a :class:`payback.errors.DataError` (file, row, column, value,
expected, fix) whose ``more`` counts the other rows with the same problem. At most
:data:`LIMIT` errors are listed; a last line counts what was not shown. Nothing is
imported when any check fails.

Examples
--------
>>> import duckdb, pyarrow as pa
>>> con = duckdb.connect()
>>> con.register("t", pa.table({"_row": [2, 3, 4], "cost": [1.0, -2.0, -5.0]}))
<...>
>>> p = Problems("ads.csv")
>>> p.run(con, "t", [Check("negative cost", "Cost", "cost < 0", "cost", "0 or more", examples=1)])
>>> print(p.errors[0])
ads.csv, row 3, column 'Cost': negative cost: got '-2.0', expected 0 or more. \
(1 more row(s) with the same problem.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from payback.errors import DataError, ValidationErrors

#: Errors listed at most per import (the rest are counted).
LIMIT = 10


@dataclass(frozen=True)
class Check:
    """A bad-row condition in SQL and how to explain it.

    Attributes
    ----------
    problem : str
        What is wrong ("unparsable number").
    column : str or None
        The column as the user knows it (the file's header, or ``--set x``).
    condition : str
        SQL, true on a bad row (NULL counts as fine).
    value : str
        SQL for the value shown (cast to text).
    expected, fix : str or None
    examples : int
        Rows listed before the rest are only counted.
    """

    problem: str
    column: str | None
    condition: str
    value: str
    expected: str | None = None
    fix: str | None = None
    examples: int = 3


class Problems:
    """Collects the data errors of one file; :meth:`raise_if_any` raises them together."""

    def __init__(self, file: str, limit: int = LIMIT) -> None:
        self.file = file
        self.limit = limit
        self.errors: list[DataError] = []
        self.hidden: list[str] = []

    def __bool__(self) -> bool:
        return bool(self.errors or self.hidden)

    def add(self, error: DataError) -> None:
        if len(self.errors) < self.limit:
            self.errors.append(error)
        else:
            self.hidden.append(f"{error.problem} ({error.column or 'file'})")

    def run(self, con, relation: str, checks: Sequence[Check]) -> None:
        """Count every check in one pass over ``relation``; detail the failing ones."""
        if not checks:
            return
        counts = con.execute(
            "SELECT "
            + ", ".join(f"count(*) FILTER (WHERE {c.condition})" for c in checks)
            + f" FROM {relation}"
        ).fetchone()
        for check, count in zip(checks, counts, strict=True):
            if not count:
                continue
            room = self.limit - len(self.errors)
            if room <= 0:
                self.hidden.append(f"{check.problem} ({check.column}): {count} row(s)")
                continue
            shown = min(check.examples, count, room)
            rows = con.execute(
                f"SELECT _row, CAST({check.value} AS VARCHAR) FROM {relation} "
                f"WHERE {check.condition} ORDER BY _row LIMIT {shown}"
            ).fetchall()
            for i, (row, value) in enumerate(rows):
                last = i == len(rows) - 1
                self.errors.append(
                    DataError(
                        check.problem,
                        file=self.file,
                        row=int(row) if row is not None and row > 0 else None,
                        column=check.column,
                        value=value,
                        expected=check.expected,
                        fix=check.fix,
                        more=count - len(rows) if last else 0,
                    )
                )

    def raise_if_any(self) -> None:
        """Raise :class:`ValidationErrors` listing the problems found, if any."""
        if not self:
            return
        errors = list(self.errors)
        if self.hidden:
            errors.append(
                DataError(
                    f"{len(self.hidden)} more problem(s) not shown: " + "; ".join(self.hidden[:5])
                )
            )
        raise ValidationErrors(errors, file=self.file)
