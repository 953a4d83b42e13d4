"""Speed of ``payback.segments`` on the whole UCI Online Retail file (541,909 lines).

Imports the file into a throw-away store as a shop would, ``payback import order-items
FILE --build-orders`` (orders built from the lines, cancellations netted against the
customer's latest sales: docs/import.md), then times RFM (without and with
the CLV predictions), the growth levers (two years' halves; each month against the one
before), the cross-sell pairs (per invoice and per customer; an mlxtend-style anchor:
a sparse one-hot basket x item matrix and its product X'X in scipy), the next-purchase
rules, the top customers' profile and the win-back list. Prints wall and CPU time, the
1-minute load and the process's peak memory.

    python benchmarks/segments.py [--lines ../shared/data/online_retail/online_retail.csv.gz]
    python benchmarks/segments.py --db demo-300k.duckdb     # an existing store instead
    python benchmarks/segments.py --db demo-300k.duckdb --customers 300000  # built first

(``--customers N`` writes ``generate_shop(N, seed=42)`` into ``--db`` when it is missing.)
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from build_orders import DEFAULT, MAP  # benchmarks/build_orders.py: the UCI file, its --map

from payback.ingest.build_orders import build_orders_import
from payback.segments import levers, next_purchases, pairs, profile, rfm, winback
from payback.store import open_store


def timed(label: str, run) -> object:
    wall, cpu = time.perf_counter(), time.process_time()
    out = run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    load = os.getloadavg()[0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<42} wall {wall:6.2f} s  cpu {cpu:6.2f} s  load {load:4.1f}  peak {peak:.0f} MB")
    return out


def one_hot_pairs(store, minimum: int) -> int:
    """The mlxtend way, as an anchor: a (sparse) one-hot basket x item matrix of the
    confirmed invoices and its product X'X; the pairs in ``minimum`` baskets or more."""
    import numpy as np
    from scipy import sparse

    from payback.segments.pairs import basket_items

    rows = store.execute(basket_items(store))
    b = rows.basket.astype("category").cat.codes.to_numpy()
    i = rows.item.astype("category").cat.codes.to_numpy()
    x = sparse.csr_matrix((np.ones(len(b), np.int32), (b, i)))
    together = sparse.triu(x.T @ x, k=1)
    return int((together.data >= minimum).sum())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", default=str(DEFAULT))
    parser.add_argument("--db", help="Time this store (by acquisition source) instead.")
    parser.add_argument("--customers", type=int, help="With --db: build a demo of N first.")
    parser.add_argument(
        "--patterns", action="store_true", help="Time only the buying patterns and triples."
    )
    parser.add_argument("--core", action="store_true", help="With --db: time only RFM and pairs.")
    args = parser.parse_args()
    global ONLY_PATTERNS
    ONLY_PATTERNS = args.patterns
    if args.db and args.core:
        core(args.db, args.customers)
        return
    if args.db:
        on_store(args.db, args.customers)
        return
    with tempfile.TemporaryDirectory() as tmp:
        with open_store(Path(tmp) / "retail.duckdb") as store:
            built = timed(
                "import order-items --build-orders",
                lambda: build_orders_import(store, args.lines, mapping=MAP, currency="GBP"),
            )
            print(built.summary())
        with open_store(Path(tmp) / "retail.duckdb", read_only=True) as store:
            if ONLY_PATTERNS:
                patterns_and_triples(store)
                return
            result = timed("rfm (no predictions)", lambda: rfm(store, predict=False))
            print(f"{len(result.customers.frame):,} customers")
            timed("rfm (no predictions, no per-customer table)",
                  lambda: rfm(store, predict=False, customers=False))  # fmt: skip
            timed("rfm with MBG/NBD + Gamma-Gamma predictions", lambda: rfm(store))
            timed("levers 2011-Q1 -> 2011-Q3", lambda: levers(store, "2011-Q1", "2011-Q3"))
            timed("levers each month (13 months)", lambda: levers(store, period="month"))
            shown = ["segment", "customers", "revenue_share", "historical_clv"]
            print(result.segments.frame[shown])
            cross_sell(store)


def on_store(path: str, customers: int | None) -> None:
    """The same runs on an existing (or a freshly built demo) store, by acquisition source."""
    if customers and not Path(path).exists():
        from payback.demo import generate_shop

        shop = timed(f"generate_shop({customers:,})", lambda: generate_shop(customers, seed=42))
        with open_store(path) as store:
            store.write(shop.tables, meta={"base_currency": shop.currency})
    with open_store(path, read_only=True) as store:
        if ONLY_PATTERNS:
            patterns_and_triples(store)
            return
        result = timed("rfm (no predictions)", lambda: rfm(store, predict=False))
        print(f"{len(result.customers.frame):,} customers")
        timed("rfm by source, no per-customer table",
              lambda: rfm(store, predict=False, by="source", customers=False))  # fmt: skip
        timed("rfm with predictions", lambda: rfm(store, customers=False))
        timed("levers 2024 -> 2025 by source", lambda: levers(store, "2024", "2025", by="source"))
        timed("levers each month", lambda: levers(store, period="month"))
        cross_sell(store)


