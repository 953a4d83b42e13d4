"""Stores beyond one file: the canonical tables as Parquet in a folder (a lake).

A lake store is named ``parquet:PATH`` wherever a store file is (``--db``/``--store``,
``PAYBACK_DB``). Its layout is one folder per canonical table and one for the metadata::

    PATH/ad_stats/part-00000.parquet
    PATH/orders/part-00000.parquet
    ...                                   (every table of payback.schema.TABLES)
    PATH/payback_meta/part-00000.parquet  (key, value: base_currency, format, ...)

A table's folder may hold any number of Parquet files (Spark writes many): both engines
read the folder. Columns are cast to the canonical types on reading; a column missing
from the files is null.

- Reading on DuckDB: an in-memory DuckDB whose canonical tables are views over
  ``read_parquet`` (nothing is loaded until a query runs, and then only the columns and
  row groups it needs). Reading on Spark: temporary views of ``spark.read.parquet``,
  read by the executors where the data is.
- Writing (``payback import --store parquet:PATH``, ``payback store export --to
  parquet:PATH``): the same validation and upsert as a store file, in a staging DuckDB
  beside the lake; the result is written to a staging folder, then swapped in by two
  renames, so readers see the old lake or the new one, never half of one.
- ``--engine spark`` on a store file: the file is exported to a temporary lake (DuckDB
  streams it, nothing passes through Python), read by Spark, removed on close.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from payback.errors import PaybackError
from payback.schema import TABLES
from payback.store import Store, open_store

#: The prefix naming a lake store (``parquet:/data/shop``).
PREFIX = "parquet:"
#: The folder of the store's metadata (key, value) inside a lake.
META_FOLDER = "payback_meta"
#: Version of the layout written in the metadata (``format``).
FORMAT = "1"
#: Metadata carried from a store file to a lake and back.
_KEPT_META = ("base_currency",)


def lake_path(db: Any) -> str | None:
    """The lake folder a store name points at, or None for a DuckDB file.

    >>> lake_path("parquet:/data/shop"), lake_path("shop.duckdb"), lake_path(None)
    ('/data/shop', None, None)
    """
    text = os.fspath(db) if db is not None else ""
    return text[len(PREFIX) :] if text.startswith(PREFIX) else None


def _is_url(path: str) -> bool:
    return "://" in path


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _check_lake(path: str) -> None:
    """Refuse a local folder that is not a lake store (missing, or without its metadata folder)."""
    if _is_url(path):
        return
    if not Path(path, META_FOLDER).is_dir():
        what = "does not exist" if not Path(path).exists() else f"has no {META_FOLDER} folder"
        raise PaybackError(
            f"no payback lake at {path}: the folder {what}. Fix: write one with "
            f"`payback store export --to parquet:{path}` or `payback import KIND FILE "
            f"--store parquet:{path}`"
        )


# -- writing ---------------------------------------------------------------------------------
def export_store(store: Store, target: str | os.PathLike[str]) -> dict[str, int]:
    """Write every canonical table of a store (and its base currency) as a lake.

    The store is any store payback reads (a DuckDB file, a lake, Delta tables, or on
    Spark also a Spark catalog database): DuckDB copies its tables to Parquet; on Spark
    the executors write them (nothing passes through the driver), which needs the lake
    folder on this machine and Spark on it (a local master or ``--spark-remote local``).
    The files are written to a staging folder beside ``target`` and swapped in: an
    existing lake at ``target`` is replaced whole (a folder that is not a lake is never
    replaced). Returns the rows written per table.

    Examples
    --------
    >>> import pyarrow as pa, tempfile, os
    >>> store = open_store(":memory:")
    >>> _ = store.write({"customers": pa.table({"customer_id": ["c1", "c2"]})},
    ...                 meta={"base_currency": "EUR"})
    >>> folder = os.path.join(tempfile.mkdtemp(), "lake")
    >>> export_store(store, folder)["customers"]
    2
    >>> lake = open_lake(folder)
    >>> lake.row_count("customers"), lake.base_currency
    (2, 'EUR')
    """
    on_spark = store.engine == "spark"
    if on_spark:
        _check_spark_writes_here(store, target)
    target = Path(target)
    if not target.parent.is_dir():
        raise PaybackError(
            f"cannot write the lake {target}: the folder {target.parent} does not exist. "
            f"Fix: create it first (mkdir -p {target.parent})"
        )
    if target.exists() and not Path(target, META_FOLDER).is_dir():
        raise PaybackError(
            f"{target} exists and is not a payback lake (no {META_FOLDER} folder): it is "
            f"never replaced. Fix: give a new or empty folder name"
        )
    staging = target.with_name(f".{target.name}.staging-{uuid.uuid4().hex[:8]}")
    counts: dict[str, int] = {}
    meta = {k: store.meta(k) for k in _KEPT_META if store.meta(k) is not None}
    meta = {**meta, "format": FORMAT}
    try:
        staging.mkdir()
        write = _spark_writer(store) if on_spark else _duckdb_writer(store)
        for name in TABLES:
            write(name, staging / name)
            counts[name] = store.row_count(name)
        write(META_FOLDER, staging / META_FOLDER, meta)
        _swap(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return counts


def _duckdb_writer(store: Store):
    """Write a table of a DuckDB store (or the metadata rows) to a new folder of Parquet."""
    raw = store._raw

    def write(name: str, folder: Path, rows: dict[str, str] | None = None) -> None:
        folder.mkdir()
        file = _sql_text(str(folder / "part-00000.parquet"))
        if rows is not None:
            _write_meta(raw, file, rows)
            return
        columns = ", ".join(f'"{c}"' for c in TABLES[name].column_names)
        raw.execute(
            f"COPY (SELECT {columns} FROM {name}) TO {file} "
            f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)"
        )

    return write


def _spark_writer(store: Store):
    """Write a table of a Spark store (its temporary view) or the metadata rows to a new
    folder of Parquet, by the executors."""
    session = store.backend._session

    def write(name: str, folder: Path, rows: dict[str, str] | None = None) -> None:
        if rows is not None:
            frame = session.createDataFrame(list(rows.items()), "key string, value string")
            frame = frame.coalesce(1)
        else:
            frame = session.table(name).select(*TABLES[name].column_names)
        frame.write.option("compression", "zstd").parquet(str(folder))

    return write


def _check_spark_writes_here(store: Store, target: str | os.PathLike[str]) -> None:
    """Spark writes a lake only to a folder of this machine from Spark on this machine:
    payback stages it there and swaps it in by renames."""
    from payback.spark import runs_here

    if _is_url(os.fspath(target)) or not runs_here(store.backend._session):
        raise PaybackError(
            f"--engine spark writes a lake (--to parquet:{os.fspath(target)}) only to a "
            f"folder on this machine from Spark on this machine, where payback swaps it in. "
            f"Fix: give a local folder and --spark-master local[*] (or --spark-remote "
            f"local), or export with --engine duckdb (it reads parquet: and delta: stores)"
        )


def _write_meta(raw, file: str, meta: dict[str, str]) -> None:
    import pyarrow as pa

    rows = pa.table({"key": list(meta), "value": list(meta.values())})
    raw.register("_payback_lake_meta", rows)
    try:
        raw.execute(f"COPY (SELECT * FROM _payback_lake_meta) TO {file} (FORMAT parquet)")
    finally:
        raw.unregister("_payback_lake_meta")


def _swap(staging: Path, target: Path) -> None:
    """Put ``staging`` at ``target``: the old lake is renamed away first, then removed."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.replaced-{uuid.uuid4().hex[:8]}")
        target.rename(old)
    try:
        staging.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def staged_import(target: str | os.PathLike[str], *, wait: float | None = None) -> Iterator[Store]:
    """A DuckDB store to import into, published to the lake ``target`` on success.

    The store holds the lake's tables (so rows replace rows with the same keys, as in a
    store file); whatever the block imports is validated there, and the whole lake is
    written to a staging folder and swapped in only when the block ends without error.
    An import that fails leaves the lake as it was. One import at a time per lake (a
    lock file beside it; ``wait`` seconds, default 30).
    """
    target = Path(target)
    with staging_store(target, "lake", wait) as store:
        if target.exists():
            _load_lake(store, str(target))
        yield store
        export_store(store, target)


