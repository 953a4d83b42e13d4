"""The DuckDB connection an import writes through and its temporary ``_pb_*`` tables.

The store's connection, refused when read-only or not DuckDB (:func:`_connection`); one
thread for a small file (:func:`_threads`); dropping the staging tables an import made
(:func:`_drop_staging`); the error for a disk that filled up (:func:`_disk_full`).

Examples
--------
>>> from payback.store import open_store
>>> store = open_store(":memory:")
>>> con = _connection(store)
>>> _ = con.execute("CREATE TEMP TABLE _pb_x AS SELECT 1 AS a")
>>> _drop_staging(con)
>>> con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = '_pb_x'").fetchone()
(0,)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from payback.errors import DiskFullError, PaybackError
from payback.ingest.parsing import ident
from payback.ingest.readers import ONE_THREAD_BYTES
from payback.store import Store


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
