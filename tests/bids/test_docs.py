"""docs/bids.md: every console example runs on the demo store, the Python example runs,
and the back-test tables on the page are what the back-test gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.docs_console import console_commands, run_page_example

from payback.bids import backtest
from payback.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "bids.md"
TEXT = DOC.read_text()
COMMANDS = console_commands(TEXT)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, demo_file):
    folder = tmp_path_factory.mktemp("bids-docs")
    (folder / "shop.duckdb").symlink_to(demo_file)
    return folder


def test_the_page_has_examples():
    assert len(COMMANDS) >= 10


@pytest.mark.parametrize("command", COMMANDS, ids=str)
def test_console_example_runs(capsys, monkeypatch, workdir, command):
    monkeypatch.chdir(workdir)
    argv = run_page_example(main, COMMANDS, command, capsys)
    if "--output" in command:
        assert (workdir / argv[argv.index("--output") + 1]).stat().st_size > 0


def test_python_example_runs(monkeypatch, workdir, capsys):
    monkeypatch.chdir(workdir)
    block = re.search(r"```python\n(.*?)```", TEXT, re.S)
    exec(block.group(1), {})
    out = capsys.readouterr().out
    assert "raise" in out and "shrinkage" in out
    assert (workdir / "editor.csv").read_text().startswith("Campaign,Ad group,Keyword")


@pytest.mark.parametrize(
    ("goal", "traffic", "small"),
    [("cpa", 1.0, 15), ("cpa", 0.25, 41), ("drr", 1.0, 19), ("drr", 0.25, 40)],
)
def test_the_back_test_tables_are_the_back_tests(goal, traffic, small):
    target = {"target_cpa": 36.0} if goal == "cpa" else {"target_drr": 0.4}
    bt = backtest(runs=10, traffic=traffic, **target)
    assert bt.small == small
    table = TEXT.split(f"distance, small ({small})")[1].split("\n\n")[0]
    for row in bt.frame.itertuples():
        line = next(ln for ln in table.splitlines() if ln.startswith(f"| {row.strategy} |"))
        cells = [c.strip() for c in line.strip("|").split("|")][1:]
        ratio = f"{row.cpa:.2f}" if goal == "cpa" else f"{row.drr:.1%}"
        expected = [f"{row.distance:.1%}", f"{row.distance_small:.1%}", f"{row.paused:.1%}",
                    f"{row.conversions:.1f}", ratio]  # fmt: skip
        assert [c.replace(" %", "%") for c in cells] == expected, row.strategy
