"""Benchmark: customer summary + BG/NBD + Gamma-Gamma on 10 million transactions, vs lifetimes.

    python benchmarks/clv.py                      # 1,000,000 customers, ~10M transactions
    python benchmarks/clv.py --customers 100000   # a quicker run
    python benchmarks/clv.py --workdir DIR --reuse --repeat 3  # again, 3 alternating rounds

Steps (each timed stage runs in a fresh process, so its peak memory is its own; wall
and CPU time, the process's CPU with DuckDB's threads, and the 1-minute load):

1. generate (not timed): a BG/NBD + Gamma-Gamma transaction log from
   :func:`payback.clv.simulate.simulate_transactions`, written as confirmed orders into a
   DuckDB store file;
2. ``ours``: the per-customer summary in the engine (Ibis -> DuckDB, Arrow -> NumPy),
   compression to distinct histories, the BG/NBD fit and the Gamma-Gamma fit
   (payback.clv; ``fit_gamma_gamma`` is given the whole summary and leaves out the
   customers without repeat purchase itself, as its users call it), after a warm-up
   fit on 2,000 simulated customers (imports and first calls out of the timings, as
   lifetimes' imports are); then the BG/NBD fit on every customer and the MBG/NBD fit
   on the compressed table, timed apart;
3. ``lifetimes``: ``BetaGeoFitter``, ``GammaGammaFitter`` and ``ModifiedBetaGeoFitter``
   of the ``lifetimes`` package on the *same* summary (read from a NumPy file written
   after our timing; its Gamma-Gamma timing includes the pandas filter
   ``summary[summary.frequency > 0]`` that ``GammaGammaFitter`` needs from its caller),
   in its own environment ``benchmarks/.env-lifetimes`` (created on first use with pins
   lifetimes==0.11.3, numpy<2, pandas<2, scipy<1.14, autograd<1.8, setuptools<81);
4. ``anchor``: the summary query as it was before the one-aggregation summary
   (:data:`ANCHOR_SQL`: by customer and day, then by customer), checked equal to ours.

With ``--repeat N`` the three stages run N times in turn (ours, lifetimes, anchor, ...)
and the table shows medians.

Prints a JSON line per stage and a Markdown table for benchmarks/README.md.

    python benchmarks/clv.py --pareto             # Pareto/NBD fit: analytic vs numeric gradient

    python benchmarks/clv.py --workdir DIR --fits-before SRC --repeat 3

``--fits-before SRC`` times the fits alone on the summary a run left in ``DIR``
(``summary.npy``): compression, BG/NBD on the compressed table and on every customer,
MBG/NBD on the compressed table, Gamma-Gamma (on the whole summary), each stage in a fresh
process, alternating between the ``payback`` package under ``SRC`` (e.g. an older
commit's ``src``, from ``git archive``) and this one, with the parameters' largest
relative difference.

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


def _clock() -> tuple[float, float]:
    """(wall, CPU) now: CPU of the whole process, DuckDB's threads included."""
    return time.perf_counter(), time.process_time()


