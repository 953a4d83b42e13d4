"""The options every command that reads a store or writes a table shares, written once.

>>> DB.param_decls, FORMAT.param_decls, OUTPUT.param_decls, LOCK_TIMEOUT.param_decls
(('--db', '--store'), ('--format', '-f'), ('--output', '-o'), ('--lock-timeout',))
>>> ENGINE.param_decls, SPARK_MASTER.param_decls, SPARK_REMOTE.param_decls
(('--engine',), ('--spark-master',), ('--spark-remote',))

A command that reads the store takes the engine options and opens it with
:func:`open_reading`::

    def my_command(db: str = options.DB, engine: str = options.ENGINE,
                   spark_master: str = options.SPARK_MASTER,
                   spark_remote: str = options.SPARK_REMOTE) -> None:
        with options.open_reading(db, engine, spark_master, spark_remote) as store:
            ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from payback.store import Store

#: ``--db``/``--store``: the store file, a lake folder (``parquet:PATH``, ``delta:PATH``) or
#: a Spark catalog database (``spark-catalog:DATABASE``).
DB = typer.Option(
    None,
    "--db",
    "--store",
    help="Store: a DuckDB file, parquet:PATH for a lake folder or delta:PATH for Delta "
    "tables (default $PAYBACK_DB or ./payback.duckdb); on a command with --engine, also "
    "spark-catalog:DATABASE for tables of a Spark catalog (with --engine spark).",
)
#: ``--format``/``-f``: how a table is written.
FORMAT = typer.Option("table", "--format", "-f", help="table (for humans), csv, json or parquet.")
#: ``--output``/``-o``: where a table is written.
OUTPUT = typer.Option(None, "--output", "-o", help="Write to this file instead of the screen.")
#: ``--lock-timeout``: how long a command that writes waits for another process's lock.
LOCK_TIMEOUT = typer.Option(
    None,
    "--lock-timeout",
    min=0,
    help="Seconds to wait while another process (an import, `payback serve`) holds the "
    "store; then fail naming it (default $PAYBACK_LOCK_TIMEOUT or 30; 0 fails at once).",
    show_default=False,
)
#: ``--engine``: where the queries run (``$PAYBACK_ENGINE``).
ENGINE = typer.Option(
    "duckdb",
    "--engine",
    envvar="PAYBACK_ENGINE",
    help="duckdb, or spark: run the queries on Apache Spark (needs the spark extra; "
    "see --spark-master, --spark-remote and docs/scale.md).",
)
#: ``--spark-master``: the Spark master of ``--engine spark`` (``$PAYBACK_SPARK_MASTER``).
SPARK_MASTER = typer.Option(
    None,
    "--spark-master",
    envvar="PAYBACK_SPARK_MASTER",
    help="With --engine spark: local[*], spark://host:7077, yarn ... (default local[2]).",
    show_default=False,
)
#: ``--spark-remote``: a Spark Connect server for ``--engine spark`` (``$PAYBACK_SPARK_REMOTE``).
SPARK_REMOTE = typer.Option(
    None,
    "--spark-remote",
    envvar="PAYBACK_SPARK_REMOTE",
    help="With --engine spark: a Spark Connect server, sc://host:port (local: start one here).",
    show_default=False,
)

#: ``--metrics-file``: your own metrics (TOML), see docs/custom-metrics.md.
METRICS_FILE = typer.Option(
    None,
    "--metrics-file",
    help="Your own metrics (TOML; docs/custom-metrics.md). Default $PAYBACK_METRICS_FILE, "
    "else ./payback-metrics.toml when it exists.",
    show_default=False,
)


def open_reading(
    db: str | None,
    engine: str = "duckdb",
    spark_master: str | None = None,
    spark_remote: str | None = None,
    *,
    wait: float | None = None,
) -> Store:
    """The store a reading command runs on, on the chosen engine (read-only): the one
    path every command that reads a store opens it by (a store file, ``parquet:PATH``,
    ``delta:PATH`` or ``spark-catalog:DATABASE``).

    On ``spark`` the aggregations run in the Spark session (a lake is read there, a
    store file through a temporary lake; :mod:`payback.lake`); only results come back.
    ``wait``: seconds to wait for another process's lock on a store file.
    """
    from payback.errors import InputError
    from payback.store import open_store

    engine = (engine or "duckdb").lower()
    if engine not in ("duckdb", "spark"):
        raise InputError(f"unknown engine {engine!r}: expected duckdb or spark")
    return open_store(
        db, engine=engine, read_only=True, wait=wait, spark_master=spark_master,
        spark_remote=spark_remote,
    )  # fmt: skip


__all__ = [
    "DB",
    "ENGINE",
    "FORMAT",
    "LOCK_TIMEOUT",
    "METRICS_FILE",
    "OUTPUT",
    "SPARK_MASTER",
    "SPARK_REMOTE",
    "open_reading",
]