def core(path: str, customers: int | None) -> None:
    """``--core``: RFM and pairs only (the 10M-line demo: ``--customers 1420000`` gives
    about 10 M order lines, about 7 per customer); the demo written first when missing,
    its generation and writing timed apart."""
    if customers and not Path(path).exists():
        from payback.demo import generate_shop

        shop = timed(f"generate_shop({customers:,})", lambda: generate_shop(customers, seed=42))
        with open_store(path) as store:
            meta = {"base_currency": shop.currency}
            timed("write to the store", lambda: store.write(shop.tables, meta=meta))
        del shop
    with open_store(path, read_only=True) as store:
        lines = store.row_count("order_items")
        print(f"{store.row_count('orders'):,} orders, {lines:,} order lines")
        result = timed("rfm (no predictions)", lambda: rfm(store, predict=False))
        print(f"  {len(result.customers.frame):,} customers")
        timed("rfm by source, no per-customer table",
              lambda: rfm(store, predict=False, by="source", customers=False))  # fmt: skip
        found = timed("pairs per order (min 5, max 250 items)", lambda: pairs(store))
        print(f"  {found.baskets:,} baskets, {found.items:,} items, {found.tested:,} pairs "
              f"counted, {len(found.rules.frame) // 2:,} kept")  # fmt: skip
        tri = timed("triples per order (default support)", lambda: pairs(store, size=3))
        print(f"  {tri.tested:,} triples counted (min {tri.min_count:,} baskets), "
              f"{len(tri.rules.frame):,} rules kept")  # fmt: skip


#: ``--patterns``: time only :func:`patterns_and_triples`.
ONLY_PATTERNS = False


def patterns_and_triples(store) -> None:
    """Buying patterns (gaps, windows, seasonality, first -> second) and triples."""
    from payback.segments import patterns

    found = timed("patterns (gaps, windows, seasons, 1st->2nd)", lambda: patterns(store))
    print(f"  {found.gaps.frame.gaps.iloc[0]:,} gaps, {len(found.customers.frame):,} customers")
    for most, support in ((50, None), (250, None), (250, 0.0)):
        what = "default support" if support is None else f"min_support={support}"
        label = f"triples per order ({what}, max {most} items)"
        tri = timed(label, lambda m=most, s=support: pairs(store, size=3, max_items=m,
                                                           min_support=s))  # fmt: skip
        print(
            f"  {tri.tested:,} triples counted (from {tri.min_count:,} baskets), "
            f"{len(tri.rules.frame):,} rules kept at q <= 0.05, "
            f"{tri.dropped_baskets:,} baskets left out"
        )


def cross_sell(store) -> None:
    """Pairs, next purchases, the profile of the top customers and the win-back list."""
    patterns_and_triples(store)
    if ONLY_PATTERNS:
        return
    for label, kwargs in (
        ("pairs per order (min 5, max 250 items)", {}),
        ("pairs per order, no basket guard", {"max_items": None}),
        ("pairs per customer (min 20, max 1000 items)",
         {"within": "customer", "min_count": 20, "max_items": 1000}),
    ):  # fmt: skip
        found = timed(label, lambda kw=kwargs: pairs(store, **kw))
        print(
            f"  {found.baskets:,} baskets, {found.items:,} items, {found.tested:,} pairs "
            f"counted, {len(found.rules.frame) // 2:,} kept at q <= 0.05, "
            f"{found.dropped_baskets:,} baskets left out"
        )
    counted = timed("one-hot X'X anchor (scipy.sparse)", lambda: one_hot_pairs(store, 5))
    print(f"  {counted:,} pairs in 5+ baskets")
    later = timed("next purchases within 90 days", lambda: next_purchases(store))
    print(f"  {later.tested:,} rules counted, {len(later.rules.frame):,} kept")
    timed("profile of the top 20 %", lambda: profile(store, "top"))
    from payback.errors import ModelFitError

    try:
        listed = timed("winback (MBG/NBD)", lambda: winback(store))
    except ModelFitError as e:  # UCI: every count model is degenerate (tests/clv)
        print(f"  winback: no list, the CLV fit failed: {str(e).splitlines()[0][:90]}...")
    else:
        print(f"  {len(listed.customers.frame):,} customers to win back")


if __name__ == "__main__":
    main()
