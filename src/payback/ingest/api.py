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

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from payback.errors import (
    CurrencyError,
    DataError,
    DiskFullError,
    InputError,
    PaybackError,
    is_disk_full,
)
from payback.ingest import attribution, extras, fx, ledger, results, spreadsheets, stage
from payback.ingest.currencies import is_currency
from payback.ingest.options import (
    check_names,
    parse_duration,
    parse_pairs,
    status_options,
    strftime_format,
)
from payback.ingest.parsing import ident
from payback.ingest.platforms import GENERIC, GENERIC_ALIASES, LAYOUTS, Layout, Plan, detect_layout
from payback.ingest.readers import (
    ONE_THREAD_BYTES,
    PROGRESS_BYTES,
    Progress,
    RawFile,
    peek_file,
    read_csv,
    read_parquet,
    strip_quotes,
)
from payback.ingest.validate import Problems, check_plan
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
    decimal_comma: bool = False,
    decimal_point: bool = False,
    status_map: Mapping[str, str] | str | Iterable[str] | None = None,
    allow_empty: bool = False,
    progress: bool | None = None,
    goals: str | Path | None = None,
    sheet: str | None = None,
    keep: Mapping[str, str] | str | Iterable[str] | None = None,
    metrics_file: str | Path | None = None,
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
        The file (``.csv``, ``.tsv``, ``.txt``, ``.csv.gz``, ``.parquet``, ``.xlsx``).
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
    decimal_comma : bool
        Numbers are written the European way: a decimal comma, dots between thousands
        (``1.234,56``). Without it a cell like ``12,5`` is an error that says so.
    decimal_point : bool
        Numbers are written with a decimal point, commas between thousands
        (``1,234.56``). Without either, a money column whose every separated cell reads
        two ways (``1,234`` or ``1.234`` only) is an error asking which.
    status_map : mapping or "word=status,...", optional
        Orders and leads: the file's status words -> statuses (``paid=confirmed``).
    allow_empty : bool
        Accept a file without data rows (nothing is imported); otherwise it is an error.
    progress : bool, optional
        Show a progress bar (default: for files of 50 MB or more).
    goals : path, optional
        Sessions: the goals config (TOML) naming the goals the visits reach
        (:mod:`payback.ingest.goals`; default purchase, sign_up, add_to_cart, phone_click).
    sheet : str, optional
        The sheet of a workbook (``.xlsx``, ``.xlsm``, ``.xlsb``, ``.xls``, ``.ods``) to
        read; default its first sheet. Each sheet is its own import in the ledger.
    keep : mapping or list of str, optional
        Ads: extra numeric columns to keep in ``ad_extras`` (:mod:`payback.ingest.extras`):
        headers (``"Post shares"`` is kept as ``post_shares``) or ``name=header`` pairs.
        A header the file lacks is an error.
    metrics_file : path, optional
        Ads: a metrics file (:mod:`payback.metrics.custom`); the extra columns it declares
        are kept when the file has them.

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
    if kind == "sessions":  # visits have layouts of their own: GA4 events become sessions
        from payback.ingest.sessions import import_sessions

        ignored = {"--map": mapping, "--set": set_values, "--currency": currency,
                   "--money-units": money_units, "--dedupe-window": dedupe_window,
                   "--date-format": date_format, "--status-map": status_map}  # fmt: skip
        given_here = [o for o, v in ignored.items() if v]
        if given_here:
            raise InputError(
                f"{', '.join(given_here)} do(es) not apply to sessions: their layouts are "
                f"recognised from the header (docs/visits.md); drop the option"
            )
        extra = parse_pairs(source_map, option="--source-map")
        record = {"platform": platform, "source_map": extra or None, "goals": goals and str(goals)}
        return import_sessions(
            store, path, layout=platform, source_map={k: v.strip().lower() for k, v in
            extra.items()}, goals=goals, options={k: v for k, v in record.items() if v},
        )  # fmt: skip
    table = table_for_kind(kind)
    path = Path(path)
    options = _options(
        table, mapping, set_values, currency, money_units, source_map, dedupe_window, date_format
    )
    if decimal_comma and decimal_point:
        raise InputError("--decimal-comma and --decimal-point contradict each other: keep one")
    options["decimal_comma"] = bool(decimal_comma)
    options["decimal_point"] = bool(decimal_point)
    options["status_map"] = status_options(table, status_map, options["set"])
    options["allow_empty"] = bool(allow_empty)
    from payback.metrics.custom import keep_option, read_metrics_file

    options["keep"] = keep_option(keep)
    options["declared"] = read_metrics_file(metrics_file).keep if metrics_file else {}
    if table.name != "ad_stats":
        options["declared"] = {}
    extras.check_kind(table, options["keep"], options["declared"])
    given = {
        "platform": platform if platform != "auto" else None,
        "mapping": options["mapping"] or None,
        "set_values": options["set"] or None,
        "currency": options["currency"],
        "money_units": money_units,
        "source_map": parse_pairs(source_map, option="--source-map") or None,
        "dedupe_window": str(dedupe_window) if dedupe_window is not None else None,
        "date_format": date_format,
        "decimal_comma": decimal_comma or None,
        "allow_empty": allow_empty or None,
        "sheet": sheet,
        "keep": ",".join(f"{k}={v}" for k, v in options["keep"].items()) or None,
    }
    peek = peek_file(path)
    if sheet is not None and peek.format != "xlsx":
        raise InputError(f"--sheet applies to spreadsheets (.xlsx ...); {path} is {peek.format}")
    options["sheet"] = sheet
    options["record"] = {
        "kind": kind,
        "options": {k: v for k, v in given.items() if v is not None},
        "hash": ledger.file_hash(path),
    }
    show = bool(progress) if progress is not None else peek.size >= PROGRESS_BYTES
    con = _connection(store)
    with Progress(show) as bar, _threads(con, peek):
        try:
            # the file is handed on, not kept here: its memory goes once it is staged
            return _import(
                con, store, table, *_read(path, peek, table, platform, options, bar), options, bar
            )
        except (duckdb.Error, OSError) as e:
            if is_disk_full(e):
                raise _disk_full(store, path) from None
            raise
        finally:
            _drop_staging(con)


