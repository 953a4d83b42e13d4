"""Delta stores: the canonical tables as Delta tables (``delta:PATH``), without a JVM.

A Delta store is named ``delta:PATH`` wherever a store file is (``--db``/``--store``,
``PAYBACK_DB``). It needs the ``deltalake`` package (delta-rs: ``pip install
'payback[delta]'``), which reads and writes the Delta transaction log from Python. Its
layout is one Delta table per canonical table and one for the metadata::

    PATH/orders/_delta_log/...    PATH/orders/part-....parquet
    ...                           (every table of payback.schema.TABLES)
    PATH/payback_meta/            (a Delta table of key, value: base_currency, format,
                                   write, version:<table> for every table)

- Reading: the log decides which Parquet files are live. Each table is read at its
  newest version, except versions committed by a payback write that never finished
  (a crash between two tables): payback_meta names the last write that finished
  (``write``) and the version it left in every table; a later commit tagged with
  another payback write (commit metadata ``payback.write``) and everything after it
  are ignored. Edits made with Delta's own tools (``DeltaTable.delete``, ``UPDATE``,
  ``MERGE``, ``OPTIMIZE``) are read. On DuckDB the tables are views over
  ``read_parquet`` of exactly the live files; on Spark, ``spark.read.parquet`` of them.
  Both cast the columns to the canonical types.
- A table whose protocol uses deletion vectors or column mapping is refused: its
  Parquet files alone do not give its rows (or its column names).
- Writing (``payback import --store delta:PATH``, ``payback store export --to
  delta:PATH``): the same validation and upsert as a store file, in a staging DuckDB
  beside the store; then each table (each changed table, on import) is overwritten in
  one Delta commit, and payback_meta last: readers see the old tables or the new ones.
  Every write is a new Delta version, so Delta's time travel reads the earlier ones.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from payback.errors import PaybackError
from payback.lake import (
    _KEPT_META,
    _select_from,
    _sql_text,
    register_view,
    staging_store,
)
from payback.schema import TABLES
from payback.store import Store

#: The prefix naming a Delta store (``delta:/data/shop``).
PREFIX = "delta:"
#: The Delta table of the store's metadata (key, value) inside a Delta store.
META_TABLE = "payback_meta"
#: Version of the layout written in the metadata (``format``).
FORMAT = "delta-1"
#: Commit metadata key tagging the commits of one payback write.
WRITE_TAG = "payback.write"
#: Reader features whose tables a plain Parquet read gets wrong, and why.
_REFUSED = {
    "deletionVectors": "deletion vectors (deleted rows are still in the Parquet files)",
    "columnMapping": "column mapping (the Parquet column names are not the table's)",
}


def delta_path(db: Any) -> str | None:
    """The Delta store folder a store name points at, or None for anything else.

    >>> delta_path("delta:/data/shop"), delta_path("parquet:/data/shop"), delta_path(None)
    ('/data/shop', None, None)
    """
    text = os.fspath(db) if db is not None else ""
    return text[len(PREFIX) :] if text.startswith(PREFIX) else None


def _deltalake():
    try:
        import deltalake
    except ImportError:
        raise PaybackError(
            "delta:PATH stores need the deltalake package, which is not installed. "
            "Fix: pip install 'payback[delta]'"
        ) from None
    return deltalake


def _table_path(path: str, name: str) -> str:
    return f"{path.rstrip('/')}/{name}"


def _is_store(path: str) -> bool:
    return _deltalake().DeltaTable.is_deltatable(_table_path(path, META_TABLE))


def _check_store(path: str) -> None:
    if not _is_store(path):
        what = "does not exist" if not Path(path).exists() else f"has no {META_TABLE} Delta table"
        raise PaybackError(
            f"no payback Delta store at {path}: the folder {what}. Fix: write one with "
            f"`payback store export --to delta:{path}` or `payback import KIND FILE "
            f"--store delta:{path}`"
        )


def _read_meta(path: str) -> dict[str, str]:
    table = _deltalake().DeltaTable(_table_path(path, META_TABLE)).to_pyarrow_table()
    return dict(zip(table["key"].to_pylist(), table["value"].to_pylist(), strict=True))


def _check_protocol(table, path: str) -> None:
    """Refuse a Delta table whose live rows are not its Parquet files' rows."""
    protocol = table.protocol()
    features = set(protocol.reader_features or ())
    if protocol.min_reader_version == 2:  # reader version 2 is column mapping
        features.add("columnMapping")
    refused = [_REFUSED[f] for f in sorted(features & set(_REFUSED))]
    if refused:
        raise PaybackError(
            f"the Delta table {path} uses {' and '.join(refused)} (reader features "
            f"{sorted(features)}), which payback cannot read from its Parquet files. Fix: "
            f"rewrite it without them, e.g. in Spark: ALTER TABLE ... SET TBLPROPERTIES "
            f"('delta.enableDeletionVectors' = false), then REORG TABLE ... APPLY (PURGE), "
            f"or copy it to a new table without column mapping"
        )


