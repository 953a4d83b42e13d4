"""Every analysis command (and ``simulate --*-from-store``, ``store export``) gives the
same numbers with ``--engine duckdb`` and ``--engine spark`` on the demo shop: from the
store file (read by Spark through a temporary Parquet lake) and from a lake (``--db
parquet:PATH``), on local Spark; and on a local Spark Connect server reading the lake.

One Spark session serves the whole module (started by the first command); a small demo
shop keeps each Spark command to a few seconds. The Connect commands all run in one
child process (a process holds one kind of Spark session), on one server, beside the
local Spark tests under pytest-xdist (their own group); DuckDB's answers are computed
once per command and shared by the local and the Connect comparisons.
"""

from __future__ import annotations

import gc
import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from payback.cli import main

pytestmark = [
    pytest.mark.spark,
    # py4j and PySpark's Arrow transfer leave local sockets to the garbage collector
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    # starlette >= 1.x asks for the httpx2 fork in its test client; httpx works the same
    pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"),
]


@pytest.fixture(autouse=True)
def _collect_spark_sockets():
    yield
    gc.collect()


def _load(name: str):
    """A helper module of this folder (tests/spark is no package)."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


jobs = _load("connect_jobs")


@pytest.fixture(scope="module")
def shop(demo_shop) -> dict:
    """The demo shop (tests/spark/conftest.py), with the commission rules and a paystub
    the partner commands read; ``duck``: DuckDB's answer to each command, computed once
    (:func:`duck`)."""
    folder = demo_shop["folder"]
    (folder / "rules.toml").write_text(_RULES)
    (folder / "paystub.csv").write_text(_PAYSTUB)
    return {**demo_shop, "rules": str(folder / "rules.toml"),
            "paystub": str(folder / "paystub.csv")}  # fmt: skip


def run(capsys, args: list[str]) -> str:
    code = main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def duck(capsys, shop, args: list[str]) -> str:
    """DuckDB's answer to a command on the store file (CSV; the report's figures and the
    API's answers as JSON), computed once per module."""
    key = json.dumps(args)
    if key not in shop["duck"]:
        shop["duck"][key] = _answer(capsys, [*args, "--db", shop["file"], "--engine", "duckdb"])
    return shop["duck"][key]


def _answer(capsys, args: list[str]) -> str:
    """A command's answer: what it prints, or for ``report`` and ``serve`` the figures and
    the API's answers (tests/spark/connect_jobs.py)."""
    if args[0] in ("report", "serve"):
        answer = jobs.run_job(args)
        capsys.readouterr()
        return answer
    return run(capsys, [*args, "-f", "csv"] if _prints_csv(args) else args)


def _prints_csv(args: list[str]) -> bool:
    """The command prints a table (``-f csv``), not JSON, a page or a sentence."""
    return args[0] not in ("report", "serve", "simulate", "store")


def frames_equal(a: str, b: str) -> pd.DataFrame:
    """Two CSV outputs hold the same table (numbers equal to 1e-9 relative)."""
    left, right = pd.read_csv(io.StringIO(a)), pd.read_csv(io.StringIO(b))
    pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-9)
    return left


