"""mlxtend as the anchor of ``payback segments pairs`` (pairs and triples).

The same baskets (the store's confirmed orders' distinct ``(basket, item)`` rows,
:func:`payback.segments.pairs.basket_items`, no basket guard) go to both sides, each
timed in its own child process so that its peak memory (``ru_maxrss``) is its own:

- **mlxtend** (in ``benchmarks/.env-mlxtend``, created on first use; never in the
  project's venv): the one-hot basket x item frame (``TransactionEncoder``, the way
  mlxtend's docs build it), ``apriori(min_support, max_len)`` and
  ``association_rules(metric="lift", min_threshold=0)``;
- **payback**: ``pairs(store, min_support=s, min_count=1, fdr=1, min_lift=0,
  max_items=None, size=2|3)``: every rule of the itemsets in ``s`` of the baskets.

Then the rules are matched on (antecedent, consequent): both must give the same rules,
and the same count (support x n), support, confidence and lift.

    python benchmarks/segments_anchor.py --db retail.duckdb --support 0.005
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENV = HERE / ".env-mlxtend"
PINS = ["mlxtend==0.25.0", "pyarrow"]
JOIN = " + "


def ensure_env() -> Path:
    """The mlxtend venv's python (created with :data:`PINS` when missing)."""
    python = ENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(ENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PINS], check=True)
    return python


def _stats(wall: float, cpu: float, **extra) -> dict:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"wall": wall, "cpu": cpu, "peak_mb": peak, "load": os.getloadavg()[0], **extra}


def stage_mlxtend(baskets: str, support: float, size: int, out: str, low_memory: bool) -> dict:
    """In the mlxtend venv: one-hot, apriori, association_rules; the rules to ``out``."""
    import pandas as pd
    from mlxtend.frequent_patterns import apriori, association_rules
    from mlxtend.preprocessing import TransactionEncoder

    rows = pd.read_parquet(baskets)
    wall, cpu = time.perf_counter(), time.process_time()
    lists = rows.groupby("basket").item.agg(list).tolist()
    encoder = TransactionEncoder()
    onehot = pd.DataFrame(encoder.fit(lists).transform(lists), columns=encoder.columns_)
    encoded = (time.perf_counter() - wall, time.process_time() - cpu)
    frequent = apriori(
        onehot, min_support=support, use_colnames=True, max_len=size, low_memory=low_memory
    )
    rules = association_rules(frequent, len(onehot), metric="lift", min_threshold=0.0)
    rules = rules[(rules.antecedents.map(len) == size - 1) & (rules.consequents.map(len) == 1)]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    frame = pd.DataFrame(
        {
            "antecedent": rules.antecedents.map(lambda s: JOIN.join(sorted(s))),
            "consequent": rules.consequents.map(lambda s: next(iter(s))),
            "support": rules.support,
            "confidence": rules.confidence,
            "lift": rules.lift,
        }
    )
    frame.to_parquet(out)
    shape = onehot.shape
    return _stats(
        wall,
        cpu,
        one_hot_wall=encoded[0],
        one_hot_cpu=encoded[1],
        one_hot_mb=onehot.memory_usage(deep=True).sum() / 2**20,
        baskets=shape[0],
        items=shape[1],
        rules=len(frame),
    )


