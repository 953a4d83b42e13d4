"""Keyword bids: the back-test's quality (distance to the true optimum) and the speed of
``payback.bids``.

1. The back-test (``payback.bids.backtest``) on the demo shop's hidden keyword truth
   (``payback.demo.keywords.keyword_truth(42, 10_000)``: 47 keywords), target CPA 36 (the
   demo's paid CAC), 26 weeks, 8-week window, 10 runs, at the demo's traffic and at a
   quarter of it (a smaller shop: almost every keyword is small), then at target DRR
   40 % (each conversion's value log-normal around the truth's). Prints each strategy's
   mean distance ``|bid - b*| / b*`` over weeks 14-26, of all and of the small keywords,
   the paused share, conversions and cost per week and the CPA.
2. ``payback.bids.recommend`` on a demo store of ``--customers`` customers (the 28-day
   window; the store is built first when missing), and the shrinkage alone on 100,000
   synthetic keywords.

Prints wall and CPU time and the 1-minute load.

    python benchmarks/bids.py [--customers 10000] [--db demo.duckdb] [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from payback.bids import Target, backtest, recommend
from payback.bids.shrinkage import shrink_rates
from payback.store import open_store


def timed(label: str, run) -> object:
    wall, cpu = time.perf_counter(), time.process_time()
    out = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<52} wall {wall:6.2f} s  cpu {cpu:6.2f} s  load {os.getloadavg()[0]:4.1f}")
    return out


def quality(runs: int) -> None:
    for kind, traffic in (("cpa", 1.0), ("cpa", 0.25), ("drr", 1.0), ("drr", 0.25)):
        goal = {"target_cpa": 36.0} if kind == "cpa" else {"target_drr": 0.4}
        bt = timed(
            f"back-test {kind}, traffic x{traffic:g}, {runs} runs",
            lambda t=traffic, g=goal: backtest(runs=runs, traffic=t, **g),
        )
        print(f"  {bt.keywords} keywords, {bt.small} small (< 5 conversions a window at b*)")
        print(f"  | strategy | distance, all | distance, small | paused | conv./week | {kind} |")
        for row in bt.frame.itertuples():
            ratio = f"{row.cpa:.2f}" if kind == "cpa" else f"{row.drr:.1%}"
            print(
                f"  | {row.strategy} | {row.distance:.1%} | {row.distance_small:.1%} | "
                f"{row.paused:.1%} | {row.conversions:.1f} | {ratio} |"
            )


def speed(db: str, customers: int) -> None:
    if not Path(db).exists():
        from payback.demo import generate_shop

        shop = timed(f"generate_shop({customers:,})", lambda: generate_shop(customers, seed=42))
        with open_store(db) as store:
            store.write(shop.tables, meta={"base_currency": shop.currency})
    with open_store(db, read_only=True) as store:
        cpo, drr = Target("cpo", 30), Target("drr", 0.2)
        r = timed("recommend --target-cpo 30 (28 days)", lambda: recommend(store, cpo))
        print(f"  {len(r.frame)} keywords: {r.summary()}")
        timed("recommend --target-drr 20% (28 days)", lambda: recommend(store, drr))
    rng = np.random.default_rng(0)
    k = 100_000
    levels = [rng.integers(0, 4, k), rng.integers(0, 200, k), rng.integers(0, 5000, k)]
    n = rng.poisson(40, k)
    x = rng.binomial(n, rng.beta(2, 60, k))
    timed(f"shrink_rates on {k:,} keywords, 3 levels", lambda: shrink_rates(x, n, levels))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--db", help="Demo store (built when missing).")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    quality(args.runs)
    if args.db:
        speed(args.db, args.customers)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            speed(str(Path(tmp) / "demo.duckdb"), args.customers)


if __name__ == "__main__":
    main()
