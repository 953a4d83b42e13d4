"""Which DuckDB writes survive a write-ahead log cut short (the evidence for
``payback.storage._fill_empty``; docs/reliability.md).

For each way of writing 300,000 rows (more than two row groups) plus a metadata row in one
transaction, with optimistic writes on, into a store whose table holds 1,000 rows: commit
without a checkpoint, then cut the log at every byte offset and reopen. Prints, per way,
how many cuts replay to which state (rows, their sum, the metadata value). Crash-safe
means: every cut short of the whole log gives the state before (1,000 rows, ``old``).

    python benchmarks/wal_cuts.py            # all ways, every offset (a few minutes)
    python benchmarks/wal_cuts.py append     # one way
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import duckdb

SCHEMA = "a BIGINT, b VARCHAR, c DOUBLE"
NEW = "SELECT i AS a, 'row ' || i AS b, i * 0.5 AS c FROM range(300000) r(i)"
WAYS = {
    # an append to the table that existed before the transaction: NOT crash-safe
    "append": [f"INSERT INTO t {NEW}"],
    "ctas_rename": [
        f"CREATE TABLE t_new AS SELECT * FROM t UNION ALL {NEW}",
        "DROP TABLE t",
        "ALTER TABLE t_new RENAME TO t",
    ],
    "drop_create_insert": [
        "CREATE TEMP TABLE keep AS SELECT * FROM t",
        "DROP TABLE t",
        f"CREATE TABLE t({SCHEMA})",
        f"INSERT INTO t SELECT * FROM keep UNION ALL {NEW}",
    ],
    "create_or_replace": [f"CREATE OR REPLACE TABLE t AS SELECT * FROM t UNION ALL {NEW}"],
}


def state(db: Path) -> tuple:
    con = duckdb.connect(str(db))
    try:
        rows = con.execute("SELECT count(*), sum(a) FROM t").fetchone()
        return rows, con.execute("SELECT value FROM meta").fetchone()[0]
    finally:
        con.close()


def run(way: str, folder: Path) -> None:
    db = folder / f"{way}.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE meta(key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute(f"CREATE TABLE t({SCHEMA})")
    con.execute("INSERT INTO t SELECT -i, 'old', 0 FROM range(1000) r(i)")
    con.execute("INSERT INTO meta VALUES ('v', 'old')")
    con.close()  # checkpointed
    con = duckdb.connect(str(db))
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("SET wal_autocheckpoint = '1TB'")
    con.execute("SET threads = 2")
    con.execute("SET enable_optimistic_write = true")
    con.execute("BEGIN")
    for sql in WAYS[way]:
        con.execute(sql)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('v', 'new')")
    con.execute("COMMIT")
    data, log = db.read_bytes(), Path(f"{db}.wal").read_bytes()
    con.close()
    cut_db = folder / "cut.duckdb"
    seen: Counter = Counter()
    first: dict = {}
    for cut in range(len(log) + 1):
        cut_db.write_bytes(data)
        Path(f"{cut_db}.wal").write_bytes(log[:cut])
        found = state(cut_db)
        seen[found] += 1
        first.setdefault(found, cut)
        Path(f"{cut_db}.wal").unlink(missing_ok=True)
    print(f"{way}: log {len(log):,} bytes")
    for found, count in seen.items():
        rows, meta = found
        print(f"  {count:5,} cut(s) from byte {first[found]:,}: rows, sum {rows}, meta {meta}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ways", nargs="*", help=f"some of {', '.join(WAYS)} (default: all)")
    ways = parser.parse_args().ways
    unknown = sorted(set(ways) - set(WAYS))
    if unknown:
        parser.error(f"unknown way(s) {', '.join(unknown)}; expected some of {', '.join(WAYS)}")
    folder = Path(tempfile.mkdtemp(prefix="wal_cuts_"))
    print(f"DuckDB {duckdb.__version__}")
    try:
        for way in ways or WAYS:
            run(way, folder)
    finally:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