def live_version(path: str, name: str, meta: dict[str, str]) -> int:
    """The version of table ``name`` a reader reads (see the module docstring).

    The newest version, unless a commit after the version the last finished payback
    write left (``version:<name>`` in the metadata) is tagged with another payback write:
    then the version just before that commit.
    """
    deltalake = _deltalake()
    table = deltalake.DeltaTable(_table_path(path, name))
    newest = table.version()
    recorded = meta.get(f"version:{name}")
    if recorded is None:
        return newest
    floor = int(recorded)
    for entry in sorted(table.history(newest - floor + 1), key=lambda e: e["version"]):
        tag = entry.get(WRITE_TAG)
        if entry["version"] > floor and tag is not None and tag != meta.get("write"):
            return int(entry["version"]) - 1  # an unfinished payback write: not read
    return newest


def _live_files(path: str, name: str, meta: dict[str, str]) -> list[str]:
    deltalake = _deltalake()
    where = _table_path(path, name)
    table = deltalake.DeltaTable(where, version=live_version(path, name, meta))
    _check_protocol(table, where)
    partitions = table.metadata().partition_columns
    if partitions:
        raise PaybackError(
            f"the Delta table {where} is partitioned by {partitions}: its partition values "
            f"are not in its Parquet files, which payback reads. Fix: rewrite it "
            f"unpartitioned (payback store export --to delta:PATH writes it so)"
        )
    return table.file_uris()


def _duckdb_select(raw, path: str, name: str, meta: dict[str, str]) -> str:
    from payback.storage import _quote, _sql_type

    files = _live_files(path, name, meta)
    if not files:  # a table without rows has no file: an empty typed SELECT
        columns = ", ".join(
            f"CAST(NULL AS {_sql_type(c.dtype)}) AS {_quote(c.name)}" for c in TABLES[name].columns
        )
        return f"SELECT {columns} WHERE false"
    listed = "[" + ", ".join(_sql_text(f) for f in files) + "]"
    return _select_from(raw, f"read_parquet({listed}, union_by_name = true)", name)


def open_delta(
    path: str | os.PathLike[str],
    engine: str = "duckdb",
    *,
    master: str | None = None,
    remote: str | None = None,
) -> Store:
    """A read-only store on a Delta store (see the module docstring), on DuckDB or Spark."""
    path = os.fspath(path)
    _check_store(path)
    meta = _read_meta(path)
    if engine == "spark":
        return _open_on_spark(path, meta, master, remote)
    import ibis

    from payback.storage import META, _quiet

    backend = ibis.duckdb.connect()
    raw = backend.con
    _quiet(raw)
    raw.execute(f"CREATE TABLE {META} (key VARCHAR PRIMARY KEY, value VARCHAR)")
    for key in _KEPT_META:
        if key in meta:
            raw.execute(f"INSERT INTO {META} VALUES (?, ?)", [key, meta[key]])
    for name in TABLES:
        raw.execute(f"CREATE VIEW {name} AS {_duckdb_select(raw, path, name, meta)}")
    return Store(backend=backend, path=PREFIX + path, engine="duckdb")


def _open_on_spark(path: str, meta: dict[str, str], master, remote) -> Store:
    from payback.spark import spark_session, spark_store

    session = spark_session(master, remote)
    store = spark_store(session)
    for name in TABLES:
        files = _live_files(path, name, meta)
        register_view(session, name, session.read.parquet(*files) if files else None)
    for key in _KEPT_META:
        if key in meta:
            store.set_meta(key, meta[key])
    store.path = PREFIX + path
    return store


