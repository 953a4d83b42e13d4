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
    engine: str = options.ENGINE,
    spark_master: str | None = options.SPARK_MASTER,
    spark_remote: str | None = options.SPARK_REMOTE,
    lock_timeout: float = options.LOCK_TIMEOUT,
) -> None:
    """Write every canonical table of the store (a DuckDB file, a lake, Delta tables, or
    with --engine spark a Spark catalog database) as Parquet, one folder per table, to a
    staging folder swapped in at the end (readers see the old lake or the new one). Spark,
    DuckDB and `--db parquet:PATH` read it. With `--to delta:PATH` each table is a Delta
    table, overwritten in a new Delta version, and the versions are recorded last in
    PATH/payback_meta (needs `pip install 'payback[delta]'`; written by DuckDB). With
    `--engine spark` Spark's executors write the Parquet (Spark on this machine).

    **Example**

    ```
    payback store export --db shop.duckdb --to parquet:/data/lake/shop
    payback store export --db spark-catalog:shop --engine spark --to parquet:/data/lake/shop
    ```
    """
    from payback.lake import export_store, lake_path
    from payback.lake_delta import delta_path, export_delta

    target, export = lake_path(to), export_store
    if target is None and delta_path(to) is not None:
        target, export = delta_path(to), export_delta
    if target is None:
        raise InputError(
            f"--to {to!r}: expected parquet:PATH or delta:PATH (a folder to write the lake to)"
        )
    if export is export_delta and (engine or "duckdb").lower() == "spark":
        raise InputError(
            f"--to {to}: Delta tables are written by DuckDB (delta-rs), not by --engine spark. "
            f"Fix: drop --engine spark (DuckDB reads parquet: and delta: stores); a Spark "
            f"catalog database: export it to parquet:PATH with --engine spark first, then "
            f"`payback store export --db parquet:PATH --to {to}`"
        )
    with options.open_reading(db, engine, spark_master, spark_remote, wait=lock_timeout) as store:
        counts = export(store, target)
    rows = sum(counts.values())
    typer.echo(f"wrote {rows:,} rows of {len(counts)} tables to {to}")


def register(app: typer.Typer) -> None:
    """Add ``payback store ...`` to the root command."""
    app.add_typer(store_app, name="store")
