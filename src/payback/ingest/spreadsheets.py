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
    """One column's cells as text. A column of text is taken as it is, one of numbers (or
    of days) is cast by Arrow at once (``1200.0`` -> ``1200``), any other cell by cell."""
    kinds = set(map(type, values))
    if kinds <= {str}:
        return list(values)
    if kinds == {float}:
        return number_text(pa.array(values, pa.float64())).to_pylist()
    if kinds == {dt.date}:
        return pa.array(values).cast(pa.string()).to_pylist()
    return [cell_text(v) for v in values]


def number_text(values: pa.Array) -> pa.Array:
    """Floats as the text :func:`cell_text` gives, for a whole column at once (nulls
    stay null): Arrow's cast, except where it would write an exponent.

    >>> number_text(pa.array([1200.0, 44.4, 11_900_000_000.0, None])).to_pylist()
    ['1200', '44.4', '11900000000', None]
    """
    import pyarrow.compute as pc

    text = values.cast(pa.string())
    odd = pc.fill_null(pc.match_substring(text, "e"), False)
    if not pc.any(odd).as_py():
        return text
    fixed = [
        cell_text(v) if flag else t
        for v, t, flag in zip(values.to_pylist(), text.to_pylist(), odd.to_pylist(), strict=True)
    ]
    return pa.array(fixed, pa.string())


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook, every cell as text, column by column.

    Attributes
    ----------
    path : Path
    name : str
        The sheet's name.
    columns : list of list of str
        ``columns[j][i]`` is the cell of column ``j`` in the spreadsheet's row ``i + 1``
        (empty rows kept), trailing empty rows dropped.
    """

    path: Path
    name: str
    columns: list[list[str]]

    @property
    def height(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def row(self, index: int) -> list[str]:
        """The 0-based row ``index``, trailing empty cells dropped."""
        return _trim([c[index] for c in self.columns])

    @property
    def label(self) -> str:
        """How messages name it: ``shop.xlsx, sheet 'Orders'``."""
        return f"{self.path}, sheet {self.name!r}"

    @property
    def lines(self) -> tuple[str, ...]:
        """The first rows as CSV lines, for the layout recognition of text files."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for i in range(min(self.height, PEEK_ROWS)):
            writer.writerow(self.row(i))
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
    if any(len(r) < width for r in values):
        values = [list(r) + [""] * (width - len(r)) for r in values]
    columns = [_column_text(col) for col in zip(*values, strict=True)]
    height = len(values)
    while height and not any(c[height - 1].strip() for c in columns):
        height -= 1
    return Sheet(path, name, [c[:height] for c in columns] if height < len(values) else columns)


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
    header = sheet.row(header_index) if header_index < sheet.height else []
    if not header:
        raise DataError(
            f"sheet {sheet.name!r} has no header row",
            file=sheet.label,
            row=header_index + 1,
            expected="a row of column names above the data",
            fix="put the column names in the first row, or name the sheet with --sheet",
        )
    columns = unique_names(header)
    width = len(header)
    end = sheet.height
    footer: list[str] = []
    while end > header_index + 1 and _is_footer_row(sheet.row(end - 1), is_footer):
        footer.insert(0, sheet.columns[0][end - 1])
        end -= 1
    first = header_index + 1
    for j in range(width, len(sheet.columns)):
        extra = next((i for i in range(first, end) if sheet.columns[j][i].strip()), None)
        if extra is not None:
            raise DataError(
                f"a value right of the header's last column ({columns[-1]!r}, "
                f"{column_letter(width - 1)})",
                file=sheet.label,
                row=extra + 1,
                column=column_letter(j),
                value=sheet.columns[j][extra],
                expected=f"values in columns A to {column_letter(width - 1)} only",
                fix=f"give column {column_letter(j)} a name in row {header_index + 1}, or clear it",
            )
    data = {
        name: pa.array(sheet.columns[i][first:end], pa.string()) for i, name in enumerate(columns)
    }
    data["_row"] = pa.array(np.arange(first + 1, end + 1, dtype=np.int64))
    return RawFile(
        path=sheet.path,
        format="xlsx",
        encoding="binary",
        delimiter=None,
        header_row=header_index + 1,
        columns=columns,
        table=pa.table(data),
        preamble=tuple(",".join(sheet.row(i)) for i in range(header_index)),
        footer=tuple(footer),
        repeated=repeated_names(header),
        sheet=sheet.name,
    )


def _is_footer_row(cells: list[str], is_footer: Callable[[str], bool]) -> bool:
    return len(cells) == 1 and bool(cells[0].strip()) and is_footer(cells[0])


__all__ = [
    "SUFFIXES",
    "Sheet",
    "cell_text",
    "column_letter",
    "is_spreadsheet",
    "number_text",
    "raw_file",
    "read_sheet",
]
