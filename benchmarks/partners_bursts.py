"""Speed of the partner bursts (``find_bursts``) on synthetic claims with IP addresses, and
of ``partners value --interval`` on the demo shop.

    python benchmarks/partners_bursts.py --claims 1000000

The claims: ``--claims`` rows, 20 partners, times uniform over 90 days, an IP address per
claim drawn from ``claims / 2`` addresses (most seen once or twice), and 50 planted bursts
(8 claims in 20 minutes from one new address). Prints wall and CPU time and the 1-minute
load of each step, and how many planted bursts were found.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from partners import timed  # benchmarks/partners.py: wall, CPU and the 1-minute load


def claims(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp("2024-01-01")
    frame = pd.DataFrame(
        {
            "partner_id": rng.choice([f"P{i:02d}" for i in range(20)], n),
            "time": t0 + pd.to_timedelta(rng.integers(0, 90 * 86_400, n), unit="s"),
            "ip": rng.integers(0, n // 2, n).astype(str),
        }
    )
    planted = pd.DataFrame(
        {
            "partner_id": np.repeat([f"P{i % 20:02d}" for i in range(50)], 8),
            "time": np.repeat(t0 + pd.to_timedelta(rng.integers(0, 89, 50), unit="D"), 8)
            + pd.to_timedelta(np.tile(np.arange(8) * 150, 50), unit="s"),
            "ip": np.repeat([f"burst{i}" for i in range(50)], 8),
        }
    )
    return pd.concat([frame, planted], ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--demo", type=int, default=3_000, help="Customers of the demo shop.")
    args = parser.parse_args()
    from payback.partners.bursts import find_bursts

    data = claims(args.claims)
    found = timed(f"find_bursts, {len(data):,} claims", lambda: find_bursts(data))
    planted = found["key"].str.startswith("burst").sum()
    print(f"  {len(found)} bursts found, {planted} of the 50 planted")

    from payback.demo import generate_shop
    from payback.partners import value
    from payback.store import open_store

    store = open_store(":memory:")
    store.write(generate_shop(args.demo, seed=11).tables)
    timed(f"value, demo {args.demo:,} customers", lambda: value(store))
    store = open_store(":memory:")  # a fresh store: no shared fit
    store.write(generate_shop(args.demo, seed=11).tables)
    timed(f"value --interval 90%, demo {args.demo:,}", lambda: value(store, interval=0.9))


if __name__ == "__main__":
    main()
