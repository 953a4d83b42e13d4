"""An ads import against DuckDB's own typed import of the same file (issue 16, item 4).

Writes a Google Ads keyword report of N rows (the demo exporter's layout: title and
date-range rows, ``"1,200"`` numbers, ``--`` for empty, ``Total:`` rows at the end; every
row a distinct day/campaign/ad group/keyword), then alternates, ``--repeat`` times:

- **payback**: ``payback.ingest.import_file(store, "ads", FILE)`` into a new store file
  (what ``payback import ads FILE --db NEW.duckdb`` does), closing the store (its
  checkpoint) inside the timing;
- **duckdb**: ``CREATE TABLE ... AS SELECT ... FROM read_csv(FILE, columns=...)`` into a
  new database file with each column typed (``DATE``, ``BIGINT``, ``DOUBLE`` with
  ``thousands=','``, ``--`` as null; the ``Total:`` rows dropped by the date cast), then
  closing the connection (its checkpoint).

CPU time is this process's (``os.times``, user + system: DuckDB's threads included), printed
with its user and system parts; each run records the 1-minute load. Prints each run, the
medians and the payback/duckdb ratios (of CPU, of user time alone, of wall time).

Arrow's allocator starts as the ``payback`` command starts it, without transparent huge
pages (:mod:`payback.allocator`; ``--arrow-huge-pages`` leaves Arrow's default, as the
figures before 2026-12-03 22:00 UTC did). DuckDB's side does not use it.

Before the timed runs, each side imports the file's first 10,000 rows once, untimed: the
runs measure the import of the file, not the loading of payback's modules (about 0.5 s
of CPU, printed as the warm-up; ``--no-warm-up`` counts it in the first run, as the
figures before 2026-12-03 18:40 UTC did). The first large import of a process still pays
more system time (first-touch page faults), and so does an import right after DuckDB's;
the medians take every run.

    PYTHONPATH=src python benchmarks/import_speed.py --rows 2000000 --repeat 3
    PYTHONPATH=src python benchmarks/import_speed.py --rows 2000000 --profile   # cProfile
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ANCHOR_COLUMNS = {
    "Day": "DATE",
    "Campaign": "VARCHAR",
    "Ad group": "VARCHAR",
    "Keyword": "VARCHAR",
    "Match type": "VARCHAR",
    "Currency code": "VARCHAR",
    "Impr.": "BIGINT",
    "Clicks": "BIGINT",
    "CTR": "VARCHAR",
    "Avg. CPC": "VARCHAR",
    "Cost": "DOUBLE",
    "Conversions": "DOUBLE",
    "Conv. value": "DOUBLE",
}


def write_report(path: Path, rows: int, seed: int = 16) -> None:
    """A Google Ads keyword report of ``rows`` rows with distinct natural keys."""
    import numpy as np
    import pyarrow as pa

    from payback.demo.exports import write_google

    rng = np.random.default_rng(seed)
    days = 730
    start = date(2024, 1, 1)
    i = np.arange(rows)
    day = i % days
    group = i // days  # distinct (day, group) for every row
    keywords = [
        f"keyword {g} {w}" for g, w in zip(group.tolist(), (group % 7).tolist(), strict=True)
    ]
    impressions = rng.integers(1, 5000, rows)
    clicks = rng.binomial(impressions, 0.04)
    cost = np.round(clicks * rng.uniform(0.2, 3.0, rows), 2)
    conversions = rng.binomial(clicks, 0.05).astype(float)
    table = pa.table(
        {
            "date": pa.array([start + timedelta(days=int(d)) for d in day]),
            "campaign": pa.array([f"Campaign {g % 40}" for g in group.tolist()]),
            "ad_group": pa.array([f"Ad group {g % 400}" for g in group.tolist()]),
            "keyword": pa.array(keywords),
            "match_type": pa.array(
                ["Exact", "Phrase", "Broad"] * (rows // 3) + ["Exact"] * (rows % 3)
            ),
            "impressions": impressions,
            "clicks": clicks,
            "cost": cost,
            "conversions": conversions,
            "conversion_value": np.round(conversions * rng.uniform(20, 90, rows), 2),
        }
    )
    write_google(table, path, start, start + timedelta(days=days - 1), "USD")


def run_payback(path: Path, folder: Path) -> int:
    from payback.ingest import import_file
    from payback.store import open_store

    db = folder / "payback.duckdb"
    db.unlink(missing_ok=True)
    with open_store(db) as store:
        result = import_file(store, "ads", path, progress=False)
    db.unlink()
    return result.rows_in_store


def run_duckdb(path: Path, folder: Path) -> int:
    import duckdb

    db = folder / "anchor.duckdb"
    db.unlink(missing_ok=True)
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in ANCHOR_COLUMNS.items()) + "}"
    con = duckdb.connect(str(db))
    con.execute(
        f"CREATE TABLE ad_stats AS SELECT * FROM read_csv('{path}', skip=2, header=true, "
        f"columns={columns}, nullstr='--', thousands=',', ignore_errors=true)"
    )
    (rows,) = con.execute("SELECT count(*) FROM ad_stats").fetchone()
    con.close()
    db.unlink()
    return rows


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def timed(step, *args):
    """Wall seconds, (user, system) CPU seconds, the 1-minute load before, the rows."""
    la = load()
    wall, before = time.perf_counter(), os.times()
    rows = step(*args)
    after = os.times()
    cpu = (after.user - before.user, after.system - before.system)
    return time.perf_counter() - wall, cpu, la, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--file", type=Path, help="reuse (or write) the report here")
    parser.add_argument("--profile", action="store_true", help="cProfile one payback import")
    parser.add_argument(
        "--no-warm-up", action="store_true", help="no untimed import of 10,000 rows first"
    )
    parser.add_argument(
        "--arrow-huge-pages",
        action="store_true",
        help="leave Arrow's allocator its default (transparent huge pages) instead of the "
        "payback command's setting (payback.allocator)",
    )
    args = parser.parse_args()
    if not args.arrow_huge_pages:  # before pyarrow loads, as the payback command does
        from payback.allocator import prefer_small_pages

        print(f"MIMALLOC_ALLOW_THP=0 (the payback command's setting): {prefer_small_pages()}")
    folder = Path(tempfile.mkdtemp(prefix="import_speed_"))
    path = args.file or folder / "google_ads_keyword_report.csv"
    if not path.exists():
        write_report(path, args.rows)
    print(f"{path}: {path.stat().st_size / 2**20:.0f} MiB, {args.rows:,} rows")
    if args.profile:
        import cProfile
        import pstats

        cProfile.runctx("run_payback(path, folder)", globals(), locals(), str(folder / "prof"))
        pstats.Stats(str(folder / "prof")).sort_stats("cumulative").print_stats(40)
        return
    if not args.no_warm_up:
        head = folder / "head.csv"
        with path.open("rb") as full, head.open("wb") as out:
            out.writelines(line for _, line in zip(range(10_003), full, strict=False))
        for name, step in (("payback", run_payback), ("duckdb", run_duckdb)):
            wall, (user, system), _, rows = timed(step, head, folder)
            print(
                f"warm-up {name:8} wall {wall:6.2f} s  cpu {user + system:6.2f} s  "
                f"rows {rows:,} (untimed)"
            )
    runs: dict[str, list[tuple[float, float, float, float]]] = {"payback": [], "duckdb": []}
    for r in range(args.repeat):
        order = ("payback", "duckdb") if r % 2 == 0 else ("duckdb", "payback")
        for name in order:
            wall, (user, system), la, rows = timed(
                run_payback if name == "payback" else run_duckdb, path, folder
            )
            runs[name].append((wall, user, system, la))
            print(
                f"run {r + 1} {name:8} wall {wall:6.2f} s  cpu {user + system:6.2f} s "
                f"(user {user:5.2f} + sys {system:4.2f})  load {la:5.2f}  rows {rows:,}"
            )
    med = {
        n: {
            "wall": statistics.median(w for w, _, _, _ in v),
            "cpu": statistics.median(u + s for _, u, s, _ in v),
            "user": statistics.median(u for _, u, _, _ in v),
            "sys": statistics.median(s for _, _, s, _ in v),
        }
        for n, v in runs.items()
    }
    for name, m in med.items():
        print(
            f"median {name:8} wall {m['wall']:6.2f} s  cpu {m['cpu']:6.2f} s "
            f"(user {m['user']:5.2f} + sys {m['sys']:4.2f})"
        )
    loads = [la for v in runs.values() for *_, la in v]
    p, d = med["payback"], med["duckdb"]
    print(
        f"ratio payback/duckdb: cpu {p['cpu'] / d['cpu']:.2f}x, user {p['user'] / d['user']:.2f}x, "
        f"wall {p['wall'] / d['wall']:.2f}x (1-min load {min(loads):.1f}-{max(loads):.1f})"
    )


if __name__ == "__main__":
    main()
