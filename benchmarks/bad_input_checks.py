"""What the bad-input checks of issue 9 cost an import: the separator check of money columns.

A money column whose every separated cell reads two ways (``1,234`` or ``1.234`` only)
stops the import; finding out is one more pass over the money columns of a text file
(three regular expressions per cell). ``--decimal-point`` says how the file writes
numbers, so it skips that pass: the difference between the two imports of the same file
is the check's cost. The other checks (dates in 1900-2200, NaN in Parquet, repeated
headers) are a comparison per cell or a look at the header.

Usage::

    python benchmarks/bad_input_checks.py --rows 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from new_customers import best

from server import machine


def write_ads(path: Path, rows: int) -> None:
    """An ads CSV with two money columns written the US way (``"1,234.56"``)."""
    rng = random.Random(1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(
            "date,platform,campaign,ad_group,keyword,impressions,clicks,cost,currency,"
            "conversion_value\n"
        )
        for i in range(rows):
            cost = f"{rng.randint(1, 3000):,}.{rng.randint(0, 99):02d}"
            f.write(
                f"2024-{1 + i % 12:02d}-{1 + i % 28:02d},google,C{i % 50},G{i % 500},K{i},"
                f'{1000 + i % 7},{i % 9},"{cost}",USD,{rng.randint(0, 999)}.5\n'
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    from payback.ingest import import_file
    from payback.store import open_store

    folder = Path(tempfile.mkdtemp())
    path = folder / "ads.csv"
    write_ads(path, args.rows)
    print(f"{machine()}; load average {os.getloadavg()[0]:.1f}")
    print(f"{args.rows:,} ad rows, {path.stat().st_size / 1e6:.0f} MB")
    results = {}
    for label, options in (("with the check", {}), ("--decimal-point", {"decimal_point": True})):

        def run(options=options) -> None:
            db = folder / "store.duckdb"
            db.unlink(missing_ok=True)
            with open_store(db) as store:
                import_file(store, "ads", path, progress=False, **options)

        results[label] = best(run, args.repeat)
        wall, cpu = results[label]
        print(f"{label:<16} wall {wall:6.2f} s  CPU {cpu:6.2f} s")
    (w1, c1), (w0, c0) = results["with the check"], results["--decimal-point"]
    print(f"check: +{w1 - w0:.2f} s wall ({w1 / w0:.2f}x), +{c1 - c0:.2f} s CPU ({c1 / c0:.2f}x)")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