def _disk_full(store: Store, path: Path) -> DiskFullError:
    """The error for an import that filled the disk (its transaction was rolled back)."""
    in_file = store.path not in (None, ":memory:")
    where = f"the folder {Path(store.path).parent}" if in_file else "the temporary folder"
    return DiskFullError(
        f"{path}: the disk filled up (no space left on device) while importing into "
        f"{store.path}; nothing was imported (the transaction was rolled back). Fix: free "
        f"space on the disk holding {where} and DuckDB's temporary files, or give --db a "
        f"store on a larger disk, then import again"
    )


_OTHER_SHEET = "name the sheet that holds the data with --sheet NAME"


def _read(path: Path, peek, table: Table, platform: str, options, bar) -> tuple[RawFile, Layout]:
    """Read the file and recognise its layout."""
    if peek.format == "xlsx":
        bar.phase(f"Reading {path.name}")
        sheet = spreadsheets.read_sheet(path, options["sheet"])
        if not sheet.height:
            raise DataError(f"sheet {sheet.name!r} is empty", file=str(path), fix=_OTHER_SHEET)
        found = detect_layout(
            sheet.lines,
            kind=table.kind,
            platform=platform,
            mapping=options["mapping"],
            table=table,
            file=sheet.label,
        )
        # each sheet is its own import: another sheet of the workbook supersedes nothing
        options["record"]["hash"] += f"#{sheet.name}"
        return spreadsheets.raw_file(sheet, found.header_index, found.layout.is_footer), (
            found.layout
        )
    if peek.format == "parquet":
        raw = read_parquet(path, bar)
        layout = next(
            (
                lay
                for lay in LAYOUTS.values()
                if table.kind == "ads"
                and platform in ("auto", lay.name)
                and lay.matches(raw.columns)
            ),
            GENERIC,
        )
        return raw, layout
    found = detect_layout(
        peek.lines,
        kind=table.kind,
        platform=platform,
        mapping=options["mapping"],
        table=table,
        file=str(path),
    )
    raw = read_csv(
        path,
        peek,
        header_index=found.header_index,
        delimiter=found.delimiter,
        is_footer=found.layout.is_footer,
        has_footer=bool(found.layout.footer),
        progress=bar,
    )
    bar.phase(f"Checking {path.name}")
    return raw, found.layout


