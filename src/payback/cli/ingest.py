"""``payback import KIND FILE``: load an export or a table into the store."""

from __future__ import annotations

from pathlib import Path

import typer

from payback.cli import options
from payback.schema import KINDS

_EXAMPLES = """
Examples:

    payback import ads google_ads_keywords.csv

    payback import ads yandex_report.tsv --currency RUB

    payback import ads facebook.csv --platform generic --map cost=Spent,campaign=xyz_campaign_id
    --set date=2017-08-31,platform=meta,currency=USD

    payback import orders orders.csv --source-map newsletter=email

    payback import orders shop.csv --status-map paid=confirmed,refunded=returned

    payback import leads leads.csv --dedupe-window 24h

    payback import fx-rates rates.csv
"""


def import_command(
    kind: str = typer.Argument(
        ..., help=f"What the file holds: {', '.join(KINDS)}.", show_default=False
    ),
    file: str = typer.Argument(
        ..., help="CSV, TSV (also .gz) or Parquet file.", show_default=False
    ),
    platform: str = typer.Option(
        "auto",
        "--platform",
        "-p",
        help="Ad export layout: auto (recognise it), google, meta, microsoft, yandex or generic.",
    ),
    mapping: list[str] = typer.Option(
        None,
        "--map",
        help="canon=source pairs, comma-separated: which header feeds a canonical column "
        "(e.g. cost=Spent,date=Day).",
    ),
    set_values: list[str] = typer.Option(
        None,
        "--set",
        help="canon=value pairs for columns the file lacks (date of a one-period report, "
        "platform, currency, status...).",
    ),
    currency: str = typer.Option(
        None, "--currency", help="ISO code of the file's money when it has no currency column."
    ),
    money_units: float = typer.Option(
        None,
        "--money-units",
        help="Divide money cells by N (Yandex reports micro-units: default 1000000 there, 1 "
        "elsewhere).",
    ),
    source_map: list[str] = typer.Option(
        None,
        "--source-map",
        help="utm_source=platform pairs added to the default map (google; facebook, fb, "
        "instagram -> meta; bing -> microsoft; yandex).",
    ),
    dedupe_window: str = typer.Option(
        None,
        "--dedupe-window",
        help="Leads: a valid lead whose contact (phone/e-mail) came within this window "
        "before becomes duplicate, e.g. 30m, 24h, 7d.",
    ),
    date_format: str = typer.Option(
        None,
        "--date-format",
        help="Date format when not ISO and not detectable, e.g. DD-MM-YYYY or %d.%m.%Y.",
    ),
    decimal_comma: bool = typer.Option(
        False,
        "--decimal-comma",
        help="Numbers are written the European way: 1.234,56 (a decimal comma, dots "
        "between thousands).",
    ),
    decimal_point: bool = typer.Option(
        False,
        "--decimal-point",
        help="Numbers are written with a decimal point: 1,234.56 (commas between "
        "thousands). Needed only when a money column has nothing but cells like 1,234 or "
        "1.234, which read two ways.",
    ),
    status_map: list[str] = typer.Option(
        None,
        "--status-map",
        help="Orders and leads: word=status pairs translating the file's statuses, e.g. "
        "paid=confirmed,refunded=returned,new=pending.",
    ),
    allow_empty: bool = typer.Option(
        False,
        "--allow-empty",
        help="Accept a file with a header but no data rows (nothing is imported); "
        "otherwise it is an error.",
    ),
    progress: bool = typer.Option(
        None,
        "--progress/--no-progress",
        help="Progress bar (default: on for files of 50 MB or more).",
        show_default=False,
    ),
    db: str = options.DB,
    lock_timeout: float = options.LOCK_TIMEOUT,
) -> None:
    """Import a file into the store: validated, all or nothing, and idempotent.

    Ad exports of Google Ads, Meta Ads Manager, Microsoft Advertising and Yandex Direct
    are recognised from their headers; any other file is read by column names
    (--map/--set for the rest). Every problem is reported with its row and column and
    nothing is imported until the file is clean. Importing the same file again (same path
    or content), with any options, replaces what it imported before, so totals do not
    double; rows replacing rows of another import are counted and named. Every import is
    recorded: `payback imports` lists them, `payback imports undo ID` takes one back.
    """
    from payback.ingest.api import import_file
    from payback.lake import lake_path, staged_import
    from payback.store import default_db_path, open_store

    arguments = dict(
        platform=platform,
        mapping=mapping or None,
        set_values=set_values or None,
        currency=currency,
        money_units=money_units,
        source_map=source_map or None,
        dedupe_window=dedupe_window,
        date_format=date_format,
        decimal_comma=decimal_comma,
        decimal_point=decimal_point,
        status_map=status_map or None,
        allow_empty=allow_empty,
        progress=progress,
    )
    lake = lake_path(db if db is not None else default_db_path())
    if lake is not None:  # validated in a staging store, then the lake is swapped whole
        with staged_import(lake, wait=lock_timeout) as staging:
            result = import_file(staging, kind, file, **arguments)
        _print(result)
        return
    target = Path(db if db is not None else default_db_path())
    new = str(target) != ":memory:" and not target.exists()
    store = open_store(db, wait=lock_timeout)
    # another import may have created the file while this one waited for its lock
    new = new and not _written(store)
    try:
        result = import_file(store, kind, file, **arguments)
    except BaseException:
        store.close()
        if new:  # a failed first import leaves no empty store behind
            for leftover in (target, target.with_name(target.name + ".wal")):
                leftover.unlink(missing_ok=True)
        raise
    store.close()
    _print(result)


def _written(store) -> bool:
    """Whether an import has been recorded in the store (it is not one this command made)."""
    from payback.storage import LEDGER

    (count,) = store.backend.con.execute(f"SELECT count(*) FROM {LEDGER}").fetchone()
    return count > 0


def _print(result) -> None:
    typer.echo(result.summary())


def register(app: typer.Typer) -> None:
    """Add ``payback import`` and the ledger's ``payback imports`` to the root command."""
    from payback.cli import imports, lake

    app.command("import", help=(import_command.__doc__ or "") + _EXAMPLES)(import_command)
    imports.register(app)
    lake.register(app)
