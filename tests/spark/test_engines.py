"""Every analysis command gives the same numbers with ``--engine duckdb`` and
``--engine spark`` on the demo shop: from the store file (read by Spark through a
temporary Parquet lake) and from a lake (``--db parquet:PATH``), on local Spark.

One Spark session serves the whole module (started by the first command); a small demo
shop keeps each Spark command to a few seconds.
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


def test_spark_connect_gives_the_same_numbers(shop, capsys, tmp_path):
    """A local Spark Connect server (``--spark-remote local``, started by PySpark in a
    child process: a process holds one kind of Spark session) reading the lake."""
    import os
    import subprocess
    import sys

    args = ["metrics", "--by", "platform", "--db", shop["lake"], "-f", "csv"]
    duck = run(capsys, args)
    src = str(Path(__file__).resolve().parents[2] / "src")
    done = subprocess.run(
        [sys.executable, "-m", "payback.cli", *args, "--engine", "spark",
         "--spark-remote", "local"],
        env={**os.environ, "PYTHONPATH": src, "SPARK_LOCAL_IP": "127.0.0.1"},
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    frames_equal(duck, done.stdout)


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


def test_bids(capsys, shop):
    table = both_engines(capsys, shop, ["bids", "recommend", "--target-cpo", "30"], lake=True)
    assert set(table["action"]) - {"hold"}  # some bids change
