"""Benchmark: customer summary + BG/NBD + Gamma-Gamma on 10 million transactions, vs lifetimes.

    python benchmarks/clv.py                      # 1,000,000 customers, ~10M transactions
    python benchmarks/clv.py --customers 100000   # a quicker run
    python benchmarks/clv.py --workdir DIR --reuse  # again on the data generated before

Steps (each timed stage runs in a fresh process, so its peak memory is its own):

1. generate (not timed): a BG/NBD + Gamma-Gamma transaction log from
   :func:`payback.clv.simulate.simulate_transactions`, written as confirmed orders into a
   DuckDB store file;
2. ``ours``: the per-customer summary in the engine (Ibis -> DuckDB), compression to
   distinct histories, the BG/NBD fit and the Gamma-Gamma fit (payback.clv);
3. ``lifetimes``: ``BetaGeoFitter`` and ``GammaGammaFitter`` of the ``lifetimes``
   package on the *same* summary (read from a NumPy file written after our timing),
   in its own environment ``benchmarks/.env-lifetimes`` (created on first use with pins
   lifetimes==0.11.3, numpy<2, pandas<2, scipy<1.14, autograd<1.8, setuptools<81).

Prints a JSON line per stage and a Markdown table for benchmarks/README.md.

    python benchmarks/clv.py --pareto             # Pareto/NBD fit: analytic vs numeric gradient

``--pareto`` times :func:`payback.clv.fit_pareto_nbd` on the CDNOW calibration summary
and the whole UCI Online Retail customer summary (tests/data), with its objective
(quadrature of the likelihood's integral, analytic gradient) and with the objective it
replaced (the 2F1 likelihood with a central-difference gradient, rebuilt here), in wall
and CPU seconds, with the objective calls and the largest parameter difference.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIFETIMES_ENV = HERE / ".env-lifetimes"
LIFETIMES_PINS = [
    "lifetimes==0.11.3",
    "numpy<2",
    "pandas<2",
    "scipy<1.14",
    "autograd<1.8",
    "setuptools<81",
]
#: simulation parameters (days): about 10 transactions per customer over two years
COLUMNS = ("frequency", "recency", "T", "monetary_value")
TRUTH = {"r": 2.0, "alpha": 60.0, "a": 1.2, "b": 12.0, "p": 6.0, "q": 4.0, "v": 150.0}


def _peak_mb() -> float:
    """Peak resident memory of this process (VmHWM: reset at exec, unlike ru_maxrss)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def generate(workdir: Path, customers: int, seed: int) -> dict:
    import pyarrow as pa

    from payback.clv.simulate import simulate_transactions
    from payback.store import open_store

    t0 = time.perf_counter()
    tx = simulate_transactions(customers, seed=seed, **TRUTH)
    seconds = time.perf_counter() - t0
    n = len(tx)
    orders = pa.table(
        {
            "order_id": pa.array(range(n)).cast(pa.string()),
            "customer_id": pa.array(tx.customer_id.to_numpy()),
            "time": pa.array(tx.time.to_numpy()),
            "revenue": pa.array(tx.revenue.to_numpy()),
            "status": pa.array(["confirmed"] * n),
            "currency": pa.array(["USD"] * n),
        }
    )
    db = workdir / "clv.duckdb"
    db.unlink(missing_ok=True)
    with open_store(db) as store:
        store.write({"orders": orders}, meta={"base_currency": "USD"})
    return {
        "stage": "generate",
        "transactions": n,
        "customers": customers,
        "seconds": round(seconds, 2),
    }


def ours(workdir: Path) -> dict:
    import numpy as np

    from payback.clv import compress, customer_summary, fit_bgnbd, fit_gamma_gamma
    from payback.store import open_store

    store = open_store(workdir / "clv.duckdb", read_only=True)
    t0 = time.perf_counter()
    summary = store.to_pyarrow(
        customer_summary(store, freq="D").select("frequency", "recency", "T", "monetary_value")
    ).to_pandas()
    t1 = time.perf_counter()
    compressed = compress(summary)
    t2 = time.perf_counter()
    bg = fit_bgnbd(compressed)
    t3 = time.perf_counter()
    repeat = summary[summary.frequency > 0]
    gg = fit_gamma_gamma(repeat.frequency, repeat.monetary_value)
    t4 = time.perf_counter()
    # not timed: the same fit on every customer, and the summary for lifetimes
    bg_full = fit_bgnbd(summary.frequency, summary.recency, summary["T"])
    t5 = time.perf_counter()
    np.save(workdir / "summary.npy", summary[list(COLUMNS)].to_numpy(float))
    store.close()
    return {
        "stage": "ours",
        "customers": len(summary),
        "distinct_histories": len(compressed),
        "summary_s": round(t1 - t0, 3),
        "compress_s": round(t2 - t1, 3),
        "bgnbd_s": round(t3 - t2, 3),
        "gamma_gamma_s": round(t4 - t3, 3),
        "total_s": round(t4 - t0, 3),
        "bgnbd_uncompressed_s": round(t5 - t4, 3),
        "bgnbd": bg.params,
        "bgnbd_uncompressed": bg_full.params,
        "gamma_gamma": gg.params,
        "peak_mb": round(_peak_mb(), 1),
    }


