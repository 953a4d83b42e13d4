"""Vectorised parsing of text cells into numbers, dates and codes, as DuckDB SQL.

Every builder returns a SQL expression over a *raw* text expression (empty cells and
the layout's null tokens already turned into NULL). A cell that has text but does not
parse becomes NULL in the parsed column; the importer compares raw and parsed to
report it (file, row, column, value), so nothing is silently coerced.

Numbers accept ``1234.5``, ``-3``, ``1e3`` and US thousands separators ``1,200.50``;
never ``inf``/``nan``. With ``decimal_comma`` (``--decimal-comma``, European exports)
they are written ``1234,5`` or ``1.234,56`` instead; without it a cell like ``12,5``
(a decimal comma) is recognised by :func:`decimal_comma_sql` to say so. Dates are ISO
(``2024-10-31``) or a format detected from the values (``31.10.2024``, ``10/31/2024``,
``Oct 31, 2024`` ...); when the values fit two formats that read them differently
(``01/02/2024``) the format is ambiguous and must be given (``--date-format``).

Examples
--------
>>> import duckdb
>>> con = duckdb.connect()
>>> con.execute("SELECT " + number_sql("'1,200.50'")).fetchone()[0]
1200.5
>>> con.execute("SELECT " + number_sql("'1,20'")).fetchone()[0] is None
True
>>> con.execute("SELECT " + number_sql("'1.234,5'", decimal_comma=True)).fetchone()[0]
1234.5
>>> human_format("%d.%m.%Y %H:%M")
'DD.MM.YYYY HH:mm'
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from payback.errors import DataError

ISO = "ISO"

_DATES = (
    "%Y-%m-%d",
    "%d.%m.%Y",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y%m%d",
    "%d.%m.%y",
    "%d/%m/%y",
    "%m/%d/%y",
    "%b %d, %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%d %B %Y",
)
_TIMES = (" %H:%M:%S", " %H:%M", " %H:%M:%S.%f", " %I:%M:%S %p", " %I:%M %p", "T%H:%M:%S")
_HUMAN = (
    ("%Y", "YYYY"),
    ("%y", "YY"),
    ("%m", "MM"),
    ("%d", "DD"),
    ("%H", "HH"),
    ("%I", "hh"),
    ("%M", "mm"),
    ("%S", "ss"),
    ("%f", "ffffff"),
    ("%p", "AM"),
    ("%b", "Mon"),
    ("%B", "Month"),
)
_US_THOUSANDS = r"[-+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?"
#: European numbers (``--decimal-comma``): ``1234,5``, ``1.234,56``, ``-3``.
_EUROPEAN = r"[-+]?([0-9]+|[0-9]{1,3}(\.[0-9]{3})+)(,[0-9]+)?"
#: A decimal comma in a file read with decimal points: ``12,5``, ``-0,99``, ``1.234,56``.
_DECIMAL_COMMA = r"[-+]?([0-9]+|[0-9]{1,3}(\.[0-9]{3})+),[0-9]{1,2}"


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """A SQL string literal (only for internal constants and formats; data are bound)."""
    return "'" + value.replace("'", "''") + "'"


def human_format(fmt: str) -> str:
    """``%d.%m.%Y`` as people write it: ``DD.MM.YYYY`` (``ISO`` -> ``YYYY-MM-DD``)."""
    if fmt == ISO:
        return "YYYY-MM-DD"
    out = fmt
    for code, word in _HUMAN:
        out = out.replace(code, word)
    return out


def raw_sql(
    column: str, arrow_type: pa.DataType, null_tokens: tuple[str, ...] = (), *, spaced: bool = True
) -> str:
    """The raw cell as text, NULL when empty or a null token (``--``).

    ``spaced=False`` says that no cell of the column starts or ends with a space
    (:func:`edge_spaces`): the trim (:func:`trim_sql`) is then the cell itself and is left
    out of the SQL (2M cells: about 0.06 s CPU per column).

    >>> import duckdb
    >>> sql = raw_sql("x", pa.string(), ("--",), spaced=False)
    >>> duckdb.sql(f"SELECT {sql} FROM (VALUES ('a'), (''), ('--')) v(x)").fetchall()
    [('a',), (None,), (None,)]
    """
    col = ident(column)
    if pa.types.is_floating(arrow_type):
        # an id or count read as float by its writer: 17850.0 -> '17850'
        return (
            f"CASE WHEN {col} = trunc({col}) AND abs({col}) < 1e15 "
            f"THEN CAST(CAST({col} AS BIGINT) AS VARCHAR) ELSE CAST({col} AS VARCHAR) END"
        )
    if not (pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)):
        if pa.types.is_dictionary(arrow_type):
            col = f"CAST({col} AS VARCHAR)"
        else:
            return f"CAST({col} AS VARCHAR)"
    trimmed = trim_sql(col) if spaced else col
    value = f"NULLIF({trimmed}, '')"
    tokens = list(dict.fromkeys(t.strip() for t in null_tokens if t.strip()))
    if tokens:
        listed = ", ".join(lit(t) for t in tokens)
        value = f"CASE WHEN {trimmed} IN ({listed}) THEN NULL ELSE {value} END"
    return value


def trim_sql(text: str) -> str:
    """``trim(text)`` (spaces at either end removed), trimming only the cells that need it.

    DuckDB's ``trim`` copies every cell; most cells of an export have no space to remove,
    and testing the first and last byte costs about a tenth of that (2M cells: 0.02
    against 0.2 s CPU).

    >>> import duckdb
    >>> duckdb.sql("SELECT " + trim_sql("'  a b '") + ", " + trim_sql("'x'")).fetchone()
    ('a b', 'x')
    """
    ends = f"starts_with({text}, ' ') OR ends_with({text}, ' ')"
    return f"CASE WHEN {ends} THEN trim({text}) ELSE {text} END"


def edge_spaces(column: pa.ChunkedArray) -> bool:
    """Whether a cell of a text column starts or ends with a space (what :func:`trim_sql`
    removes); a dictionary column is judged by its dictionaries, any other type is False.

    Two vectorised passes over the column, about a tenth of the trim's cost in SQL; a
    column whose text has no space at all (numbers, dates, codes) is told by one scan of
    its bytes (2M cells: about 0.003 against 0.02 s of CPU).

    >>> edge_spaces(pa.chunked_array([["a", "b c"], ["d "]]))
    True
    >>> edge_spaces(pa.chunked_array([["a", "b c", None]])), edge_spaces(pa.chunked_array([[1]]))
    (False, False)
    """
    if pa.types.is_dictionary(column.type):
        return any(edge_spaces(pa.chunked_array([c.dictionary])) for c in column.chunks)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return False
    if not any(_byte_count(chunk, " ") for chunk in column.chunks):
        return False
    import pyarrow.compute as pc

    return any(pc.any(f(column, " ")).as_py() for f in (pc.starts_with, pc.ends_with))


def typed_sql(column: str, arrow_type: pa.DataType) -> str | None:
    """The column itself when the file already typed it as a number (Parquet).

    NaN and infinities become NULL (so they are reported like the same text in a CSV).
    """
    if (
        pa.types.is_integer(arrow_type)
        or pa.types.is_floating(arrow_type)
        or pa.types.is_decimal(arrow_type)
    ):
        x = f"CAST({ident(column)} AS DOUBLE)"
        return f"(CASE WHEN isfinite({x}) THEN {x} END)"
    return None


def number_sql(raw: str, *, decimal_comma: bool = False) -> str:
    """Parse a number; NULL if the text is not a finite number.

    Plain (``1234.5``, ``-3``, ``1e3``) or with US thousands separators (``1,200.50``);
    with ``decimal_comma`` the European way instead: ``1234,5``, ``1.234,56`` (a dot
    only between groups of three digits, so ``12.5`` is not read as 12.5 nor 125).
    """
    return finite_sql(number_text_sql(raw, decimal_comma=decimal_comma))


def number_text_sql(raw: str, *, decimal_comma: bool = False, grouped: bool = False) -> str:
    """The number of :func:`number_sql` before NaN and infinities become NULL.

    The importer computes it once per cell as a column of its own and applies
    :func:`finite_sql` to that column (``finite_sql`` repeats its argument: on the whole
    expression DuckDB would parse the cell several times).

    ``grouped=True`` says that every cell with a ``','`` is written with ``','`` between
    thousands (:func:`grouped_thousands`, checked on the column before): the pattern test
    per cell is then left out and such a cell is read with its commas removed, the same
    numbers (2M cells of an ads report's impressions, 80 % with a comma: 0.16 instead of
    0.24 s of CPU; removing the commas of every cell instead would cost more where few
    cells have one).

    >>> import duckdb
    >>> sql = number_text_sql("r", grouped=True)
    >>> duckdb.sql(f"SELECT {sql} FROM (VALUES ('1,200.5'), ('7'), ('x'), (NULL)) v(r)").fetchall()
    [(1200.5,), (7.0,), (None,), (None,)]
    """
    if grouped and not decimal_comma:
        return (
            f"CASE WHEN NOT contains({raw}, ',') THEN TRY_CAST({raw} AS DOUBLE) "
            f"ELSE TRY_CAST(replace({raw}, ',', '') AS DOUBLE) END"
        )
    if decimal_comma:
        return (
            f"CASE WHEN regexp_full_match({raw}, {lit(_EUROPEAN)}) "
            f"THEN TRY_CAST({decimal_point_sql(raw)} AS DOUBLE) "
            f"WHEN NOT regexp_matches({raw}, '[.,]') THEN TRY_CAST({raw} AS DOUBLE) END"
        )
    # DuckDB never reads a ',' in a DOUBLE, and a failed cast is slow: the cells with a
    # comma go straight to the thousands pattern
    return (
        f"CASE WHEN NOT contains({raw}, ',') THEN TRY_CAST({raw} AS DOUBLE) "
        f"WHEN regexp_full_match({raw}, {lit(_US_THOUSANDS)}) "
        f"THEN TRY_CAST(replace({raw}, ',', '') AS DOUBLE) END"
    )


def grouped_thousands(column: pa.ChunkedArray) -> bool:
    """Whether a text column has cells with a ``','`` and every one of them is a number
    with ``','`` between thousands (``1,200``, ``-12,345.5``; spaces at either end aside):
    the cells :func:`number_text_sql` reads by removing the commas.

    Judged on the distinct cells with a comma (2M cells of an ads report's impressions:
    about 0.03 s, against about 0.1 s of CPU for testing the pattern on every cell in
    SQL); a column without any ``','`` byte is told at once (False). Where fewer than half
    the cells can have a comma, those cells are picked out before the distinct ones are
    found (2M cells of a conversion value, 1 % with a comma: 0.03 instead of 0.16 s).
    Other types: False.

    >>> grouped_thousands(pa.chunked_array([["1,200", "7", " 12,345.5 ", "1,200", ""]]))
    True
    >>> ask = lambda *cells: grouped_thousands(pa.chunked_array([cells]))
    >>> ask("1,200", "12,5"), ask("7", "1.5"), ask("1,200", "1,2000")
    (False, False, False)
    >>> ask("1,200", *["7"] * 9), ask("1,2", *["7"] * 9)   # commas picked out first
    (True, False)
    """
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return False
    commas_at_most = sum(_byte_count(chunk, ",") for chunk in column.chunks)
    if not commas_at_most:
        return False
    import pyarrow.compute as pc

    if 2 * commas_at_most < len(column):  # few cells with a comma: those first
        commas = pc.unique(column.filter(pc.match_substring(column, ",")))
    else:  # most cells have one: their distinct values first (a report has few)
        values = pc.unique(column)
        commas = values.filter(pc.match_substring(values, ","))
    if not len(commas):
        return False
    return bool(pc.all(pc.match_substring_regex(commas, f"^ *({_US_THOUSANDS}) *$")).as_py())


def _byte_count(chunk: pa.Array, char: str) -> int:
    """How often the byte ``char`` occurs in the text bytes of a string array (its slice):
    in its cells and, at worst, in the bytes of a null cell, so 0 says that no cell holds
    it, and a count is an upper bound of the cells that do.

    >>> cells = pa.array(["1,2,3", None, "4,5"])
    >>> [_byte_count(c, ",") for c in (cells.slice(0, 2), cells.slice(1))], _byte_count(cells, ";")
    ([2, 1], 0)
    """
    import numpy as np

    if len(chunk) == 0:
        return 0
    offsets_type = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    _, offsets, data = chunk.buffers()
    if data is None:
        return 0
    bounds = np.frombuffer(offsets, dtype=offsets_type)[[chunk.offset, chunk.offset + len(chunk)]]
    text = np.frombuffer(data, dtype=np.uint8)[int(bounds[0]) : int(bounds[1])]
    return int(np.count_nonzero(text == ord(char)))


def finite_sql(number: str) -> str:
    """``number`` (a DOUBLE), NULL when it is NaN or infinite.

    >>> import duckdb
    >>> sql = finite_sql("'inf'::DOUBLE") + ", " + finite_sql("2.5::DOUBLE")
    >>> duckdb.sql("SELECT " + sql).fetchone()
    (None, 2.5)
    """
    return f"(CASE WHEN isfinite({number}) THEN {number} END)"


def decimal_comma_sql(raw: str) -> str:
    """Whether a cell is a number written with a decimal comma (``12,5``, ``1.234,56``).

    Meant for cells that did not parse as numbers with decimal points.

    Examples
    --------
    >>> import duckdb
    >>> con = duckdb.connect()
    >>> [con.execute("SELECT " + decimal_comma_sql(lit(v))).fetchone()[0]
    ...  for v in ("12,5", "-0,99", "1.234,56", "1,234", "12,3.4", "1,2,3")]
    [True, True, True, False, False, False]
    """
    return f"regexp_full_match({raw}, {lit(_DECIMAL_COMMA)})"


#: A number whose only separator is one ',' before three digits per group: ``1,234``.
COMMA_THOUSANDS = r"[-+]?[0-9]{1,3}(,[0-9]{3})+"
#: A number with one '.' before exactly three digits: ``1.234`` (a decimal point, or a dot
#: between thousands in a European export).
DOT_THREE = r"[-+]?[0-9]{1,3}\.[0-9]{3}"


#: Cells of a column looked at in one go by :func:`separator_readings` (it stops at the
#: block that settles both readings: the first one, in most files).
SEPARATOR_BLOCK = 131_072


def separator_readings(column: pa.ChunkedArray | pa.Array) -> tuple[bool, bool]:
    """Whether a text column's separators read two ways: (its commas, its dots).

    Its commas are ambiguous when every cell with a separator is like ``1,234``
    (thousands, or a decimal comma); its dots when every one is like ``1.234`` (a decimal
    point, or a dot between thousands). Any other separated cell (``12.50``,
    ``1,234.5``) settles the column. Vectorised (Arrow compute) over blocks of
    :data:`SEPARATOR_BLOCK` cells: a cell with a dot settles the commas, a cell with a
    comma the dots, a separated cell that is not ``1,234`` (``1.234``) its own reading;
    the blocks after the one that settles both are not read, and the regular expression
    only sees the cells with one kind of separator while their reading is open.

    Examples
    --------
    >>> def ask(*cells):
    ...     return separator_readings(pa.array(cells))
    >>> ask("1,234", "2,500", "7"), ask("1.234", " 2.500"), ask("1,234", "12.50")
    ((True, False), (False, True), (False, False))
    >>> ask(None, "", "7"), ask("1,234", "1,2345"), ask(*["1.234"] * 200_000, "2.5")
    ((False, False), (False, False), (False, False))
    """
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type):
        column = column.cast(pa.string())
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    open_ = {",": True, ".": True}  # the reading is still possible
    seen = False  # a separated cell was found
    patterns = {",": COMMA_THOUSANDS, ".": DOT_THREE}
    for chunk in chunks:
        for start in range(0, len(chunk), SEPARATOR_BLOCK):
            part = chunk.slice(start, SEPARATOR_BLOCK)
            has = {s: pc.match_substring(part, s) for s in patterns}
            found = {s: bool(pc.any(m).as_py()) for s, m in has.items()}
            seen = seen or found[","] or found["."]
            open_[","] = open_[","] and not found["."]  # a dot anywhere settles the commas
            open_["."] = open_["."] and not found[","]
            for sep, pattern in patterns.items():
                if open_[sep] and found[sep]:
                    cells = pc.utf8_trim_whitespace(pc.filter(part, has[sep]))
                    matching = pc.sum(pc.match_substring_regex(cells, f"^({pattern})$"))
                    open_[sep] = (matching.as_py() or 0) == len(cells)
            if not (open_[","] or open_["."]):
                return False, False
    return open_[","] and seen, open_["."] and seen


def decimal_point_sql(raw: str) -> str:
    """A decimal-comma number rewritten with a decimal point: ``1.234,56`` -> ``1234.56``."""
    return f"replace(replace({raw}, '.', ''), ',', '.')"


#: The largest whole number a count column holds (BIGINT, with room for rounding).
MAX_WHOLE = 9e18


def whole_sql(number: str) -> str:
    """A parsed number as BIGINT, NULL unless it is a whole number below :data:`MAX_WHOLE`.

    >>> import duckdb
    >>> duckdb.sql("SELECT " + whole_sql("1e20") + ", " + whole_sql("12.0")).fetchone()
    (None, 12)
    """
    return (
        f"(CASE WHEN {number} = trunc({number}) AND abs({number}) < {MAX_WHOLE!r} "
        f"THEN CAST({number} AS BIGINT) END)"
    )


def date_sql(raw: str, fmt: str, dtype: str) -> str:
    """Parse a date (``dtype='date'``) or timestamp with a format or ``ISO``."""
    if fmt == ISO:
        if dtype == "date":
            return f"(CASE WHEN length({raw}) <= 10 THEN TRY_CAST({raw} AS DATE) END)"
        return f"TRY_CAST({raw} AS TIMESTAMP)"
    parsed = f"try_strptime({raw}, {lit(fmt)})"
    return f"CAST({parsed} AS DATE)" if dtype == "date" else parsed


def epoch_sql(raw: str) -> str:
    """A timestamp from Unix seconds (``1714564800`` -> 2024-05-01 12:00:00, UTC)."""
    return f"epoch_ms(CAST(round(TRY_CAST({raw} AS DOUBLE) * 1000) AS BIGINT))"


def typed_date_sql(column: str, arrow_type: pa.DataType, dtype: str) -> str | None:
    """The column itself when the file typed it as a date or timestamp (Parquet)."""
    if pa.types.is_date(arrow_type) or pa.types.is_timestamp(arrow_type):
        return f"CAST({ident(column)} AS {'DATE' if dtype == 'date' else 'TIMESTAMP'})"
    return None


@dataclass(frozen=True)
class DateFormat:
    """The format chosen for a date column and why."""

    format: str
    reason: str

    @property
    def human(self) -> str:
        return human_format(self.format)


def candidate_formats(dtype: str) -> tuple[str, ...]:
    """Formats tried on a date (``date``) or timestamp column, ISO first."""
    if dtype == "date":
        return _DATES
    return _DATES + tuple(d + t for d in _DATES for t in _TIMES)


def detect_date_format(
    con,
    relation: str,
    raw: str,
    *,
    dtype: str,
    label: str,
    file: str,
    preferred: str | None = None,
) -> DateFormat:
    """Choose the date format of a column from (a sample of) its distinct values.

    ISO wins when every sampled value is ISO. Otherwise the formats that read every
    value are kept; formats that read some value differently make the column
    ambiguous: the layout's ``preferred`` format settles it, else an error asks for
    ``--date-format``. When no format reads every value the one reading most wins
    (the rest become unparsable-date errors naming the expected format).

    Raises
    ------
    DataError
        On an ambiguous format, naming a value that reads two ways.
    """
    sample = con.execute(
        f"SELECT DISTINCT r FROM (SELECT {raw} AS r FROM {relation}) WHERE r IS NOT NULL"
    ).to_arrow_table()
    n = sample.num_rows
    if n == 0:
        return DateFormat(ISO, "no values")
    con.register("_pb_date_sample", sample)
    try:
        iso = con.execute(
            f"SELECT count(*) FILTER (WHERE {date_sql('r', ISO, dtype)} IS NOT NULL) "
            "FROM _pb_date_sample"
        ).fetchone()[0]
        if iso == n:
            return DateFormat(ISO, "ISO dates")
        formats = (ISO, *candidate_formats(dtype))
        others = ", ".join(
            f"count(*) FILTER (WHERE {date_sql('r', f, dtype)} IS NOT NULL)" for f in formats[1:]
        )
        counts = (iso, *con.execute(f"SELECT {others} FROM _pb_date_sample").fetchone())
        full = [f for f, c in zip(formats[1:], counts[1:], strict=True) if c == n]
        if not full:
            best = max(range(1, len(formats)), key=lambda i: counts[i])
            chosen = formats[best] if counts[best] > 0 else ISO
            return DateFormat(chosen, "reads the most values")
        groups: list[str] = []
        example = None
        for f in full:
            if not groups:
                groups.append(f)
                continue
            row = con.execute(
                f"SELECT r FROM _pb_date_sample WHERE {date_sql('r', f, dtype)} "
                f"IS DISTINCT FROM {date_sql('r', groups[0], dtype)} LIMIT 1"
            ).fetchone()
            if row is not None:
                groups.append(f)
                example = example or row[0]
        if len(groups) == 1:
            return DateFormat(groups[0], "the only format reading every value")
        if preferred in groups:
            return DateFormat(preferred, "the layout's format (the values alone are ambiguous)")
        shown = " or ".join(human_format(g) for g in groups[:3])
        raise DataError(
            "ambiguous date format",
            file=file,
            column=label,
            value=example,
            expected=f"dates that read one way only; these fit {shown}",
            fix=f"give the format with --date-format {human_format(groups[0])} "
            f"(or {human_format(groups[1])})",
        )
    finally:
        con.unregister("_pb_date_sample")
