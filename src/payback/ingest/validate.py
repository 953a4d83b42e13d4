"""Row checks run as SQL over the whole file at once, and the problem list they fill.

A :class:`Check` is a SQL condition that is true on a bad row. :class:`Problems` counts
every check in one pass, then fetches the first offending rows of the checks that
failed: each becomes a :class:`payback.errors.DataError` (file, row, column, value,
expected, fix). Every bad cell (or row, for checks across columns) counts as one
problem; at most :data:`LIMIT` are listed, taken in turn from each kind so that every
kind shows, in the order of the file (row, then column), and a last line counts the
rest by kind. Nothing is imported when any check fails.

Examples
--------
>>> import duckdb, pyarrow as pa
>>> con = duckdb.connect()
>>> con.register("t", pa.table({"_row": [2, 3, 4], "cost": [1.0, -2.0, -5.0]}))
<...>
>>> p = Problems("ads.csv")
>>> p.run(con, "t", [Check("negative cost", "Cost", "cost < 0", "cost", "0 or more", examples=1)])
>>> p.total, len(p.errors)
(2, 1)
>>> print(p.errors[0])
ads.csv, row 3, column 'Cost': negative cost: got '-2.0', expected 0 or more.
>>> p.unlisted()
(("negative cost in column 'Cost'", 1),)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from payback.errors import DataError, ValidationErrors
from payback.ingest.parsing import (
    COMMA_THOUSANDS,
    DOT_THREE,
    ident,
    lit,
    separator_readings,
    typed_sql,
)

if TYPE_CHECKING:
    from payback.ingest.platforms import Plan
    from payback.ingest.readers import RawFile
    from payback.schema import Table

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
        ``fix`` may hold ``{}``: the text of ``fix_value`` for the row goes there.
    examples : int
        Rows listed before the rest are only counted.
    fix_value : str or None
        SQL for a fix that depends on the row (the cell rewritten, say).
    """

    problem: str
    column: str | None
    condition: str
    value: str
    expected: str | None = None
    fix: str | None = None
    examples: int = 3
    fix_value: str | None = None


@dataclass(frozen=True)
class Group:
    """One kind of problem: the errors that show it and how many there are in all."""

    label: str
    examples: tuple[DataError, ...]
    count: int


class ImportErrors(ValidationErrors):
    """The problems of one file: the listed ones (``errors``), and ``total`` of them all.

    ``unlisted`` holds (kind, count) of the problems not listed; the message ends with
    a line counting them.
    """

    def __init__(
        self,
        errors: Sequence[DataError],
        *,
        file: str,
        total: int,
        unlisted: tuple[tuple[str, int], ...] = (),
    ) -> None:
        super().__init__(errors, file=file)
        self.total = total
        self.unlisted = unlisted
        lines = [f"{file}: {total:,} problem(s) found; nothing was imported."]
        lines += [f"  - {e}" for e in self.errors]
        if unlisted:
            kinds = "; ".join(f"{label} ({n:,})" for label, n in unlisted)
            lines.append(f"  - and {total - len(self.errors):,} more: {kinds}")
        self.args = ("\n".join(lines),)


class Problems:
    """Collects the data errors of one file; :meth:`raise_if_any` raises them together."""

    def __init__(self, file: str, limit: int = LIMIT, columns: Sequence[str] = ()) -> None:
        self.file = file
        self.limit = limit
        self.columns = tuple(columns)
        self.groups: list[Group] = []

    def __bool__(self) -> bool:
        return bool(self.groups)

    @property
    def total(self) -> int:
        """Every problem found: bad cells (or rows), repeated keys, file-level problems."""
        return sum(g.count for g in self.groups)

    def add(self, error: DataError) -> None:
        """One problem (a file-level one, or one row)."""
        self.add_group([error], 1)

    def add_group(
        self, examples: Sequence[DataError], count: int, *, label: str | None = None
    ) -> None:
        """A kind of problem found ``count`` times, shown by ``examples``.

        ``label`` names the kind in the count of unlisted problems (default: the first
        example's problem and column).
        """
        first = examples[0]
        if label is None:
            label = first.problem + (f" in column {first.column!r}" if first.column else "")
        self.groups.append(Group(label, tuple(examples), max(count, len(examples))))

    def run(self, con, relation: str, checks: Sequence[Check]) -> None:
        """Count every check in one pass over ``relation``; detail the failing ones.

        A first pass asks for one row failing any check (one predicate, not a count per
        check: 2M rows of an ads report, 21 checks: about 0.08 against 0.21 s of CPU), so a
        file without problems is read once; the counts follow only when some row fails.
        """
        if not checks:
            return
        either = " OR ".join(f"({c.condition})" for c in checks)
        if con.execute(f"SELECT 1 FROM {relation} WHERE {either} LIMIT 1").fetchone() is None:
            return
        counts = con.execute(
            "SELECT "
            + ", ".join(f"count(*) FILTER (WHERE {c.condition})" for c in checks)
            + f" FROM {relation}"
        ).fetchone()
        for check, count in zip(checks, counts, strict=True):
            if not count:
                continue
            rows = con.execute(
                f"SELECT _row, CAST({check.value} AS VARCHAR), "
                f"CAST({check.fix_value or 'NULL'} AS VARCHAR) FROM {relation} "
                f"WHERE {check.condition} ORDER BY _row LIMIT {min(check.examples, count)}"
            ).fetchall()
            examples = [
                DataError(
                    check.problem,
                    file=self.file,
                    row=int(row) if row is not None and row > 0 else None,
                    column=check.column,
                    value=value,
                    expected=check.expected,
                    fix=check.fix.format(fix) if check.fix and check.fix_value else check.fix,
                )
                for row, value, fix in rows
            ]
            self.add_group(examples, int(count))

    def _listed(self) -> list[tuple[int, DataError]]:
        """(group index, error) of the errors listed: in turn from each kind, up to the limit."""
        listed: list[tuple[int, DataError]] = []
        depth = 0
        while len(listed) < self.limit:
            turn = [
                (i, g.examples[depth]) for i, g in enumerate(self.groups) if depth < len(g.examples)
            ]
            if not turn:
                break
            listed += turn[: self.limit - len(listed)]
            depth += 1
        return listed

    @property
    def errors(self) -> list[DataError]:
        """The errors listed (at most :attr:`limit`), by row, then column as in the file.

        Problems of the whole file (no row) come first; a column the file does not have
        (``--set x``) sorts after the file's columns.
        """
        return sorted((e for _, e in self._listed()), key=self._place)

    def _place(self, error: DataError) -> tuple[int, int, str]:
        position = len(self.columns)
        for part in (error.column or "").split("/"):
            if part in self.columns:
                position = min(position, self.columns.index(part))
        return (error.row if error.row is not None else -1, position, error.column or "")

    def unlisted(self) -> tuple[tuple[str, int], ...]:
        """(kind, count) of the problems not listed, in the order found."""
        shown = [0] * len(self.groups)
        for i, _ in self._listed():
            shown[i] += 1
        return tuple(
            (g.label, g.count - n) for g, n in zip(self.groups, shown, strict=True) if g.count > n
        )

    def raise_if_any(self) -> None:
        """Raise :class:`ImportErrors` listing the problems found, if any."""
        if self:
            raise ImportErrors(
                self.errors, file=self.file, total=self.total, unlisted=self.unlisted()
            )