def lifetimes_stage(workdir: Path) -> dict:
    import warnings

    import pandas as pd

    warnings.simplefilter("ignore")
    import numpy as np
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    summary = pd.DataFrame(np.load(workdir / "summary.npy"), columns=list(COLUMNS))
    base = _peak_mb()
    t0 = time.perf_counter()
    bg = BetaGeoFitter().fit(summary.frequency, summary.recency, summary["T"])
    t1 = time.perf_counter()
    repeat = summary[summary.frequency > 0]
    gg = GammaGammaFitter().fit(repeat.frequency, repeat.monetary_value)
    t2 = time.perf_counter()
    return {
        "stage": "lifetimes",
        "bgnbd_s": round(t1 - t0, 3),
        "gamma_gamma_s": round(t2 - t1, 3),
        "bgnbd": {k: float(v) for k, v in bg.params_.items()},
        "gamma_gamma": {
            "p": float(gg.params_["p"]),
            "q": float(gg.params_["q"]),
            "v": float(gg.params_["v"]),
        },
        "peak_mb": round(_peak_mb(), 1),
        "peak_mb_before_fits": round(base, 1),
    }


def _ensure_lifetimes_env() -> Path:
    python = LIFETIMES_ENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(LIFETIMES_ENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *LIFETIMES_PINS], check=True)
    return python


