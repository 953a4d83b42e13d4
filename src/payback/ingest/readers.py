"""Read CSV, TSV (optionally gzip-compressed) and Parquet files into Arrow, fast and faithfully.

A CSV file is read with pyarrow's multi-threaded reader, every column as text: the
importer parses numbers and dates itself (vectorised, in DuckDB) so that a bad cell
becomes an error naming its row instead of a silently guessed type. Each data row gets
``_row``, the row number a spreadsheet shows for it (the header is row ``header_row``).

Encodings: UTF-8 with or without BOM, and UTF-16 with BOM (Google Ads' "Excel CSV").
Delimiters: comma, tab, semicolon or pipe, sniffed from the header line.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "ads.tsv"
>>> _ = p.write_text("Date\\tClicks\\n2024-10-01\\t3\\n", encoding="utf-8")
>>> peek = peek_file(p)
>>> peek.lines[0], best_delimiter(peek.lines[0])
('Date\\tClicks', '\\t')
>>> raw = read_csv(p, peek, header_index=0, delimiter="\\t")
>>> raw.columns, raw.table.column("_row").to_pylist(), raw.header_row
(('Date', 'Clicks'), [2], 1)
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from payback.errors import DataError

#: Files at least this big show a progress bar unless told otherwise.
PROGRESS_BYTES = 50_000_000
#: Files below this size are read (and staged) on one thread: on small inputs threads
#: cost more than they share.
ONE_THREAD_BYTES = 32 << 20
_PEEK_BYTES = 256 * 1024
_PEEK_LINES = 60
_DELIMITERS = (",", "\t", ";", "|")
_WRONG_LENGTH = re.compile(r"Expected \d+ columns, got \d+")
_BLOCK = 16 << 20


@dataclass(frozen=True)
class Peek:
    """The first lines of a file, decoded, and how to decode the rest."""

    path: Path
    format: str  # "csv", "parquet" or "xlsx" (any workbook)
    compression: str | None
    encoding: str
    size: int
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class RawFile:
    """A file read as Arrow: text columns as in the file plus ``_row``.

    Attributes
    ----------
    columns : tuple of str
        Source column names as the header spells them (made unique: ``Clicks (2)``).
    header_row : int
        1-based line of the header (0 for Parquet: ``_row`` then counts records from 1).
    preamble : tuple of str
        Lines before the header (report title, date range ...).
    footer : tuple of str
        Short trailing lines dropped because the layout declares them (``Total rows: 31``).
    malformed : tuple of (int or None, str)
        The first rows whose number of fields differs from the header's (line number
        when found).
    malformed_count : int
        How many rows have a wrong number of fields in all.
    repeated : tuple of tuple of str
        Headers the file spells more than once, as made unique: ``("cost", "cost (2)")``.
    sheet : str or None
        The sheet read, for a workbook (:mod:`payback.ingest.spreadsheets`).
    """

    path: Path
    format: str
    encoding: str
    delimiter: str | None
    header_row: int
    columns: tuple[str, ...]
    table: pa.Table
    preamble: tuple[str, ...] = ()
    footer: tuple[str, ...] = ()
    malformed: tuple[tuple[int | None, str], ...] = field(default=())
    malformed_count: int = 0
    repeated: tuple[tuple[str, ...], ...] = ()
    sheet: str | None = None

    @property
    def label(self) -> str:
        """How messages name the file: its path, and the sheet of a workbook."""
        return str(self.path) + (f", sheet {self.sheet!r}" if self.sheet is not None else "")


class Progress:
    """A Rich progress bar on stderr, or nothing; used as a context manager.

    >>> with Progress(enabled=False) as p:
    ...     p.phase("validating")
    """

    def __init__(self, enabled: bool, description: str = "") -> None:
        self.enabled = enabled
        self.description = description
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.__enter__()
        return self

    def start_bytes(self, total: int | None, description: str) -> None:
        if self._bar is not None:
            self._task = self._bar.add_task(description, total=total)

    def update_bytes(self, done: int) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done)

    def phase(self, description: str) -> None:
        """Start a step whose length is unknown (a spinner), hiding the previous one."""
        if self._bar is not None:
            if self._task is not None:
                self._bar.update(self._task, visible=False)
            self._task = self._bar.add_task(description, total=None)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


def _compression(path: Path, head: bytes) -> str | None:
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if path.suffix.lower() in (".gz", ".gzip"):
        return "gzip"
    return None


def _open_binary(path: Path, compression: str | None):
    return gzip.open(path, "rb") if compression == "gzip" else open(path, "rb")


def peek_file(path: Path) -> Peek:
    """Detect the format, compression and encoding of ``path`` and decode its first lines.

    Raises
    ------
    DataError
        When the file is missing, empty, a zip that is no workbook, or not UTF-8/UTF-16
        text. A workbook (``.xlsx`` ...) is format ``xlsx``, read by
        :mod:`payback.ingest.spreadsheets`.
    """
    name = str(path)
    if not path.exists():
        raise DataError("file not found", file=name, fix="check the path")
    if path.is_dir():
        raise DataError(
            "a folder, not a file",
            file=name,
            expected="a CSV, TSV or Parquet file",
            fix="give the path of one file in it (import each file with its own command)",
        )
    size = path.stat().st_size
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise DataError(
            f"cannot read the file: {e.strerror}", file=name, fix="check its permissions"
        ) from None
    if magic == b"PAR1" or path.suffix.lower() in (".parquet", ".pq"):
        return Peek(path, "parquet", None, "binary", size)
    from payback.ingest.spreadsheets import is_spreadsheet

    if is_spreadsheet(path, magic):
        return Peek(path, "xlsx", None, "binary", size)
    if magic[:2] == b"PK":
        raise DataError(
            "a zip archive that is not a workbook cannot be read",
            file=name,
            expected="a CSV, TSV, Parquet or .xlsx file",
            fix="unzip it and import the files inside",
        )
    compression = _compression(path, magic)
    if compression == "gzip" and magic[:2] != b"\x1f\x8b":
        raise DataError(
            f"the file is named {path.suffix} but is not gzip-compressed",
            file=name,
            value=magic.decode("latin-1"),
            expected="gzip data (it starts with the bytes 1f 8b)",
            fix=f"rename it without {path.suffix} (e.g. {path.stem}), or compress it with gzip",
        )
    try:
        with _open_binary(path, compression) as f:
            head = f.read(_PEEK_BYTES)
    except (EOFError, OSError, zlib.error) as e:
        raise _bad_gzip(name, e) from None
    if not head.strip():
        raise DataError("the file is empty", file=name, fix="export the report again")
    unmarked = _utf16_without_bom(head)
    if unmarked:
        raise DataError(
            f"the file is {unmarked} text without a byte-order mark",
            file=name,
            expected="UTF-8 (or UTF-16 with a byte-order mark)",
            fix=f"re-save it as 'CSV UTF-8' (e.g. `iconv -f {unmarked} -t UTF-8 in.csv > out.csv`)",
        )
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    encoding = "utf-16" if utf16 else "utf-8"
    decoder = codecs.getincrementaldecoder("utf-8-sig" if encoding == "utf-8" else encoding)()
    try:
        text = decoder.decode(head, final=len(head) < _PEEK_BYTES)
    except UnicodeDecodeError as e:
        raise _not_utf8(name, head[: e.start].count(b"\n") + 1) from None
    lines = text.splitlines()
    if len(head) == _PEEK_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in half
    return Peek(path, "csv", compression, encoding, size, tuple(lines[:_PEEK_LINES]))


def _utf16_without_bom(head: bytes) -> str | None:
    """``UTF-16LE``/``UTF-16BE`` when ``head`` is ASCII-like UTF-16 without a BOM.

    Text with NUL bytes at every other position is UTF-16 (no CSV has NUL bytes).

    >>> _utf16_without_bom("date,cost".encode("utf-16-le")), _utf16_without_bom(b"date")
    ('UTF-16LE', None)
    """
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    sample = head[:4096]
    half = len(sample) // 2
    if half == 0:
        return None
    odd = sample[1::2].count(0) / half
    even = sample[0::2].count(0) / half
    if odd > 0.3 and even < 0.05:
        return "UTF-16LE"
    if even > 0.3 and odd < 0.05:
        return "UTF-16BE"
    return None


def _bad_gzip(name: str, error: BaseException) -> DataError:
    return DataError(
        f"the compressed file is cut short or damaged ({error})",
        file=name,
        expected="a complete gzip file",
        fix="download or copy the file again (`gzip -t FILE` checks it)",
    )


def _not_utf8(name: str, row: int | None) -> DataError:
    return DataError(
        "the file is not UTF-8 text",
        file=name,
        row=row,
        expected="UTF-8 (or UTF-16 with a byte-order mark)",
        fix="re-save the file as 'CSV UTF-8' (e.g. `iconv -f cp1251 -t utf-8 in.csv > out.csv`)",
    )


def split_line(line: str, delimiter: str) -> list[str]:
    """Split one CSV line with ``delimiter`` honouring quotes.

    >>> split_line('Day,"1,200",x', ",")
    ['Day', '1,200', 'x']
    """
    try:
        return next(csv.reader([line], delimiter=delimiter))
    except (StopIteration, csv.Error):
        return [line]


def best_delimiter(line: str) -> str:
    """The delimiter that splits ``line`` into the most fields (comma on ties).

    >>> best_delimiter("a;b;c"), best_delimiter("a,b;c")
    (';', ',')
    """
    counts = {d: len(split_line(line, d)) for d in _DELIMITERS}
    return max(_DELIMITERS, key=lambda d: (counts[d], -_DELIMITERS.index(d)))


def unique_names(names: Sequence[str]) -> tuple[str, ...]:
    """Header names made unique and non-empty, keeping the first spelling.

    >>> unique_names(["Clicks", "", "Clicks"])
    ('Clicks', 'column 2', 'Clicks (2)')
    """
    seen: dict[str, int] = {}
    out = []
    for i, raw in enumerate(names, 1):
        name = raw.strip() or f"column {i}"
        if name in seen:
            seen[name] += 1
            name = f"{name} ({seen[name]})"
        else:
            seen[name] = 1
        out.append(name)
    return tuple(out)


def repeated_names(names: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """The headers spelled more than once (case and blanks ignored), as :func:`unique_names`
    makes them.

    >>> repeated_names(["date", "cost", "currency", "cost"])
    (('cost', 'cost (2)'),)
    """
    unique = unique_names(names)
    groups: dict[str, list[str]] = {}
    for raw, made in zip(names, unique, strict=True):
        if raw.strip():
            groups.setdefault(raw.strip().lower(), []).append(made)
    return tuple(tuple(g) for g in groups.values() if len(g) > 1)


def read_csv(
    path: Path,
    peek: Peek,
    *,
    header_index: int,
    delimiter: str,
    is_footer: Callable[[str], bool] = lambda text: False,
    has_footer: bool = False,
    progress: Progress | None = None,
) -> RawFile:
    """Read a delimited text file from its header line on, every column as text.

    Parameters
    ----------
    header_index : int
        0-based index of the header line among ``peek.lines``.
    delimiter : str
    is_footer : callable
        Decides whether a short (ragged) row is a layout footer to drop.
    has_footer : bool
        Whether the layout ends with footer lines (they are short rows): the file is then
        read with the row handler at once rather than after a failed fast read.

    Returns
    -------
    RawFile
        ``table`` holds one string column per header field and ``_row``; empty cells
        are empty strings (never null), blank lines are rows of empty strings.
    """
    import pyarrow.csv as pcsv

    name = str(path)
    header = split_line(peek.lines[header_index], delimiter)
    columns = unique_names(header)
    ragged: list[str] = []
    footer: list[str] = []

    def on_invalid(row: Any) -> str:
        text = row.text
        (footer if is_footer(text) else ragged).append(text)
        return "skip"

    read_options = pcsv.ReadOptions(
        skip_rows=header_index + 1,
        column_names=list(columns),
        encoding="utf8" if peek.encoding == "utf-8" else peek.encoding,
        block_size=_BLOCK,
        use_threads=peek.size >= ONE_THREAD_BYTES,
    )
    convert_options = pcsv.ConvertOptions(
        column_types={c: pa.string() for c in columns},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        null_values=[],
    )

    def read(handler: Callable[[Any], str] | None) -> pa.Table:
        parse_options = pcsv.ParseOptions(
            delimiter=delimiter,
            ignore_empty_lines=False,
            newlines_in_values=True,
            invalid_row_handler=handler,
        )
        if progress is not None and progress.enabled:
            return _stream(path, peek, read_options, parse_options, convert_options, progress)
        source: Any = path
        if peek.compression == "gzip":
            source = pa.CompressedInputStream(pa.OSFile(str(path)), "gzip")
        return pcsv.read_csv(
            source,
            read_options=read_options,
            parse_options=parse_options,
            convert_options=convert_options,
        )

    try:
        if has_footer:
            table = read(on_invalid)
        else:
            # pyarrow reads quoted line breaks about 3x faster without a row handler; a
            # file with a row of the wrong length fails that way and is read again with it
            try:
                table = read(None)
            except pa.ArrowInvalid as e:
                if not _WRONG_LENGTH.search(str(e)):
                    raise
                table = read(on_invalid)
    except (EOFError, zlib.error) as e:
        raise _bad_gzip(name, e) from None
    except (pa.ArrowInvalid, OSError) as e:
        if peek.compression and ("compress" in str(e).lower() or "gzip" in str(e).lower()):
            raise _bad_gzip(name, e) from None
        if not isinstance(e, pa.ArrowInvalid):
            raise DataError(f"cannot read the file: {e}", file=name, fix="check the file") from None
        if "UTF8" in str(e) or "utf-8" in str(e).lower():
            raise _not_utf8(name, _first_bad_utf8_line(path, peek)) from None
        raise DataError(
            f"cannot read the file as {'TSV' if delimiter == chr(9) else 'CSV'}: {e}",
            file=name,
            fix="check the quoting of the reported row, or export the file again",
        ) from None
    first = header_index + 2
    rows = pa.array(np.arange(first, first + table.num_rows, dtype=np.int64))
    table = table.append_column("_row", rows)
    malformed = tuple((_find_line(path, peek, text), text) for text in ragged[:3])
    return RawFile(
        path=path,
        format="tsv" if delimiter == "\t" else "csv",
        encoding=peek.encoding,
        delimiter=delimiter,
        header_row=header_index + 1,
        columns=columns,
        table=table,
        preamble=tuple(peek.lines[:header_index]),
        footer=tuple(footer),
        malformed=malformed,
        malformed_count=len(ragged),
        repeated=repeated_names(header),
    )


def _stream(path, peek, read_options, parse_options, convert_options, progress) -> pa.Table:
    import pyarrow.csv as pcsv

    raw = open(path, "rb")  # noqa: SIM115 - closed below; position drives the progress bar
    try:
        source: Any = pa.PythonFile(raw, mode="r")
        if peek.compression == "gzip":
            source = pa.CompressedInputStream(source, "gzip")
        progress.start_bytes(peek.size, f"Reading {path.name}")
        reader = pcsv.open_csv(
            source,
            read_options=read_options,
            parse_options=parse_options,
            convert_options=convert_options,
        )
        batches = []
        done = 0
        for batch in reader:
            batches.append(batch)
            done = raw.tell() if peek.compression else min(done + _BLOCK, peek.size)
            progress.update_bytes(done)
        progress.update_bytes(peek.size)
        if not batches:
            return reader.schema.empty_table()
        return pa.Table.from_batches(batches, schema=reader.schema)
    finally:
        raw.close()


def _text_lines(path: Path, peek: Peek):
    with _open_binary(path, peek.compression) as f:
        stream = io.TextIOWrapper(f, encoding=peek.encoding, errors="replace", newline="")
        yield from stream


def _find_line(path: Path, peek: Peek, text: str) -> int | None:
    """The 1-based line holding ``text`` (only used to report malformed rows)."""
    target = text.rstrip("\r\n")
    for number, line in enumerate(_text_lines(path, peek), 1):
        if line.rstrip("\r\n").lstrip("\ufeff") == target:
            return number
    return None


def _first_bad_utf8_line(path: Path, peek: Peek) -> int | None:
    with _open_binary(path, peek.compression) as f:
        for number, line in enumerate(f, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


def read_parquet(path: Path, progress: Progress | None = None) -> RawFile:
    """Read a Parquet file (typed columns kept) and number its records from 1."""
    import pyarrow.parquet as pq

    if progress is not None:
        progress.phase(f"Reading {path.name}")
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as e:
        raise DataError(
            f"cannot read the file as Parquet: {e}", file=str(path), fix="export it again"
        ) from None
    columns = unique_names(table.column_names)
    repeated = repeated_names(table.column_names)
    table = table.rename_columns(list(columns))
    rows = pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64))
    return RawFile(
        path=path,
        format="parquet",
        encoding="binary",
        delimiter=None,
        header_row=0,
        columns=columns,
        table=table.append_column("_row", rows),
        repeated=repeated,
    )


_QUOTES = re.compile(r'^[\s"\']+|[\s"\']+$')


def strip_quotes(text: str) -> str:
    """A preamble/footer line without surrounding quotes and blanks.

    >>> strip_quotes('"Total rows: 31"')
    'Total rows: 31'
    """
    return _QUOTES.sub("", text)
