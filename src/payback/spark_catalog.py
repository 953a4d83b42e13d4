"""A store whose canonical tables are tables of a Spark catalog database.

Named ``spark-catalog:DATABASE`` wherever a store is (``--db``, ``PAYBACK_DB``), with
``--engine spark``: the tables ``DATABASE.orders``, ``DATABASE.ad_stats`` ... (Hive
metastore, Unity Catalog or the session's own catalog; ``spark-catalog:main.shop`` names
a database of another catalog) are read where they lie, as temporary views with the
canonical columns and types, exactly as a lake's Parquet folders are
(:func:`payback.lake.open_lake`). A canonical table the database does not hold reads as
empty; a column missing from a table is null; extra columns are ignored. The store's
metadata (the base currency) is the table ``DATABASE.payback_meta`` (``key``, ``value``)
if there is one. Such a store is read-only: pipelines write the tables
(``df.write.saveAsTable("shop.orders")``).
"""

from __future__ import annotations

import os
from typing import Any

from payback.errors import PaybackError
from payback.schema import TABLES
from payback.store import Store

#: The prefix naming a catalog store (``spark-catalog:shop``).
PREFIX = "spark-catalog:"
#: The table of the store's metadata (key, value) in the database.
META_TABLE = "payback_meta"


def catalog_database(db: Any) -> str | None:
    """The catalog database a store name points at, or None for another store.

    >>> catalog_database("spark-catalog:shop"), catalog_database("shop.duckdb")
    ('shop', None)
    >>> catalog_database("spark-catalog:main.shop")
    'main.shop'
    """
    text = os.fspath(db) if db is not None else ""
    return text[len(PREFIX) :] if text.startswith(PREFIX) else None


def open_catalog(
    database: str,
    engine: str = "spark",
    *,
    master: str | None = None,
    remote: str | None = None,
) -> Store:
    """A read-only store on the tables of a Spark catalog database (module docstring).

    Raises
    ------
    PaybackError
        ``engine`` is not Spark, or the catalog has no such database.
    """
    if engine != "spark":
        raise PaybackError(
            f"{PREFIX}{database} is a Spark catalog database, which only Spark reads: "
            f"expected --engine spark (or PAYBACK_ENGINE=spark), got --engine {engine}"
        )
    from payback.lake import register_view
    from payback.spark import spark_session, spark_store

    session = spark_session(master, remote)
    if not session.catalog.databaseExists(database):
        known = sorted(d.name for d in session.catalog.listDatabases())
        raise PaybackError(
            f"no database {database!r} in the Spark catalog (it has: "
            f"{', '.join(known) or 'none'}). Fix: name one of those, e.g. --db {PREFIX}"
            f"{known[0] if known else 'DATABASE'}, or save the tables there first "
            f"(df.write.saveAsTable('{database}.orders'))"
        )
    store = spark_store(session)
    for name in TABLES:
        frame = session.table(f"{database}.{name}") if _exists(session, database, name) else None
        register_view(session, name, frame)
    if _exists(session, database, META_TABLE):
        for row in session.table(f"{database}.{META_TABLE}").select("key", "value").collect():
            store.set_meta(row["key"], row["value"])
    store.path = PREFIX + database
    return store


def _exists(session, database: str, table: str) -> bool:
    return bool(session.catalog.tableExists(f"{database}.{table}"))


__all__ = ["META_TABLE", "PREFIX", "catalog_database", "open_catalog"]