def _connection(store: Store):
    if store.engine != "duckdb":
        raise PaybackError(
            "imports write into the embedded DuckDB store: import there, then open it on "
            "Spark with --engine spark"
        )
    con = store.backend.con
    readonly = con.execute(
        "SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    if readonly and readonly[0]:
        raise PaybackError(
            f"the store {store.path} is open read-only: nothing was imported. Fix: open it "
            f"for writing (open_store(path) without read_only=True), and check that the "
            f"file may be written"
        )
    return con


@contextmanager
def _threads(con, peek) -> Iterator[None]:
    """One DuckDB thread for a small file (:data:`ONE_THREAD_BYTES`, uncompressed roughly),
    the connection's setting again afterwards: the 11 files of the 10,000-customer demo
    take about 40 % less CPU time so."""
    size = peek.size * (4 if peek.compression or peek.format == "parquet" else 1)
    if size >= ONE_THREAD_BYTES:
        yield
        return
    (threads,) = con.execute("SELECT current_setting('threads')").fetchone()
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(threads)}")


def _drop_staging(con, keep: str | None = None) -> None:
    """Drop the ``_pb_*`` temporary tables and views an import made (but ``keep``)."""
    found = con.execute(
        "SELECT table_name, table_type FROM information_schema.tables "
        "WHERE table_catalog = 'temp' AND table_name LIKE '\\_pb\\_%' ESCAPE '\\'"
    ).fetchall()
    for name, kind in found:
        if name == keep:
            continue
        if kind != "VIEW":
            con.execute(f"DROP TABLE IF EXISTS temp.{ident(name)}")
            continue
        try:
            con.execute(f"DROP VIEW IF EXISTS temp.{ident(name)}")
        except duckdb.Error:  # a registered Arrow table
            con.unregister(name)


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
        if not is_currency(currency):
            raise InputError(
                f"--currency {currency!r}: not an ISO 4217 currency code; expected one like "
                f"USD, EUR or RUB"
            )
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
    file = raw.label
    problems = Problems(file, columns=raw.columns)
    warnings: list[str] = []
    stage.report_malformed(raw, problems)
    goals, notes = results.goal_columns(raw.table, layout.name)
    if notes:  # Yandex Direct per-goal columns: their sums are the platform's results
        added = tuple(c for c in goals.column_names[raw.table.num_columns :])
        raw = replace(raw, table=goals, columns=raw.columns + added)
        warnings += notes
    kept = extras.chosen(raw.columns, options["keep"], options["declared"], file)
    table = extras.extended(table, kept)
    options = {**options, "mapping": {**options["mapping"], **extras.mapping(kept)}}
    plan = _plan(table, raw, layout, options, file)
    check_plan(raw, plan, options)
    warnings += plan.notes
    data = stage.attach_constants(raw.table, plan)
    raw = replace(raw, table=data.slice(0, 0))  # keep one copy of the rows: ``data``
    data, skipped = stage.data_rows(
        data, layout, plan, text=raw.format != "parquet", columns=raw.columns
    )
    warnings += skipped
    warnings += results.mixed_results(data, plan)
    if raw.footer:
        shown = "; ".join(strip_quotes(f) for f in raw.footer[:2] if strip_quotes(f))
        warnings.append(f"{len(raw.footer)} footer line(s) skipped: {shown}")
    rows_read = data.num_rows
    if not rows_read:
        problems.raise_if_any()  # rows with a wrong number of fields say more
        if not options["allow_empty"]:
            raise _no_rows(file, skipped)
        warnings.append("the file has no data rows: nothing was imported (--allow-empty)")
    con.register(stage.SRC, data)
    stage.check_footer_counts(raw, rows_read, problems)
    checks = stage.parse(con, table, data, layout, plan, options, file)
    con.unregister(stage.SRC)
    del data  # parsed into DuckDB: the Arrow copy can go
    problems.run(con, stage.PARSED, checks)
    stage.check_duplicate_keys(con, table, plan, problems)
    problems.raise_if_any()
    columns = [c for c in table.column_names if c in plan.sources]
    # each step that materialises a table lets the tables before it go (memory), and says
    # whether the rows are still in file order
    relation, ordered = stage.PARSED, True
    if table.name == "order_items" and "line" not in plan.sources:
        con.execute(
            f"CREATE TEMP TABLE _pb_lined AS SELECT *, row_number() OVER "
            f"(PARTITION BY order_id ORDER BY _row) AS line FROM {relation}"
        )
        relation, ordered = "_pb_lined", False
        _drop_staging(con, keep=relation)
        columns.append("line")
        warnings.append("line numbers generated from the order of the rows in the file")
    if "platform" in columns or table.name in ("orders", "leads"):
        has_attribution = "utm_source" in table.column_names
        columns, kept_order = attribution.attribute(
            con,
            relation,
            columns,
            source_map=options["source_map"],
            has_attribution=has_attribution,
            out="_pb_attributed",
        )
        relation, ordered = "_pb_attributed", ordered and kept_order
        if has_attribution:  # a table (else a view of the parsed rows)
            _drop_staging(con, keep=relation)
    duplicates = 0
    if table.name == "leads" and options["window"] is not None:
        earlier = _stored_leads(store)
        duplicates = attribution.mark_duplicate_leads(con, relation, options["window"], earlier)
        warnings.append(
            f"{duplicates:,} lead(s) marked duplicate: the same contact came within "
            f"{_window(options['window'])} before"
        )
    outcome, converted = _currency(con, store, table, relation, file)
    if converted != relation:  # a table joined with the rates
        relation, ordered = converted, False
        _drop_staging(con, keep=relation)
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
                f"{unattributed:,} of {rows_read:,} {table.name} have no attribution (no platform, "
                f"utm_source or click id"
                + (", no partner" if "partner_id" in columns else "")
                + "): they count in totals but join no ad rows"
            )
    date_min, date_max = _date_span(con, table, relation, columns)
    bar.phase(f"Writing {table.name}")
    rows = _final_rows(con, relation, columns, ordered)
    rows, companions, columns = extras.split(rows, columns)
    meta = {"base_currency": outcome.base} if outcome.new_base and outcome.base else {}
    record, in_store = ledger.write_import(
        store,
        table.name,
        rows,
        path=_ledger_path(raw),
        content_hash=options["record"]["hash"],
        kind=options["record"]["kind"],
        options=options["record"]["options"],
        rows_read=rows_read,
        meta=meta,
        companions=companions,
    )
    if record.replaced:
        warnings.append(
            f"{record.rows_replaced:,} row(s) already in the store with the same "
            f"{'/'.join(table.key)} were replaced: "
            + "; ".join(r.describe() for r in record.replaced)
            + f" (`payback imports undo {record.id}` puts them back)"
        )
    superseded = {r.id: r.rows_added for r in ledger.list_imports(store, table=table.name)}
    return ImportResult(
        kind=table.kind,
        table=table.name,
        file=file,
        platform=layout.name,
        layout=layout.label,
        rows_read=int(rows_read),
        rows_in_store=in_store,
        currency=outcome.base if "currency" in table.column_names else None,
        file_currencies=outcome.currencies,
        date_min=date_min,
        date_max=date_max,
        columns=tuple(
            (c, plan.sources[c].describe)
            for c in table.column_names
            if c in plan.sources and not c.startswith(extras.PREFIX)
        ),
        kept=tuple(kept.items()),
        conversions=outcome.conversions,
        duplicates_marked=duplicates,
        unattributed=unattributed,
        warnings=tuple(warnings),
        import_id=record.id,
        replaced=record.replaced,
        supersedes=tuple((i, superseded[i]) for i in record.supersedes),
    )


