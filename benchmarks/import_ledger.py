"""The cost of crash-safe writes and of the import ledger: import a generic ads file of N
rows into a new store, then import it again (every row replaced).

The write transaction runs without DuckDB's optimistic writes (the rows go through the
write-ahead log, then a checkpoint), and a re-import keeps the replaced rows for undo.
Run it with the version to compare on PYTHONPATH:

    PYTHONPATH=src python benchmarks/import_ledger.py 1000000

Prints wall and CPU seconds (this process; DuckDB's threads count in CPU time) of the
import and the re-import, the rows in ad_stats, and the store file's size.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def write_file(path: Path, rows: int) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    i = pa.array(range(rows))
    table = pa.table(
        {
            "date": pa.array([f"2024-{1 + k % 12:02d}-{1 + k % 28:02d}" for k in range(rows)]),
            "platform": pa.array(["google"] * rows),
            "campaign": pa.array([f"c{k % 50}" for k in range(rows)]),
            "ad_group": pa.array([f"g{k % 500}" for k in range(rows)]),
            "keyword": pa.array([f"k{k}" for k in range(rows)]),
            "impressions": i,
            "clicks": pa.array([k % 100 for k in range(rows)]),
            "cost": pa.array([1.25] * rows),
            "currency": pa.array(["USD"] * rows),
        }
    )
    pacsv.write_csv(table, path)


def timed(step):
    wall, cpu = time.perf_counter(), time.process_time()
    result = step()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main(rows: int) -> None:
    from payback.ingest import import_file
    from payback.store import open_store

    folder = Path(tempfile.mkdtemp())
    path = folder / "ads.csv"
    write_file(path, rows)
    db = folder / "store.duckdb"
    with open_store(db) as store:
        for label in ("import", "re-import"):
            result, wall, cpu = timed(lambda: import_file(store, "ads", path, progress=False))
            print(f"{label:10} wall {wall:6.2f} s  cpu {cpu:6.2f} s  rows {result.rows_in_store:,}")
    load = Path("/proc/loadavg").read_text()[:14]
    print(f"store file {db.stat().st_size / 1e6:.0f} MB; 1/5/15-minute load {load}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", type=int, nargs="?", default=1_000_000, help="ads rows")
    main(parser.parse_args().rows)