# -- checks of the file as a whole ----------------------------------------------------------
def ambiguous_separators(data, table: Table, plan: Plan, types, options) -> dict[str, str]:
    """Money columns of ``data`` (the file as Arrow text) whose separators read two ways:
    ``{name: "," or "."}``.

    A column where every separated cell is like ``1,234`` (or every one like ``1.234``)
    may be a thousand times off either way; any other cell (``12.50``, ``1,234.5``)
    settles it (:func:`payback.ingest.parsing.separator_readings`). ``--decimal-comma`` /
    ``--decimal-point`` say it for the whole file.
    """
    if options["decimal_comma"] or options.get("decimal_point"):
        return {}
    out = {}
    for col in table.columns:
        source = plan.sources.get(col.name)
        if (
            source is None
            or source.constant is not None
            or not col.money
            or col.dtype != "float64"
            or typed_sql(source.column, types[source.column]) is not None
        ):
            continue
        comma, dot = separator_readings(data[source.column])
        if comma or dot:
            out[col.name] = "," if comma else "."
    return out


def separator_check(select, raw_text, name, label, separator: str) -> Check:
    """Cells like ``1,234`` or ``1.234`` in a column where nothing says which reading holds."""
    pattern = COMMA_THOUSANDS if separator == "," else DOT_THREE
    cell = ident("_amb_" + name)
    select.append(
        f"CASE WHEN regexp_full_match({raw_text}, {lit(pattern)}) THEN {raw_text} END AS {cell}"
    )
    if separator == ",":
        readings = "1234 (',' between thousands) or 1.234 (a decimal comma)"
    else:
        readings = "1.234 (a decimal point) or 1234 ('.' between thousands)"
    return Check(
        f"the separator {separator!r} reads two ways",
        label,
        f"{cell} IS NOT NULL",
        cell,
        f"a number that reads one way; a cell like {'1,234' if separator == ',' else '1.234'} "
        f"may be {readings}, and no cell of the column settles it",
        "say how the file writes numbers: --decimal-point (1,234.56) or --decimal-comma (1.234,56)",
        examples=1,
    )


#: How to resolve a repeated key, per table (default: remove the repeated row).
DUPLICATE_FIX = {
    "orders": "remove the repeated row; lines of one order belong in an order-items file",
    "order_items": "give each line of an order its own line number (or leave out the line "
    "column to number the lines in file order)",
    "leads": "remove the repeated row; a contact who came twice is two leads with two ids "
    "(--dedupe-window marks the repeats)",
    "costs": "one amount per date and category: add the rows up, or give them distinct categories",
    "fx_rates": "one rate per date and currency: keep one of the rows",
}


def check_plan(raw: RawFile, plan: Plan, options) -> None:
    """Refuse what the columns chosen cannot mean: a header spelled twice that feeds a
    column (which one is meant?), ``--dedupe-window`` without a contact column.

    Raises
    ------
    DataError
        Naming both columns and how to pick one; or the missing contact.
    """
    file = raw.label
    if options["window"] is not None and "contact" not in plan.sources:
        raise DataError(
            "--dedupe-window needs a contact column (phone or e-mail) and the file has none",
            file=file,
            expected="a column contact (or one mapped with --map contact=COLUMN)",
            fix="map the contact column, or drop --dedupe-window",
        )
    used = {s.column: c for c, s in plan.sources.items() if s.column and s.origin != "--map"}
    for group in raw.repeated:
        fed = [name for name in group if name in used]
        if not fed:
            continue
        positions = [raw.columns.index(name) + 1 for name in group]
        canon = used[fed[0]]
        shown = " and ".join(
            f"{name!r} (column {p})" for name, p in zip(group, positions, strict=True)
        )
        raise DataError(
            f"the header {group[0]!r} appears {len(group)} times: {shown}",
            file=file,
            row=raw.header_row or None,
            expected="each header once",
            fix=f"rename or delete the extra column, or pick one with --map {canon}={group[0]} "
            f"(the first) or --map {canon}='{group[1]}' (the second)",
        )
