"""Every analysis command gives the same numbers with ``--engine duckdb`` and
``--engine spark`` on the demo shop: from the store file (read by Spark through a
temporary Parquet lake) and from a lake (``--db parquet:PATH``), on local Spark; and
on a local Spark Connect server reading the lake.

One Spark session serves the whole module (started by the first command); a small demo
shop keeps each Spark command to a few seconds. The Connect commands all run in one
child process (a process holds one kind of Spark session), on one server.
"""

from __future__ import annotations

import gc
import io
import json
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


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> dict[str, str]:
    """The demo shop (600 customers, seed 42) as a store file and as a lake."""
    from payback.demo import generate_shop
    from payback.lake import export_store
    from payback.store import open_store

    folder = tmp_path_factory.mktemp("engines")
    db = folder / "demo.duckdb"
    shop = generate_shop(600, seed=42)
    with open_store(db) as store:
        store.write(shop.tables, meta={"base_currency": shop.currency})
        export_store(store, folder / "lake")
    return {"file": str(db), "lake": f"parquet:{folder / 'lake'}"}


def run(capsys, args: list[str]) -> str:
    code = main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def frames_equal(a: str, b: str) -> pd.DataFrame:
    """Two CSV outputs hold the same table (numbers equal to 1e-9 relative)."""
    left, right = pd.read_csv(io.StringIO(a)), pd.read_csv(io.StringIO(b))
    pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-9)
    return left


def both_engines(capsys, shop, args: list[str], *, lake: bool = False) -> pd.DataFrame:
    duck = run(capsys, [*args, "--db", shop["file"], "-f", "csv", "--engine", "duckdb"])
    spark = run(capsys, [*args, "--db", shop["file"], "-f", "csv", "--engine", "spark"])
    table = frames_equal(duck, spark)
    if lake:  # the lake, on each engine
        for engine in ("duckdb", "spark"):
            lake_args = [*args, "--db", shop["lake"], "-f", "csv", "--engine", engine]
            frames_equal(duck, run(capsys, lake_args))
    assert len(table) > 0
    return table


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


def test_report(shop, tmp_path, capsys):
    pages = []
    for engine in ("duckdb", "spark"):
        out = tmp_path / f"{engine}.html"
        run(capsys, ["report", "--db", shop["file"], "-o", str(out), "--engine", engine,
                     "--by", "platform"])  # fmt: skip
        pages.append(out.read_text())
    duck, spark = _numbers(pages[0]), _numbers(pages[1])
    assert len(duck) == len(spark) > 100
    assert spark == pytest.approx(duck, rel=1e-9)


def _numbers(page: str) -> list[float]:
    """The report's figures (its embedded data), without the generation time."""
    import re

    page = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "", page)
    page = re.sub(r"base64,[A-Za-z0-9+/=]+", "", page)  # the downloads: CSV of the same
    # thousands separators only ("12,345.67"): a JSON array's commas keep its numbers apart
    page = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", page)
    return [float(n) for n in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", page)]


def test_serve(shop, capsys, monkeypatch):
    from fastapi.testclient import TestClient

    from payback.cli import server as cli

    answers = []
    started: dict = {}
    monkeypatch.setattr(cli, "run_server", lambda app, sockets: started.update(app=app))
    for engine in ("duckdb", "spark"):
        run(capsys, ["serve", "--port", "0", "--db", shop["file"], "--engine", engine])
        with TestClient(started["app"], base_url="http://127.0.0.1") as client:
            r = client.get("/api/metrics", params={"by": "platform", "metrics": "cost,cpo,drr"})
            assert r.status_code == 200, r.text
            answers.append(r.json())
    assert json.dumps(answers[0], sort_keys=True) == json.dumps(answers[1], sort_keys=True)


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
}  # fmt: skip

#: The child: every command in one process, as a notebook or a job runs them. The first
#: command starts the local Connect server; after every second command the child stops its
#: Connect session, as a caller may (``spark.stop()``): payback must neither end the server
#: with a session nor start a second one (a second start in one process needs the port
#: again, and failed in CI). Each command's output goes to ``<name>.csv``, its exit code
#: and errors to ``<name>.err``, the Spark application serving it to ``apps.txt``.
_CHILD = """
import contextlib, io, json, sys, time, traceback
from pathlib import Path
from payback.cli import main
from payback.spark import spark_session
jobs, folder = json.loads(sys.argv[1]), Path(sys.argv[2])
for i, (name, args) in enumerate(jobs.items()):
    out, err, start = io.StringIO(), io.StringIO(), time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except Exception:
            code, _ = 1, traceback.print_exc(file=err)
    (folder / f"{name}.csv").write_text(out.getvalue())
    seconds = time.perf_counter() - start
    (folder / f"{name}.err").write_text(f"exit {code}\\n{err.getvalue()}")
    with open(folder / "seconds.txt", "a") as times:
        print(f"{name}: {seconds:.1f} s", file=times)
    if code == 0:
        session = spark_session(remote="local")
        with open(folder / "apps.txt", "a") as apps:
            print(session.conf.get("spark.app.id"), file=apps)
        if i % 2:
            session.stop()
"""


