"""Benchmark: `payback ltv check` (every count model on a holdout) and its MBG/CNBD-k.

    python benchmarks/clv_check.py                     # CDNOW sample + a 20,000-customer demo
    python benchmarks/clv_check.py --customers 5000    # a quicker run

Stages, each with wall and CPU seconds and the 1-minute load:

1. ``cdnow``: :func:`payback.clv.holdout_comparison` on the CDNOW 1/10 sample as a
   transaction file (tests/data, weeks 40-78 held out): summary, log inter-purchase
   times, the four fits and their forecasts;
2. ``mbgcnbd``: :func:`payback.clv.fit_mbgcnbd` alone on that compressed summary, k
   chosen (fits at k = 1, 2, 3);
3. ``auto``: :func:`payback.clv.choose_model` on a demo store of ``--customers``;
4. ``report-interval``: the CLV section's predicted-LTV intervals of every source of that
   store (:func:`payback.report.clv_section.ltv_interval`, the fits already made).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def timed(name: str, fn):
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn()
    row = {
        "stage": name,
        "wall_s": round(time.perf_counter() - wall, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "load_1min": float(Path("/proc/loadavg").read_text().split()[0]),
    }
    print(json.dumps(row), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    args = parser.parse_args()

    import pandas as pd

    from payback.clv import choose_model, compress, fit_mbgcnbd, holdout_comparison
    from payback.clv.regularity import log_intervals
    from payback.demo import generate_shop
    from payback.report import clv_section
    from payback.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        raw = pd.read_csv(
            DATA / "cdnow" / "CDNOW_sample.txt",
            sep=r"\s+",
            header=None,
            names=["master_id", "customer", "date", "cds", "dollars"],
        )
        path = Path(tmp) / "cdnow.csv"
        raw.to_csv(path, index=False)
        result = timed(
            "cdnow",
            lambda: holdout_comparison(
                transactions=path,
                calibration_end="1997-09-30",
                mapping="customer_id=customer,time=date,revenue=dollars",
                date_format="%Y%m%d",
                unit="W",
                as_of="1998-06-30",
            ),
        )
        print(result.table.frame[["model", "holdout_predicted", "error", "note"]].to_string())
        cal = compress(result.summary)
        days = pd.to_datetime(raw.date.astype(str), format="%Y%m%d")
        litt = log_intervals(raw.customer, days, unit="W", calibration_end="1997-09-30")
        fit = timed("mbgcnbd", lambda: fit_mbgcnbd(cal, litt=litt))
        print(f"k = {fit.k}, {len(cal)} distinct histories")

        with open_store(Path(tmp) / "demo.duckdb") as store:
            store.write(generate_shop(args.customers, seed=1).tables)
            choice = timed("auto", lambda: choose_model(store))
            print(choice.why)
            table = clv_section.ltv_table(store).frame  # the fits, made once
            prediction = clv_section._prediction(store, "platform")

            def intervals():
                cache: dict = {}
                return [
                    clv_section.ltv_interval(prediction, s, v, cache=cache)
                    for s, v in zip(table["source"], table["predicted_ltv"], strict=True)
                ]

            timed("report-interval", intervals)


if __name__ == "__main__":
    main()