@contextmanager
def staging_store(target: Path, what: str, wait: float | None) -> Iterator[Store]:
    """A fresh DuckDB store in a staging folder beside ``target`` (a lake or Delta store,
    named ``what`` in errors), under the one-import-at-a-time lock; removed afterwards."""
    if not target.parent.is_dir():
        raise PaybackError(
            f"cannot create the {what} {target}: the folder {target.parent} does not exist. "
            f"Fix: create it first (mkdir -p {target.parent})"
        )
    with (
        _lake_lock(target, wait),
        tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.name}.import-") as tmp,
    ):
        store = open_store(Path(tmp) / "staging.duckdb")
        try:
            yield store
        finally:
            store.close()


@contextmanager
def _lake_lock(target: Path, wait: float | None) -> Iterator[None]:
    import fcntl
    import time

    limit = float(os.environ.get("PAYBACK_LOCK_TIMEOUT", 30)) if wait is None else wait
    deadline = time.monotonic() + limit
    with open(target.with_name(f".{target.name}.lock"), "w") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise PaybackError(
                        f"another import is writing the lake {target}; waited {limit:g} s. "
                        f"Fix: retry when it is done, or give --lock-timeout more seconds"
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _load_lake(store: Store, path: str) -> None:
    """Fill a fresh DuckDB store with a lake's tables and base currency."""
    _check_lake(path)
    raw = store._raw
    tables = {name: raw.sql(_select_sql(raw, path, name)) for name in TABLES}
    meta = _read_meta(raw, path)
    store.write(tables, meta={k: v for k, v in meta.items() if k in _KEPT_META})


# -- reading ---------------------------------------------------------------------------------
def _files(path: str, name: str) -> str:
    return f"{path.rstrip('/')}/{name}/*.parquet"


def _select_sql(raw, path: str, name: str) -> str:
    """A SELECT of a lake table with the canonical columns and types (null if missing)."""
    return _select_from(
        raw, f"read_parquet({_sql_text(_files(path, name))}, union_by_name = true)", name
    )


def _select_from(raw, source: str, name: str) -> str:
    """A SELECT of the canonical table ``name`` from a DuckDB ``source`` (a table function
    call): the canonical columns cast to their types, null where the source lacks one."""
    from payback.storage import _quote, _sql_type

    have = {row[0] for row in raw.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    columns = ", ".join(
        f"CAST({_quote(c.name) if c.name in have else 'NULL'} AS {_sql_type(c.dtype)}) "
        f"AS {_quote(c.name)}"
        for c in TABLES[name].columns
    )
    return f"SELECT {columns} FROM {source}"


def _read_meta(raw, path: str) -> dict[str, str]:
    rows = raw.execute(
        f"SELECT key, value FROM read_parquet({_sql_text(_files(path, META_FOLDER))})"
    ).fetchall()
    return dict(rows)


def open_lake(
    path: str | os.PathLike[str],
    engine: str = "duckdb",
    *,
    master: str | None = None,
    remote: str | None = None,
) -> Store:
    """A read-only store on a lake (see the module's docstring), on DuckDB or Spark."""
    path = os.fspath(path)
    _check_lake(path)
    if engine == "spark":
        return _open_lake_on_spark(path, master, remote)
    import ibis

    from payback.storage import META, _quiet

    backend = ibis.duckdb.connect()
    raw = backend.con
    _quiet(raw)
    raw.execute(f"CREATE TABLE {META} (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for key, value in _read_meta(raw, path).items():
        raw.execute(f"INSERT INTO {META} VALUES (?, ?)", [key, value])
    for name in TABLES:
        raw.execute(f"CREATE VIEW {name} AS {_select_sql(raw, path, name)}")
    return Store(backend=backend, path=PREFIX + path, engine="duckdb")


def _open_lake_on_spark(path: str, master: str | None, remote: str | None) -> Store:
    from payback.spark import spark_session, spark_store

    session = spark_session(master, remote)
    store = spark_store(session)
    for name in TABLES:
        register_view(session, name, session.read.parquet(f"{path.rstrip('/')}/{name}"))
    for row in session.read.parquet(f"{path.rstrip('/')}/{META_FOLDER}").collect():
        store.set_meta(row["key"], row["value"])
    store.path = PREFIX + path
    return store


def canonical_frame(frame, name: str):
    """A Spark DataFrame with the canonical columns of table ``name`` cast to their types
    (null where ``frame`` lacks one, extra ones dropped)."""
    from ibis.backends.pyspark.datatypes import PySparkSchema
    from pyspark.sql import functions as F

    have = set(frame.columns)
    schema = PySparkSchema.from_ibis(TABLES[name].ibis_schema())
    return frame.select(
        [
            (F.col(f.name) if f.name in have else F.lit(None)).cast(f.dataType).alias(f.name)
            for f in schema.fields
        ]
    )


def register_view(session, name: str, frame) -> None:
    """Register a Spark DataFrame as canonical table ``name``'s temporary view
    (:func:`canonical_frame`); ``frame`` None: the table empty."""
    if frame is None:
        from ibis.backends.pyspark.datatypes import PySparkSchema

        frame = session.createDataFrame([], PySparkSchema.from_ibis(TABLES[name].ibis_schema()))
    canonical_frame(frame, name).createOrReplaceTempView(name)


def open_elsewhere(
    db: Any,
    engine: str,
    *,
    read_only: bool,
    wait: float | None,
    master: str | None,
    remote: str | None,
) -> Store:
    """:func:`payback.store.open_store` for a lake (Parquet or Delta), a Spark catalog
    database (:mod:`payback.spark_catalog`), or for the Spark engine."""
    from payback.lake_delta import delta_path, open_delta
    from payback.spark_catalog import catalog_database, open_catalog

    lake = lake_path(db)
    if not read_only:
        raise PaybackError(
            f"the store {db} is opened for reading only on engine {engine}: imports write "
            f"a store file, or a lake with `payback import KIND FILE --store parquet:PATH` "
            f"(or delta:PATH)"
        )
    database = catalog_database(db)
    if database is not None:
        return open_catalog(database, engine, master=master, remote=remote)
    if lake is not None:
        return open_lake(lake, engine, master=master, remote=remote)
    if delta_path(db) is not None:
        return open_delta(delta_path(db), engine, master=master, remote=remote)
    return open_store_on_spark(db, wait=wait, master=master, remote=remote)


def open_store_on_spark(
    db: Any = None,
    *,
    wait: float | None = None,
    master: str | None = None,
    remote: str | None = None,
) -> Store:
    """A Spark store with the tables of a DuckDB store file, read from a temporary lake.

    The file is exported by DuckDB to Parquet in a temporary folder (streamed, never
    through Python or the Spark driver) and read by Spark; the folder is removed when
    the store is closed. Only for Spark on this machine (a local master, or
    ``--spark-remote local``): a cluster cannot read this machine's temporary folder.
    """
    from payback.spark import is_local, spark_target

    if not is_local(master, remote):
        _, url = spark_target(master, remote)
        name = db or "the store file"
        raise PaybackError(
            f"{name} is a file on this machine, which Spark at {url} cannot read. Fix: "
            f"publish it where the cluster reads (`payback store export --db {name} --to "
            f"parquet:PATH`) and give --db parquet:PATH"
        )
    folder = Path(tempfile.mkdtemp(prefix="payback-spark-"))
    try:
        with open_store(db, read_only=True, wait=wait) as duck:
            export_store(duck, folder / "lake")
        store = _open_lake_on_spark(str(folder / "lake"), master, remote)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    store.on_close(lambda: shutil.rmtree(folder, ignore_errors=True))
    store.path = os.fspath(db) if db is not None else None  # its name, in reports
    return store


__all__ = [
    "PREFIX",
    "export_store",
    "lake_path",
    "open_elsewhere",
    "open_lake",
    "open_store_on_spark",
    "register_view",
    "staged_import",
]
