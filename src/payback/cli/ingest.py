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

    payback import sessions metrica_visits.tsv --goals goals.toml

    payback import order-items online_retail.csv.gz --currency GBP --build-orders --map
    order_id=InvoiceNo,product_id=StockCode,quantity=Quantity,price=UnitPrice,
    customer_id=CustomerID,time=InvoiceDate,country=Country

    payback import orders shop.xlsx --sheet Orders

    payback import ads meta_export.csv --keep "Post shares"
"""


def import_command(
    kind: str = typer.Argument(
        ..., help=f"What the file holds: {', '.join(KINDS)}.", show_default=False
    ),
    file: str = typer.Argument(
        ...,
        help="CSV, TSV (also .gz), Parquet or spreadsheet (.xlsx, .xlsm, .xlsb, .xls, .ods) file.",
        show_default=False,
    ),
    platform: str = typer.Option(
        "auto",
        "--platform",
        "-p",
        help="Export layout: auto (recognise it), google, meta, microsoft, yandex (ads); "
        "impact, awin, tapfiliate, everflow (partner-claims); or generic.",
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
    build_orders: bool = typer.Option(
        False,
        "--build-orders",
        help="order-items: also build the orders table from the lines (one order per order "
        "id; --map names customer_id, time and country in the lines; cancellations reduce "
        "the customer's latest sales and are recorded as returned orders).",
    ),
    progress: bool = typer.Option(
        None,
        "--progress/--no-progress",
        help="Progress bar (default: on for files of 50 MB or more).",
        show_default=False,
    ),
    goals: str = typer.Option(
        None,
        "--goals",
        help="Sessions: TOML file naming the goals (GA4 events, Metrica goal ids) a visit "
        "reaches; default purchase, sign_up, add_to_cart, phone_click.",
    ),
    sheet: str = typer.Option(
        None,
        "--sheet",
        help="Spreadsheets: the sheet to read (default the first one).",
    ),
    keep: list[str] = typer.Option(
        None,
        "--keep",
        help="Ads: keep an extra numeric column for your own metrics (repeat it): HEADER "
        "('Post shares' is kept as post_shares) or name=HEADER. Stored in ad_extras.",
    ),
    metrics_file: str = options.METRICS_FILE,
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
    from payback.lake_delta import delta_path, staged_delta_import
    from payback.metrics.custom import metrics_file_path
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
        goals=goals,
        sheet=sheet,
        keep=keep or None,
        metrics_file=metrics_file_path(metrics_file) if kind == "ads" else None,
    )
    run, what = import_file, (kind,)
    if build_orders:
        from payback.ingest.build_orders import build_orders_import, check_kind

        check_kind(kind)
        run, what = build_orders_import, ()  # the lines, then the orders built from them
    lake = lake_path(db if db is not None else default_db_path())
    delta = delta_path(db if db is not None else default_db_path())
    if delta is not None:  # validated in a staging store, then each changed table committed
        with staged_delta_import(delta, wait=lock_timeout) as staging:
            result = run(staging, *what, file, **arguments)
        _print(result)
        return
    if lake is not None:  # validated in a staging store, then the lake is swapped whole
        with staged_import(lake, wait=lock_timeout) as staging:
            result = run(staging, *what, file, **arguments)
        _print(result)
        return
    target = Path(db if db is not None else default_db_path())
    new = str(target) != ":memory:" and not target.exists()
    store = open_store(db, wait=lock_timeout)
    # another import may have created the file while this one waited for its lock
    new = new and not _written(store)
    try:
        result = run(store, *what, file, **arguments)
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
