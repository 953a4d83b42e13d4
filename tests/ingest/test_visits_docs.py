"""docs/visits.md: every console example prints what the page shows, in order, in a
checkout where the page's files (tests/data/sessions) are where it names them."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from tests.docs_console import console_commands

from payback.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "visits.md"
TEXT = DOC.read_text(encoding="utf-8")
EXAMPLES = [
    (command, output.rstrip("\n"))
    for block in re.findall(r"```console\n(.*?)```", TEXT, re.S)
    for command, _, output in (p.partition("\n") for p in re.split(r"^\$ ", block, flags=re.M)[1:])
]


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PAYBACK_DB", raising=False)
    monkeypatch.setenv("COLUMNS", "120")
    return tmp_path


def run(command: str, capsys) -> tuple[int, str]:
    """Run one page command; its exit code and what it printed (errors: stderr)."""
    code = main(shlex.split(command)[1:])
    out = capsys.readouterr()
    return code, (out.err if code else out.out).rstrip("\n")


def test_console_examples_print_what_the_page_shows(checkout, capsys):
    assert [c for c, _ in EXAMPLES] == console_commands(TEXT) and len(EXAMPLES) >= 8
    for command, expected in EXAMPLES:
        code, printed = run(command, capsys)
        assert code == (2 if expected.startswith("error: ") else 0), (command, printed)
        assert printed == expected, command


def test_the_python_example_runs(checkout, capsys):
    for command, _ in EXAMPLES:
        run(command, capsys)
    (code,) = re.findall(r"```python\n(.*?)```", TEXT, re.S)
    exec(compile(code, str(DOC), "exec"), {})
    printed = capsys.readouterr().out
    assert "goal_add_to_cart" in printed and "google" in printed and "cr_orders" in printed
