"""A store written by an older payback (before a table or a column existed) opens: read-only
it reads the new table as empty and the new columns as missing; a writable open adds them."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa

from payback.storage import archive_name
from payback.store import open_store


def _old_store(path) -> None:
    """A store with one order and one claim, then made old: no sessions table, no
    click_time column on the claims."""
    t = dt.datetime(2024, 1, 5)
    with open_store(path) as store:
        store.write({
            "orders": pa.table({"order_id": ["1"], "customer_id": ["a"], "time": [t],
                                "revenue": [100.0], "status": ["confirmed"],
                                "currency": ["EUR"]}),
            "partner_claims": pa.table({"claim_id": ["k1"], "partner_id": ["P1"],
                                        "order_id": ["1"], "time": [t], "revenue": [100.0],
                                        "commission": [10.0], "currency": ["EUR"]}),
        })  # fmt: skip
    con = duckdb.connect(str(path))
    con.execute(f"DROP TABLE sessions; DROP TABLE {archive_name('sessions')}")
    for name in ("partner_claims", archive_name("partner_claims")):
        con.execute(f"ALTER TABLE {name} DROP COLUMN click_time")
    con.close()


def test_read_only_reads_a_new_table_as_empty_and_new_columns_as_missing(tmp_path):
    path = tmp_path / "old.duckdb"
    _old_store(path)
    with open_store(path, read_only=True) as store:
        assert store.execute(store.table("sessions").count()) == 0
        claims = store.execute(store.table("partner_claims"))
        assert claims.claim_id.tolist() == ["k1"]
        assert claims.click_time.isna().all()
        orders = store.execute(store.table("orders"))
        assert orders.revenue.tolist() == [100.0]


def test_a_writable_open_adds_the_new_table_and_columns(tmp_path):
    path = tmp_path / "old.duckdb"
    _old_store(path)
    with open_store(path) as store:
        assert store.execute(store.table("sessions").count()) == 0
    con = duckdb.connect(str(path), read_only=True)
    listed = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    tables = {r[0] for r in listed}
    cols = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'partner_claims'"
    ).fetchall()}  # fmt: skip
    con.close()
    assert {"sessions", archive_name("sessions")} <= tables
    assert "click_time" in cols
    with open_store(path, read_only=True) as store:  # and the old rows are all there
        assert store.execute(store.table("partner_claims")).commission.tolist() == [10.0]


def test_a_table_without_its_archive_gets_both_the_archive_and_the_new_columns(tmp_path):
    # a store whose claims table predates its archive and a column: the archive is created
    # before the new column is added to both (the 1M demo store of an earlier version)
    path = tmp_path / "old.duckdb"
    _old_store(path)
    con = duckdb.connect(str(path))
    con.execute(f"DROP TABLE {archive_name('partner_claims')}")
    con.close()
    with open_store(path) as store:
        claims = store.execute(store.table("partner_claims"))
        assert claims.claim_id.tolist() == ["k1"] and claims.click_time.isna().all()
    con = duckdb.connect(str(path), read_only=True)
    archived = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
        [archive_name("partner_claims")],
    ).fetchall()}  # fmt: skip
    con.close()
    assert {"claim_id", "click_time", "_replaced_by"} <= archived
