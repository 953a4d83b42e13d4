"""Stage a file for the store: keep the data rows, parse every column, list the checks.

The staging happens in temporary DuckDB objects named ``_pb_*`` on the store's own
connection (so the final insert reads them without a copy) and is dropped afterwards.
Rows that are not data are removed with pyarrow compute kernels before DuckDB sees the
file: blank lines, the "Total:" rows a Google report ends with, the summary row of a
Meta export. Parsing and checking are single SQL passes over all rows.

Examples
--------
>>> import pyarrow as pa
>>> t = pa.table({"Day": ["2024-10-01", "", "Total: Account"], "_row": [4, 5, 6]})
>>> from payback.ingest.platforms import GOOGLE, Plan
>>> kept, notes = data_rows(t, GOOGLE, Plan({}), text=True)
>>> kept.column("_row").to_pylist(), notes
([4], ['1 blank line(s) skipped', '1 "Total" row(s) at the end of the report skipped'])
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from payback.errors import DataError
from payback.ingest.currencies import not_codes, upper_case
from payback.ingest.parsing import (
    ISO,
    date_sql,
    decimal_comma_sql,
    decimal_point_sql,
    detect_date_format,
    edge_spaces,
    epoch_sql,
    finite_sql,
    grouped_thousands,
    human_format,
    ident,
    lit,
    number_text_sql,
    raw_sql,
    typed_date_sql,
    typed_sql,
    whole_sql,
)
from payback.ingest.platforms import Layout, Plan
from payback.ingest.readers import RawFile, split_line, strip_quotes
from payback.ingest.validate import (
    DUPLICATE_FIX,
    Check,
    Problems,
    ambiguous_separators,
    separator_check,
)
from payback.schema import FIRST_DATE, LAST_DATE, Table

SRC = "_pb_src"
PARSED = "_pb_parsed"
_EXPECTED_NUMBER = "a number like 1234.56 (a thousands separator ',' is allowed)"
_EXPECTED_EUROPEAN = (
    "a number like 1.234,56 (--decimal-comma: a decimal comma, '.' between thousands)"
)


def report_malformed(raw: RawFile, problems: Problems) -> None:
    """Rows whose field count differs from the header's (not layout footers)."""
    if not raw.malformed:
        return
    problems.add_group(
        [
            DataError(
                f"the row has {len(split_line(text, raw.delimiter or ','))} field(s) but the "
                f"header has {len(raw.columns)}",
                file=raw.label,
                row=line,
                value=text[:120],
                expected=f"{len(raw.columns)} fields separated by {raw.delimiter!r}",
                fix="quote values that contain the delimiter, or remove the stray row",
            )
            for line, text in raw.malformed
        ],
        raw.malformed_count,
        label="a wrong number of fields",
    )


def attach_constants(table: pa.Table, plan: Plan) -> pa.Table:
    """Add each constant (--set, layout) as a dictionary-encoded column ``_set_<canon>``."""
    n = table.num_rows
    for canon, source in list(plan.sources.items()):
        if source.constant is None:
            continue
        name = f"_set_{canon}"
        column = pa.DictionaryArray.from_arrays(
            pa.array(np.zeros(n, dtype=np.int32)), pa.array([source.constant], pa.string())
        )
        table = table.append_column(name, column)
        plan.sources[canon] = replace(source, column=name)
    return table


