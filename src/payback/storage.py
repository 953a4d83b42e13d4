"""The DuckDB file behind :class:`payback.store.Store`: its tables, the SQL of an upsert,
the checks of a store file, and the fast conversion of results.

These are the storage rules the store applies; nothing here knows about metrics or
imports. Every canonical table (:data:`payback.schema.TABLES`) has a hidden
:data:`PROVENANCE` column and an archive of the rows imports replaced
(:func:`archive_name`); the import ledger is :data:`LEDGER`; metadata lives in
:data:`META` as key/value pairs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from payback.errors import PaybackError
from payback.schema import TABLES, Table

#: The store's metadata table: ``key -> value`` (base currency, table versions ...).
META = "_payback_meta"

#: The hidden column of every canonical table of a DuckDB store: the id of the import
#: (:mod:`payback.ingest.ledger`) that wrote the row; NULL for rows written otherwise.
#: :meth:`Store.table` leaves it out.
PROVENANCE = "_import"
#: The import ledger: one row per import (file, content hash, options, rows added and
#: replaced, time, state).
LEDGER = "_payback_imports"
_LEDGER_COLUMNS = (
    ("id", "BIGINT"),
    ("file", "VARCHAR"),
    ("name", "VARCHAR"),
    ("content_hash", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("table_name", "VARCHAR"),
    ("options", "VARCHAR"),
    ("rows_read", "BIGINT"),
    ("rows_added", "BIGINT"),
    ("rows_replaced", "BIGINT"),
    ("replaced", "VARCHAR"),
    ("supersedes", "VARCHAR"),
    ("set_base_currency", "VARCHAR"),
    ("imported_at", "TIMESTAMP"),
    ("state", "VARCHAR"),
    ("changed_at", "TIMESTAMP"),
    ("changed_by", "BIGINT"),
)


def archive_name(table: str) -> str:
    """The table keeping the rows an import replaced in ``table`` (for ``imports undo``):
    the canonical columns, :data:`PROVENANCE` and ``_replaced_by`` (the replacing import)."""
    return f"_replaced_{table}"


def _sql_type(dtype: str) -> str:
    return {
        "string": "VARCHAR",
        "int64": "BIGINT",
        "float64": "DOUBLE",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
        "boolean": "BOOLEAN",
    }[dtype]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _table_frame(backend, expr):
    """:meth:`Store.execute` of a table expression on DuckDB: ``backend.execute(expr)``
    without a Python object per cell of the float and text columns holding nulls (their
    bulk conversion gives the same values: NaN, None); other columns with nulls (integers,
    booleans, times) and nested ones go through Python objects as Ibis sends them."""
    table = backend._to_duckdb_relation(expr).to_arrow_table()  # as Ibis' execute does
    return arrow_frame(table, expr)


def arrow_frame(table, expr):
    """The pandas result of ``expr`` (its columns, types and missing values as
    :meth:`Store.execute` gives them) from the Arrow ``table`` of its rows."""
    import pandas as pd
    import pyarrow.types as pat
    from ibis.backends.duckdb.converter import DuckDBPandasData

    def column(col):
        bulk = pat.is_floating(col.type) or pat.is_string(col.type) or pat.is_large_string(col.type)
        slow = (
            pat.is_nested(col.type) or pat.is_dictionary(col.type) or (col.null_count and not bulk)
        )
        return col.to_pylist() if slow else col.to_pandas()

    frame = pd.DataFrame(
        {n: column(c) for n, c in zip(table.column_names, table.columns, strict=True)}
    )
    frame = DuckDBPandasData.convert_table(frame, expr.schema())
    return expr.__pandas_result__(frame)


def _is_relation(data: Any) -> bool:
    import duckdb

    return isinstance(data, duckdb.DuckDBPyRelation)


def _column_names(data: Any) -> list[str]:
    return list(data.columns) if _is_relation(data) else list(data.column_names)


def key_match(table: Table, left: str, right: str, right_columns=None) -> str:
    """SQL: the natural key of rows ``left`` and ``right`` is the same (nulls equal); a key
    column ``right`` lacks (not in ``right_columns``) is null there."""
    return " AND ".join(
        f"{left}.{_quote(k)} IS NOT DISTINCT FROM "
        + (f"{right}.{_quote(k)}" if right_columns is None or k in right_columns else "NULL")
        for k in table.key
    )


def _upsert(raw, table: Table, data, *, import_id: int | None = None) -> dict[int | None, int]:
    """Replace the stored rows with the natural keys of ``data``, then insert ``data``.

    With ``import_id`` the new rows carry it (:data:`PROVENANCE`) and the rows they
    replace are kept in :func:`archive_name` for ``imports undo``. Returns the replaced
    rows by the import that had written them (None: rows written outside the ledger).
    """
    staging = f"_staging_{table.name}"
    raw.register(staging, data)
    try:
        cols = _column_names(data)
        match = key_match(table, "t", "s", cols)
        exists = f"EXISTS (SELECT 1 FROM {staging} s WHERE {match})"
        replaced: dict[int | None, int] = {}
        # an empty table (a first import) has nothing to replace: no anti-join over the rows
        (stored,) = raw.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {table.name} LIMIT 1)"
        ).fetchone()
        if stored and import_id is not None:
            kept = ", ".join(_quote(c) for c in (*table.column_names, PROVENANCE))
            raw.execute(
                f"INSERT INTO {archive_name(table.name)} ({kept}, _replaced_by) "
                f"SELECT {kept}, {int(import_id)} FROM {table.name} t WHERE {exists}"
            )
            replaced = dict(
                raw.execute(
                    f"SELECT {PROVENANCE}, count(*) FROM {archive_name(table.name)} "
                    f"WHERE _replaced_by = ? GROUP BY ALL ORDER BY 1 NULLS FIRST",
                    [int(import_id)],
                ).fetchall()
            )
        if not stored and not _has_index(raw, table.name):
            _fill_empty(raw, table.name, cols, staging, import_id)
            return replaced
        raw.execute(f"DELETE FROM {table.name} t WHERE {exists}")
        col_list = ", ".join(_quote(c) for c in cols)
        casts = ", ".join(f"CAST({_quote(c)} AS {_sql_type(table.column(c).dtype)})" for c in cols)
        if import_id is not None:
            col_list += f", {PROVENANCE}"
            casts += f", {int(import_id)}"
        raw.execute(f"INSERT INTO {table.name} ({col_list}) SELECT {casts} FROM {staging}")
        return replaced
    finally:
        raw.unregister(staging)


def _has_index(raw, name: str) -> bool:
    """Whether someone made an index on table ``name`` (creating the table anew would drop it)."""
    (count,) = raw.execute(
        "SELECT count(*) FROM duckdb_indexes() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = ?",
        [name],
    ).fetchone()
    return bool(count)


def _fill_empty(raw, name: str, cols: list[str], staging: str, import_id: int | None) -> None:
    """Fill the empty table ``name`` with the rows of ``staging`` by creating it anew (its
    columns and types as they are), with DuckDB's optimistic writes on for this statement.

    The rows are written to the database file once, compressed, while the statement runs
    (the commit logs pointers to them; the checkpoint has little left to do), instead of
    going through the write-ahead log and being compressed again by the checkpoint.
    Crash-safe where an append to an existing table is not (:meth:`Store.transaction`): the
    table is created in the transaction, so a log cut short before the commit drops it
    and its rows with the rest of the transaction (``tests/ingest/test_kill.py``).
    """
    found = raw.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = "
        "current_database() AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
        [name],
    ).fetchall()
    given = {c: _quote(c) for c in cols}
    if import_id is not None:
        given[PROVENANCE] = str(int(import_id))
    select = ", ".join(
        f"CAST({given.get(c, 'NULL')} AS {dtype}) AS {_quote(c)}" for c, dtype in found
    )
    (optimistic,) = raw.execute("SELECT current_setting('enable_optimistic_write')").fetchone()
    raw.execute("SET enable_optimistic_write = true")
    try:
        raw.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT {select} FROM {staging}")
    finally:
        raw.execute(f"SET enable_optimistic_write = {bool(optimistic)}")


def _distinct_currencies(raw, name: str) -> tuple[str, ...]:
    """The currency codes present in table ``name`` (a DuckDB query on the connection)."""
    rows = raw.execute(
        f"SELECT DISTINCT currency FROM {name} WHERE currency IS NOT NULL ORDER BY 1"
    ).fetchall()
    return tuple(r[0] for r in rows)


def empty_select(table) -> str:
    """SQL of no rows with the columns of canonical ``table`` (a store written before the
    table existed, opened read-only, reads it as this: empty, as it would be once created).

    >>> from payback.schema import TABLES
    >>> empty_select(TABLES["fx_rates"])[:40]
    'SELECT CAST(NULL AS DATE) AS "date", CAS'
    """
    cols = ", ".join(
        f"CAST(NULL AS {_sql_type(c.dtype)}) AS {_quote(c.name)}" for c in table.columns
    )
    return f"SELECT {cols} WHERE FALSE"


def _create_tables(raw) -> None:
    """The canonical tables (with :data:`PROVENANCE`), their archives, the ledger and the
    metadata; a store from before the ledger gets the provenance column (NULL)."""
    raw.execute(f"CREATE TABLE IF NOT EXISTS {META} (key VARCHAR PRIMARY KEY, value VARCHAR)")
    ledger = ", ".join(f"{name} {dtype}" for name, dtype in _LEDGER_COLUMNS)
    raw.execute(f"CREATE TABLE IF NOT EXISTS {LEDGER} ({ledger})")
    have = {
        row[0]
        for row in raw.execute(
            "SELECT table_name || '.' || column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND table_catalog = current_database()"
        ).fetchall()
    }
    for table in TABLES.values():
        cols = ", ".join(f"{_quote(c.name)} {_sql_type(c.dtype)}" for c in table.columns)
        raw.execute(f"CREATE TABLE IF NOT EXISTS {table.name} ({cols}, {PROVENANCE} BIGINT)")
        # the archive before the new columns: a store may have a table but not its archive
        raw.execute(
            f"CREATE TABLE IF NOT EXISTS {archive_name(table.name)} "
            f"({cols}, {PROVENANCE} BIGINT, _replaced_by BIGINT)"
        )
        if f"{table.name}.{PROVENANCE}" not in have and f"{table.name}.{table.key[0]}" in have:
            raw.execute(f"ALTER TABLE {table.name} ADD COLUMN {PROVENANCE} BIGINT")
        if f"{table.name}.{table.key[0]}" in have:  # a store from before a column existed
            for c in table.columns:
                if f"{table.name}.{c.name}" not in have:
                    for name in (table.name, archive_name(table.name)):
                        raw.execute(
                            f"ALTER TABLE {name} ADD COLUMN IF NOT EXISTS "
                            f"{_quote(c.name)} {_sql_type(c.dtype)}"
                        )


#: The bytes at offset 8 of every DuckDB database file.
_DUCKDB_MAGIC = b"DUCK"


def _check_store_file(path: Path) -> None:
    """Refuse a ``--db`` that is not a DuckDB file (a CSV given by mistake, a folder):
    DuckDB would otherwise read some of them as an empty in-memory database."""
    if path.is_dir():
        raise PaybackError(
            f"--db {path} is a folder: give the store's file, e.g. {path / 'payback.duckdb'}"
        )
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError as e:
        raise PaybackError(f"cannot read the store {path}: {e.strerror}") from None
    if head[8:12] != _DUCKDB_MAGIC:
        raise PaybackError(
            f"--db {path} is not a payback store (a DuckDB file): it starts with "
            f"{head[:8]!r}. Fix: give the store's file (e.g. payback.duckdb); a data file is "
            f"imported with `payback import KIND {path}`"
        )


class DuckDBBackend:
    """A store file's DuckDB connection (``con``), with its Ibis backend made on first use.

    Every attribute but ``con`` and :meth:`disconnect` is the Ibis DuckDB backend's
    (``ibis.duckdb.from_connection``), created the first time one is asked for: a command
    that only runs SQL on the connection (an import into a store whose derived tables are
    current) never loads Ibis, about 0.75 s of CPU. The connection gets the settings the
    Ibis backend gives it (time zone UTC, no Python variables read as tables) when it
    opens, so the SQL run before and after sees the same session.

    Examples
    --------
    >>> backend = DuckDBBackend.connect(":memory:")
    >>> backend.con.execute("SELECT current_setting('TimeZone')").fetchone()
    ('UTC',)
    >>> backend._ibis is None, backend.name, backend._ibis is None  # the Ibis backend, made now
    (True, 'duckdb', False)
    >>> backend.ibis.con is backend.con
    True
    >>> backend.disconnect()
    """

    def __init__(self, con) -> None:
        self.con = con
        self._ibis = None

    @classmethod
    def connect(cls, path: str, *, read_only: bool = False) -> DuckDBBackend:
        """Open ``path`` (a file, made absolute as Ibis does, or ``":memory:"``)."""
        import duckdb

        database = path if path.startswith(":memory:") else str(Path(path).absolute())
        con = duckdb.connect(database, read_only=read_only)
        try:
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET python_enable_replacements = false")
        except BaseException:
            con.close()
            raise
        return cls(con)

    @property
    def ibis(self):
        """The Ibis backend on :attr:`con` (made on the first call)."""
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    def __getattr__(self, name: str):
        if name.startswith("__") or name in ("con", "_ibis"):
            raise AttributeError(name)
        return getattr(self.ibis, name)

    def disconnect(self) -> None:
        self.con.close()


def _quiet(con) -> None:
    """No DuckDB progress bar on stderr: the CLI has its own progress handling (printing is
    off too: setting progress_bar_time switches the bar itself back on)."""
    con.execute("SET enable_progress_bar = false")
    con.execute("SET enable_progress_bar_print = false")
