"""``import_file``: read, recognise, validate, attribute, convert and store one file.

The steps, all vectorised (pyarrow reads, DuckDB parses and checks; no Python loop
over rows):

1. read the file as text columns (:mod:`payback.ingest.readers`);
2. recognise its layout and map its columns (:mod:`payback.ingest.platforms`);
3. drop the rows that are not data (blank lines, "Total:" rows, report footers);
4. parse numbers and dates, and check every row (:mod:`payback.ingest.validate`):
   unparsable values, missing required values, negative amounts, clicks above
   impressions, unknown status/kind, duplicate keys. Any problem stops the import
   and lists up to ten of them with file, row, column, value and fix;
5. fill attribution (:mod:`payback.ingest.attribution`), mark duplicate leads;
6. convert foreign money with ``fx_rates`` (:mod:`payback.ingest.fx`);
7. write everything in one transaction, replacing rows with the same natural key, so
   an import is all-or-nothing and importing a file twice changes nothing.

Examples
--------
>>> import tempfile, pathlib
>>> from payback.store import open_store
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> csv = folder / "costs.csv"
>>> _ = csv.write_text("date,category,amount,currency\\n2024-10-01,rent,1200,EUR\\n")
>>> store = open_store(":memory:")
>>> result = import_file(store, "costs", csv)
>>> result.rows_read, result.rows_in_store, result.currency
(1, 1, 'EUR')
>>> import_file(store, "costs", csv).rows_in_store   # idempotent
1
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from payback.errors import CurrencyError, DataError, InputError
from payback.ingest import attribution, fx
from payback.ingest.options import check_names, parse_duration, parse_pairs, strftime_format
from payback.ingest.parsing import (
    ISO,
    date_sql,
    detect_date_format,
    human_format,
    ident,
    lit,
    number_sql,
    raw_sql,
    typed_date_sql,
    typed_sql,
    whole_sql,
)
from payback.ingest.platforms import GENERIC, GENERIC_ALIASES, LAYOUTS, Layout, Plan, detect_layout
from payback.ingest.readers import (
    PROGRESS_BYTES,
    Progress,
    RawFile,
    peek_file,
    read_csv,
    read_parquet,
    split_line,
    strip_quotes,
)
from payback.ingest.validate import Check, Problems
from payback.schema import DEFAULT_SOURCE_MAP, Table, table_for_kind
from payback.store import Store


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

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) pairs for a human summary."""
        span = (
            f"{_day(self.date_min)} to {_day(self.date_max)}" if self.date_min is not None else "-"
        )
        out = [
            ("file", self.file),
            ("layout", f"{self.platform} ({self.layout})"),
            ("rows read", f"{self.rows_read:,}"),
            (f"rows now in {self.table}", f"{self.rows_in_store:,}"),
            ("currency", self.currency or "-"),
            ("dates", span),
            ("columns", ", ".join(f"{c}<-{s}" for c, s in self.columns)),
        ]
        if self.unattributed is not None:
            out.append(("without attribution", f"{self.unattributed:,}"))
        if self.kind == "leads":
            out.append(("marked duplicate", f"{self.duplicates_marked:,}"))
        return out


def _day(value: Any) -> str:
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()
    return value.isoformat(sep=" ") if isinstance(value, datetime) else str(value)