@pytest.fixture(scope="module")
def connect(shop, tmp_path_factory) -> tuple[Path, dict[str, list[str]]]:
    """Every command of ``_CONNECT`` on a local Spark Connect server reading the lake, in
    one child process (a process holds one kind of Spark session): the folder of outputs
    and each command's arguments."""
    import os
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("connect")
    rules = folder / "rules.toml"
    rules.write_text(_RULES)
    paystub = folder / "paystub.csv"
    paystub.write_text(_PAYSTUB)
    jobs = {name: [a.replace("{rules}", str(rules)).replace("{paystub}", str(paystub))
                   for a in args]
            for name, args in _CONNECT.items()}  # fmt: skip
    remote = ["--db", shop["lake"], "-f", "csv", "--engine", "spark", "--spark-remote", "local"]
    src = str(Path(__file__).resolve().parents[2] / "src")
    done = subprocess.run(
        [sys.executable, "-c", _CHILD,
         json.dumps({name: [*args, *remote] for name, args in jobs.items()}), str(folder)],
        env={**os.environ, "PYTHONPATH": src, "SPARK_LOCAL_IP": "127.0.0.1"},
        capture_output=True, text=True, timeout=600, cwd=folder,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    print((folder / "seconds.txt").read_text())  # each command's time (pytest -s shows it)
    return folder, jobs


#: The Connect tests: a group of their own under pytest-xdist (tests/conftest.py), so the
#: child's few minutes run beside the other Spark tests, not after them.
connect_group = pytest.mark.xdist_group("spark-connect")


@connect_group
def test_spark_connect_one_server_for_every_command(connect):
    """The local server started by the first command served every command, through the
    sessions the child stopped: one Spark application."""
    folder, jobs = connect
    apps = (folder / "apps.txt").read_text().split()
    assert len(apps) == len(jobs) and len(set(apps)) == 1, apps


@connect_group
@pytest.mark.parametrize("name", list(_CONNECT))
def test_spark_connect_gives_the_same_numbers(name, shop, connect, capsys):
    """Each command on Spark Connect (reading the lake) gives DuckDB's numbers."""
    folder, jobs = connect
    status = (folder / f"{name}.err").read_text()
    assert status.startswith("exit 0\n"), status
    duck = run(capsys, [*jobs[name], "--db", shop["file"], "-f", "csv", "--engine", "duckdb"])
    table = frames_equal(duck, (folder / f"{name}.csv").read_text())
    assert len(table) > 0


_RULES = """
[default]
rate = 0.08

[partners.P01]
new_rate = 0.12
returning_rate = 0.04
"""


def test_partners(capsys, shop, tmp_path):
    claims = both_engines(capsys, shop, ["partners", "reconcile", "--per", "claim"], lake=True)
    assert claims["status"].nunique() > 2  # confirmed and the reasons a claim is not
    value = both_engines(capsys, shop, ["partners", "value"])
    assert value["orders"].sum() > 0
    both_engines(capsys, shop, ["partners", "signals"])
    rules = tmp_path / "rules.toml"
    rules.write_text(_RULES)
    owed = both_engines(capsys, shop, ["partners", "commissions", "--rules", str(rules)])
    assert owed.select_dtypes("number").abs().to_numpy().sum() > 0


#: A network's paystub (impact.com) of three of the demo shop's claims and one it lacks.
_PAYSTUB = """Paystub Id,Action Id,Sale Amount,Payout,Action Date,Posting Date
77,PC0000001,100.00,12.00,2024-05-02 10:05,2024-07-15
77,PC0000002,50.00,4.00,2024-05-03 10:05,2024-07-15
77,PC0000003,80.00,6.40,2024-05-03 11:05,2024-07-15
77,PC9999999,40.00,3.20,2024-05-04 12:00,2024-07-15
"""


def test_partners_ledger(capsys, shop, tmp_path):
    """The ledger's commands: payouts, a partner's statement, a paystub against it, and
    the commission design."""
    rules = tmp_path / "rules.toml"
    rules.write_text(_RULES)
    paystub = tmp_path / "paystub.csv"
    paystub.write_text(_PAYSTUB)
    payouts = both_engines(capsys, shop, ["partners", "payouts", "--rules", str(rules)])
    assert payouts["payout"].sum() > 0
    both_engines(capsys, shop, ["partners", "statement", "P03", "--rules", str(rules)])
    lines = both_engines(capsys, shop, ["partners", "paystub", str(paystub), "--rules",
                                        str(rules), "--lines"])  # fmt: skip
    assert len(lines) == 4
    both_engines(capsys, shop, ["partners", "design", "--rules", str(rules), "--share", "0.3",
                                "--margin", "0.4", "--other-costs", "15"])  # fmt: skip


def test_bids(capsys, shop):
    table = both_engines(capsys, shop, ["bids", "recommend", "--target-cpo", "30"], lake=True)
    assert set(table["action"]) - {"hold"}  # some bids change
