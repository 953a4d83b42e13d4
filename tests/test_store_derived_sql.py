"""The derived tables' SQL as written out (:mod:`payback.store_derived`) builds the same
table as the SQL Ibis compiles from their one definition; under the SQL renderer it was
written with (the sqlglot that pyproject.toml allows, as CI installs it) it is that very
text, so a change of the definition fails here until the text is pasted again."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import sqlglot

from payback.store import DERIVED, _derive, open_store
from payback.store_derived import DERIVED_SQL, derived_sql

#: The sqlglot that rendered :data:`DERIVED_SQL` (another one may print the same query
#: differently: there the tables built are compared, not the text).
WRITTEN_WITH = "29.0.1"


def _tied_orders(n: int = 400, seed: int = 7) -> pa.Table:
    """Orders full of what the first-order rule decides: several orders of a customer at
    the same time (the least order id wins), a cancelled or returned earliest order,
    customers with no confirmed order at all."""
    rng = np.random.default_rng(seed)
    customers = rng.integers(0, 60, n)
    times = rng.integers(0, 12, n)  # few distinct times: many ties
    statuses = rng.choice(["confirmed", "confirmed", "cancelled", "returned", "pending"], n)
    return pa.table(
        {
            "order_id": [f"o{i:04d}" for i in rng.permutation(n)],
            "customer_id": [f"c{c}" for c in customers],
            "time": pa.array(times * 3600, pa.timestamp("s")),
            "revenue": rng.integers(1, 500, n).astype(float),
            "status": statuses,
            "currency": ["USD"] * n,
            "platform": rng.choice(["google", "meta", "bing"], n),
        }
    )


def test_the_written_sql_builds_what_the_compiled_sql_builds():
    with open_store(":memory:") as store:
        store.write({"orders": _tied_orders()})
        con = store.backend.con
        for name, (source, _) in DERIVED.items():
            compiled = store.backend.compile(_derive(name, store.table(source)))
            written = derived_sql(con, name, source)
            assert written == DERIVED_SQL[name]
            diff = con.execute(
                f"SELECT count(*) FROM (({written}) EXCEPT ALL ({compiled})) UNION ALL "
                f"SELECT count(*) FROM (({compiled}) EXCEPT ALL ({written}))"
            ).fetchall()
            assert diff == [(0,), (0,)], name
            n = con.execute(f"SELECT count(*) FROM ({written})").fetchone()[0]
            assert 40 <= n <= 60  # a first order for (nearly) every customer, no more


@pytest.mark.skipif(
    sqlglot.__version__ != WRITTEN_WITH,
    reason=f"DERIVED_SQL was rendered by sqlglot {WRITTEN_WITH}; the tables are compared above",
)
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
