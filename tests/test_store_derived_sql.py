"""The derived tables' SQL as written out (:mod:`payback.store_derived`) is the SQL Ibis
compiles from their one definition, and builds the same table."""

from __future__ import annotations

import pyarrow as pa

from payback.store import DERIVED, _derive, open_store
from payback.store_derived import DERIVED_SQL, derived_sql


def test_the_written_sql_is_the_compiled_sql_on_a_new_store():
    with open_store(":memory:") as store:
        for name, (source, _) in DERIVED.items():
            compiled = store.backend.compile(_derive(name, store.table(source)))
            assert DERIVED_SQL[name] == compiled, (
                f"the expression of {name} changed: set DERIVED_SQL[{name!r}] to\n{compiled}"
            )
            assert derived_sql(store.backend.con, name, source) == compiled


def test_an_older_store_without_the_canonical_columns_compiles(tmp_path):
    """A source table whose columns differ (a store from before a column existed) gets
    its SQL compiled; the derived table holds the first confirmed order per customer."""
    db = tmp_path / "old.duckdb"
    with open_store(db) as store:
        orders = pa.table(
            {
                "order_id": ["1", "2", "3", "4"],
                "customer_id": ["a", "a", "b", "b"],
                "time": pa.array([2, 1, 5, 3], pa.timestamp("s")),
                "revenue": [10.0, 20.0, 30.0, 40.0],
                "status": ["confirmed", "confirmed", "confirmed", "cancelled"],
                "currency": ["USD"] * 4,
            }
        )
        store.write({"orders": orders})
        assert derived_sql(store.backend.con, "acquisitions", "orders") is not None
        store.backend.con.execute("ALTER TABLE orders ADD COLUMN legacy VARCHAR")
        assert derived_sql(store.backend.con, "acquisitions", "orders") is None
        store.write({"orders": orders})  # rebuilds the derived table through Ibis
        rows = store.backend.con.execute(
            "SELECT customer_id, order_id FROM _derived_acquisitions ORDER BY 1"
        ).fetchall()
        assert rows == [("a", "2"), ("b", "3")]
