"""``payback store export``: publish a store file as a lake (Parquet folders, docs/scale.md)."""

from __future__ import annotations

import typer

from payback.cli import options
from payback.errors import InputError

store_app = typer.Typer(
    name="store",
    help="The store itself: publish it as a lake of Parquet files for Spark (docs/scale.md).",
    no_args_is_help=True,
)


@store_app.command("export")
def export_command(
    to: str = typer.Option(
        ...,
        "--to",
        help="The lake to write: parquet:PATH (a folder; replaced whole) or delta:PATH "
        "(Delta tables; a new version of each).",
    ),
    db: str = options.DB,
    lock_timeout: float = options.LOCK_TIMEOUT,
) -> None:
    """Write every canonical table of the store (a DuckDB file or a lake) as Parquet, one
    folder per table, to a staging folder swapped in at the end (readers see the old lake
    or the new one). Spark, DuckDB and `--db parquet:PATH` read it. With `--to delta:PATH`
    each table is a Delta table, overwritten in a new Delta version, and the versions are
    recorded last in PATH/payback_meta (needs `pip install 'payback[delta]'`).

    **Example**

    ```
    payback store export --db shop.duckdb --to parquet:/data/lake/shop
    ```
    """
    from payback.lake import export_store, lake_path
    from payback.lake_delta import delta_path, export_delta
    from payback.store import open_store

    target, export = lake_path(to), export_store
    if target is None and delta_path(to) is not None:
        target, export = delta_path(to), export_delta
    if target is None:
        raise InputError(
            f"--to {to!r}: expected parquet:PATH or delta:PATH (a folder to write the lake to)"
        )
    with open_store(db, read_only=True, wait=lock_timeout) as store:
        counts = export(store, target)
    rows = sum(counts.values())
    typer.echo(f"wrote {rows:,} rows of {len(counts)} tables to {to}")


def register(app: typer.Typer) -> None:
    """Add ``payback store ...`` to the root command."""
    app.add_typer(store_app, name="store")