def stage_payback(db: str, support: float, size: int, out: str) -> dict:
    """In the project's venv: ``pairs`` on the store; the rules to ``out``."""
    from payback.segments import pairs
    from payback.store import open_store

    with open_store(db, read_only=True) as store:
        wall, cpu = time.perf_counter(), time.process_time()
        found = pairs(
            store,
            min_support=support,
            min_count=1,
            fdr=1.0,
            min_lift=0.0,
            max_items=None,
            size=size,
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    columns = ["antecedent", "consequent", "count", "support", "confidence", "lift"]
    found.rules.frame[columns].to_parquet(out)
    return _stats(wall, cpu, baskets=found.baskets, items=found.items, rules=len(found.rules.frame))


def _child(python: str | Path, *args: str) -> dict:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}
    done = subprocess.run([str(python), __file__, *args], capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(db: str, support: float, size: int, low_memory: bool = False) -> dict:
    """Both sides on ``db``'s baskets at ``support``; their timings and how far apart."""
    import numpy as np
    import pandas as pd

    from payback.segments.pairs import basket_items
    from payback.store import open_store

    python = ensure_env()
    with tempfile.TemporaryDirectory() as tmp:
        rows = Path(tmp) / "baskets.parquet"
        with open_store(db, read_only=True) as store:
            store.execute(basket_items(store)).to_parquet(rows)
        ours = _child(
            sys.executable,
            "--stage",
            "payback",
            "--db",
            db,
            "--support",
            str(support),
            "--size",
            str(size),
            "--out",
            f"{tmp}/ours.parquet",
        )
        theirs = _child(
            python,
            "--stage",
            "mlxtend",
            "--baskets",
            str(rows),
            "--support",
            str(support),
            "--size",
            str(size),
            "--out",
            f"{tmp}/theirs.parquet",
            *(["--low-memory"] if low_memory else []),
        )
        a = pd.read_parquet(f"{tmp}/ours.parquet")
        b = pd.read_parquet(f"{tmp}/theirs.parquet")
    both = a.merge(
        b, on=["antecedent", "consequent"], how="outer", indicator=True, suffixes=("", "_mlxtend")
    )
    matched = both[both._merge == "both"]
    n = ours["baskets"]
    diff = {
        c: float(np.max(np.abs(matched[c] - matched[f"{c}_mlxtend"]).to_numpy(), initial=0.0))
        for c in ("support", "confidence", "lift")
    }
    counts = np.rint(matched.support_mlxtend * n).astype("int64")
    return {
        "payback": ours,
        "mlxtend": theirs,
        "only_payback": int((both._merge == "left_only").sum()),
        "only_mlxtend": int((both._merge == "right_only").sum()),
        "matched": len(matched),
        "count_mismatch": int((counts != matched["count"]).sum()),
        "max_abs_diff": diff,
    }


def report(label: str, result: dict) -> None:
    """Print one comparison as the README's rows."""
    ours, theirs = result["payback"], result["mlxtend"]
    print(
        f"{label}: {ours['baskets']:,} baskets, {theirs['items']:,} items in the one-hot "
        f"({theirs['one_hot_mb']:.0f} MB; encoding {theirs['one_hot_wall']:.2f} s wall, "
        f"{theirs['one_hot_cpu']:.2f} s cpu)"
    )
    for side, r in (("payback", ours), ("mlxtend", theirs)):
        print(
            f"  {side:<8} wall {r['wall']:7.2f} s  cpu {r['cpu']:7.2f} s  peak "
            f"{r['peak_mb']:6.0f} MB  load {r['load']:4.1f}  rules {r['rules']:,}"
        )
    print(
        f"  ratio mlxtend/payback: cpu {theirs['cpu'] / max(ours['cpu'], 1e-9):.1f}x, "
        f"wall {theirs['wall'] / max(ours['wall'], 1e-9):.1f}x, peak "
        f"{theirs['peak_mb'] / ours['peak_mb']:.2f}x"
    )
    print(
        f"  rules matched {result['matched']:,}, only payback {result['only_payback']}, "
        f"only mlxtend {result['only_mlxtend']}, count mismatches "
        f"{result['count_mismatch']}, max |diff| {result['max_abs_diff']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stage", choices=["payback", "mlxtend"])
    parser.add_argument("--db")
    parser.add_argument("--baskets")
    parser.add_argument("--out")
    parser.add_argument("--support", type=float, default=0.005)
    parser.add_argument("--size", type=int, default=0, help="2 or 3 (0: both)")
    parser.add_argument(
        "--low-memory", action="store_true", help="apriori(low_memory=True): mlxtend's loop"
    )
    args = parser.parse_args()
    if args.stage == "mlxtend":
        print(
            json.dumps(
                stage_mlxtend(args.baskets, args.support, args.size, args.out, args.low_memory)
            )
        )
    elif args.stage == "payback":
        print(json.dumps(stage_payback(args.db, args.support, args.size, args.out)))
    else:
        for size in (2, 3) if args.size == 0 else (args.size,):
            kind = "pairs" if size == 2 else "triples"
            label = f"{kind} at min support {args.support}"
            if args.low_memory:
                label += ", apriori(low_memory=True)"
            report(label, compare(args.db, args.support, size, args.low_memory))


if __name__ == "__main__":
    main()