def both_engines(capsys, shop, args: list[str], *, lake: bool = False) -> pd.DataFrame:
    reference = duck(capsys, shop, args)
    spark = run(capsys, [*args, "--db", shop["file"], "-f", "csv", "--engine", "spark"])
    table = frames_equal(reference, spark)
    if lake:  # the lake, on each engine
        for engine in ("duckdb", "spark"):
            lake_args = [*args, "--db", shop["lake"], "-f", "csv", "--engine", engine]
            frames_equal(reference, run(capsys, lake_args))
    assert len(table) > 0
    return table


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def same_answers(a, b, where: str = "") -> None:
    """Two JSON answers are the same: the same keys and texts, numbers equal to 1e-9
    relative; a CSV text compared as a table (:func:`frames_equal`)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and sorted(a) == sorted(b), where
        for key in a:
            same_answers(a[key], b[key], f"{where}/{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{where}: {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same_answers(x, y, f"{where}[{i}]")
    elif isinstance(a, (int, float)) and not isinstance(a, bool):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-12), where
    elif isinstance(a, str) and a != b and "\n" in a and "," in a:
        frames_equal(a, b)
    elif isinstance(a, str) and a != b and _number(a) is not None:  # a sort key: "81.83..."
        assert _number(b) == pytest.approx(_number(a), rel=1e-9), where
    else:
        assert a == b, where


def test_metrics(capsys, shop):
    table = both_engines(capsys, shop, ["metrics", "--by", "platform"], lake=True)
    paid = table[table["total_kind"] == "paid"].iloc[0]
    assert paid["cost"] > 0 and paid["orders"] > 0


def test_ltv_summary_compressed_in_the_engine(capsys, shop):
    table = both_engines(capsys, shop, ["ltv", "summary", "--freq", "W", "--compressed"])
    assert list(table.columns) == ["frequency", "recency", "T", "weights"]
    customers = run(capsys, ["ltv", "summary", "--freq", "W", "--db", shop["file"], "-f", "csv"])
    assert table["weights"].sum() == len(pd.read_csv(io.StringIO(customers)))
    assert len(table) < table["weights"].sum()  # fewer histories than customers


def test_ltv_cohorts_engine_from_the_environment(capsys, shop, monkeypatch):
    args = ["ltv", "cohorts", "--by", "channel", "--max-months", "6"]
    duck = run(capsys, [*args, "--db", shop["file"], "-f", "csv"])
    monkeypatch.setenv("PAYBACK_ENGINE", "spark")
    monkeypatch.setenv("PAYBACK_SPARK_MASTER", "local[2]")
    frames_equal(duck, run(capsys, [*args, "--db", shop["file"], "-f", "csv"]))


def test_ltv_predict(capsys, shop):
    """By source: fitted on the distinct histories grouped in each engine; per customer
    (``--customers``): the one output that fetches a row per customer."""
    args = ["ltv", "predict", "--by", "channel", "--min-customers", "50", "--freq", "W"]
    table = both_engines(capsys, shop, args)
    customers = both_engines(capsys, shop, [*args, "--customers"])
    assert table["customers"].sum() == len(customers) > 500


def test_economics(capsys, shop):
    both_engines(capsys, shop, ["economics", "--by", "platform", "--no-predicted"])
    table = both_engines(capsys, shop, ["economics", "--by", "platform"])  # predicted LTV
    assert table.filter(like="ltv").notna().any().any()


def test_segments(capsys, shop):
    both_engines(capsys, shop, ["segments", "rfm"])
    both_engines(capsys, shop, ["segments", "levers", "--period", "quarter"])


def test_segments_of_customers(capsys, shop):
    """Who a segment's customers are, whom to win back, when each should buy next."""
    profile = both_engines(capsys, shop, _SEGMENTS["profile"])
    assert profile["attribute"].nunique() > 1
    both_engines(capsys, shop, _SEGMENTS["winback"])
    patterns = both_engines(capsys, shop, _SEGMENTS["patterns"])
    assert len(patterns) > 500  # one row per repeat customer


def test_segments_cross_sell(capsys, shop):
    """Pairs on Spark count in the engine (not DuckDB's bitmasks): the same rules."""
    both_engines(capsys, shop, _SEGMENTS["pairs"])
    both_engines(capsys, shop, _SEGMENTS["next"])


#: The segments commands added to the engines (each run once per engine).
_SEGMENTS = {
    "profile": ["segments", "profile"],
    "winback": ["segments", "winback"],
    "patterns": ["segments", "patterns", "--show", "customers"],
    "pairs": ["segments", "pairs", "--limit", "0"],
    "next": ["segments", "next", "--limit", "0", "--min-count", "2", "--fdr", "1",
             "--min-lift", "0"],
}  # fmt: skip


def test_ltv_fit_and_check(capsys, shop):
    """The count model fitted on the histories grouped in each engine; the holdout check."""
    both_engines(capsys, shop, ["ltv", "fit"])
    check = both_engines(capsys, shop, ["ltv", "check", "--calibration-end", "2025-06-30",
                                        "-m", "bgnbd"])  # fmt: skip
    assert len(check) > 1


def test_report(shop, capsys):
    """Every figure of the report page."""
    args = ["report", "--by", "platform"]
    reference = json.loads(duck(capsys, shop, args))
    spark = json.loads(_answer(capsys, [*args, "--db", shop["file"], "--engine", "spark"]))
    assert len(reference) == len(spark) > 100
    assert spark == pytest.approx(reference, rel=1e-9)


def test_serve(shop, capsys):
    """Every endpoint of the API (``/api/metrics`` by platform too) but ``/api/report``,
    whose page :func:`test_report` compares figure by figure."""
    args = ["serve", "--port", "0"]
    reference = json.loads(duck(capsys, shop, args))
    assert len(reference) > 10 and any("/api/segments" in path for path in reference)
    assert not any("/api/report" in path for path in reference)
    spark = _answer(capsys, [*args, "--db", shop["file"], "--engine", "spark"])
    same_answers(reference, json.loads(spark))