def _run(python: str | Path, stage: str, workdir: Path) -> dict:
    out = subprocess.run(
        [str(python), __file__, "--stage", stage, "--workdir", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _numeric_objective(x, t_x, T, w):
    """The Pareto/NBD objective before the analytic gradient: 2F1 likelihood, gradient by
    central differences (nine likelihoods, eighteen 2F1 per history per step)."""
    import numpy as np

    from payback.clv._optim import numeric_gradient
    from payback.clv.pareto_nbd import _log_terms

    def mean_nll(phi):
        common, alive, dead = _log_terms(*np.exp(phi), x, t_x, T)
        return -float(w @ (common + np.logaddexp(alive, dead))) / w.sum()

    return lambda phi: (mean_nll(phi), numeric_gradient(mean_nll, phi, step=1e-5))


def pareto_stage() -> list[dict]:
    """Time the Pareto/NBD fit, its objective then the former one, on two data sets."""
    import pandas as pd

    import payback.clv.pareto_nbd as pareto
    from payback.clv import compress
    from payback.errors import DegenerateFitError

    data = HERE.parent / "tests" / "data"
    sets = {
        "CDNOW calibration (weeks)": data / "cdnow" / "cdnowSummary_cbs.csv",
        "UCI Online Retail (days)": data
        / "online_retail"
        / "online_retail_customer_summary.csv.gz",
    }
    rows = []
    original = pareto._objective
    warm = compress(
        pd.read_csv(sets["CDNOW calibration (weeks)"])
        .head(200)
        .rename(columns={"x": "frequency", "t.x": "recency", "T.cal": "T"})[
            ["frequency", "recency", "T"]
        ]
    )
    pareto.fit_pareto_nbd(warm)  # imports and first calls out of the timings
    for name, path in sets.items():
        frame = pd.read_csv(path).rename(columns={"x": "frequency", "t.x": "recency", "T.cal": "T"})
        table = compress(frame[["frequency", "recency", "T"]])
        found = {}
        for label, make in (("analytic", original), ("numeric", _numeric_objective)):
            calls = [0]

            def counted(*args, make=make, calls=calls):
                objective = make(*args)

                def wrapped(phi, calls=calls):
                    calls[0] += 1
                    return objective(phi)

                return wrapped

            pareto._objective = counted
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                fit = pareto.fit_pareto_nbd(table)
                outcome, params = f"LL {fit.log_likelihood:.2f}", fit.params
            except DegenerateFitError as e:
                outcome, params = f"degenerate ({e.reason})", e.params
            finally:
                pareto._objective = original
            found[label] = params
            rows.append(
                {
                    "data": name,
                    "histories": len(table),
                    "objective": label,
                    "wall_s": time.perf_counter() - wall,
                    "cpu_s": time.process_time() - cpu,
                    "objective_calls": calls[0],
                    "outcome": outcome,
                    "load_1min": os.getloadavg()[0],
                }
            )
            print(json.dumps(rows[-1]), flush=True)
        rows[-1]["max_rel_param_diff"] = _max_rel(found["analytic"], found["numeric"])
    print("\n| data | histories | objective | wall | CPU | objective calls | outcome |")
    print("|---|---:|---|---:|---:|---:|---|")
    for r in rows:
        print(
            f"| {r['data']} | {r['histories']:,} | {r['objective']} | {r['wall_s']:.2f} s | "
            f"{r['cpu_s']:.2f} s | {r['objective_calls']} | {r['outcome']} |"
        )
    for r in rows[1::2]:
        print(f"{r['data']}: largest relative parameter difference {r['max_rel_param_diff']:.1e}")
    return rows


def _max_rel(a: dict, b: dict) -> float:
    return max(abs(a[k] - b[k]) / abs(b[k]) for k in b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--stage", choices=["generate", "ours", "lifetimes"], default=None)
    parser.add_argument("--skip-lifetimes", action="store_true")
    parser.add_argument(
        "--reuse", action="store_true", help="Reuse the store already in --workdir."
    )
    parser.add_argument("--pareto", action="store_true", help="Time the Pareto/NBD fit only.")
    args = parser.parse_args()
    if args.pareto:
        pareto_stage()
        return
    if args.stage == "ours":
        print(json.dumps(ours(args.workdir)))
        return
    if args.stage == "lifetimes":
        print(json.dumps(lifetimes_stage(args.workdir)))
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="payback-clv-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.reuse and (workdir / "clv.duckdb").exists():
        from payback.store import open_store

        with open_store(workdir / "clv.duckdb", read_only=True) as store:
            n_tx = store.row_count("orders")
            n_cust = int(store.execute(store.table("orders").customer_id.nunique()))
        results = [
            {"stage": "generate", "transactions": n_tx, "customers": n_cust, "seconds": None}
        ]
    else:
        results = [generate(workdir, args.customers, args.seed)]
    print(json.dumps(results[-1]), flush=True)
    results.append(_run(sys.executable, "ours", workdir))
    print(json.dumps(results[-1]), flush=True)
    if not args.skip_lifetimes:
        results.append(_run(_ensure_lifetimes_env(), "lifetimes", workdir))
        print(json.dumps(results[-1]), flush=True)
    _report(results)


def _report(results: list[dict]) -> None:
    gen, us = results[0], results[1]
    print()
    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} CPU(s), Python "
        f"{platform.python_version()}; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"Data: {gen['transactions']:,} transactions of {gen['customers']:,} customers; "
        f"{us['distinct_histories']:,} distinct (x, t_x, T) in days"
    )
    print()
    print("| stage | payback | lifetimes |")
    print("|---|---:|---:|")
    lt = results[2] if len(results) > 2 else None
    print(f"| summary in the engine (DuckDB) | {us['summary_s']:.2f} s | - |")
    print(f"| compression | {us['compress_s']:.2f} s | - |")
    lt_bg = f"{lt['bgnbd_s']:.2f} s" if lt else "-"
    lt_gg = f"{lt['gamma_gamma_s']:.2f} s" if lt else "-"
    print(
        f"| BG/NBD fit | {us['bgnbd_s']:.2f} s (uncompressed: "
        f"{us['bgnbd_uncompressed_s']:.2f} s) | {lt_bg} |"
    )
    print(f"| Gamma-Gamma fit | {us['gamma_gamma_s']:.2f} s | {lt_gg} |")
    print(f"| whole pipeline | {us['total_s']:.2f} s | - |")
    lt_mem = f"{lt['peak_mb']:.0f} MB" if lt else "-"
    print(f"| peak memory (process RSS) | {us['peak_mb']:.0f} MB | {lt_mem} |")
    if lt:
        speed = lt["bgnbd_s"] / us["bgnbd_s"]
        print(
            f"\nBG/NBD speed-up: {speed:.0f}x (on compressed data; "
            f"{lt['bgnbd_s'] / us['bgnbd_uncompressed_s']:.0f}x on every customer)"
        )
        print(
            f"max relative parameter difference: BG/NBD "
            f"{_max_rel(us['bgnbd'], lt['bgnbd']):.1e}, Gamma-Gamma "
            f"{_max_rel(us['gamma_gamma'], lt['gamma_gamma']):.1e}"
        )
        for name in ("bgnbd", "gamma_gamma"):
            print(f"{name}: payback {us[name]} / lifetimes {lt[name]}")


if __name__ == "__main__":
    main()