_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def import_file(
    store: Store,
    kind: str,
    path: str | Path,
    *,
    platform: str = "auto",
    mapping: Mapping[str, str] | str | Iterable[str] | None = None,
    set_values: Mapping[str, str] | str | Iterable[str] | None = None,
    currency: str | None = None,
    money_units: float | None = None,
    source_map: Mapping[str, str] | str | Iterable[str] | None = None,
    dedupe_window: str | timedelta | None = None,
    date_format: str | None = None,
    progress: bool | None = None,
) -> ImportResult:
    """Import one CSV/TSV/Parquet file into the store, all or nothing.

    Parameters
    ----------
    store : Store
        An open DuckDB store (:func:`payback.open_store`).
    kind : str
        ``ads``, ``orders``, ``leads``, ``order-items``, ``customers``, ``costs``,
        ``partner-claims``, ``subscriptions`` or ``fx-rates``.
    path : str or Path
        The file (``.csv``, ``.tsv``, ``.txt``, ``.csv.gz``, ``.parquet``).
    platform : str
        ``auto`` (recognise Google/Meta/Microsoft/Yandex exports), a layout name, or
        ``generic``.
    mapping : mapping or "canon=source,..."
        Canonical column -> the file's header (``{"cost": "Spent"}``).
    set_values : mapping or "canon=value,..."
        A value for a column the file lacks (``{"date": "2024-10-31"}``).
    currency : str, optional
        ISO code of the file's money when it has no currency column.
    money_units : float, optional
        Divide money cells by this (Yandex default 1,000,000; others 1).
    source_map : mapping or "utm=platform,...", optional
        Extra utm_source -> platform pairs on top of ``DEFAULT_SOURCE_MAP``.
    dedupe_window : str or timedelta, optional
        Leads: a valid lead whose contact came within this window before becomes
        ``duplicate`` (``"24h"``).
    date_format : str, optional
        Format of the date columns (``DD-MM-YYYY`` or ``%d-%m-%Y``) when not ISO.
    progress : bool, optional
        Show a progress bar (default: for files of 50 MB or more).

    Returns
    -------
    ImportResult

    Raises
    ------
    payback.errors.DataError, payback.errors.ValidationErrors
        Bad layout or rows; nothing was imported.
    payback.errors.CurrencyError
        Money in a currency the store cannot convert; nothing was imported.
    payback.errors.InputError
        Impossible options (unknown column in ``--map``, bad duration ...).
    """
    table = table_for_kind(kind)
    path = Path(path)
    options = _options(
        table, mapping, set_values, currency, money_units, source_map, dedupe_window, date_format
    )
    peek = peek_file(path)
    show = bool(progress) if progress is not None else peek.size >= PROGRESS_BYTES
    with Progress(show) as bar:
        if peek.format == "parquet":
            raw = read_parquet(path, bar)
            layout = next(
                (
                    lay
                    for lay in LAYOUTS.values()
                    if kind == "ads" and platform in ("auto", lay.name) and lay.matches(raw.columns)
                ),
                GENERIC,
            )
        else:
            found = detect_layout(
                peek.lines,
                kind=kind,
                platform=platform,
                mapping=options["mapping"],
                table=table,
                file=str(path),
            )
            layout = found.layout
            raw = read_csv(
                path,
                peek,
                header_index=found.header_index,
                delimiter=found.delimiter,
                is_footer=layout.is_footer,
                progress=bar,
            )
        bar.phase(f"Checking {path.name}")
        import duckdb

        con = duckdb.connect()
        try:
            con.execute("SET TimeZone = 'UTC'")
            return _import(con, store, table, raw, layout, options, bar)
        finally:
            con.close()


def _options(table, mapping, set_values, currency, money_units, source_map, window, date_format):
    mapping = parse_pairs(mapping, option="--map")
    set_values = parse_pairs(set_values, option="--set")
    aliases = {a: c for c, names in GENERIC_ALIASES.get(table.name, {}).items() for a in names}
    for given, option in ((mapping, "--map"), (set_values, "--set")):
        check_names(given, table.column_names, option=option, kind=table.kind, aliases=aliases)
    both = sorted(set(mapping) & set(set_values))
    if both:
        raise InputError(f"{both[0]} is given by both --map and --set: keep one")
    if currency is not None:
        currency = currency.strip().upper()
        if not _CURRENCY_CODE.fullmatch(currency):
            raise InputError(f"--currency {currency!r}: expected an ISO 4217 code like USD or EUR")
        if "currency" not in table.column_names or table.name == "fx_rates":
            raise InputError(f"--currency applies to tables with money; {table.kind} has none")
    if money_units is not None and not money_units > 0:
        raise InputError(f"--money-units {money_units}: expected a positive number like 1000000")
    if window is not None and table.name != "leads":
        raise InputError("--dedupe-window applies to leads imports only")
    pairs = parse_pairs(source_map, option="--source-map")
    extra = {k: v.strip().lower() for k, v in pairs.items()}
    return {
        "mapping": mapping,
        "set": set_values,
        "currency": currency,
        "money_units": money_units,
        "source_map": {**DEFAULT_SOURCE_MAP, **extra},
        "window": parse_duration(window),
        "date_format": strftime_format(date_format),
    }