def test_nothing_is_left_in_the_temporary_folder(shop, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    run(capsys, ["metrics", "--db", shop["file"], "--engine", "spark", "-f", "csv"])
    assert list(Path(tmp_path).iterdir()) == []


#: Every analysis command, run on one local Spark Connect server (one child process).
_CONNECT = {
    "metrics": ["metrics", "--by", "platform"],
    "ltv-summary": ["ltv", "summary", "--freq", "W", "--compressed"],
    "ltv-cohorts": ["ltv", "cohorts", "--by", "channel", "--max-months", "6"],
    "ltv-predict": ["ltv", "predict", "--by", "channel", "--min-customers", "50", "--freq", "W"],
    "ltv-predict-customers": ["ltv", "predict", "--by", "channel", "--min-customers", "50",
                              "--freq", "W", "--customers"],
    "economics": ["economics", "--by", "platform"],
    "segments-rfm": ["segments", "rfm"],
    "segments-levers": ["segments", "levers", "--period", "quarter"],
    **{f"segments-{name}": args for name, args in _SEGMENTS.items()},
    "ltv-fit": ["ltv", "fit"],
    "ltv-check": ["ltv", "check", "--calibration-end", "2025-06-30", "-m", "bgnbd"],
    "partners-reconcile": ["partners", "reconcile", "--per", "claim"],
    "partners-value": ["partners", "value"],
    "partners-signals": ["partners", "signals"],
    "partners-commissions": ["partners", "commissions", "--rules", "{rules}"],
    "partners-payouts": ["partners", "payouts", "--rules", "{rules}"],
    "partners-statement": ["partners", "statement", "P03", "--rules", "{rules}"],
    "partners-design": ["partners", "design", "--rules", "{rules}", "--share", "0.3",
                        "--margin", "0.4", "--other-costs", "15"],
    "partners-paystub": ["partners", "paystub", "{paystub}", "--rules", "{rules}"],
    "bids": ["bids", "recommend", "--target-cpo", "30"],
    "report": ["report", "--by", "platform"],
    "serve": ["serve", "--port", "0"],
    "simulate": ["simulate", "--response-from-store", "--retention-from-store", "--price", "50",
                 "--cogs", "20", "--months", "6", "--budget", "5000", "--json"],
    "store-export": ["store", "export", "--to", "parquet:{folder}/exported"],
}  # fmt: skip


def _jobs(shop) -> dict[str, list[str]]:
    """``_CONNECT`` with the shop's files."""
    files = {"{rules}": shop["rules"], "{paystub}": shop["paystub"],
             "{folder}": str(shop["folder"] / "connect")}  # fmt: skip
    jobs = {}
    for name, args in _CONNECT.items():
        for mark, path in files.items():
            args = [a.replace(mark, path) for a in args]
        jobs[name] = args
    return jobs


@pytest.fixture(scope="module")
def connect(shop) -> Path:
    """Every command of ``_CONNECT`` on a local Spark Connect server reading the lake, in
    one child process (a process holds one kind of Spark session;
    tests/spark/connect_jobs.py): the folder of its answers."""
    folder = shop["folder"] / "connect"
    folder.mkdir()
    remote = ["--db", shop["lake"], "--engine", "spark", "--spark-remote", "local"]
    child = {name: [*args, *remote, *(["-f", "csv"] if _prints_csv(args) else [])]
             for name, args in _jobs(shop).items()}  # fmt: skip
    src = str(Path(__file__).resolve().parents[2] / "src")
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("connect_jobs.py")),
         json.dumps(child), str(folder)],
        env={**os.environ, "PYTHONPATH": src, "SPARK_LOCAL_IP": "127.0.0.1"},
        capture_output=True, text=True, timeout=1800, cwd=folder,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    print((folder / "seconds.txt").read_text())  # each command's time (pytest -s shows it)
    return folder


#: The Connect tests: a group of their own under pytest-xdist (tests/conftest.py), so the
#: child's few minutes run beside the other Spark tests, not after them.
connect_group = pytest.mark.xdist_group("spark-connect")


@connect_group
def test_spark_connect_one_server_for_every_command(connect):
    """The local server started by the first command served every command, through the
    sessions the child stopped: one Spark application."""
    apps = (connect / "apps.txt").read_text().split()
    assert len(apps) == len(_CONNECT) and len(set(apps)) == 1, apps


