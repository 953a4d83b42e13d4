"""Spreadsheets in: importing an ads sheet (.xlsx) against the same rows as CSV.

    python benchmarks/xlsx_import.py --rows 100000

Writes one generic ads sheet of ``--rows`` rows (date cells, text, numbers; written by
tests/data/xlsx/make_workbooks.py's stdlib writer) and the same rows as CSV into a
temporary folder, then imports each into a new in-memory store three times, printing the
best wall and CPU time of each, and of reading the sheet alone
(payback.ingest.spreadsheets.read_sheet: python-calamine plus the cells as text).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["date", "platform", "campaign", "ad_group", "keyword", "impressions", "clicks",
          "cost", "currency", "conversions"]  # fmt: skip


def _writer():
    path = ROOT / "tests" / "data" / "xlsx" / "make_workbooks.py"
    spec = importlib.util.spec_from_file_location("make_workbooks", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def rows(n: int) -> list[list]:
    start = date(2024, 1, 1)
    return [
        [
            start + timedelta(days=i % 365),
            "google",
            f"Campaign {i % 40}",
            f"Group {i % 400}",
            f"keyword {i}",
            float(1000 + i % 997),
            float(10 + i % 89),
            round(5 + (i % 1000) / 7, 2),
            "USD",
            float(i % 5),
        ]
        for i in range(n)
    ]


def best(fn, runs: int = 3) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    from payback.ingest import import_file
    from payback.ingest.spreadsheets import read_sheet
    from payback.store import open_store

    data = rows(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        book, text = Path(tmp) / "ads.xlsx", Path(tmp) / "ads.csv"
        _writer().write_workbook(book, {"Ads": [HEADER, *data]})
        with text.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(HEADER)
            w.writerows([d.isoformat(), *(f"{v:g}" if isinstance(v, float) else v for v in r)]
                        for d, *r in data)  # fmt: skip
        print(f"{args.rows:,} rows: xlsx {book.stat().st_size / 1e6:.1f} MB, "
              f"csv {text.stat().st_size / 1e6:.1f} MB")  # fmt: skip
        for label, fn in (
            ("read the sheet (calamine + text)", lambda: read_sheet(book)),
            ("import .xlsx", lambda: import_file(open_store(":memory:"), "ads", book)),
            ("import .csv", lambda: import_file(open_store(":memory:"), "ads", text)),
        ):
            wall, cpu = best(fn)
            print(f"{label:<34} wall {wall:6.2f} s   cpu {cpu:6.2f} s")


if __name__ == "__main__":
    main()
