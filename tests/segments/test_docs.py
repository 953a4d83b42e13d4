"""docs/segments.md: every console example runs on a demo store; the Python example runs;
the rule table printed on the page is the built-in one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.docs_console import console_commands, run_page_example

from payback.cli import main
from payback.segments import default_rules

DOC = Path(__file__).resolve().parents[2] / "docs" / "segments.md"
TEXT = DOC.read_text()
COMMANDS = console_commands(TEXT)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, demo):
    """A folder holding the store the page's commands name (``shop.duckdb``)."""
    folder = tmp_path_factory.mktemp("docs")
    (folder / "shop.duckdb").symlink_to(demo[0])
    return folder


def test_the_page_has_examples():
    assert len(COMMANDS) >= 8


@pytest.mark.parametrize("command", COMMANDS, ids=str)
def test_console_example_runs(capsys, monkeypatch, workdir, command):
    monkeypatch.chdir(workdir)
    run_page_example(main, COMMANDS, command, capsys)


@pytest.mark.parametrize(
    ("start", "shows"),
    [
        ("rfm", "champions"),
        ("levers", "revenue 2025"),
        ("pairs", "P101"),
        ("patterns", "champions"),
    ],
)
def test_python_examples_run(monkeypatch, workdir, capsys, start, shows):
    monkeypatch.chdir(workdir)
    block = re.search(rf"```python\n(from payback.segments import {start}.*?)```", TEXT, re.S)
    exec(block.group(1), {})
    assert shows in capsys.readouterr().out


def test_the_rule_table_on_the_page_is_the_built_in_one():
    rows = re.findall(r"^\| ([a-z' ]+) \| ([\d-]+) \| ([\d-]+) \| ([\d-]+|any) \|", TEXT, re.M)
    page = "segment,recency,frequency,monetary\n" + "".join(
        f"{s},{r},{f},{'*' if m == 'any' else m}\n" for s, r, f, m in rows
    )
    from payback.segments import parse_rules

    assert parse_rules(page).cells == default_rules().cells
