"""Write a result frame the way the user asked: a Rich table, CSV, JSON or Parquet.

Every command's ``--format table|csv|json|parquet`` and ``--output FILE`` go through
:func:`write_frame`, so all of payback prints and saves results the same way:

- **table** (for humans): every cell as :func:`payback.present.format_value` writes it,
  the one rule of the CLI, the report and the dashboard (CTR 0.01 shows ``1.00 %``, DRR
  1/3 ``33.3 %``, money ``1,234.50``, ratios ``3.00×``, counts ``1,200``), missing values
  as ``–`` with the reasons in a footnote, totals rows labelled by
  :func:`payback.present.total_label` (``Total``, or ``Total (paid)`` and ``Total (all)``).
- **csv** (RFC 4180, CRLF line ends): values as they are (rates as fractions); text
  cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return) get a leading apostrophe; numbers stay numbers;
  missing values are empty.
- **json**: ``{"title", "columns", "units", "currency", "rows": [records], "reasons"}``;
  rates as fractions, missing values as ``null``, dates as ``YYYY-MM-DD``.
- **parquet**: the frame, with ``units``, ``reasons`` and ``currency`` in the file's
  key-value metadata under ``payback`` (:func:`arrow_table`); needs ``--output``. An
  Arrow table is written as it is by :func:`write_arrow` (``payback metrics`` writes
  its rows from Arrow, never through pandas).

A column named after a date grain (``month``: see :data:`payback.metrics.GRAINS`), or named
in the table's ``date_formats`` (``{"cohort": "%Y-%m"}``), is shown in the grain's format
(:func:`payback.present.date_format`) in the table, CSV and JSON (``2024-10``, as
``payback ltv cohorts`` shows cohorts); Parquet keeps the date type (the first day of the
month), for tools that sort and join on dates.

:func:`write_frame` takes a :class:`payback.present.Table` (what every payback function
returns: :attr:`payback.metrics.MetricsResult.table` ...) or a plain frame. What a column
holds comes from ``units`` (``money``, ``count``, ``rate``, ``ratio``) given as an argument
or the table's ``units``; other numeric columns print plainly.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"campaign": ["=HYPERLINK(1)", "brand"], "ctr": [0.0123, None],
...                       "cost": [1234.5, 10.0]})
>>> write_frame(frame, "csv", units={"ctr": "rate", "cost": "money"})
campaign,ctr,cost
'=HYPERLINK(1),0.0123,1234.5
brand,,10.0
>>> write_frame(frame, "json", units={"ctr": "rate"}, reasons={"ctr": "no impressions"})
{"title": null, "columns": ["campaign", "ctr", "cost"], "units": {"ctr": "rate"},
 "currency": null, "rows": [{"campaign": "=HYPERLINK(1)", "ctr": 0.0123, "cost": 1234.5},
 {"campaign": "brand", "ctr": null, "cost": 10.0}], "reasons": {"ctr": "no impressions"}}
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import pandas as pd

from payback.errors import InputError
from payback.present import MISSING, NONE_LABEL, Table, format_value, is_missing, total_label

if TYPE_CHECKING:
    import pyarrow as pa

FORMATS = ("table", "csv", "json", "parquet")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


#: File name endings that say the format of an output file.
_SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".parquet": "parquet", ".pq": "parquet"}


def output_format(fmt: str | None, output: str | Path | None) -> str:
    """The format to write: ``fmt``, except that the default ``table`` takes the format
    the output file's name says (``members.parquet`` is Parquet, ``rules.csv`` CSV).

    Raises
    ------
    payback.errors.InputError
        An unknown format, or a file name that says another format than ``fmt``.

    Examples
    --------
    >>> output_format("table", "members.parquet"), output_format("table", None)
    ('parquet', 'table')
    >>> output_format("csv", "rules.csv"), output_format("table", "report.txt")
    ('csv', 'table')
    """
    fmt = (fmt or "table").lower()
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    said = _SUFFIX_FORMATS.get(Path(output).suffix.lower()) if output is not None else None
    if said is None or said == fmt:
        return fmt
    if fmt == "table":
        return said
    raise InputError(
        f"format {fmt} asked for, but the output file {output} ends in "
        f"{Path(output).suffix}: ask for format {said}, or name the file *.{fmt}"
    )


def write_frame(
    frame: Table | pd.DataFrame,
    fmt: str = "table",
    output: str | Path | None = None,
    *,
    title: str | None = None,
    rates_as_percent: bool = True,
    units: Mapping[str, str] | None = None,
    reasons: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Print or save ``frame`` as a table, CSV, JSON or Parquet.

    Parameters
    ----------
    frame : payback.present.Table or pandas.DataFrame
        The result, with the units, reasons, currency and date formats of its columns
        when a :class:`~payback.present.Table`; an ``is_total`` boolean column marks
        totals rows (shown as ``Total``).
    fmt : {"table", "csv", "json", "parquet"}
        ``table`` (the default) takes the format the output file's name says
        (:func:`output_format`).
    output : path, optional
        File to write; standard output when None (not allowed for Parquet).
    title : str, optional
        Table title / JSON ``title``.
    rates_as_percent : bool
        Tables show ``rate`` columns as percentages (files always hold fractions).
    units : mapping, optional
        Column -> ``money`` | ``count`` | ``rate`` | ``ratio``; default the table's
        ``units`` (none for a plain frame).
    reasons : mapping, optional
        Column -> why some values are missing; default the table's ``reasons``.
    stream : text stream, optional
        Where to print when ``output`` is None (default: standard output).
    extra : mapping, optional
        More top-level keys of the JSON document (a fit's ``period``, the ``basis`` of
        each column); the other formats leave them out.

    Raises
    ------
    payback.errors.InputError
        Unknown format, or Parquet without an output file.
    """
    fmt = output_format(fmt, output)
    table = frame if isinstance(frame, Table) else Table(frame)
    frame, currency, date_formats = table.frame, table.currency, table.date_formats
    units = dict(units if units is not None else table.units)
    reasons = dict(reasons if reasons is not None else table.reasons)
    if fmt == "parquet":
        path = _parquet_path(output)
        _write_parquet(frame, path, units=units, reasons=reasons, currency=currency)
        return
    if fmt == "table":
        text = render_table(
            frame,
            title=title,
            units=units,
            reasons=reasons,
            currency=currency,
            rates_as_percent=rates_as_percent,
            width=None if output is None else 200,
            date_formats=date_formats,
        )
    elif fmt == "csv":
        text = to_csv(frame, date_formats=date_formats)
    else:
        payload = to_json_payload(
            frame,
            title=title,
            units=units,
            reasons=reasons,
            currency=currency,
            date_formats=date_formats,
        )
        text = json.dumps({**payload, **(extra or {})}, ensure_ascii=False) + "\n"
    if output is None:
        (stream or sys.stdout).write(text)
    else:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(text, encoding="utf-8")


