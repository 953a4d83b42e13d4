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

from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path

import duckdb

from payback.errors import DataError, InputError, is_disk_full
from payback.ingest import extras, ledger, spreadsheets
from payback.ingest.currencies import is_currency
from payback.ingest.import_result import ImportResult
from payback.ingest.options import (
    check_names,
    parse_duration,
    parse_pairs,
    status_options,
    strftime_format,
)
from payback.ingest.platforms import GENERIC, GENERIC_ALIASES, LAYOUTS, Layout, detect_layout
from payback.ingest.readers import (
    PROGRESS_BYTES,
    Progress,
    RawFile,
    peek_file,
    read_csv,
    read_parquet,
)
from payback.ingest.staging import _connection, _disk_full, _drop_staging, _threads
from payback.ingest.steps import _import
from payback.schema import DEFAULT_SOURCE_MAP, Table, table_for_kind
from payback.store import Store


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


__all__ = ["ImportResult", "import_file"]
