"""``payback imports``: the import ledger, and ``payback imports undo ID``."""

from __future__ import annotations

import typer

from payback.cli import options

_FORMAT_HELP = "table (for humans), csv or json."

app = typer.Typer(
    name="imports",
    invoke_without_command=True,
    no_args_is_help=False,
    add_completion=False,
    help="""The imports recorded in the store, oldest first: id, time (UTC), kind, file,
    rows added, rows of other imports replaced, state (active, superseded by a later import
    of the same file, undone) and the options given. `payback imports undo ID` takes one
    import back.

    Examples:

        payback imports

        payback imports -f json

        payback imports undo 3
    """,
)


@app.callback()
def imports_command(
    ctx: typer.Context,
    fmt: str = typer.Option("table", "--format", "-f", help=_FORMAT_HELP),
    output: str = options.OUTPUT,
    db: str = options.DB,
) -> None:
    """List the imports recorded in the store."""
    if ctx.invoked_subcommand is not None:
        return
    import pandas as pd

    from payback.errors import InputError
    from payback.ingest.ledger import list_imports
    from payback.output import write_frame
    from payback.present import Table

    if fmt.lower() not in ("table", "csv", "json"):
        raise InputError(f"unknown format {fmt!r}: expected one of table, csv, json")
    from payback.store import NOT_A_FILE, default_db_path

    name = str(db or default_db_path())
    if name.startswith(NOT_A_FILE):
        raise InputError(
            f"{name} keeps no import log: lakes, Delta stores and Spark catalogs hold the "
            f"tables only. Fix: list the imports of the store file it was exported from "
            f"(`payback imports --db FILE.duckdb`)"
        )
    with options.open_reading(db) as store:
        records = list_imports(store)
    rows = [r.as_row() for r in records]
    frame = pd.DataFrame(rows, columns=_COLUMNS) if rows else pd.DataFrame(columns=_COLUMNS)
    if fmt.lower() == "table":
        frame = frame.drop(columns=["content_hash", "path"])
        if not rows:
            typer.echo("No imports recorded in this store.")
            return
    else:
        frame["content_hash"] = [r.content_hash for r in records]
    units = {"rows_added": "count", "rows_replaced": "count", "id": "count"}
    write_frame(Table(frame, units), fmt, output, title="imports")


_COLUMNS = [
    "id",
    "imported_at",
    "kind",
    "file",
    "rows_added",
    "rows_replaced",
    "state",
    "options",
    "content_hash",
    "path",
]


@app.command("undo")
def undo_command(
    import_id: int = typer.Argument(
        ...,
        metavar="ID",
        help="The import's id (`payback imports` lists them).",
        show_default=False,
    ),
    db: str = options.DB,
    lock_timeout: float = options.LOCK_TIMEOUT,
) -> None:
    """Take one import back: remove exactly the rows it added, restore the rows it replaced.

    A row it replaced that a later import has replaced since stays replaced (by that
    import); an earlier import of the same file that it superseded is active again. One
    transaction: all or nothing.
    """
    from payback.ingest.ledger import undo_import
    from payback.store import open_store

    with open_store(db, wait=lock_timeout) as store:
        result = undo_import(store, import_id)
    typer.echo(result.summary())


def register(root: typer.Typer) -> None:
    """Add ``payback imports`` (and ``imports undo``) to the root command."""
    root.add_typer(app, name="imports")