def _since(start: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = _clock()
    return round(wall - start[0], 3), round(cpu - start[1], 3)


def ours(workdir: Path) -> dict:
    import numpy as np
    import pandas as pd

    from payback.clv import compress, customer_summary, fit_bgnbd, fit_gamma_gamma, fit_mbgnbd
    from payback.clv.simulate import simulate_bgnbd, simulate_gamma_gamma
    from payback.store import open_store

    # imports and first calls (SciPy, the fits' code) out of the timings, as lifetimes'
    warm = simulate_bgnbd(2000, 365.0, seed=1, **{k: TRUTH[k] for k in ("r", "alpha", "a", "b")})
    fit_bgnbd(compress(warm))
    fit_mbgnbd(compress(warm))
    x = np.full(2000, 3.0)
    fit_gamma_gamma(x, simulate_gamma_gamma(x, seed=1, **{k: TRUTH[k] for k in "pqv"}))
    load = os.getloadavg()[0]
    store = open_store(workdir / "clv.duckdb", read_only=True)
    t0 = _clock()
    arrow = store.to_pyarrow(customer_summary(store, freq="D").select(*COLUMNS))
    # NumPy columns straight from Arrow (no null but monetary_value's: NaN there)
    columns = {c: arrow[c].to_numpy(zero_copy_only=False) for c in COLUMNS}
    summary = pd.DataFrame(columns, copy=False)
    s_summary = _since(t0)
    t1 = _clock()
    compressed = compress(summary)
    s_compress = _since(t1)
    t2 = _clock()
    bg = fit_bgnbd(compressed)
    s_bgnbd = _since(t2)
    t3 = _clock()
    gg = fit_gamma_gamma(summary.frequency, summary.monetary_value)  # x = 0 left out by it
    s_gg = _since(t3)
    total = _since(t0)
    # the same fit on every customer (no compression), timed apart
    t4 = _clock()
    bg_full = fit_bgnbd(summary.frequency, summary.recency, summary["T"])
    s_full = _since(t4)
    t5 = _clock()  # MBG/NBD on the compressed table, timed apart
    mbg = fit_mbgnbd(compressed)
    s_mbg = _since(t5)
    np.save(workdir / "summary.npy", summary[list(COLUMNS)].to_numpy(float))
    store.close()
    return {
        "stage": "ours",
        "load_1min": load,
        "customers": len(summary),
        "distinct_histories": len(compressed),
        "summary_s": s_summary[0],
        "summary_cpu_s": s_summary[1],
        "compress_s": s_compress[0],
        "compress_cpu_s": s_compress[1],
        "bgnbd_s": s_bgnbd[0],
        "bgnbd_cpu_s": s_bgnbd[1],
        "gamma_gamma_s": s_gg[0],
        "gamma_gamma_cpu_s": s_gg[1],
        "total_s": total[0],
        "total_cpu_s": total[1],
        "bgnbd_uncompressed_s": s_full[0],
        "bgnbd_uncompressed_cpu_s": s_full[1],
        "mbgnbd_s": s_mbg[0],
        "mbgnbd_cpu_s": s_mbg[1],
        "bgnbd": bg.params,
        "mbgnbd": mbg.params,
        "bgnbd_uncompressed": bg_full.params,
        "gamma_gamma": gg.params,
        "peak_mb": round(_peak_mb(), 1),
    }


#: The summary query before the one-aggregation summary (payback.clv.summary_onepass),
#: written out: purchases grouped by customer and day, then by customer, and the end of
#: the data a second scan. The anchor of the summary's timing, run in the same session.
ANCHOR_SQL = """
WITH rows AS (
  SELECT customer_id AS customer, CAST(time AS DATE) AS day, revenue AS value,
         DATE_DIFF('DAY', MAKE_DATE(1970, 1, 1), CAST(time AS DATE)) AS period
  FROM orders WHERE status = 'confirmed'
), per AS (
  SELECT customer, period, SUM(value) AS value, MIN(day) AS day FROM rows GROUP BY 1, 2
), s AS (
  SELECT customer, MIN(day) AS first_purchase, MIN(period) AS first_period,
         COUNT(*) AS n_periods, MAX(period) AS last_period, SUM(value) AS total_value,
         FIRST(value ORDER BY period) AS first_value
  FROM per GROUP BY 1
)
SELECT CAST(n_periods - 1 AS DOUBLE) AS frequency,
       CAST(last_period - first_period AS DOUBLE) AS recency,
       CAST((SELECT MAX(period) FROM rows) - first_period AS DOUBLE) AS "T",
       CASE WHEN n_periods > 1 THEN (total_value - first_value) / (n_periods - 1) END
         AS monetary_value
FROM s
"""


def anchor(workdir: Path) -> dict:
    """The summary query before this version (:data:`ANCHOR_SQL`), timed like ours and
    compared with the summary ours saved (sorted, so the row order does not matter)."""
    import duckdb
    import numpy as np

    load = os.getloadavg()[0]
    con = duckdb.connect(str(workdir / "clv.duckdb"), read_only=True)
    t0 = _clock()
    arrow = con.sql(ANCHOR_SQL).to_arrow_table()
    columns = [arrow[c].to_numpy(zero_copy_only=False) for c in COLUMNS]
    s_summary = _since(t0)
    con.close()
    theirs = np.nan_to_num(np.column_stack(columns), nan=-1.0)
    mine = np.nan_to_num(np.load(workdir / "summary.npy"), nan=-1.0)
    theirs, mine = (a[np.lexsort(a.T[::-1])] for a in (theirs, mine))
    diff = float(np.max(np.abs(theirs - mine) / np.maximum(np.abs(mine), 1e-12)))
    return {
        "stage": "anchor",
        "load_1min": load,
        "summary_s": s_summary[0],
        "summary_cpu_s": s_summary[1],
        "max_rel_diff_to_ours": diff,
        "peak_mb": round(_peak_mb(), 1),
    }


def lifetimes_stage(workdir: Path) -> dict:
    import warnings

    import pandas as pd

    warnings.simplefilter("ignore")
    import numpy as np
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter

    load = os.getloadavg()[0]
    summary = pd.DataFrame(np.load(workdir / "summary.npy"), columns=list(COLUMNS))
    base = _peak_mb()
    t0 = _clock()
    bg = BetaGeoFitter().fit(summary.frequency, summary.recency, summary["T"])
    s_bg = _since(t0)
    t1 = _clock()
    repeat = summary[summary.frequency > 0]
    gg = GammaGammaFitter().fit(repeat.frequency, repeat.monetary_value)
    s_gg = _since(t1)
    t2 = _clock()
    mbg = ModifiedBetaGeoFitter().fit(summary.frequency, summary.recency, summary["T"])
    s_mbg = _since(t2)
    return {
        "stage": "lifetimes",
        "load_1min": load,
        "bgnbd_s": s_bg[0],
        "bgnbd_cpu_s": s_bg[1],
        "gamma_gamma_s": s_gg[0],
        "gamma_gamma_cpu_s": s_gg[1],
        "mbgnbd_s": s_mbg[0],
        "mbgnbd_cpu_s": s_mbg[1],
        "bgnbd": {k: float(v) for k, v in bg.params_.items()},
        "mbgnbd": {k: float(v) for k, v in mbg.params_.items()},
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


def fits_stage(workdir: Path) -> dict:
    """The fits alone on the saved summary (``--fits-before``), after a warm-up."""
    import numpy as np
    import pandas as pd

    import payback
    from payback.clv import compress, fit_bgnbd, fit_gamma_gamma, fit_mbgnbd
    from payback.clv.simulate import simulate_bgnbd

    warm = simulate_bgnbd(2000, 365.0, seed=1, **{k: TRUTH[k] for k in ("r", "alpha", "a", "b")})
    fit_bgnbd(compress(warm))
    fit_mbgnbd(compress(warm))
    load = os.getloadavg()[0]
    summary = pd.DataFrame(np.load(workdir / "summary.npy"), columns=list(COLUMNS))
    out = {"stage": "fits", "src": str(Path(payback.__file__).parents[1]), "load_1min": load}
    t = _clock()
    compressed = compress(summary)
    out["compress_s"], out["compress_cpu_s"] = _since(t)
    t = _clock()
    out["bgnbd"] = fit_bgnbd(compressed).params
    out["bgnbd_s"], out["bgnbd_cpu_s"] = _since(t)
    t = _clock()
    out["bgnbd_every"] = fit_bgnbd(summary.frequency, summary.recency, summary["T"]).params
    out["bgnbd_every_s"], out["bgnbd_every_cpu_s"] = _since(t)
    t = _clock()
    out["mbgnbd"] = fit_mbgnbd(compressed).params
    out["mbgnbd_s"], out["mbgnbd_cpu_s"] = _since(t)
    t = _clock()
    out["gamma_gamma"] = fit_gamma_gamma(summary.frequency, summary.monetary_value).params
    out["gamma_gamma_s"], out["gamma_gamma_cpu_s"] = _since(t)
    return out


def fits_before(workdir: Path, before_src: Path, repeat: int) -> None:
    """Alternate :func:`fits_stage` under ``before_src`` and under this checkout."""
    here = str(HERE.parent / "src")
    runs: dict[str, list[dict]] = {"before": [], "now": []}
    for _ in range(repeat):
        for label, src in (("before", str(before_src)), ("now", here)):
            env = {**os.environ, "PYTHONPATH": src, "OPENBLAS_NUM_THREADS": "1"}
            done = subprocess.run(
                [sys.executable, __file__, "--stage", "fits", "--workdir", str(workdir)],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            runs[label].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(json.dumps(runs[label][-1]), flush=True)
    loads = [r["load_1min"] for rows in runs.values() for r in rows]
    print(
        f"\n1-minute load {min(loads):.1f}-{max(loads):.1f}; medians of {repeat} alternating "
        f"round(s), wall / CPU\n\n| fit | before | now | CPU ratio |\n|---|---:|---:|---:|"
    )
    for key, name in (
        ("compress", "compression"),
        ("bgnbd", "BG/NBD, compressed"),
        ("bgnbd_every", "BG/NBD, every customer"),
        ("mbgnbd", "MBG/NBD, compressed"),
        ("gamma_gamma", "Gamma-Gamma, repeat buyers"),
    ):
        cells = [
            f"{_median(runs[k], key + '_s'):.3f} s / {_median(runs[k], key + '_cpu_s'):.3f} s"
            for k in ("before", "now")
        ]
        ratio = _median(runs["before"], key + "_cpu_s") / _median(runs["now"], key + "_cpu_s")
        print(f"| {name} | {cells[0]} | {cells[1]} | {ratio:.1f}x |")
    for key in ("bgnbd", "bgnbd_every", "mbgnbd", "gamma_gamma"):
        diff = _max_rel(runs["now"][-1][key], runs["before"][-1][key])
        print(f"{key}: largest relative parameter difference now vs before {diff:.1e}")


def _max_rel(a: dict, b: dict) -> float:
    return max(abs(a[k] - b[k]) / abs(b[k]) for k in b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--stage", choices=["generate", "ours", "lifetimes", "anchor", "fits"])
    parser.add_argument("--skip-lifetimes", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=1, help="Rounds of ours, lifetimes, anchor (medians)."
    )
    parser.add_argument(
        "--reuse", action="store_true", help="Reuse the store already in --workdir."
    )
    parser.add_argument("--pareto", action="store_true", help="Time the Pareto/NBD fit only.")
    parser.add_argument(
        "--fits-before",
        type=Path,
        default=None,
        help="Time the fits alone against the payback package under this src directory.",
    )
    args = parser.parse_args()
    if args.pareto:
        pareto_stage()
        return
    if args.fits_before is not None:
        fits_before(args.workdir, args.fits_before, args.repeat)
        return
    stages = {"ours": ours, "lifetimes": lifetimes_stage, "anchor": anchor, "fits": fits_stage}
    if args.stage in stages:
        print(json.dumps(stages[args.stage](args.workdir)))
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="payback-clv-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.reuse and (workdir / "clv.duckdb").exists():
        from payback.store import open_store

        with open_store(workdir / "clv.duckdb", read_only=True) as store:
            n_tx = store.row_count("orders")
            n_cust = int(store.execute(store.table("orders").customer_id.nunique()))
        gen = {"stage": "generate", "transactions": n_tx, "customers": n_cust, "seconds": None}
    else:
        gen = generate(workdir, args.customers, args.seed)
    print(json.dumps(gen), flush=True)
    lifetimes_python = None if args.skip_lifetimes else _ensure_lifetimes_env()
    runs: dict[str, list[dict]] = {"ours": [], "lifetimes": [], "anchor": []}
    for _ in range(args.repeat):  # alternating, each stage in a fresh process
        runs["ours"].append(_run(sys.executable, "ours", workdir))
        print(json.dumps(runs["ours"][-1]), flush=True)
        if lifetimes_python is not None:
            runs["lifetimes"].append(_run(lifetimes_python, "lifetimes", workdir))
            print(json.dumps(runs["lifetimes"][-1]), flush=True)
        runs["anchor"].append(_run(sys.executable, "anchor", workdir))
        print(json.dumps(runs["anchor"][-1]), flush=True)
    _report(gen, runs)


def _median(rows: list[dict], key: str) -> float:
    import statistics

    return statistics.median(r[key] for r in rows)


def _report(gen: dict, runs: dict[str, list[dict]]) -> None:
    us, lt, old = runs["ours"], runs["lifetimes"], runs["anchor"]
    loads = [r["load_1min"] for rows in runs.values() for r in rows]

    def cell(rows: list[dict], key: str) -> str:
        if not rows:
            return "-"
        return f"{_median(rows, key + '_s'):.2f} s / {_median(rows, key + '_cpu_s'):.2f} s"

    print()
    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} CPU(s), Python "
        f"{platform.python_version()}; 1-minute load {min(loads):.1f}-{max(loads):.1f} "
        f"during the stages; medians of {len(us)} alternating round(s)"
    )
    print(
        f"Data: {gen['transactions']:,} transactions of {gen['customers']:,} customers; "
        f"{us[0]['distinct_histories']:,} distinct (x, t_x, T) in days"
    )
    print()
    print("| stage (wall / CPU) | payback | before (anchor) | lifetimes |")
    print("|---|---:|---:|---:|")
    print(
        f"| summary in the engine (DuckDB, to NumPy) | {cell(us, 'summary')} | "
        f"{cell(old, 'summary')} | - |"
    )
    print(f"| compression | {cell(us, 'compress')} | - | - |")
    print(f"| BG/NBD fit, compressed | {cell(us, 'bgnbd')} | - | {cell(lt, 'bgnbd')} |")
    print(f"| BG/NBD fit, every customer | {cell(us, 'bgnbd_uncompressed')} | - | - |")
    print(f"| Gamma-Gamma fit | {cell(us, 'gamma_gamma')} | - | {cell(lt, 'gamma_gamma')} |")
    print(f"| MBG/NBD fit, compressed | {cell(us, 'mbgnbd')} | - | {cell(lt, 'mbgnbd')} |")
    print(f"| summary + compression + BG/NBD + Gamma-Gamma | {cell(us, 'total')} | - | - |")
    mem = f"{max(r['peak_mb'] for r in lt):.0f} MB" if lt else "-"
    print(
        f"| peak memory (process RSS) | {max(r['peak_mb'] for r in us):.0f} MB | "
        f"{max(r['peak_mb'] for r in old):.0f} MB | {mem} |"
    )
    print()
    for clock, suffix in (("wall", "_s"), ("CPU", "_cpu_s")):
        summary = _median(old, "summary" + suffix) / _median(us, "summary" + suffix)
        line = f"{clock}: summary {summary:.1f}x faster than before"
        if lt:
            bg = _median(lt, "bgnbd" + suffix)
            with_compression = _median(us, "compress" + suffix) + _median(us, "bgnbd" + suffix)
            every = _median(us, "bgnbd_uncompressed" + suffix)
            gg = _median(lt, "gamma_gamma" + suffix) / _median(us, "gamma_gamma" + suffix)
            mbg = _median(lt, "mbgnbd" + suffix) / (
                _median(us, "compress" + suffix) + _median(us, "mbgnbd" + suffix)
            )
            line += (
                f"; BG/NBD vs lifetimes {bg / with_compression:.0f}x with the compression "
                f"counted ({bg / _median(us, 'bgnbd' + suffix):.0f}x without), "
                f"{bg / every:.0f}x on every customer; Gamma-Gamma {gg:.0f}x; MBG/NBD "
                f"{mbg:.0f}x with the compression counted"
            )
        print(line)
    print(
        "summary equal to the anchor's: largest relative difference "
        f"{max(r['max_rel_diff_to_ours'] for r in old):.1e}"
    )
    if lt:
        print(
            f"max relative parameter difference to lifetimes: BG/NBD "
            f"{_max_rel(us[-1]['bgnbd'], lt[-1]['bgnbd']):.1e} (every customer "
            f"{_max_rel(us[-1]['bgnbd_uncompressed'], lt[-1]['bgnbd']):.1e}), Gamma-Gamma "
            f"{_max_rel(us[-1]['gamma_gamma'], lt[-1]['gamma_gamma']):.1e}, MBG/NBD "
            f"{_max_rel(us[-1]['mbgnbd'], lt[-1]['mbgnbd']):.1e}"
        )
        for name in ("bgnbd", "gamma_gamma", "mbgnbd"):
            print(f"{name}: payback {us[-1][name]} / lifetimes {lt[-1][name]}")


if __name__ == "__main__":
    main()