@connect_group
@pytest.mark.parametrize("name", list(_CONNECT))
def test_spark_connect_gives_the_same_numbers(name, shop, connect, capsys):
    """Each command on Spark Connect (reading the lake) gives DuckDB's numbers: the same
    table, the same figures of the report page, the same answer of every API endpoint,
    the same fits of the simulator; the lake Spark exported holds DuckDB's metrics."""
    status = (connect / f"{name}.err").read_text()
    assert status.startswith("exit 0\n"), status
    args = _jobs(shop)[name]
    spark = (connect / f"{name}.out").read_text()
    if name == "store-export":
        exported = args[args.index("--to") + 1]
        assert spark.startswith("wrote ") and "of 11 tables" in spark
        metrics = ["metrics", "--by", "platform"]
        frames_equal(duck(capsys, shop, metrics), run(capsys, [*metrics, "--db", exported,
                                                               "-f", "csv"]))  # fmt: skip
    elif _prints_csv(args):
        assert len(frames_equal(duck(capsys, shop, args), spark)) > 0
    else:  # JSON: the simulator's, the report's figures, the API's answers
        reference = json.loads(duck(capsys, shop, args))
        assert len(reference) > 5
        same_answers(reference, json.loads(spark))


def test_simulate_and_export_on_local_spark(shop, capsys, tmp_path):
    """``simulate --*-from-store`` fits on Spark's answers; ``store export --engine spark``
    writes a lake (from the lake) that holds DuckDB's metrics and rows."""
    simulate = _CONNECT["simulate"]
    spark = run(capsys, [*simulate, "--db", shop["file"], "--engine", "spark"])
    fitted = json.loads(spark)["fitted_from_store"]
    assert fitted["retention"]["subscriptions"] > 10 and fitted["response"]["months"] > 6
    same_answers(json.loads(duck(capsys, shop, simulate)), json.loads(spark))
    said = run(capsys, ["store", "export", "--db", shop["lake"], "--engine", "spark",
                        "--to", f"parquet:{tmp_path / 'lake'}"])  # fmt: skip
    counts = run(capsys, ["store", "export", "--db", shop["file"],
                          "--to", f"parquet:{tmp_path / 'again'}"])  # fmt: skip
    assert said.split()[:5] == counts.split()[:5]  # "wrote N rows of 11 tables"
    metrics = ["metrics", "--by", "platform"]
    frames_equal(
        duck(capsys, shop, metrics),
        run(capsys, [*metrics, "--db", f"parquet:{tmp_path / 'lake'}", "-f", "csv"]),
    )
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


_RULES = """
[default]
rate = 0.08

[partners.P01]
new_rate = 0.12
returning_rate = 0.04
"""


def test_partners(capsys, shop):
    claims = both_engines(capsys, shop, ["partners", "reconcile", "--per", "claim"], lake=True)
    assert claims["status"].nunique() > 2  # confirmed and the reasons a claim is not
    value = both_engines(capsys, shop, ["partners", "value"])
    assert value["orders"].sum() > 0
    both_engines(capsys, shop, ["partners", "signals"])
    owed = both_engines(capsys, shop, ["partners", "commissions", "--rules", shop["rules"]])
    assert owed.select_dtypes("number").abs().to_numpy().sum() > 0


#: A network's paystub (impact.com) of three of the demo shop's claims and one it lacks.
_PAYSTUB = """Paystub Id,Action Id,Sale Amount,Payout,Action Date,Posting Date
77,PC0000001,100.00,12.00,2024-05-02 10:05,2024-07-15
77,PC0000002,50.00,4.00,2024-05-03 10:05,2024-07-15
77,PC0000003,80.00,6.40,2024-05-03 11:05,2024-07-15
77,PC9999999,40.00,3.20,2024-05-04 12:00,2024-07-15
"""


def test_partners_ledger(capsys, shop):
    """The ledger's commands: payouts, a partner's statement, a paystub against it, and
    the commission design."""
    rules, paystub = shop["rules"], shop["paystub"]
    payouts = both_engines(capsys, shop, ["partners", "payouts", "--rules", rules])
    assert payouts["payout"].sum() > 0
    both_engines(capsys, shop, ["partners", "statement", "P03", "--rules", rules])
    lines = both_engines(capsys, shop, ["partners", "paystub", paystub, "--rules", rules,
                                        "--lines"])  # fmt: skip
    assert len(lines) == 4
    both_engines(capsys, shop, ["partners", "design", "--rules", rules, "--share", "0.3",
                                "--margin", "0.4", "--other-costs", "15"])  # fmt: skip


def test_bids(capsys, shop):
    table = both_engines(capsys, shop, ["bids", "recommend", "--target-cpo", "30"], lake=True)
    assert set(table["action"]) - {"hold"}  # some bids change
