"""The SQL of the store's derived tables (:data:`payback.store.DERIVED`) on a store's own
canonical tables, written out so that building them needs no Ibis.

A derived table is defined once, as an Ibis expression on its source table
(``payback.metrics.scope:acquisitions_expr``); the store builds it with the SQL Ibis
compiles from that expression. For a source table with the columns a store gives it
(the canonical columns in their order, then :data:`~payback.storage.PROVENANCE`) that
SQL is always the same text, kept here: a new store (and every import of orders) then
builds its derived tables without importing Ibis (0.7 s of CPU in a fresh process).
``tests/test_store_derived_sql.py`` compiles the expression and fails when the text
here differs (then paste the compiled SQL it prints); a source table with other
columns (an older store) is compiled as before.

Examples
--------
>>> import duckdb
>>> from payback.storage import _create_tables
>>> con = duckdb.connect()
>>> _create_tables(con)
>>> derived_sql(con, "acquisitions", "orders")[:40]
'WITH "t2" AS (SELECT * FROM (SELECT "t0"'
>>> _ = con.execute("ALTER TABLE orders ADD COLUMN extra VARCHAR")
>>> derived_sql(con, "acquisitions", "orders") is None
True
"""

from __future__ import annotations

from payback.schema import TABLES
from payback.storage import PROVENANCE, _sql_type

#: Derived table -> the SQL Ibis compiles for it on a source with the canonical columns.
DERIVED_SQL: dict[str, str] = {
    "acquisitions": (
        'WITH "t2" AS (SELECT * FROM (SELECT "t0".* EXCLUDE ("_import") FROM "orders" AS "t0") '
        'AS "t1" WHERE "t1"."status" = \'confirmed\') SELECT "t4"."order_id", '
        '"t4"."customer_id", "t4"."time", "t4"."revenue", "t4"."cogs", "t4"."status", '
        '"t4"."currency", "t4"."platform", "t4"."campaign", "t4"."ad_group", "t4"."keyword", '
        '"t4"."utm_source", "t4"."utm_medium", "t4"."utm_campaign", "t4"."utm_term", '
        '"t4"."utm_content", "t4"."gclid", "t4"."yclid", "t4"."fbclid", "t4"."landing_url", '
        '"t4"."partner_id", "t4"."country", "t4"."device" FROM "t2" AS "t4" SEMI JOIN '
        '(SELECT "t7"."customer_id", MIN("t7"."order_id") AS "_first_id" FROM (SELECT '
        '"t4"."customer_id", "t4"."order_id" FROM "t2" AS "t4" INNER JOIN (SELECT '
        '"t3"."customer_id", MIN("t3"."time") AS "_first_time" FROM "t2" AS "t3" GROUP BY 1) '
        'AS "t6" ON "t4"."customer_id" = "t6"."customer_id" AND "t4"."time" = '
        '"t6"."_first_time") AS "t7" GROUP BY 1) AS "t9" ON "t4"."customer_id" = '
        '"t9"."customer_id" AND "t4"."order_id" = "t9"."_first_id"'
    ),
}


def canonical_columns(source: str) -> list[tuple[str, str]]:
    """(name, DuckDB type) of the columns a store gives canonical table ``source``.

    >>> canonical_columns("orders")[2], canonical_columns("orders")[-1]
    (('time', 'TIMESTAMP'), ('_import', 'BIGINT'))
    """
    table = TABLES[source]
    return [(c.name, _sql_type(c.dtype)) for c in table.columns] + [(PROVENANCE, "BIGINT")]


def derived_sql(raw, name: str, source: str) -> str | None:
    """The SQL building derived table ``name`` from ``source`` on connection ``raw``, when
    ``source`` has exactly the canonical columns (:func:`canonical_columns`); else None
    (compile the expression)."""
    sql = DERIVED_SQL.get(name)
    if sql is None:
        return None
    found = raw.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = "
        "current_database() AND schema_name = 'main' AND table_name = "
        f"'{source}' ORDER BY column_index"
    ).fetchall()
    return sql if [tuple(r) for r in found] == canonical_columns(source) else None