# -- writing ---------------------------------------------------------------------------------
def export_delta(
    store: Store, target: str | os.PathLike[str], *, tables: list[str] | None = None
) -> dict[str, int]:
    """Write the canonical tables of a DuckDB store (and its base currency) to a Delta store.

    Each table is overwritten in one Delta commit tagged with this write's id, then
    payback_meta (the write's id and every table's version): a crash before that last
    commit leaves readers on the previous versions. ``tables`` limits the tables written
    (the others keep their versions); default all. Returns the rows written per table.

    Examples
    --------
    >>> import pyarrow as pa, tempfile, os
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write({"customers": pa.table({"customer_id": ["c1", "c2"]})},
    ...                 meta={"base_currency": "EUR"})
    >>> folder = os.path.join(tempfile.mkdtemp(), "shop")
    >>> export_delta(store, folder)["customers"]
    2
    >>> with open_delta(folder) as delta:
    ...     delta.row_count("customers"), delta.base_currency
    (2, 'EUR')
    """
    deltalake = _deltalake()
    if store.engine != "duckdb":
        raise PaybackError("a Delta store is written from a DuckDB store (payback store export)")
    target = os.fspath(target)
    folder = Path(target)
    if not folder.parent.is_dir():
        raise PaybackError(
            f"cannot write the Delta store {target}: the folder {folder.parent} does not "
            f"exist. Fix: create it first (mkdir -p {folder.parent})"
        )
    exists = _is_store(target)
    if not exists and folder.exists() and any(folder.iterdir()):
        raise PaybackError(
            f"{target} exists and is not a payback Delta store (no {META_TABLE} Delta "
            f"table): it is never written into. Fix: give a new or empty folder name"
        )
    meta = _read_meta(target) if exists else {}
    write = uuid.uuid4().hex
    commit = deltalake.CommitProperties(custom_metadata={WRITE_TAG: write})
    raw = store._raw
    counts: dict[str, int] = {}
    versions = {k: v for k, v in meta.items() if k.startswith("version:")}
    for name, table in TABLES.items():
        if exists and tables is not None and name not in tables:
            versions[f"version:{name}"] = str(live_version(target, name, meta))
            continue
        columns = ", ".join(f'"{c}"' for c in table.column_names)
        reader = raw.execute(f"SELECT {columns} FROM {name}").to_arrow_reader(1_000_000)
        where = _table_path(target, name)
        deltalake.write_deltalake(
            where, reader, mode="overwrite", schema_mode="overwrite", commit_properties=commit
        )
        versions[f"version:{name}"] = str(deltalake.DeltaTable(where).version())
        counts[name] = store.row_count(name)
    kept = {k: store.meta(k) for k in _KEPT_META if store.meta(k) is not None}
    rows = {**kept, "format": FORMAT, "write": write, **versions}
    import pyarrow as pa

    deltalake.write_deltalake(
        _table_path(target, META_TABLE),
        pa.table({"key": list(rows), "value": list(rows.values())}),
        mode="overwrite",
        commit_properties=commit,
    )
    return counts


def _fingerprints(raw) -> dict[str, tuple]:
    """Rows and an order-free hash of every canonical table: which ones an import changed."""
    return {
        name: raw.execute(f"SELECT count(*), sum(hash(t)::HUGEINT) FROM {name} t").fetchone()
        for name in TABLES
    }


@contextmanager
def staged_delta_import(
    target: str | os.PathLike[str], *, wait: float | None = None
) -> Iterator[Store]:
    """A DuckDB store to import into, written to the Delta store ``target`` on success.

    The store holds the Delta store's live tables (so rows replace rows with the same
    keys, as in a store file); the tables the block changed are written back (each a new
    Delta version), then payback_meta. An import that fails writes nothing. One import
    at a time per store (a lock file beside it; ``wait`` seconds, default 30).
    """
    _deltalake()
    target = Path(target)
    with staging_store(target, "Delta store", wait) as store:
        exists = _is_store(str(target))
        if exists:
            _load(store, str(target))
        before = _fingerprints(store._raw)
        yield store
        after = _fingerprints(store._raw)
        changed = [name for name in TABLES if before[name] != after[name]]
        export_delta(store, target, tables=changed if exists else None)


def _load(store: Store, path: str) -> None:
    """Fill a fresh DuckDB store with a Delta store's live tables and base currency."""
    raw = store._raw
    meta = _read_meta(path)
    tables = {name: raw.sql(_duckdb_select(raw, path, name, meta)) for name in TABLES}
    store.write(tables, meta={k: v for k, v in meta.items() if k in _KEPT_META})


__all__ = [
    "PREFIX",
    "delta_path",
    "export_delta",
    "live_version",
    "open_delta",
    "staged_delta_import",
]
