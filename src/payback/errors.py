"""Errors payback raises: each says what was expected, what was got, where, and the fix.

>>> err = DataError("unparsable number", file="orders.csv", row=12, column="revenue",
...                 value="12,3.4", expected="a number like 1234.50", fix="fix the cell")
>>> print(err)  # doctest: +NORMALIZE_WHITESPACE
orders.csv, row 12, column 'revenue': unparsable number: got '12,3.4',
expected a number like 1234.50. Fix: fix the cell
"""

from __future__ import annotations

from collections.abc import Sequence


class PaybackError(Exception):
    """Base class of every error payback raises on purpose (the CLI prints it and exits 2)."""

    exit_code = 2


class DataError(PaybackError):
    """A problem in an input file, located by file, row (1-based, as an editor shows it), column."""

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        expected: str | None = None,
        fix: str | None = None,
        more: int = 0,
    ) -> None:
        self.problem = problem
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        self.expected = expected
        self.fix = fix
        self.more = more
        super().__init__(self._message())

    def _message(self) -> str:
        where = ", ".join(
            p
            for p in (
                self.file,
                f"row {self.row}" if self.row is not None else None,
                f"column {self.column!r}" if self.column is not None else None,
            )
            if p
        )
        msg = f"{where}: {self.problem}" if where else self.problem
        if self.value is not None or self.expected:
            parts = []
            if self.value is not None:
                parts.append(f"got {self.value!r}")
            if self.expected:
                parts.append(f"expected {self.expected}")
            msg += ": " + ", ".join(parts)
        msg += "."
        if self.more:
            msg += f" ({self.more} more row(s) with the same problem.)"
        if self.fix:
            msg += f" Fix: {self.fix}"
        return msg


class ValidationErrors(PaybackError):
    """Several data errors found in one file; nothing was imported."""

    def __init__(self, errors: Sequence[DataError], *, file: str | None = None) -> None:
        self.errors = list(errors)
        head = f"{file}: " if file else ""
        lines = [f"{head}{len(self.errors)} problem(s) found; nothing was imported."]
        lines += [f"  - {e}" for e in self.errors]
        super().__init__("\n".join(lines))


class CurrencyError(PaybackError):
    """Money in two currencies would mix without an exchange rate."""


class ModelFitError(PaybackError):
    """A model did not converge; the message says why and what to try."""


class InputError(PaybackError, ValueError):
    """An impossible argument (margin over 100 %, negative budget, unknown metric ...)."""