# -- the import, step by step -----------------------------------------------------------------
def _import(con, store, table: Table, raw: RawFile, layout: Layout, options, bar) -> ImportResult:
    file = str(raw.path)
    problems = Problems(file)
    warnings: list[str] = []
    _report_malformed(raw, problems, layout)
    plan = _plan(table, raw, layout, options, file)
    warnings += plan.notes
    data = _attach_constants(raw, plan)
    con.register("src", data)
    keep, skipped = _data_rows(con, raw, layout, plan)
    warnings += skipped
    con.execute(f"CREATE TEMP VIEW data AS SELECT * FROM src WHERE {keep}")
    rows_read = con.execute("SELECT count(*) FROM data").fetchone()[0]
    _check_footer_counts(raw, layout, rows_read, problems)
    units = options["money_units"] or layout.money_units
    checks = _parse(con, table, data.schema, layout, plan, options, units, file)
    problems.run(con, "parsed", checks)
    _check_duplicate_keys(con, table, plan, problems)
    problems.raise_if_any()
    columns = [c for c in table.column_names if c in plan.sources]
    if table.name == "order_items" and "line" not in plan.sources:
        con.execute(
            "ALTER TABLE parsed ADD COLUMN line BIGINT; UPDATE parsed SET line = n.line FROM "
            "(SELECT _row, row_number() OVER (PARTITION BY order_id ORDER BY _row) AS line "
            "FROM parsed) n WHERE parsed._row = n._row"
        )
        columns.append("line")
        warnings.append("line numbers generated from the order of the rows in the file")
    relation = "parsed"
    if "platform" in columns or table.name in ("orders", "leads"):
        columns = attribution.attribute(
            con,
            relation,
            columns,
            source_map=options["source_map"],
            has_attribution="utm_source" in table.column_names,
        )
        relation = "attributed"
    duplicates = 0
    if table.name == "leads" and options["window"] is not None:
        earlier = _stored_leads(store)
        duplicates = attribution.mark_duplicate_leads(con, relation, options["window"], earlier)
        warnings.append(
            f"{duplicates} lead(s) marked duplicate: the same contact came within "
            f"{_window(options['window'])} before"
        )
    outcome = _currency(con, store, table, relation, file)
    warnings += [c.describe(outcome.base) for c in outcome.conversions]
    warnings += _table_warnings(con, table, relation, columns)
    unattributed = None
    if table.name in ("orders", "leads"):
        unattributed = con.execute(
            f"SELECT count(*) FROM {relation} WHERE platform IS NULL"
            + (" AND partner_id IS NULL" if "partner_id" in columns else "")
        ).fetchone()[0]
        if unattributed:
            warnings.append(
                f"{unattributed} of {rows_read} {table.name} have no attribution (no platform, "
                f"utm_source or click id"
                + (", no partner" if "partner_id" in columns else "")
                + "): they count in totals but join no ad rows"
            )
    date_min, date_max = _date_span(con, table, relation, columns)
    bar.phase(f"Writing {table.name}")
    arrow = con.execute(
        f"SELECT {', '.join(ident(c) for c in columns)} FROM {relation} ORDER BY _row"
    ).to_arrow_table()
    meta = {}
    if outcome.new_base and outcome.base:
        meta["base_currency"] = outcome.base
    meta[f"import:{table.name}:{raw.path.resolve()}"] = json.dumps(
        {
            "rows": rows_read,
            "layout": layout.name,
            "currency": outcome.base,
            "converted": [
                c.__dict__
                | {
                    "first_rate_date": str(c.first_rate_date),
                    "last_rate_date": str(c.last_rate_date),
                }
                for c in outcome.conversions
            ],
            "imported_at": datetime.now().isoformat(timespec="seconds"),
        }
    )
    counts = store.write({table.name: arrow}, meta=meta)
    return ImportResult(
        kind=table.kind,
        table=table.name,
        file=file,
        platform=layout.name,
        layout=layout.label,
        rows_read=int(rows_read),
        rows_in_store=int(counts[table.name]),
        currency=outcome.base if "currency" in table.column_names else None,
        file_currencies=outcome.currencies,
        date_min=date_min,
        date_max=date_max,
        columns=tuple(
            (c, plan.sources[c].describe) for c in table.column_names if c in plan.sources
        ),
        conversions=outcome.conversions,
        duplicates_marked=duplicates,
        unattributed=unattributed,
        warnings=tuple(warnings),
    )


