"""Every current figure of benchmarks/README.md, in one run: each benchmark script at the
size the README quotes, one after the other, each in a fresh process.

    PYTHONPATH=src python benchmarks/suite.py --workdir W   # all 25 steps, ~14 min with data
    PYTHONPATH=src python benchmarks/suite.py --workdir W --only clv,report_1
    python benchmarks/suite.py --list

Run it on a quiet machine (nothing else running): the figures it reproduces were taken
so, and a benchmark beside other work measures the other work too. Before each step it
records the 1-minute load and after it the step's wall time and the CPU seconds of the
step's processes (``RUSAGE_CHILDREN``: DuckDB's and the JVM's threads included). Each
step's output goes to ``W/logs/STEP.log``; a table of the steps, with the load beside
each, is printed and written to ``W/suite.md``.

The data sets are made in ``W`` by the scripts themselves when missing (the 1M-customer
demo store the first time takes a few minutes); a step whose input is not there (the
UCI file of ``--shared``) is skipped and said so. Reusing ``W`` reruns on the same data.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data"


@dataclass(frozen=True)
class Step:
    """One benchmark run: the script and its arguments as typed (``{w}`` is the work
    folder, ``{shared}`` the shared data folder), extra environment, and the files it
    needs."""

    name: str
    command: str
    env: dict[str, str] = field(default_factory=dict)
    needs: tuple[str, ...] = ()


UCI = "{shared}/online_retail/online_retail.csv.gz"
COARSE = "metrics.py --db {w}/bench5m.duckdb --grains platform,month campaign,month --skip-pandas"
STEPS = (
    Step("clv", "clv.py --workdir {w}/clv --reuse --repeat 3", {"OPENBLAS_NUM_THREADS": "1"}),
    Step("import_speed", "import_speed.py --rows 2000000 --repeat 5 --file {w}/ads2m.csv"),
    Step("metrics_first_call_no_plan_files", f"{COARSE} --repeat 3", {"PAYBACK_CACHE_DIR": ""}),
    Step(
        "metrics_first_call_plan_files", f"{COARSE} --repeat 3", {"PAYBACK_CACHE_DIR": "{w}/plans"}
    ),
    Step("metrics_fine", "metrics.py --db {w}/bench5m.duckdb --grains campaign,keyword,date"),
    Step("report_1", "report.py --db {w}/demo-1m.duckdb"),
    Step("report_2", "report.py --db {w}/demo-1m.duckdb"),
    Step("report_3", "report.py --db {w}/demo-1m.duckdb"),
    Step("report_breakdown", "report.py --db {w}/demo-1m.duckdb --breakdown"),
    Step("report_sections", "report_sections.py --db {w}/demo-1m.duckdb"),
    Step("new_customers", "new_customers.py --db {w}/demo-1m.duckdb --repeat 3 --read-only"),
    Step("dashboard", "server.py --db {w}/demo200k.duckdb --customers 200000 --dashboard"),
    Step("parquet_output", "metrics.py --parquet {w}/demo200k.duckdb --repeat 3"),
    Step("segments_uci", f"segments.py --lines {UCI}", needs=(UCI,)),
    Step("build_orders", f"build_orders.py --file {UCI}", needs=(UCI,)),
    Step("clv_check", "clv_check.py"),
    Step("bids", "bids.py --db {w}/demo10k.duckdb"),
    Step("partners", "partners.py --db {w}/demo100k.duckdb --customers 100000"),
    Step("partners_bursts", "partners_bursts.py --claims 1000000"),
    Step("partners_commissions", "partners_commissions.py 200000"),
    Step("sessions", "sessions.py --sessions 200000"),
    Step("xlsx_import", "xlsx_import.py --rows 100000"),
    Step("bad_input_checks", "bad_input_checks.py --rows 1000000 --repeat 3"),
    Step("import_ledger", "import_ledger.py 1000000"),
    Step("spark", "spark.py --ads 1000000 --orders 200000", {"SPARK_LOCAL_IP": "127.0.0.1"}),
)


def _cpu() -> str:
    """The processor's model name (Linux), else what ``platform`` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _commit() -> str:
    """The checkout's commit, or ``unknown`` outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True
        )
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(step: Step, work: Path, shared: Path) -> dict:
    """Run one step; its output to ``work/logs/NAME.log``."""

    def fill(text: str) -> str:
        return text.replace("{w}", str(work)).replace("{shared}", str(shared))

    missing = [fill(n) for n in step.needs if not Path(fill(n)).exists()]
    if missing:
        return {"name": step.name, "skipped": f"missing {', '.join(missing)}"}
    env = {**os.environ, **{k: fill(v) for k, v in step.env.items()}}
    script, *rest = shlex.split(step.command)
    argv = [sys.executable, str(HERE / script), *(fill(a) for a in rest)]
    log = work / "logs" / f"{step.name}.log"
    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), _children_cpu()
    with log.open("w") as out:
        out.write("$ " + " ".join(argv) + "\n")
        out.flush()
        code = subprocess.call(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=HERE.parent)
    return {
        "name": step.name,
        "code": code,
        "load": load,
        "load_after": os.getloadavg()[0],
        "wall": time.perf_counter() - wall,
        "cpu": _children_cpu() - cpu,
        "command": f"python benchmarks/{step.command}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, help="data and logs (kept for reruns)")
    parser.add_argument("--only", help="comma-separated step names")
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared data sets")
    parser.add_argument("--list", action="store_true", help="print the steps and stop")
    args = parser.parse_args()
    names = [s.name for s in STEPS]
    if args.list:
        for s in STEPS:
            print(f"{s.name:34} python benchmarks/{s.command}")
        return
    if args.workdir is None:
        parser.error("--workdir is required (the data sets are kept there for reruns)")
    chosen = names if not args.only else args.only.split(",")
    unknown = sorted(set(chosen) - set(names))
    if unknown:
        parser.error(f"unknown step(s) {', '.join(unknown)}; --list shows the {len(names)}")
    work = args.workdir.resolve()
    (work / "logs").mkdir(parents=True, exist_ok=True)
    head = (
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {_cpu()} x {os.cpu_count()},"
        f" Python {platform.python_version()}, commit {_commit()}"
    )
    rows = ["| step | exit | 1-min load before / after | wall | CPU | command |", "|---" * 6 + "|"]
    for step in STEPS:
        if step.name not in chosen:
            continue
        print(f"{time.strftime('%H:%M:%S')} {step.name} ...", flush=True)
        r = run(step, work, args.shared)
        if "skipped" in r:
            rows.append(f"| {r['name']} | skipped: {r['skipped']} | | | | |")
        else:
            rows.append(
                f"| {r['name']} | {r['code']} | {r['load']:.2f} / {r['load_after']:.2f} | "
                f"{r['wall']:.1f} s | {r['cpu']:.1f} s | `{r['command']}` |"
            )
        print("  " + rows[-1], flush=True)
    text = f"{head}\n\n" + "\n".join(rows) + "\n"
    (work / "suite.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
