"""Spreadsheets in: ``.xlsx`` (and ``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``) read like CSV.

One sheet of a workbook (the first, or the one named by ``--sheet``) is read with
python-calamine (Rust's calamine: no Python XML parsing) and handed on exactly as a CSV
file is: every cell as text, one row per sheet row, numbered as the spreadsheet numbers
them, so layout recognition, ``--map``/``--set``, the checks and their messages are the
ones of CSV files. Errors name the workbook, the sheet, the row and the column.

How a typed cell reads as text (then parsed by :mod:`payback.ingest.parsing` like any
CSV cell):

==============================  ===========================================
cell                            text
==============================  ===========================================
number 1200.0, 44.4             ``1200``, ``44.4`` (the shortest exact form)
date, date-time at midnight     ``2024-10-01``
date-time                       ``2024-10-01 10:15:00``
TRUE / FALSE                    ``true`` / ``false``
empty                           empty
text                            as written
==============================  ===========================================

Percent cells hold fractions (4.42 % is 0.0442), as the file stores them.

Examples
--------
>>> import datetime as dt
>>> [cell_text(v) for v in (1200.0, 44.4, dt.date(2024, 10, 1),
...                         dt.datetime(2024, 10, 1, 10, 15), True, None, "--")]
['1200', '44.4', '2024-10-01', '2024-10-01 10:15:00', 'true', '', '--']
>>> column_letter(0), column_letter(27)
('A', 'AB')
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from payback.errors import DataError, InputError
from payback.ingest.readers import RawFile, repeated_names, unique_names

#: File names read as spreadsheets.
SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
#: The first bytes of an old binary (.xls) workbook (an OLE compound file).
_OLE = b"\xd0\xcf\x11\xe0"
#: Rows of a sheet searched for a layout's header (as for a CSV file).
PEEK_ROWS = 60


def is_spreadsheet(path: Path, magic: bytes) -> bool:
    """Whether ``path`` is a workbook: by its name, an OLE header, or a zip holding one.

    >>> is_spreadsheet(Path("report.XLSX"), b"PK\\x03\\x04")
    True
    >>> is_spreadsheet(Path("report.csv"), b"date")
    False
    """
    if path.suffix.lower() in SUFFIXES or magic[:4] == _OLE:
        return True
    if magic[:2] != b"PK":
        return False
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
    return "xl/workbook.xml" in names or "xl/workbook.bin" in names or "content.xml" in names


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column: 0 -> ``A``, 26 -> ``AA``."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def cell_text(value: Any) -> str:
    """A typed cell as the text a CSV export of it would hold (see the module docstring)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds())
    return str(value)


def _column_text(values: Sequence[Any]) -> list[str]:
    """One column's cells as text; a column of text cells is taken as it is."""
    if all(type(v) is str for v in values):
        return list(values)
    return [cell_text(v) for v in values]


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook, every cell as text.

    Attributes
    ----------
    path : Path
    name : str
        The sheet's name.
    rows : list of list of str
        Row ``i`` is the spreadsheet's row ``i + 1`` (empty rows kept), trailing empty
        rows dropped.
    """

    path: Path
    name: str
    rows: list[list[str]]

    @property
    def label(self) -> str:
        """How messages name it: ``shop.xlsx, sheet 'Orders'``."""
        return f"{self.path}, sheet {self.name!r}"

    @property
    def lines(self) -> tuple[str, ...]:
        """The first rows as CSV lines, for the layout recognition of text files."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for row in self.rows[:PEEK_ROWS]:
            writer.writerow(_trim(row))
        return tuple(out.getvalue().splitlines())


def _trim(row: list[str]) -> list[str]:
    end = len(row)
    while end and not row[end - 1].strip():
        end -= 1
    return row[:end]