def _window(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _report_malformed(raw: RawFile, problems: Problems, layout: Layout) -> None:
    for line, text in raw.malformed:
        fields = len(split_line(text, raw.delimiter or ","))
        problems.add(
            DataError(
                f"the row has {fields} field(s) but the header has {len(raw.columns)}",
                file=str(raw.path),
                row=line,
                value=text[:120],
                expected=f"{len(raw.columns)} fields separated by {raw.delimiter!r}",
                fix="quote values that contain the delimiter, or remove the stray row",
            )
        )


def _plan(table: Table, raw: RawFile, layout: Layout, options, file: str) -> Plan:
    from payback.ingest.platforms import resolve_columns

    set_values = dict(options["set"])
    cur = options["currency"]
    origin = {}
    if cur and "currency" not in set_values and "currency" not in options["mapping"]:
        # --currency fills the currency when the file (and its layout) has none
        probe = resolve_columns(
            table,
            layout,
            raw.columns,
            mapping=options["mapping"],
            set_values=set_values,
            file=file,
            require=False,
        )
        if "currency" not in probe.sources:
            set_values["currency"], origin["currency"] = cur, "--currency"
    plan = resolve_columns(
        table,
        layout,
        raw.columns,
        mapping=options["mapping"],
        set_values=set_values,
        file=file,
        set_origin=origin,
    )
    src = plan.sources.get("currency")
    if cur and src is not None and src.constant is not None and src.constant != cur:
        raise DataError(
            f"the file's money is in {src.constant} ({src.label}) but --currency says {cur}",
            file=file,
            fix="drop --currency, or import the file that is really in " + cur,
        )
    return plan


def _attach_constants(raw: RawFile, plan: Plan) -> pa.Table:
    """Add each constant (--set, layout) as a dictionary-encoded column ``_set_<canon>``."""
    import numpy as np

    table = raw.table
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


def _data_rows(con, raw: RawFile, layout: Layout, plan: Plan) -> tuple[str, list[str]]:
    """A SQL condition keeping data rows, and notes on the rows dropped."""
    notes: list[str] = []
    if raw.format == "parquet" or not raw.columns:
        return "TRUE", notes
    cols = [ident(c) for c in raw.columns]
    blank = " AND ".join(f"trim({c}) = ''" for c in cols)
    conditions = [f"NOT ({blank})"]
    n_blank = con.execute(f"SELECT count(*) FROM src WHERE {blank}").fetchone()[0]
    if n_blank:
        notes.append(f"{n_blank} blank line(s) skipped")
    if layout.total_rows:
        first = cols[0]
        last = con.execute(
            f"SELECT max(_row) FROM src WHERE NOT ({blank}) "
            f"AND NOT lower(trim({first})) LIKE 'total%'"
        ).fetchone()[0]
        if last is not None:
            totals = con.execute(
                f"SELECT count(*) FROM src WHERE _row > {int(last)} AND NOT ({blank})"
            ).fetchone()[0]
            if totals:
                conditions.append(f"_row <= {int(last)}")
                notes.append(f'{totals} "Total" row(s) at the end of the report skipped')
    if layout.summary_row:
        dims = [
            ident(s.column)
            for c, s in plan.sources.items()
            if c in ("date", "campaign", "ad_group", "keyword") and s.origin != "--set" and s.column
        ]
        if dims:
            first_row = con.execute(f"SELECT min(_row) FROM src WHERE NOT ({blank})").fetchone()[0]
            empty = " AND ".join(f"trim({d}) = ''" for d in dims)
            hit = con.execute(
                f"SELECT count(*) FROM src WHERE _row = ? AND {empty}", [first_row]
            ).fetchone()[0]
            if hit:
                conditions.append(f"_row <> {int(first_row)}")
                notes.append(f"the summary row (row {first_row}) of the export skipped")
    if raw.footer:
        notes.append(
            f"{len(raw.footer)} footer line(s) skipped: "
            + "; ".join(strip_quotes(f) for f in raw.footer[:2] if strip_quotes(f))
        )
    return " AND ".join(conditions), notes


def _check_footer_counts(raw: RawFile, layout: Layout, rows: int, problems: Problems) -> None:
    """Yandex's "Total rows: N" and Microsoft's "Rows: N" must equal the rows read."""
    for text in (*raw.footer, *raw.preamble):
        m = re.fullmatch(r"(?:total )?rows: *([0-9]+)", strip_quotes(text), re.IGNORECASE)
        if m and int(m.group(1)) != rows:
            problems.add(
                DataError(
                    f"the report says it has {m.group(1)} rows but {rows} were found",
                    file=str(raw.path),
                    value=strip_quotes(text),
                    expected=f"{rows} data rows",
                    fix="the download was cut short or edited: export the report again",
                )
            )


_EXPECTED_NUMBER = "a number like 1234.56 (a thousands separator ',' is allowed)"


def _parse(
    con, table: Table, schema: pa.Schema, layout, plan: Plan, options, units, file
) -> list[Check]:
    """Create TEMP TABLE ``parsed`` (canonical columns, ``_bad_*`` markers); return checks."""
    types = {f.name: f.type for f in schema}
    select = ["_row"]
    checks: list[Check] = []
    bad_checks: list[Check] = []
    for col in table.columns:
        source = plan.sources.get(col.name)
        if source is None:
            continue
        name, label, atype = col.name, source.label, types[source.column]
        tokens = layout.null_tokens if source.constant is None else ()
        raw_text = raw_sql(source.column, atype, tokens)
        expected = None
        if col.dtype in ("int64", "float64"):
            value = typed_sql(source.column, atype) or number_sql(raw_text)
            expected = _EXPECTED_NUMBER
            if col.dtype == "int64":
                value, expected = whole_sql(value), "a whole number like 1200"
            elif col.money and units != 1:
                value = f"({value} / {float(units)!r})"
        elif col.dtype in ("date", "timestamp"):
            value = typed_date_sql(source.column, atype, col.dtype)
            if value is None:
                fmt = (
                    options["date_format"]
                    or detect_date_format(
                        con,
                        "data",
                        raw_text,
                        dtype=col.dtype,
                        label=label,
                        file=file,
                        preferred=layout.date_format,
                    ).format
                )
                value = date_sql(raw_text, fmt, col.dtype)
                example = "2024-10-31" if fmt == ISO else datetime(2024, 10, 31, 9, 5).strftime(fmt)
                expected = f"a date like {example} ({human_format(fmt)})"
                if fmt == ISO and col.dtype == "timestamp":
                    expected = "a date or time like 2024-10-31 or 2024-10-31 09:05:00"
        else:
            value = raw_text
            if name == "currency":
                value = f"upper({raw_text})"
            elif col.allowed is not None:
                value = f"lower({raw_text})"
        select.append(f"{value} AS {ident(name)}")
        if expected is not None:
            select.append(
                f"CASE WHEN {raw_text} IS NOT NULL AND {value} IS NULL THEN {raw_text} END "
                f"AS {ident('_bad_' + name)}"
            )
            problem = (
                "unparsable date"
                if col.dtype in ("date", "timestamp")
                else ("not a whole number" if col.dtype == "int64" else "unparsable number")
            )
            bad_checks.append(
                Check(
                    problem,
                    label,
                    f"{ident('_bad_' + name)} IS NOT NULL",
                    ident("_bad_" + name),
                    expected,
                    "correct the cell, or give the format with --date-format"
                    if "date" in problem
                    else f"correct the cell, or map another column with --map {name}=COLUMN",
                )
            )
        checks += _value_checks(table, col, label, has_bad=expected is not None)
        if source.period_end:
            end_raw = raw_sql(source.period_end, types[source.period_end])
            select.append(f"{end_raw} AS _period_end")
            select.append(f"{raw_text} AS _period_start")
            checks.append(
                Check(
                    "the reporting period spans several days and the file has no Day column",
                    f"{label}/{source.period_end}",
                    "_period_start IS DISTINCT FROM _period_end",
                    "_period_start || ' to ' || _period_end",
                    "one day per row",
                    "export with Breakdown > By time > Day, or book the period on one date "
                    "with --set date=YYYY-MM-DD",
                    examples=1,
                )
            )
        if (
            col.money
            and layout.money_units != 1
            and options["money_units"] is None
            and (source.constant is None)
        ):
            frac = ident("_frac_" + name)
            select.append(f"CASE WHEN contains({raw_text}, '.') THEN {raw_text} END AS {frac}")
            checks.append(
                Check(
                    f"a fraction in {layout.label} money, which is in micro-units",
                    label,
                    f"{frac} IS NOT NULL",
                    frac,
                    f"whole micro-units (1 = 1/{layout.money_units:,.0f} of the currency)",
                    "if the report was made with returnMoneyInMicros: false, import it with "
                    "--money-units 1",
                    examples=1,
                )
            )
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
                f"currency <> {lit(options['currency'])}",
                "currency",
                options["currency"],
                "drop --currency to import each row in its own currency (with an FX table)",
            )
        )
    con.execute(f"CREATE TEMP TABLE parsed AS SELECT {', '.join(select)} FROM data")
    return bad_checks + checks


