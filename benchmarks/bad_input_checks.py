"""What the bad-input checks of issue 9 cost an import: the separator check of money columns.

A money column whose every separated cell reads two ways (``1,234`` or ``1.234`` only)
stops the import; finding out is one more pass over the money columns of a text file
(Arrow compute: a substring test per cell, a regular expression on the cells with one
kind of separator only). ``--decimal-point`` says how the file writes numbers, so it
skips that pass: the difference between the two imports of the same file is the check's
cost, measured alone too. The other checks (dates in 1900-2200, NaN in Parquet, repeated
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
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from new_customers import best

from server import machine

#: The money columns of the file (the check reads each).
MONEY = ("cost", "conversion_value")


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
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from payback.ingest import import_file
    from payback.ingest.parsing import separator_readings
    from payback.store import open_store

    folder = Path(tempfile.mkdtemp())
    path = folder / "ads.csv"
    write_ads(path, args.rows)
    print(f"{machine()}; load average {os.getloadavg()[0]:.1f}")
    print(f"{args.rows:,} ad rows, {path.stat().st_size / 1e6:.0f} MB")
    variants = (("with the check", {}), ("--decimal-point", {"decimal_point": True}))
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in variants}
    for _ in range(args.repeat):  # alternate, so that load changes hit both alike
        for label, options in variants:
            db = folder / "store.duckdb"
            db.unlink(missing_ok=True)
            w, c = time.perf_counter(), time.process_time()
            with open_store(db) as store:
                import_file(store, "ads", path, progress=False, **options)
            runs[label].append((time.perf_counter() - w, time.process_time() - c))
    for label, _ in variants:
        wall, cpu = min(w for w, _ in runs[label]), min(c for _, c in runs[label])
        print(f"import, {label:<16} wall {wall:6.2f} s  CPU {cpu:6.2f} s")
    table = pcsv.read_csv(
        path, convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(MONEY, pa.string()))
    )
    wall, cpu = best(lambda: [separator_readings(table[c]) for c in MONEY], args.repeat)
    print(f"the check alone ({', '.join(MONEY)}): wall {wall:.3f} s  CPU {cpu:.3f} s")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