def read_sheet(path: Path, sheet: str | None = None) -> Sheet:
    """Read one sheet of a workbook (the first when ``sheet`` is None) as text.

    Raises
    ------
    DataError
        When the workbook cannot be read (damaged, password-protected) or is empty.
    InputError
        When it has no sheet named ``sheet``; the message lists its sheets.
    """
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - a declared dependency
        raise DataError(
            "reading spreadsheets needs the python-calamine package",
            file=str(path),
            fix="pip install python-calamine, or save the sheet as CSV UTF-8",
        ) from None
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as e:  # calamine's errors have no common base
        raise DataError(
            f"cannot read the file as a spreadsheet: {e}",
            file=str(path),
            expected="an .xlsx, .xlsm, .xlsb, .xls or .ods workbook (not password-protected)",
            fix="open it in a spreadsheet program and save it again, or save the sheet as "
            "CSV UTF-8",
        ) from None
    names = list(book.sheet_names)
    if not names:
        raise DataError("the workbook has no sheets", file=str(path), fix="export it again")
    if sheet is None:
        name = names[0]
    elif sheet in names:
        name = sheet
    else:
        folded = {n.casefold(): n for n in names}
        if sheet.casefold() not in folded:
            raise InputError(
                f"--sheet {sheet!r}: {path} has no such sheet; expected one of "
                + ", ".join(repr(n) for n in names)
            )
        name = folded[sheet.casefold()]
    try:
        values = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as e:  # calamine's errors have no common base
        raise DataError(
            f"cannot read sheet {name!r}: {e}", file=str(path), fix="save the workbook again"
        ) from None
    finally:
        book.close()
    if not values:
        return Sheet(path, name, [])
    width = max(len(r) for r in values)
    padded = [list(r) + [""] * (width - len(r)) if len(r) < width else r for r in values]
    columns = [_column_text(col) for col in zip(*padded, strict=True)]
    rows = [list(r) for r in zip(*columns, strict=True)]
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    return Sheet(path, name, rows)


def raw_file(
    sheet: Sheet, header_index: int, is_footer: Callable[[str], bool] = lambda text: False
) -> RawFile:
    """The sheet from its header row on, as :func:`payback.ingest.readers.read_csv` reads a
    text file: one string column per header cell and ``_row`` (the spreadsheet's row).

    Cells right of the header's last column must be empty; trailing one-cell rows that
    are the layout's footer are set aside (``RawFile.footer``).

    Raises
    ------
    DataError
        For a value right of the header's last column (names sheet, row and column).
    """
    header = _trim(sheet.rows[header_index]) if header_index < len(sheet.rows) else []
    if not header:
        raise DataError(
            f"sheet {sheet.name!r} has no header row",
            file=sheet.label,
            row=header_index + 1,
            expected="a row of column names above the data",
            fix="put the column names in the first row, or name the sheet with --sheet",
        )
    columns = unique_names(header)
    body = sheet.rows[header_index + 1 :]
    footer: list[str] = []
    while body and _is_footer_row(body[-1], is_footer):
        footer.insert(0, body.pop()[0])
    width = len(header)
    for offset, row in enumerate(body):
        extra = next((i for i in range(width, len(row)) if row[i].strip()), None)
        if extra is not None:
            raise DataError(
                f"a value right of the header's last column ({columns[-1]!r}, "
                f"{column_letter(width - 1)})",
                file=sheet.label,
                row=header_index + 2 + offset,
                column=column_letter(extra),
                value=row[extra],
                expected=f"values in columns A to {column_letter(width - 1)} only",
                fix=f"give column {column_letter(extra)} a name in row {header_index + 1}, "
                f"or clear it",
            )
    data = {name: pa.array([r[i] for r in body], pa.string()) for i, name in enumerate(columns)}
    first = header_index + 2
    data["_row"] = pa.array(np.arange(first, first + len(body), dtype=np.int64))
    return RawFile(
        path=sheet.path,
        format="xlsx",
        encoding="binary",
        delimiter=None,
        header_row=header_index + 1,
        columns=columns,
        table=pa.table(data),
        preamble=tuple(",".join(_trim(r)) for r in sheet.rows[:header_index]),
        footer=tuple(footer),
        repeated=repeated_names(header),
        sheet=sheet.name,
    )


def _is_footer_row(row: list[str], is_footer: Callable[[str], bool]) -> bool:
    cells = _trim(row)
    return len(cells) == 1 and bool(cells[0].strip()) and is_footer(cells[0])


__all__ = [
    "SUFFIXES",
    "Sheet",
    "cell_text",
    "column_letter",
    "is_spreadsheet",
    "raw_file",
    "read_sheet",
]