def _value_checks(table: Table, col, label: str, *, has_bad: bool) -> list[Check]:
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
                name,
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
                "use one of these values (case does not matter)",
            )
        )
    if col.name in ("currency", "base_currency"):
        checks.append(
            Check(
                "not a currency code",
                label,
                f"NOT regexp_full_match({name}, '[A-Z]{{3}}')",
                name,
                "an ISO 4217 code like USD, EUR or RUB",
                "write the three-letter code",
            )
        )
    if table.name == "fx_rates" and col.name == "rate":
        checks.append(
            Check(
                "rate not positive",
                label,
                f"{name} <= 0",
                name,
                "a rate above 0",
                "rate = units of base currency for one unit of the currency",
            )
        )
    return checks


def _check_duplicate_keys(con, table: Table, plan: Plan, problems: Problems) -> None:
    """Non-ad tables: a natural key appears once per file (ads may repeat: device rows)."""
    if table.name == "ad_stats" or not all(k in plan.sources for k in table.key):
        return
    keys = ", ".join(ident(k) for k in table.key)
    shown = " || '/' || ".join(f"CAST({ident(k)} AS VARCHAR)" for k in table.key)
    groups, extra = con.execute(
        f"SELECT count(*), coalesce(sum(n) - count(*), 0) FROM (SELECT count(*) AS n FROM parsed "
        f"WHERE {' AND '.join(f'{ident(k)} IS NOT NULL' for k in table.key)} "
        f"GROUP BY {keys} HAVING count(*) > 1)"
    ).fetchone()
    if not groups:
        return
    rows = con.execute(
        f"SELECT {shown}, list(_row ORDER BY _row) FROM parsed GROUP BY {keys} "
        f"HAVING count(*) > 1 ORDER BY min(_row) LIMIT 3"
    ).fetchall()
    label = "/".join(plan.sources[k].label for k in table.key)
    what = " and ".join(k.replace("_", " ") for k in table.key)
    for i, (value, where) in enumerate(rows):
        last = i == len(rows) - 1
        problems.add(
            DataError(
                f"duplicate {what} (also in row {', '.join(str(r) for r in where[:-1][:5])})",
                file=problems.file,
                row=where[-1],
                column=label,
                value=value,
                expected=f"each {what} once per file",
                fix="remove the repeated row; lines of one order belong in an order-items file"
                if last
                else None,
                more=int(extra) - sum(len(w) - 1 for _, w in rows) if last else 0,
            )
        )


