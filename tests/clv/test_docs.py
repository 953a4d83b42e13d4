"""docs/clv.md: every console example runs on a demo store; the Python examples run; the
walk-through from a file to a prediction (UCI Online Retail, CDNOW master) runs in page
order on the files of tests/data, its shell step too, and prints what the page shows."""

from __future__ import annotations

import doctest
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from tests.docs_console import console_commands, console_examples

from payback.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "clv.md"
TEXT = DOC.read_text()
COMMANDS = console_commands(TEXT)

#: The walk-through "From a file to a prediction": run in page order by one test.
WALK = TEXT[TEXT.index("## From a file to a prediction") : TEXT.index("## Cohort LTV")]
WALK_COMMANDS = console_commands(WALK)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A folder holding the store the page's commands name (``shop.duckdb``)."""
    from payback.demo import generate_shop
    from payback.store import open_store

    folder = tmp_path_factory.mktemp("docs")
    shop = generate_shop(1200, seed=3)
    with open_store(folder / "shop.duckdb") as store:
        store.write(shop.tables, meta={"base_currency": shop.currency})
    _public_files(folder / "data")
    return folder


def _public_files(data):
    """The public files the page fits, where it names them: the donations summaries as
    shipped, and the CDNOW sample with the header line the page adds to it."""
    import shutil

    import pandas as pd

    here = Path(__file__).resolve().parents[1] / "data"
    (data / "donations").mkdir(parents=True)
    for name in ("donations.csv", "donationsSummary_rf_matrix.csv"):
        shutil.copy(here / "donations" / name, data / "donations" / name)
    (data / "online_retail").mkdir()
    name = "online_retail_build_orders.csv.gz"
    shutil.copy(here / "online_retail" / name, data / "online_retail" / name)
    (data / "cdnow").mkdir()
    shutil.copy(here / "cdnow" / "CDNOW_master.txt.gz", data / "cdnow" / "CDNOW_master.txt.gz")
    sample = pd.read_csv(here / "cdnow" / "CDNOW_sample.txt", sep=r"\s+", header=None, dtype=str)
    sample.columns = ["master_id", "customer", "date", "cds", "dollars"]
    sample.to_csv(data / "cdnow" / "CDNOW_sample.csv", index=False)


def test_the_page_has_examples():
    assert len(COMMANDS) >= 10


@pytest.mark.parametrize(
    "command", [c for c in COMMANDS if " demo " not in c and c not in WALK_COMMANDS], ids=str
)
def test_console_example_runs(capsys, monkeypatch, workdir, command):
    monkeypatch.chdir(workdir)
    argv = shlex.split(command)
    assert argv[0] == "payback"
    code = main(argv[1:])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out or "--output" in command


def _confirmed(workdir):
    """Per customer with a confirmed order: first purchase day and number of orders (SQL)."""
    import duckdb

    with duckdb.connect(str(workdir / "shop.duckdb"), read_only=True) as con:
        return (
            con.execute(
                "SELECT customer_id, min(time)::DATE AS first, count(*) AS n FROM orders "
                "WHERE status = 'confirmed' GROUP BY customer_id"
            )
            .df()
            .set_index("customer_id")
        )


def test_the_summary_and_the_predictions_cover_every_buyer(monkeypatch, workdir):
    """summary.csv and clv.parquet (written by the page's commands): one row per customer
    with a confirmed order, first purchase as SQL finds it, repeat periods fewer than
    the orders, recency within the age, P(alive) a probability, CLV not negative."""
    import pandas as pd

    monkeypatch.chdir(workdir)
    for command in COMMANDS:
        if "--output summary.csv" in command or "--output clv.parquet" in command:
            assert main(shlex.split(command)[1:]) == 0, command
    buyers = _confirmed(workdir)
    summary = pd.read_csv(workdir / "summary.csv").set_index("customer_id")
    assert sorted(summary.index) == sorted(buyers.index)
    summary = summary.join(buyers)
    assert (pd.to_datetime(summary["first_purchase"]) == pd.to_datetime(summary["first"])).all()
    assert (summary["frequency"] <= summary["n"] - 1).all()
    assert ((summary["recency"] >= 0) & (summary["recency"] <= summary["T"])).all()
    assert (summary.loc[summary["frequency"] == 0, "recency"] == 0).all()
    clv = pd.read_parquet(workdir / "clv.parquet")
    assert sorted(clv["customer_id"]) == sorted(buyers.index)
    assert clv["p_alive"].between(0, 1).all() and (clv["clv"] >= 0).all()


def test_python_examples():
    blocks = re.findall(r"```python\n(.*?)```", TEXT, re.S)
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, DOC.name, str(DOC), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.tries >= 15
    assert runner.failures == 0


def test_the_walk_through_prints_what_the_page_shows(tmp_path, monkeypatch, capsys):
    """UCI Online Retail (order lines -> --build-orders -> summary -> predict) and CDNOW
    master (the shell line that makes it a CSV -> fit and check from the file -> import ->
    predict), in page order in a fresh folder: each command exits 0 and prints the lines
    the page shows (trailing spaces aside)."""
    _public_files(tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    shell = re.findall(r"```sh\n(.*?)```", WALK, re.S)
    assert len(shell) == 1 and "CDNOW_master.txt.gz" in shell[0]
    examples = console_examples(WALK)
    assert [c for c, _ in examples] == WALK_COMMANDS and len(examples) >= 7
    converted = False
    for command, expected in examples:
        if "CDNOW_master.csv" in command and not converted:
            subprocess.run(shell[0], shell=True, check=True, cwd=tmp_path)
            assert (tmp_path / "CDNOW_master.csv").read_text().count("\n") == 69_660
            converted = True
        code = main(shlex.split(command)[1:])
        out = capsys.readouterr()
        assert code == 0, (command, out.err)
        shown = [line.rstrip() for line in out.out.rstrip("\n").splitlines()]
        assert shown == expected.splitlines(), command
    assert converted
    summary = (tmp_path / "retail_summary.csv").read_text().splitlines()
    assert len(summary) == 1 + 115
