"""docs/report.md: every console example runs, in order, on the demo store it creates, and
the Python example runs as written."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest
from tests.docs_console import console_commands

from payback.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "report.md"
TEXT = DOC.read_text()
COMMANDS = console_commands(TEXT)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A folder where the page's commands ran, one after the other (demo first)."""
    folder = tmp_path_factory.mktemp("report-docs")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        mp.delenv("PAYBACK_DB", raising=False)
        for command in COMMANDS:
            argv = shlex.split(command)
            assert argv[0] == "payback"
            code = main(argv[1:])
            assert code == 0, command
    return folder


def test_the_page_has_examples():
    assert len(COMMANDS) >= 4 and COMMANDS[0].startswith("payback demo")


def test_each_report_command_wrote_its_file(workdir):
    for command in COMMANDS[1:]:
        argv = shlex.split(command)
        output = argv[argv.index("--output") + 1] if "--output" in argv else "report.html"
        html = (workdir / output).read_text()
        assert html.startswith("<!doctype html>") and 'id="headline"' in html
    q4 = (workdir / "q4.html").read_text()
    assert "2025-10-01 – 2025-12-31" in q4 and "2025-07-01 – 2025-09-30" in q4


def test_python_example_runs(workdir, monkeypatch):
    (code,) = re.findall(r"```python\n(.*?)```", TEXT, re.S)
    monkeypatch.chdir(workdir)
    (workdir / "report.html").unlink()
    out = io.StringIO()
    scope: dict = {}
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), scope)
    assert (workdir / "report.html").is_file() and "<!doctype html>" in scope["html"]
    printed = out.getvalue().splitlines()
    assert printed[0] == "Dec 2025 vs Nov 2025"  # the demo ends on 31 December 2025
    assert [line.split(" ", 1)[0] for line in printed[1:4]] == ["Cost", "Revenue", "Orders"]
    assert printed[5].startswith("CPO ") and printed[5].endswith(" paid traffic")
    assert len(scope["t"].rows) == 10 and scope["t"].total["cost"] > 0