def _empty(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Cells empty or only whitespace (a test per cell, no trimmed copy of the column)."""
    return pc.or_(pc.equal(pc.utf8_length(column), 0), pc.utf8_is_space(column))


def _last_data_row(column: pa.ChunkedArray, keep: np.ndarray) -> int:
    """The index of the last kept row whose first cell does not start with "total" (-1
    if none): only the end of the column is looked at, in growing windows."""
    n, window = len(keep), 64
    while True:
        low = max(0, n - window)
        first = pc.utf8_lower(pc.utf8_trim_whitespace(column.slice(low)))
        total = pc.starts_with(first, "total").to_numpy(zero_copy_only=False)
        data = np.flatnonzero(keep[low:] & ~total)
        if len(data):
            return low + int(data[-1])
        if low == 0:
            return -1
        window *= 8


def data_rows(
    table: pa.Table, layout: Layout, plan: Plan, *, text: bool, columns: tuple[str, ...] = ()
) -> tuple[pa.Table, list[str]]:
    """Drop blank lines, trailing "Total" rows and a leading summary row; say what went.

    Parameters
    ----------
    table : pyarrow.Table
        The file as read (text columns plus ``_row``).
    text : bool
        Whether the columns are text (CSV); Parquet files keep every record.
    columns : tuple of str
        The file's own columns (default: every column but ``_row`` and constants).
    """
    notes: list[str] = []
    if not text or table.num_rows == 0:
        return table, notes
    names = list(columns) or [c for c in table.column_names if not c.startswith(("_row", "_set_"))]
    keep = ~_empty(table[names[0]]).to_numpy(zero_copy_only=False)
    candidates = np.flatnonzero(~keep)  # a blank line starts with an empty cell
    if len(candidates) and len(names) > 1:
        rest = table.select(names[1:]).take(pa.array(candidates))
        filled = np.zeros(len(candidates), dtype=bool)
        for name in rest.column_names:
            filled |= ~_empty(rest[name]).to_numpy(zero_copy_only=False)
        keep[candidates[filled]] = True
    n_blank = int((~keep).sum())
    if n_blank:
        notes.append(f"{n_blank:,} blank line(s) skipped")
    if layout.total_rows:
        last = _last_data_row(table[names[0]], keep)
        trailing = int(keep[last + 1 :].sum())
        if trailing:
            keep[last + 1 :] = False
            notes.append(f'{trailing} "Total" row(s) at the end of the report skipped')
    if layout.summary_row and keep.any():
        dims = [
            s.column
            for c, s in plan.sources.items()
            if c in ("date", "campaign", "ad_group", "keyword") and s.constant is None and s.column
        ]
        first = int(np.flatnonzero(keep)[0])
        if dims and all(not table[d][first].as_py().strip() for d in dims):
            keep[first] = False
            notes.append(
                f"the summary row (row {table['_row'][first].as_py()}) of the export skipped"
            )
    kept = np.flatnonzero(keep)
    if len(kept) and kept[-1] - kept[0] + 1 == len(kept):  # lines cut at either end only
        table = table.slice(int(kept[0]), len(kept))  # no copy
    elif not keep.all():
        table = table.filter(pa.array(keep))
    return table, notes


def check_footer_counts(raw: RawFile, rows: int, problems: Problems) -> None:
    """Yandex's "Total rows: N" and Microsoft's "Rows: N" must equal the rows read."""
    for text in (*raw.footer, *raw.preamble):
        m = re.fullmatch(r"(?:total )?rows: *([0-9]+)", strip_quotes(text), re.IGNORECASE)
        if m and int(m.group(1)) != rows:
            problems.add(
                DataError(
                    f"the report says it has {m.group(1)} rows but {rows} were found",
                    file=raw.label,
                    value=strip_quotes(text),
                    expected=f"{rows} data rows",
                    fix="the download was cut short or edited: export the report again",
                )
            )


#: Distinct values of a date column examined to choose its format (spread over the file).
DATE_SAMPLE = 20_000


def _distinct_sample(column: pa.ChunkedArray) -> pa.Array:
    """Up to :data:`DATE_SAMPLE` distinct values, evenly spread over the distinct values."""
    values = pc.unique(column)
    if len(values) > DATE_SAMPLE:
        values = values.take(np.linspace(0, len(values) - 1, DATE_SAMPLE).astype(np.int64))
    return values


def parse(
    con, table: Table, data: pa.Table, layout: Layout, plan: Plan, options, file: str
) -> list[Check]:
    """Create TEMP TABLE ``_pb_parsed`` (canonical columns, ``_bad_*`` markers); return checks.

    Each canonical column is parsed from its source in one SQL statement over ``_pb_src``;
    a cell with text that does not parse leaves its text in ``_bad_<name>``. The
    statement has three layers so that no expression is written twice (the SQL stays
    linear in the number of columns: DuckDB plans it in a few milliseconds): the raw
    text of each number or date cell (``_pb_raw_<name>``), then the parsed values, then
    the ``_bad_*`` markers comparing the two.
    """
    types = {f.name: f.type for f in data.schema}
    units = options["money_units"] or layout.money_units
    comma = options["decimal_comma"]
    raws: list[str] = []  # layer 1: raw text of the parsed cells
    numbers: list[str] = []  # layer 1b: the number in each number cell's text, once
    select = ["_row"]  # layer 2: the canonical columns and check helpers
    marks: list[str] = []  # layer 3: the _bad_* markers
    checks: list[Check] = []
    bad_checks: list[Check] = []
    ambiguous = ambiguous_separators(data, table, plan, types, options)
    for col in table.columns:
        source = plan.sources.get(col.name)
        if source is None:
            continue
        name, label, atype = col.name, source.label, types[source.column]
        tokens = layout.null_tokens if source.constant is None else ()
        raw_text = raw_sql(source.column, atype, tokens, spaced=edge_spaces(data[source.column]))
        raw = ident("_pb_raw_" + name)
        expected = typed = None
        if col.dtype in ("int64", "float64"):
            typed = typed_sql(source.column, atype)
            if typed is None:
                number = ident("_pb_num_" + name)
                grouped = not comma and grouped_thousands(data[source.column])
                text = number_text_sql(raw, decimal_comma=comma, grouped=grouped)
                numbers.append(f"{text} AS {number}")
            value = typed or finite_sql(number)
            expected = _EXPECTED_EUROPEAN if comma else _EXPECTED_NUMBER
            if col.dtype == "int64":
                value, expected = whole_sql(value), "a whole number like 1200"
            elif col.money and units != 1:
                value = f"({value} / {float(units)!r})"
        elif col.dtype in ("date", "timestamp"):
            value = typed_date_sql(source.column, atype, col.dtype)
            if value is None and name in layout.epoch_columns:
                value, expected = epoch_sql(raw), "Unix seconds like 1714564800"
            elif value is None:
                fmt = options["date_format"] or _date_format(
                    con, data, source.column, raw_text, col, label, file, layout
                )
                value = date_sql(raw, fmt, col.dtype)
                expected = _expected_date(fmt, col.dtype)
        else:
            value = raw_text
            if name in CURRENCY_COLUMNS:
                cells = pc.unique(data[source.column]).to_pylist()
                value = raw_text if upper_case(cells) else f"upper({raw_text})"
                checks += _currency_checks(con, cells, raw_text, col, label, select)
            elif col.allowed is not None:
                value = _translated(f"lower({raw_text})", options, name)
        if expected is not None:
            raws.append(f"{raw_text} AS {raw}")
            select.append(raw)
            # the cell as written, where it does not parse (or is negative, for the message);
            # an empty cell (raw NULL) is NULL either way, so the CASE does not test it
            # (2M rows, 6 columns: about 0.15 s of CPU less)
            parsed = ident(name)
            wrong = f"{parsed} IS NULL" + (f" OR {parsed} < 0" if col.nonnegative else "")
            if table.name == "fx_rates" and name == "rate":
                wrong += f" OR {parsed} <= 0"
            marks.append(f"CASE WHEN {wrong} THEN {raw} END AS {ident('_bad_' + name)}")
            bad_checks += unparsable_checks(
                col, label, expected, decimal_commas=col.dtype == "float64" and not (comma or typed)
            )
        select.append(f"{value} AS {ident(name)}")
        checks += value_checks(table, col, label, has_bad=expected is not None)
        if name in ambiguous:
            checks.append(separator_check(select, raw_text, name, label, ambiguous[name]))
        if source.period_end:
            checks.append(_period_check(select, raw_text, source, label, types))
        if (
            col.money
            and layout.money_units != 1
            and options["money_units"] is None
            and (source.constant is None)
        ):
            checks.append(_micro_units_check(select, raw_text, name, label, layout, comma))
    checks += _row_checks(table, plan, options, coded="_bad_currency" in ", ".join(select))
    layer1 = f"SELECT *{''.join(', ' + r for r in raws)} FROM {SRC}"
    if numbers:
        layer1 = f"SELECT *, {', '.join(numbers)} FROM ({layer1})"
    layer2 = f"SELECT {', '.join(select)} FROM ({layer1})"
    names = [r.rsplit(" AS ", 1)[1] for r in raws]
    layer3 = (
        f"SELECT * EXCLUDE ({', '.join(names)}), {', '.join(marks)} FROM ({layer2})"
        if names
        else layer2
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {PARSED} AS {layer3}")
    return bad_checks + checks


def _translated(value: str, options, name: str) -> str:
    """A status cell translated by ``--status-map`` (the file's word -> a status)."""
    pairs = options.get("status_map") or {}
    if name != "status" or not pairs:
        return value
    cases = " ".join(f"WHEN {lit(word)} THEN {lit(status)}" for word, status in pairs.items())
    return f"(CASE {value} {cases} ELSE {value} END)"


def _date_format(con, data, column: str, raw_text, col, label, file, layout: Layout) -> str:
    """The format of a date column, detected from (a sample of) its distinct values."""
    con.register("_pb_date_values", pa.table({column: _distinct_sample(data[column])}))
    try:
        return detect_date_format(
            con,
            "_pb_date_values",
            raw_text,
            dtype=col.dtype,
            label=label,
            file=file,
            preferred=layout.date_format,
        ).format
    finally:
        con.unregister("_pb_date_values")


def unparsable_checks(col, label: str, expected: str, *, decimal_commas: bool) -> list[Check]:
    """Checks of the cells of a number or date column that did not parse.

    The text of such a cell is in ``_bad_<name>`` and its parsed value is NULL. With
    ``decimal_commas`` a number written with a decimal comma (``12,5``) gets its own
    message, and the fix spells the cell with a decimal point.
    """
    bad, name = ident("_bad_" + col.name), col.name
    dated = col.dtype in ("date", "timestamp")
    condition = f"{bad} IS NOT NULL AND {ident(name)} IS NULL"
    if dated:
        return [
            Check(
                "unparsable date",
                label,
                condition,
                bad,
                expected,
                "correct the cell, or give the format with --date-format",
            )
        ]
    checks = []
    if decimal_commas:
        written = decimal_comma_sql(bad)
        checks.append(
            Check(
                "a decimal comma is not supported",
                label,
                f"{condition} AND {written}",
                bad,
                "a number like 1234.56",
                "write {} (or use --decimal-comma)",
                fix_value=decimal_point_sql(bad),
            )
        )
        condition += f" AND NOT {written}"
    problem = "not a whole number" if col.dtype == "int64" else "unparsable number"
    fix = f"correct the cell, or map another column with --map {name}=COLUMN"
    return [*checks, Check(problem, label, condition, bad, expected, fix)]


def _expected_date(fmt: str, dtype: str) -> str:
    if fmt == ISO:
        if dtype == "timestamp":
            return "a date or time like 2024-10-31 or 2024-10-31 09:05:00"
        return "a date like 2024-10-31 (YYYY-MM-DD)"
    example = datetime(2024, 10, 31, 9, 5).strftime(fmt)
    return f"a date like {example} ({human_format(fmt)})"


def _period_check(select, raw_text, source, label, types) -> Check:
    end_raw = raw_sql(source.period_end, types[source.period_end])
    select += [f"{end_raw} AS _period_end", f"{raw_text} AS _period_start"]
    return Check(
        "the reporting period spans several days and the file has no Day column",
        f"{label}/{source.period_end}",
        "_period_start IS DISTINCT FROM _period_end",
        "_period_start || ' to ' || _period_end",
        "one day per row",
        "export with Breakdown > By time > Day, or book the period on one date "
        "with --set date=YYYY-MM-DD",
        examples=1,
    )


def _micro_units_check(select, raw_text, name, label, layout: Layout, comma: bool) -> Check:
    frac = ident("_frac_" + name)
    point = "','" if comma else "'.'"
    select.append(f"CASE WHEN contains({raw_text}, {point}) THEN {raw_text} END AS {frac}")
    return Check(
        f"a fraction in {layout.label} money, which is in micro-units",
        label,
        f"{frac} IS NOT NULL",
        frac,
        f"whole micro-units (1 = 1/{layout.money_units:,.0f} of the currency)",
        "if the report was made with returnMoneyInMicros: false, import it with --money-units 1",
        examples=1,
    )


#: Columns holding ISO 4217 codes (upper-cased when read).
CURRENCY_COLUMNS = ("currency", "base_currency")


def _currency_checks(con, cells: list, raw_text: str, col, label, select: list[str]) -> list[Check]:
    """A check of ISO 4217 codes, when the column (its distinct ``cells``) has cells that
    are not codes."""
    invalid = not_codes(cells)
    if not invalid:
        return []
    codes, bad = f"_pb_not_codes_{col.name}", ident("_bad_" + col.name)
    con.register(codes, pa.table({"v": pa.array(invalid, pa.string())}))
    select.append(f"CASE WHEN {raw_text} IN (SELECT v FROM {codes}) THEN {raw_text} END AS {bad}")
    return [
        Check(
            "not an ISO 4217 currency code",
            label,
            f"{bad} IS NOT NULL",
            bad,
            "an active ISO 4217 code like USD, EUR or RUB",
            "write the three-letter code of the money's currency (GBP for pounds, not UKP)",
        )
    ]


def _row_checks(table: Table, plan: Plan, options, *, coded: bool = False) -> list[Check]:
    """Checks across columns; ``coded``: some currency cells are not codes (told apart)."""
    checks = []
    if table.name == "ad_stats" and {"clicks", "impressions"} <= plan.sources.keys():
        checks.append(
            Check(
                "more clicks than impressions",
                f"{plan.sources['clicks'].label}/{plan.sources['impressions'].label}",
                "clicks > impressions",
                "clicks || ' clicks, ' || impressions || ' impressions'",
                "clicks <= impressions",
                "check the row; swapped columns? map them with --map clicks=...,impressions=...",
            )
        )
    src = plan.sources.get("currency")
    if options["currency"] and src is not None and src.constant is None:
        checks.append(
            Check(
                f"the currency differs from --currency {options['currency']}",
                src.label,
                f"currency <> {lit(options['currency'])}"
                + (" AND _bad_currency IS NULL" if coded else ""),
                "currency",
                options["currency"],
                "drop --currency to import each row in its own currency (with an FX table)",
            )
        )
    return checks


def value_checks(table: Table, col, label: str, *, has_bad: bool) -> list[Check]:
    """Checks of one parsed column: required, non-negative, allowed values, codes, rates."""
    name = ident(col.name)
    bad = f"{ident('_bad_' + col.name)} IS NULL" if has_bad else "TRUE"
    checks = []
    if col.required:
        checks.append(
            Check(
                "missing value",
                label,
                f"{name} IS NULL AND {bad}",
                "''",
                f"a {col.name} in every row (the column is required)",
                f"fill the empty cells, or --set {col.name}=VALUE for all rows",
            )
        )
    if col.nonnegative:
        checks.append(
            Check(
                f"negative {col.name.replace('_', ' ')}",
                label,
                f"{name} < 0",
                ident("_bad_" + col.name) if has_bad else name,
                "0 or more",
                "correct the row (refunds and returns are orders with status returned)",
            )
        )
    if col.allowed is not None:
        checks.append(
            Check(
                f"unknown {col.name}",
                label,
                f"{name} NOT IN ({', '.join(lit(a) for a in col.allowed)})",
                name,
                f"one of {', '.join(col.allowed)}",
                "use one of these values (case does not matter)"
                + (
                    ", or translate the file's words with --status-map WORD=STATUS "
                    "(e.g. paid=confirmed,refunded=returned)"
                    if col.name == "status" and table.name in ("orders", "leads")
                    else ""
                ),
            )
        )
    if col.dtype in ("date", "timestamp"):
        low, high = (f"{col.dtype.upper()} {lit(str(d))}" for d in (FIRST_DATE, LAST_DATE))
        checks.append(
            Check(
                "date out of range",
                label,
                f"{name} < {low} OR {name} >= {high} + INTERVAL 1 DAY",
                name,
                f"a date from {FIRST_DATE} to {LAST_DATE}",
                "correct the cell: a placeholder such as 9999-12-31 or 0001-01-01 is not a "
                "date (leave the cell empty where the column allows it)",
            )
        )
    if table.name == "fx_rates" and col.name == "rate":
        checks.append(
            Check(
                "rate not positive",
                label,
                f"{name} <= 0",
                ident("_bad_rate") if has_bad else name,
                "a rate above 0",
                "rate = units of base currency for one unit of the currency",
            )
        )
    return checks


def check_duplicate_keys(con, table: Table, plan: Plan, problems: Problems) -> None:
    """Non-ad tables: a natural key appears once per file (ads may repeat: device rows)."""
    if table.name == "ad_stats" or not all(k in plan.sources for k in table.key):
        return
    keys = ", ".join(ident(k) for k in table.key)
    shown = " || '/' || ".join(f"CAST({ident(k)} AS VARCHAR)" for k in table.key)
    (groups,) = con.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {PARSED} "
        f"WHERE {' AND '.join(f'{ident(k)} IS NOT NULL' for k in table.key)} "
        f"GROUP BY {keys} HAVING count(*) > 1)"
    ).fetchone()
    if not groups:
        return
    rows = con.execute(
        f"SELECT {shown}, list(_row ORDER BY _row) FROM {PARSED} GROUP BY {keys} "
        f"HAVING count(*) > 1 ORDER BY min(_row) LIMIT 3"
    ).fetchall()
    label = "/".join(plan.sources[k].label for k in table.key)
    what = " and ".join(k.replace("_", " ") for k in table.key)
    fix = DUPLICATE_FIX.get(table.name, "remove the repeated row")
    problems.add_group(
        [
            DataError(
                f"duplicate {what} (also in row {', '.join(str(r) for r in where[:-1][:5])})",
                file=problems.file,
                row=where[-1],
                column=label,
                value=value,
                expected=f"each {what} once per file",
                fix=fix,
            )
            for value, where in rows
        ],
        int(groups),
        label=f"duplicate {what} in column {label!r}",
    )
