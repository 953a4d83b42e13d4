"""What an import did: :class:`ImportResult`, returned by :func:`payback.ingest.import_file`.

Examples
--------
>>> r = ImportResult("costs", "costs", "costs.csv", "generic", "generic file", 1, 1, "EUR")
>>> r.lines()[1]
('rows read', '1')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from payback.ingest import extras, fx, ledger


@dataclass(frozen=True)
class ImportResult:
    """What an import did.

    Attributes
    ----------
    kind, table, file : str
        The import kind, the canonical table written, the file read.
    platform : str
        The layout recognised: ``google``, ``meta``, ``microsoft``, ``yandex``, ``generic``.
    layout : str
        Its description ("Google Ads UI report").
    rows_read : int
        Data rows of the file (blank lines, totals and footers excluded).
    rows_in_store : int
        Rows now in the table (after replacing rows with the same natural key).
    currency : str or None
        The store's base currency the money is now in (None for tables without money).
    file_currencies : tuple of str
        Currencies the file's money was in.
    date_min, date_max : date or datetime or None
        The span of the file's dates.
    columns : tuple of (str, str)
        Canonical column and where it came from (a header, or ``--set``).
    conversions : tuple of fx.Conversion
        Rows converted into the base currency.
    duplicates_marked : int
        Leads marked duplicate by ``--dedupe-window``.
    unattributed : int or None
        Orders/leads with neither platform nor partner (None for other tables).
    warnings : tuple of str
    import_id : int or None
        The import's id in the ledger (:mod:`payback.ingest.ledger`; None when nothing
        was written).
    replaced : tuple of ledger.Replaced
        Rows of other imports (or written outside the ledger) replaced by natural key.
    supersedes : tuple of (int, int)
        Earlier imports of the same file (path or content) taken out first, with their
        rows: (import id, rows).
    kept : tuple of (str, str)
        Extra columns kept in ``ad_extras``: (name, the file's header).
    """

    kind: str
    table: str
    file: str
    platform: str
    layout: str
    rows_read: int
    rows_in_store: int
    currency: str | None
    file_currencies: tuple[str, ...] = ()
    date_min: date | datetime | None = None
    date_max: date | datetime | None = None
    columns: tuple[tuple[str, str], ...] = ()
    conversions: tuple[fx.Conversion, ...] = ()
    duplicates_marked: int = 0
    unattributed: int | None = None
    warnings: tuple[str, ...] = field(default=())
    import_id: int | None = None
    replaced: tuple[ledger.Replaced, ...] = ()
    supersedes: tuple[tuple[int, int], ...] = ()
    kept: tuple[tuple[str, str], ...] = ()

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) pairs for a human summary."""
        span = (
            f"{_day(self.date_min)} to {_day(self.date_max)}" if self.date_min is not None else "-"
        )
        out = [
            *([("import", self._import_line())] if self.import_id is not None else []),
            ("layout", f"{self.platform} ({self.layout})"),
            ("rows read", f"{self.rows_read:,}"),
            (f"rows now in {self.table}", f"{self.rows_in_store:,}"),
            *([("currency", self.currency or "-")] if self.table in ledger.MONEY_TABLES else []),
            ("dates", span),
            ("columns", ", ".join(f"{c}={s}" for c, s in self.columns)),
        ]
        if self.kept:
            kept = ", ".join(f"{n}={h}" for n, h in self.kept)
            out.append(("kept", f"{kept} (in {extras.TABLE})"))
        if self.unattributed is not None:
            out.append(("without attribution", f"{self.unattributed:,}"))
        if self.duplicates_marked:
            out.append(("marked duplicate", f"{self.duplicates_marked:,}"))
        if self.replaced:
            out.append(("replaced", "; ".join(r.describe() for r in self.replaced)))
        return out

    def _import_line(self) -> str:
        if not self.supersedes:
            return str(self.import_id)
        earlier = ", ".join(f"{i} ({n:,} rows)" for i, n in self.supersedes)
        return f"{self.import_id}, replacing import {earlier} of the same file"

    def summary(self) -> str:
        """The text ``payback import`` prints: the facts, then one line per warning.

        Examples
        --------
        >>> r = ImportResult("costs", "costs", "costs.csv", "generic", "generic file", 1, 1,
        ...                  "EUR", columns=(("amount", "amount"),))
        >>> print(r.summary())
        Imported costs from costs.csv
          layout             generic (generic file)
          rows read          1
          rows now in costs  1
          currency           EUR
          dates              -
          columns            amount=amount
        """
        pairs = self.lines()
        width = max(len(label) for label, _ in pairs) + 2
        text = [f"Imported {self.kind} from {self.file}"]
        text += [f"  {label:<{width}}{value}" for label, value in pairs]
        text += [f"warning: {w}" for w in self.warnings]
        return "\n".join(text)


def _day(value: Any) -> str:
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()
    return value.isoformat(sep=" ") if isinstance(value, datetime) else str(value)