def _ledger_path(raw: RawFile) -> Path:
    """The file as the ledger records it; a workbook's sheet after a ``#``."""
    path = raw.path.resolve()
    return path if raw.sheet is None else path.with_name(f"{path.name}#{raw.sheet}")


def _no_rows(file: str, skipped: list[str]) -> DataError:
    """The error for a file with a header but no data rows."""
    return DataError(
        "no data rows" + (f" ({'; '.join(skipped)})" if skipped else ""),
        file=file,
        expected="at least one row under the header",
        fix="export the data again (a filter or date range may have left it empty), or "
        "pass --allow-empty to import nothing",
    )


def _final_rows(con, relation: str, columns: list[str], ordered: bool):
    """The rows to write, in file order: the staged relation itself when its rows are in
    order (no copy), else a sorted copy (then the other staging tables go first)."""
    select = ", ".join(ident(c) for c in columns)
    if ordered:
        return con.sql(f"SELECT {select} FROM {relation}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _pb_final AS SELECT {select} FROM {relation} ORDER BY _row"
    )
    _drop_staging(con, keep="_pb_final")
    return con.sql("SELECT * FROM _pb_final")


def _window(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    units = (("h", 3600), ("m", 60)) if seconds < 2 * 86400 else (("d", 86400), ("h", 3600))
    for unit, size in units:
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


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


def _stored_leads(store: Store) -> pa.Table:
    leads = store.table("leads")
    return store.to_pyarrow(
        leads.filter(leads.contact.notnull()).select("lead_id", "time", "contact")
    )


def _currency(con, store: Store, table: Table, relation: str, file: str):
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
        return fx.FxOutcome(bases[0] if new else base, new, (), tuple(bases)), relation
    if "currency" not in table.column_names:
        return fx.FxOutcome(store.base_currency, False, (), ()), relation
    return fx.convert(con, store, table, relation, file=file)


def _table_warnings(con, table: Table, relation: str, columns: list[str]) -> list[str]:
    notes = []
    if table.name == "ad_stats":
        keys = ", ".join(ident(k) if k in columns else "NULL" for k in table.key)
        rows, hashes = con.execute(
            f"SELECT count(*), count(DISTINCT hash({keys})) FROM {relation}"
        ).fetchone()
        # distinct hashes mean distinct keys: count exactly only when some may repeat
        extra = (
            0
            if rows == hashes
            else con.execute(
                f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {relation} "
                f"GROUP BY {keys} HAVING count(*) > 1)"
            ).fetchone()[0]
        )
        if extra:
            notes.append(
                f"{extra:,} row(s) repeat the date/platform/campaign/ad group/keyword of another "
                f"row (e.g. device or audience rows); they are kept as separate rows"
            )
    if table.name == "order_items":
        neg, first = con.execute(
            f"SELECT count(*), arg_min(order_id, _row) FROM {relation} WHERE quantity < 0"
        ).fetchone()
        if neg:
            notes.append(
                f"{neg:,} line(s) have a negative quantity (returns or cancellations, e.g. order "
                f"{first!r}); imported as they are: they lower the revenue of their order"
            )
    return notes


def _date_span(con, table: Table, relation: str, columns: list[str]):
    name = fx.DATE_COLUMN.get(table.name) or ("signup_time" if table.name == "customers" else None)
    if name not in columns:
        return None, None
    return con.execute(f"SELECT min({ident(name)}), max({ident(name)}) FROM {relation}").fetchone()


__all__ = ["ImportResult", "import_file"]
