"""Open, fill and query the payback store: an embedded DuckDB file, or Apache Spark.

Every read in payback is an Ibis expression built on :meth:`Store.table`; it runs
only at the edges (CLI, report, server) with :meth:`Store.execute`. Writes (imports)
go through :meth:`Store.write`, one transaction for the whole import: either every
row lands or none does. Rows replace earlier rows with the same natural key
(``payback.schema.Table.key``), so importing a file twice leaves the same totals.

The database file is ``payback.duckdb`` in the working directory unless ``db`` or
the ``PAYBACK_DB`` environment variable names another one.

Examples
--------
>>> import pyarrow as pa
>>> store = open_store(":memory:")
>>> rows = pa.table({"customer_id": ["c1", "c2"], "country": ["DE", "FR"]})
>>> store.write({"customers": rows})
{'customers': 2}
>>> store.write({"customers": rows})   # same keys again: replaced, not doubled
{'customers': 2}
>>> store.execute(store.table("customers").count())
2
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from payback import storelock
from payback.errors import CurrencyError, PaybackError
from payback.schema import TABLES
from payback.storage import (
    LEDGER,
    META,
    PROVENANCE,
    DuckDBBackend,
    _check_store_file,
    _column_names,
    _create_tables,
    _distinct_currencies,
    _is_relation,
    _quiet,
    _table_frame,
    _upsert,
    archive_name,
    empty_select,
)
from payback.store_currency import (  # re-exported: its home
    check_single_currency as check_single_currency,
)
from payback.store_derived import derived_sql

Engine = Literal["duckdb", "spark"]

DEFAULT_DB = "payback.duckdb"
#: The prefixes of stores that are not a DuckDB file (lake, Delta tables, Spark catalog):
#: they hold the canonical tables and metadata only (no import ledger), read-only.
NOT_A_FILE = ("parquet:", "delta:", "spark-catalog:")
_META = META

#: Tables the store derives from a canonical one, by the one rule that defines them:
#: name -> (the canonical table it is built from, ``"module:function"`` building it as an
#: Ibis expression on that table). A DuckDB store keeps each as ``_derived_<name>``,
#: rebuilt in the transaction that changes its source, so a query reads the result
#: instead of recomputing it (the first order of each customer: once per import, not
#: once per query). Elsewhere, and for a store file written before the table existed and
#: opened read-only, :meth:`Store.table` returns the expression itself.
DERIVED: dict[str, tuple[str, str]] = {
    "acquisitions": ("orders", "payback.metrics.scope:acquisitions_expr"),
}


#: Meta key prefix of the currencies recorded for a table: ``currencies:<table>`` holds
#: ``{"version": <the table's version>, "currencies": [codes]}`` (:meth:`Store.currencies`).
_CURRENCIES = "currencies:"


def money_tables() -> tuple[str, ...]:
    """The canonical tables holding money: those with a ``currency`` column (the exchange
    rates name currencies but hold no money in them).

    >>> money_tables()
    ('ad_stats', 'orders', 'order_items', 'costs', 'partner_claims', 'subscriptions')
    """
    return tuple(n for n, t in TABLES.items() if "currency" in t.column_names and n != "fx_rates")


def default_db_path() -> str:
    """The store file used when none is given: ``$PAYBACK_DB`` or ``./payback.duckdb``."""
    return os.environ.get("PAYBACK_DB") or DEFAULT_DB


_OPENINGS = itertools.count(1)


@dataclass
class Store:
    """A connection to the payback store.

    Attributes
    ----------
    backend : ibis.BaseBackend
        The Ibis backend; every query is an Ibis expression on it.
    path : str or None
        The DuckDB file (``":memory:"`` for an in-memory store), None for Spark.
    engine : {"duckdb", "spark"}
    """

    backend: Any
    path: str | None
    engine: Engine = "duckdb"
    #: This opening of a store, unique in the process (the version of a read-only store
    #: that is not a file: :func:`payback.cache.store_version`).
    opening: int = field(default_factory=lambda: next(_OPENINGS), init=False, compare=False)
    #: The backend's table expressions by name: a table's schema never changes, and asking
    #: the backend for it is a query (the metric queries name a table many times).
    _tables: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    # -- reading -------------------------------------------------------------------------------
    def table(self, name: str):
        """The Ibis table expression of a canonical table (empty when nothing was imported)
        or of a derived one (:data:`DERIVED`)."""
        if name in DERIVED:
            return self._derived(name)
        if name not in TABLES:
            known = ", ".join([*TABLES, *DERIVED])
            raise PaybackError(f"unknown table {name!r}: expected one of {known}")
        return _visible(self._backend_table(name))

    def _backend_table(self, name: str):
        table = self._tables.get(name)
        if table is None:
            from ibis.common.exceptions import TableNotFound  # lazily: as every ibis import here

            try:
                table = self.backend.table(name)
            except TableNotFound:
                if name not in TABLES:
                    raise
                # a store written before this table existed, opened read-only (a writable
                # open creates it): empty, as it will be once created
                table = self.backend.sql(
                    empty_select(TABLES[name]), schema=TABLES[name].ibis_schema()
                )
            else:
                table = _with_new_columns(table, name)
            self._tables[name] = table
        return table

    def _derived(self, name: str):
        source, _ = DERIVED[name]
        if self.engine == "duckdb" and self._derived_current(name):
            return self._backend_table(_derived_name(name))
        return _derive(name, self.table(source))

    def _derived_current(self, name: str) -> bool:
        """True when the stored derived table was built from the current source."""
        built = self.meta(f"derived:{name}")
        return built is not None and built == self.meta(f"version:{DERIVED[name][0]}")

    def currencies(self, name: str) -> tuple[str, ...]:
        """The currency codes of a table's money (sorted; missing codes left out; ``()``
        for a table without money or rows).

        A DuckDB store records them for every version of a money table, in the transaction
        that writes it (:meth:`write`), so asking costs no query. A derived table has the
        currencies of its source (a superset of its own). A store file written before the
        record existed and opened read-only, and a Spark store, ask the table itself, once
        per store version (:func:`payback.cache.per_store_version`).

        Examples
        --------
        >>> import pyarrow as pa
        >>> store = open_store(":memory:")
        >>> _ = store.write({"orders": pa.table({"order_id": ["1", "2"],
        ...     "revenue": [5.0, 7.0], "currency": ["USD", "EUR"]})})
        >>> store.currencies("orders"), store.currencies("acquisitions"), store.currencies("leads")
        (('EUR', 'USD'), ('EUR', 'USD'), ())
        """
        name = DERIVED[name][0] if name in DERIVED else name
        if name not in money_tables():
            if name not in TABLES:
                self.table(name)  # the error naming the known tables
            return ()
        recorded = self._recorded_currencies(name) if self.engine == "duckdb" else None
        if recorded is not None:
            return recorded
        from payback.cache import per_store_version

        return per_store_version(
            self, ("store.currencies", name), lambda: self._queried_currencies(name)
        )

    def _recorded_currencies(self, name: str) -> tuple[str, ...] | None:
        """The currencies recorded for the current version of ``name``; None when none were
        recorded for it (a store written before the record existed)."""
        value = self.meta(f"{_CURRENCIES}{name}")
        if value is None:
            return None
        import json

        record = json.loads(value)
        return (
            tuple(record["currencies"])
            if record["version"] == self.meta(f"version:{name}")
            else None
        )

    def _queried_currencies(self, name: str) -> tuple[str, ...]:
        """The currencies of a table, asked of the table itself (any engine)."""
        codes = self.to_pyarrow(self.table(name).select("currency").distinct())
        return tuple(sorted(c for c in codes["currency"].to_pylist() if c is not None))

    def execute(self, expr, **kwargs):
        """Run an Ibis expression on this store (pandas result, or a scalar).

        The result is Ibis' own (the same frame, column types and missing values). On
        DuckDB a table's float and text columns with missing values are converted from
        Arrow in bulk, where Ibis makes one Python object per cell first (a second per
        million rows of a customer table), then the same conversion follows.
        """
        import ibis.expr.types as ir

        if self.engine != "duckdb" or kwargs or not isinstance(expr, ir.Table):
            return self.backend.execute(expr, **kwargs)
        return _table_frame(self.backend, expr)

    def to_pyarrow(self, expr):
        """Run an Ibis expression and return a pyarrow Table."""
        return self.backend.to_pyarrow(expr)

    def row_count(self, name: str) -> int:
        return int(self.execute(self.table(name).count()))

    # -- metadata ------------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        """A value of the store's metadata (``base_currency``, ...), or None."""
        if self.engine != "duckdb":
            return getattr(self, "_spark_meta", {}).get(key)
        row = self._raw.execute(f"SELECT value FROM {_META} WHERE key = ?", [key]).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        if self.engine != "duckdb":
            meta = getattr(self, "_spark_meta", {})
            meta[key] = value
            self._spark_meta = meta
            return
        self._raw.execute(
            f"INSERT OR REPLACE INTO {_META} (key, value) VALUES (?, ?)", [key, value]
        )

    @property
    def base_currency(self) -> str | None:
        """The currency every money column of this store is in (set by the first import)."""
        return self.meta("base_currency")

    def check_currency(self, currency: str, *, source: str = "the file") -> None:
        """Refuse money in ``currency`` when the store already holds another currency.

        Raises
        ------
        CurrencyError
            Naming both currencies and the two ways out (``--currency`` / an FX table).
        """
        base = self.base_currency
        if base is not None and base != currency:
            raise CurrencyError(
                f"{source} is in {currency} but the store holds money in {base}: "
                f"money never mixes currencies silently. Import an FX table first "
                f"(`payback import fx-rates rates.csv`, rate = {base} per 1 {currency}) "
                f"or use a separate store (--db) for {currency}."
            )

    # -- writing -------------------------------------------------------------------------------
    @property
    def _raw(self):
        if self.engine != "duckdb":
            raise PaybackError("writing is only supported on the embedded DuckDB store")
        return self.backend.con

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A DuckDB transaction: committed on success, rolled back on any error.

        All or nothing also when the process is killed during the commit: DuckDB's
        *optimistic writes* (large appends written to the database file before the
        commit) are switched off for the transaction. With them, DuckDB 1.5 restores the
        rows of such an append from a write-ahead log cut short by the kill, without the
        rest of the transaction (a kill -9 during the commit of a 3M-row import left the
        rows but not the metadata written with them, 4 times in 5). Without them every
        change of the transaction is in the log and replayed only when the log holds
        the commit. The exception is a table the transaction creates: a first import
        into an empty table creates it anew with optimistic writes on
        (:func:`payback.storage._fill_empty`; the rows are compressed once, into the
        file), and a log cut short drops the new table with the rest of the transaction.
        ``tests/ingest/test_kill.py`` kills imports at random moments and cuts the log of
        a commit short (docs/reliability.md).
        """
        raw = self._raw
        (optimistic,) = raw.execute("SELECT current_setting('enable_optimistic_write')").fetchone()
        raw.execute("SET enable_optimistic_write = false")
        try:
            raw.execute("BEGIN TRANSACTION")
            try:
                yield raw
            except BaseException:
                raw.execute("ROLLBACK")
                raise
            else:
                raw.execute("COMMIT")
        finally:
            raw.execute(f"SET enable_optimistic_write = {bool(optimistic)}")

    def write(
        self, tables: Mapping[str, Any], *, meta: Mapping[str, str] | None = None
    ) -> dict[str, int]:
        """Upsert canonical rows, all tables in one transaction.

        Parameters
        ----------
        tables : mapping of table name to pyarrow.Table
            Columns must be canonical column names (a subset; the rest become null).
            A DuckDB relation made on this store's own connection is accepted too (the
            importer stages files there and inserts without a copy).
        meta : mapping, optional
            Store metadata to set in the same transaction (e.g. ``base_currency``).

        Returns
        -------
        dict
            Rows now in each written table (after replacing rows with equal keys).
        """
        counts: dict[str, int] = {}
        with self.transaction() as raw:
            for name, data in tables.items():
                self.upsert(raw, name, data)
                counts[name] = raw.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            for k, v in (meta or {}).items():
                self.set_raw_meta(raw, k, v)
            self.changed(raw, tables)
        return counts

    def upsert(
        self, raw, name: str, data: Any, *, import_id: int | None = None
    ) -> dict[int | None, int]:
        """Inside :meth:`transaction`: replace the rows of table ``name`` with the natural
        keys of ``data`` and insert ``data`` (see :meth:`write`).

        With ``import_id`` (:mod:`payback.ingest.ledger`) the rows carry that import and
        the rows they replace are kept for ``imports undo``. Returns the replaced rows by
        the import that had written them (None: written outside the ledger); empty
        without ``import_id``. The caller calls :meth:`changed` before the commit.
        """
        import pyarrow as pa

        table = TABLES[name]
        if not isinstance(data, pa.Table) and not _is_relation(data):
            data = pa.Table.from_pandas(data, preserve_index=False)
        unknown = [c for c in _column_names(data) if c not in table.column_names]
        if unknown:
            raise PaybackError(
                f"table {name!r} has no column(s) {unknown}; it has {', '.join(table.column_names)}"
            )
        return _upsert(raw, table, data, import_id=import_id)

    def clear(self, name: str) -> None:
        """Delete every row of a table, with the imports of it in the ledger (they can no
        longer be undone) and the rows they replaced."""
        with self.transaction() as raw:
            raw.execute(f"DELETE FROM {TABLES[name].name}")
            raw.execute(f"DELETE FROM {archive_name(name)}")
            raw.execute(f"DELETE FROM {LEDGER} WHERE table_name = ?", [name])
            self.changed(raw, [name])

    def changed(self, raw, names) -> None:
        """Inside :meth:`transaction`: a new version of the tables ``names``; the derived
        tables built from them are rebuilt."""
        import uuid

        for name in names:
            self.set_raw_meta(raw, f"version:{name}", uuid.uuid4().hex)
        for derived, (source, _) in DERIVED.items():
            if source in names:
                self._rebuild(raw, derived)
        for name in names:
            if name in money_tables():
                self._record_currencies(raw, name)

    def _record_currencies(self, raw, name: str) -> None:
        """Record the currencies of the current version of money table ``name``."""
        import json

        version = self.meta(f"version:{name}")
        if version is None:  # a store from before versions: give the table one now
            version = "initial"
            self.set_raw_meta(raw, f"version:{name}", version)
        codes = _distinct_currencies(raw, name)
        record = json.dumps({"version": version, "currencies": list(codes)})
        self.set_raw_meta(raw, f"{_CURRENCIES}{name}", record)

    def _rebuild(self, raw, name: str) -> None:
        source, _ = DERIVED[name]
        sql = derived_sql(raw, name, source)  # no Ibis on a store's own columns
        if sql is None:
            sql = self.backend.compile(_derive(name, self.table(source)))
        raw.execute(f"CREATE OR REPLACE TABLE {_derived_name(name)} AS {sql}")
        version = self.meta(f"version:{source}")
        if version is None:  # a store from before versions: give the source one now
            version = "initial"
            self.set_raw_meta(raw, f"version:{source}", version)
        self.set_raw_meta(raw, f"derived:{name}", version)

    @staticmethod
    def set_raw_meta(raw, key: str, value: str) -> None:
        raw.execute(f"INSERT OR REPLACE INTO {_META} (key, value) VALUES (?, ?)", [key, value])

    @staticmethod
    def delete_meta(raw, key: str) -> None:
        """Inside :meth:`transaction`: remove a metadata key."""
        raw.execute(f"DELETE FROM {_META} WHERE key = ?", [key])

    def cursor(self) -> Store:
        """Another store on a new connection to the same DuckDB database, for another
        thread (one DuckDB connection is not to be used by two threads at once).

        >>> with open_store(":memory:") as store, store.cursor() as other:
        ...     other.backend.con.execute("SELECT count(*) FROM orders").fetchone()
        (0,)
        """
        import ibis

        con = self._raw.cursor()
        _quiet(con)
        other = Store(backend=ibis.duckdb.from_connection(con), path=self.path, engine="duckdb")
        other.opening = self.opening  # the same data: a lake's values are shared
        return other

    def close(self) -> None:
        disconnect = getattr(self.backend, "disconnect", None)
        if disconnect is not None:
            disconnect()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _with_new_columns(table, name: str):
    """A canonical table of a store written before some of its columns existed, opened
    read-only: those columns read as missing (a writable open adds them)."""
    if name not in TABLES:
        return table
    missing = [c for c in TABLES[name].columns if c.name not in table.columns]
    if not missing:
        return table
    import ibis

    schema = TABLES[name].ibis_schema()
    return table.mutate(**{c.name: ibis.null().cast(schema[c.name]) for c in missing})


def _visible(table):
    """A stored table without the hidden :data:`PROVENANCE` column."""
    return table.drop(PROVENANCE) if PROVENANCE in table.columns else table


def _derived_name(name: str) -> str:
    return f"_derived_{name}"


def _derive(name: str, source):
    """The expression of derived table ``name`` on its source table expression."""
    import importlib

    module, function = DERIVED[name][1].split(":")
    return getattr(importlib.import_module(module), function)(source)


def open_store(
    db: str | os.PathLike[str] | None = None,
    *,
    engine: Engine = "duckdb",
    read_only: bool = False,
    wait: float | None = None,
    spark_master: str | None = None,
    spark_remote: str | None = None,
) -> Store:
    """Open (creating when needed) the store; its folder must exist (it is never created).

    Parameters
    ----------
    db : path, optional
        DuckDB file; default ``$PAYBACK_DB`` or ``./payback.duckdb``; ``":memory:"`` for a
        throw-away store; ``parquet:PATH`` for a lake (read-only, :mod:`payback.lake`);
        ``delta:PATH`` for Delta tables (:mod:`payback.lake_delta`);
        ``spark-catalog:DATABASE`` for tables of a Spark catalog (:mod:`payback.spark_catalog`).
    engine : {"duckdb", "spark"}
        ``"spark"`` (read-only) runs the queries on Spark (:func:`payback.spark.spark_session`):
        a lake is read there, a store file through a temporary lake
        (:func:`payback.lake.open_store_on_spark`).
    read_only : bool
        Open the DuckDB file read-only (the file must exist).
    spark_master, spark_remote : str, optional
        With ``engine="spark"``: the Spark master or Spark Connect server (default
        ``$PAYBACK_SPARK_MASTER`` / ``$PAYBACK_SPARK_REMOTE``, else ``local[2]``).
    wait : float, optional
        Seconds to wait while another process holds the file's lock (an import
        writing, ``payback serve`` reading); default ``$PAYBACK_LOCK_TIMEOUT``, else 30;
        0 fails at once. Then :class:`~payback.errors.StoreLockedError` names the holder
        (:mod:`payback.storelock`).

    DuckDB's own progress bar (printed on stderr by long queries) is switched off.

    Examples
    --------
    >>> with open_store(":memory:") as store:
    ...     store.backend.con.execute("SELECT current_setting('enable_progress_bar'), "
    ...                               "current_setting('enable_progress_bar_print')").fetchone()
    (False, False)
    """
    if engine not in ("duckdb", "spark"):
        raise PaybackError(f"unknown engine {engine!r}: expected duckdb or spark")
    if engine == "spark" or str(db or default_db_path()).startswith(NOT_A_FILE):
        from payback.lake import open_elsewhere

        return open_elsewhere(
            db or default_db_path(), engine, read_only=read_only, wait=wait,
            master=spark_master, remote=spark_remote,
        )  # fmt: skip
    import duckdb

    path = str(db) if db is not None else default_db_path()
    if read_only and path != ":memory:" and not Path(path).exists():
        raise PaybackError(
            f"no payback store at {path}: import data first (`payback import ...`) "
            f"or run `payback demo`, or point --db / PAYBACK_DB at an existing store"
        )
    folder = Path(path).parent
    if path != ":memory:" and not folder.is_dir():
        # never create folders: a mistyped --db would silently make a store elsewhere
        raise PaybackError(
            f"cannot create the store {path}: the folder {folder} does not exist. Create it "
            f"first (mkdir -p {folder}) or give --db (or PAYBACK_DB) a file in an existing "
            f"folder"
        )
    if path != ":memory:":
        _check_store_file(Path(path))
    try:
        backend = storelock.connect(
            lambda: DuckDBBackend.connect(path, read_only=read_only), path, wait=wait
        )
    except duckdb.Error as e:
        raise PaybackError(
            f"cannot open the store {path}: {str(e).splitlines()[0]}. Fix: check that the file "
            f"is a payback store you may write, and that no other program holds it"
        ) from None
    _quiet(backend.con)
    store = Store(backend=backend, path=path, engine="duckdb")
    if not read_only:
        _create_tables(backend.con)
        stale = [name for name in DERIVED if not store._derived_current(name)]
        unrecorded = [name for name in money_tables() if store._recorded_currencies(name) is None]
        if stale or unrecorded:  # a new store, or one written before these records existed
            with store.transaction() as raw:
                for name in stale:
                    store._rebuild(raw, name)
                for name in unrecorded:
                    store._record_currencies(raw, name)
    return store


def __getattr__(name: str) -> Any:
    """The Spark store's functions, from :mod:`payback.spark` (imported on first use)."""
    if name in ("open_spark", "load_into", "copy_to_spark"):
        from payback import spark

        return getattr(spark, name)
    raise AttributeError(f"module 'payback.store' has no attribute {name!r}")