# -- cells ----------------------------------------------------------------------------------------
def _cell(value: Any, unit: str | None, rates_as_percent: bool) -> str:
    """A table cell: :func:`payback.present.format_value`, or a plain fraction for a rate
    when percentages are turned off."""
    if unit == "rate" and not rates_as_percent and not is_missing(value):
        return f"{float(value):.4f}"
    return format_value(value, unit)


def _safe_text(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


# -- formats --------------------------------------------------------------------------------------
def render_table(
    frame: pd.DataFrame,
    *,
    title: str | None = None,
    units: Mapping[str, str] | None = None,
    reasons: Mapping[str, str] | None = None,
    currency: str | None = None,
    rates_as_percent: bool = True,
    width: int | None = None,
    date_formats: Mapping[str, str] | None = None,
) -> str:
    """The frame as a Rich table (text), missing cells ``–`` and their reasons below.

    Values are never cut (no ``…``). When the table is wider than ``width`` (default 160),
    long headers wrap after ``_`` and spaces and long text values between words; numbers
    never wrap. If it still does not fit, the table is drawn wider than ``width`` rather
    than cut a number or a word.

    Examples
    --------
    >>> f = pd.DataFrame({"conversion_gap": [1.5], "x": ["a"]})
    >>> print(render_table(f, units={"conversion_gap": "count"}, width=20), end="")
    ┏━━━━━━━━━━━━━━┳━━━┓
    ┃  conversion_ ┃   ┃
    ┃          gap ┃ x ┃
    ┡━━━━━━━━━━━━━━╇━━━┩
    │         1.50 │ a │
    └──────────────┴───┘
    """
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    units = units or {}
    frame = formatted_dates(frame, date_formats)
    columns = [c for c in frame.columns if c not in ("is_total", "total_kind")]
    totals = _total_labels(frame)
    dims = [c for c in columns if c not in units]
    labelled = not dims and len({t for t in totals if t is not None}) > 1
    shown_units = {**units, **_fractional_counts(frame, units)}
    rows: list[list[Text]] = []
    for row, total in zip(frame[columns].itertuples(index=False, name=None), totals, strict=True):
        is_total = total is not None
        cells = [Text(total or "", style="bold")] if labelled else []
        for c, v in zip(columns, row, strict=True):
            if is_total and c in dims:
                cells.append(Text(total if c == dims[0] else "", style="bold"))
            elif c in dims and is_missing(v):
                cells.append(Text(NONE_LABEL, style="dim"))
            else:
                text = _cell(v, shown_units.get(c), rates_as_percent)
                cells.append(Text(text, style="bold" if is_total else ""))
        rows.append(cells)
    headers = [""] if labelled else []
    headers += [f"{c} (%)" if units.get(c) == "rate" and rates_as_percent else c for c in columns]
    right = [False] * labelled + [
        pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        for c in columns
    ]
    value_widths = [max([1, *(cell_len(r[i].plain) for r in rows)]) for i in range(len(headers))]
    # numbers never wrap; text may wrap between words, never inside one
    floors = [
        w if r else max([1, *(cell_len(word) for c in rows for word in c[i].plain.split())])
        for i, (w, r) in enumerate(zip(value_widths, right, strict=True))
    ]
    widths = _column_widths(headers, value_widths, floors, width or 160)
    caption = f"money in {currency}" if currency else None
    table = Table(title=title, caption=caption, show_lines=False)
    for header, w, r in zip(headers, widths, right, strict=True):
        table.add_column(
            Text("\n".join(_wrap_header(header, w)), overflow="fold"),
            justify="right" if r else "left",
            width=w,
            no_wrap=r,
            overflow="fold",
        )
    for cells in rows:
        table.add_row(*cells, end_section=False)
    drawn = max(width or 160, sum(widths) + 3 * len(widths) + 1)  # padding and rules
    buffer = io.StringIO()
    console = Console(file=buffer, width=drawn, force_terminal=False, color_system=None)
    console.print(table)
    shown: dict[str, list[str]] = {}  # one line per reason text, naming its columns
    for name, why in (reasons or {}).items():
        if name in columns and frame[name].isna().any():  # a slice may hold none of them
            shown.setdefault(why, []).append(name)
    for why, names in shown.items():
        console.print(Text(f"{MISSING} {', '.join(names)}: {why}"), soft_wrap=True)
    return buffer.getvalue()


def _header_pieces(header: str) -> list[str]:
    """``new_customers (%)`` -> ``["new_", "customers ", "(%)"]``: where it may wrap."""
    return [p for p in re.split(r"(?<=[_ ])", header) if p]


def _wrap_header(header: str, width: int) -> list[str]:
    """The header's lines at ``width`` columns: whole pieces when they fit, else folded."""
    lines: list[str] = []
    line = ""
    for piece in _header_pieces(header):
        if line and len((line + piece).rstrip()) > width:
            lines.append(line.rstrip())
            line = ""
        line += piece
        while len(line.rstrip()) > width:  # one piece longer than the column: fold it
            lines.append(line[:width])
            line = line[width:]
    return [*lines, line.rstrip()] if line.strip() or not lines else lines


def _column_widths(
    headers: list[str], value_widths: list[int], value_floors: list[int], available: int
) -> list[int]:
    """Column widths: each as wide as its header and values when the table fits in
    ``available``; else the widest columns give way, one character at a time: headers
    wrap after ``_`` or a space, text values between words. Never narrower than
    a number, a word of a text value or a piece of the header. A table that cannot fit
    even so keeps its text values on one line (only headers wrap) and is drawn wider.
    """
    widths = [max(len(h), v) for h, v in zip(headers, value_widths, strict=True)]
    excess = sum(widths) + 3 * len(widths) + 1 - available
    longest_piece = [max(len(p.rstrip()) for p in _header_pieces(h) or [""]) for h in headers]
    floors = [max(v, p) for v, p in zip(value_floors, longest_piece, strict=True)]
    if sum(floors) + 3 * len(floors) + 1 > available:  # too wide anyway: wrap headers only
        floors = [max(v, p) for v, p in zip(value_widths, longest_piece, strict=True)]
    while excess > 0:
        # the widest column that may still give way (as Rich collapses a table)
        shrinkable = [i for i, (w, f) in enumerate(zip(widths, floors, strict=True)) if w > f]
        if not shrinkable:
            break
        i = max(shrinkable, key=widths.__getitem__)
        widths[i] -= 1
        excess -= 1
    return widths


def _total_labels(frame: pd.DataFrame) -> list[str | None]:
    """Per row, its label when it is a totals row (else None): see
    :func:`payback.present.total_label`."""
    if "is_total" not in frame:
        return [None] * len(frame)
    is_total = frame["is_total"].astype(bool).tolist()
    kinds = frame["total_kind"].tolist() if "total_kind" in frame else [None] * len(frame)
    count = len({k for k, t in zip(kinds, is_total, strict=True) if t})
    return [
        total_label(k if isinstance(k, str) else None, count) if t else None
        for k, t in zip(kinds, is_total, strict=True)
    ]


def _fractional_counts(frame: pd.DataFrame, units: Mapping[str, str]) -> dict[str, str]:
    """Count columns holding fractions (platform conversions): 2 decimals in every row."""
    out = {}
    for c, unit in units.items():
        if unit == "count" and c in frame and pd.api.types.is_float_dtype(frame[c]):
            values = frame[c].dropna().astype(float)
            if not (values == values.round()).all():
                out[c] = "decimal"
    return out


def to_csv(frame: pd.DataFrame, *, date_formats: Mapping[str, str] | None = None) -> str:
    """Spreadsheet-safe CSV text: formula-like TEXT cells get a leading apostrophe."""
    safe = formatted_dates(frame, date_formats).copy()
    for c in safe.columns:
        if safe[c].dtype == object or pd.api.types.is_string_dtype(safe[c]):
            safe[c] = safe[c].map(_safe_text)
    # RFC 4180 line ends: a cell holding a carriage return is then quoted too
    return safe.to_csv(index=False, lineterminator="\r\n", date_format="%Y-%m-%d")


def _json_value(value: Any) -> Any:
    if is_missing(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if value == dt.datetime.combine(value.date(), dt.time()):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and math.isinf(value):
        return None
    return value


def to_json_payload(
    frame: pd.DataFrame,
    *,
    title: str | None = None,
    units: Mapping[str, str] | None = None,
    reasons: Mapping[str, str] | None = None,
    currency: str | None = None,
    date_formats: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The JSON document of a frame: records with fractions and nulls, plus the reasons."""
    frame = formatted_dates(frame, date_formats)
    columns = [str(c) for c in frame.columns]
    rows = [
        {c: _json_value(v) for c, v in zip(columns, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]
    return {
        "title": title,
        "columns": columns,
        "units": dict(units or {}),
        "currency": currency,
        "rows": rows,
        "reasons": dict(reasons or {}),
    }


def formatted_dates(
    frame: pd.DataFrame, date_formats: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The frame with its period columns as text (``2024-10``): the columns named after a
    date grain whose label is not a day's (``month``, :data:`payback.metrics.GRAINS`) and
    those of ``date_formats`` (a :class:`~payback.present.Table`'s). Values that are not
    dates stay as they are.

    Examples
    --------
    >>> f = pd.DataFrame({"month": [dt.date(2024, 10, 1), None], "n": [1, 2]})
    >>> formatted_dates(f)["month"].tolist()
    ['2024-10', None]
    >>> formatted_dates(f, {"n": "%Y"})["n"].tolist()
    [1, 2]
    """
    from payback.metrics.filters import GRAINS

    formats = {c: GRAINS[c].date_format for c in frame.columns if c in GRAINS}
    formats |= dict(date_formats or {})
    formats = {  # a month NUMBER (the simulator's) is no date: left as it is
        c: f
        for c, f in formats.items()
        if f and c in frame and not pd.api.types.is_numeric_dtype(frame[c])
    }
    if not formats:
        return frame

    def shown(value: Any, fmt: str) -> Any:
        if is_missing(value):
            return None
        return value.strftime(fmt) if isinstance(value, dt.date) else value

    return frame.assign(
        **{c: frame[c].map(lambda v, f=f: shown(v, f)).astype(object) for c, f in formats.items()}
    )


def _write_parquet(frame: pd.DataFrame, path: Path, **meta: Any) -> None:
    write_arrow(arrow_table(frame, **meta), path)


def arrow_table(
    rows: pd.DataFrame | pa.Table,
    *,
    units: Mapping[str, str] | None = None,
    reasons: Mapping[str, str] | None = None,
    currency: str | None = None,
    schema: pa.Schema | None = None,
    types_mapper: Any = None,
) -> pa.Table:
    """The rows as the Arrow table payback writes to Parquet: ``units``, ``reasons`` and
    ``currency`` as JSON in the schema's key-value metadata under ``payback``.

    A frame is converted (to ``schema`` when given); an Arrow table is kept as it is and
    given the ``pandas`` metadata that a frame of its columns (``types_mapper``: their
    pandas dtypes, as in :meth:`pyarrow.Table.to_pandas`) would have, so a file written
    from either reads back into the same frame.

    Examples
    --------
    >>> import pyarrow as pa
    >>> t = arrow_table(pa.table({"cpo": [2.5, None]}), units={"cpo": "money"})
    >>> json.loads(t.schema.metadata[b"payback"])
    {'units': {'cpo': 'money'}, 'reasons': {}, 'currency': None}
    """
    import pyarrow as pa

    if isinstance(rows, pd.DataFrame):
        plain = pd.DataFrame(rows)  # drop a user's attrs: pyarrow would try to serialise them
        plain.attrs = {}
        table = pa.Table.from_pandas(plain, schema=schema, preserve_index=False)
    else:
        table = rows
    metadata = dict(table.schema.metadata or {})
    if b"pandas" not in metadata:  # what pandas would record for a frame of these columns
        empty = table.schema.empty_table().to_pandas(types_mapper=types_mapper)
        like = pa.Table.from_pandas(empty, schema=table.schema, preserve_index=False)
        metadata[b"pandas"] = like.schema.metadata[b"pandas"]
    meta = {"units": dict(units or {}), "reasons": dict(reasons or {}), "currency": currency}
    metadata[b"payback"] = json.dumps(meta, ensure_ascii=False).encode()
    return table.replace_schema_metadata(metadata)


def write_arrow(table: pa.Table, output: str | Path | None) -> None:
    """Write an Arrow table (from :func:`arrow_table`, or
    :meth:`payback.metrics.MetricsResult.to_arrow`) as Parquet, without a pandas copy.

    Raises
    ------
    payback.errors.InputError
        Without an output file.
    """
    import pyarrow.parquet as pq

    path = _parquet_path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def _parquet_path(output: str | Path | None) -> Path:
    if output is None:
        raise InputError("--format parquet writes a binary file: give --output FILE.parquet")
    return Path(output)


# MISSING and format_value live in payback.present; importable from here for users' code
__all__ = [
    "FORMATS",
    "MISSING",
    "arrow_table",
    "format_value",
    "formatted_dates",
    "render_table",
    "to_csv",
    "to_json_payload",
    "write_arrow",
    "write_frame",
]