def _stored_leads(store: Store) -> pa.Table:
    leads = store.table("leads")
    return store.to_pyarrow(
        leads.filter(leads.contact.notnull()).select("lead_id", "time", "contact")
    )


def _currency(con, store: Store, table: Table, relation: str, file: str) -> fx.FxOutcome:
    if table.name == "fx_rates":
        bases = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT base_currency FROM {relation} ORDER BY 1"
            ).fetchall()
        ]
        base = store.base_currency
        if base is None and len(bases) > 1:
            raise CurrencyError(
                f"{file} has rates into {', '.join(bases)}: a store has one base currency; "
                f"import the rates into one base (rate = base units per 1 unit of currency)"
            )
        other = [b for b in bases if base is not None and b != base]
        if other:
            raise CurrencyError(
                f"{file} has rates into {', '.join(other)} but the store's base currency is "
                f"{base}: give rates into {base} (rate = {base} per 1 unit of the currency)"
            )
        new = base is None and bool(bases)
        return fx.FxOutcome(bases[0] if new else base, new, (), tuple(bases))
    if "currency" not in table.column_names:
        return fx.FxOutcome(store.base_currency, False, (), ())
    return fx.convert(con, store, table, relation, file=file)


def _table_warnings(con, table: Table, relation: str, columns: list[str]) -> list[str]:
    notes = []
    if table.name == "ad_stats":
        keys = ", ".join(ident(k) if k in columns else "NULL" for k in table.key)
        extra = con.execute(
            f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {relation} "
            f"GROUP BY {keys} HAVING count(*) > 1)"
        ).fetchone()[0]
        if extra:
            notes.append(
                f"{extra} row(s) repeat the date/platform/campaign/ad group/keyword of another "
                f"row (e.g. device or audience rows); they are kept as separate rows"
            )
    if table.name == "order_items":
        neg, first = con.execute(
            f"SELECT count(*), arg_min(order_id, _row) FROM {relation} WHERE quantity < 0"
        ).fetchone()
        if neg:
            notes.append(
                f"{neg} line(s) have a negative quantity (returns or cancellations, e.g. order "
                f"{first!r}); imported as they are: they lower the revenue of their order"
            )
    return notes


def _date_span(con, table: Table, relation: str, columns: list[str]):
    name = fx.DATE_COLUMN.get(table.name) or ("signup_time" if table.name == "customers" else None)
    if name not in columns:
        return None, None
    return con.execute(f"SELECT min({ident(name)}), max({ident(name)}) FROM {relation}").fetchone()


__all__ = ["ImportResult", "import_file"]
