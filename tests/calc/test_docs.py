"""docs/calculator.md: every console example prints what the page shows; the Python runs."""

from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import pytest

from payback.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "calculator.md"


def console_examples(text: str) -> list[tuple[str, str]]:
    """(command, expected output) for each `$ payback ...` line of the console blocks."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        parts = re.split(r"^\$ ", block, flags=re.M)[1:]
        for part in parts:
            command, _, output = part.partition("\n")
            examples.append((command, output.rstrip("\n")))
    return examples


EXAMPLES = console_examples(DOC.read_text())


def test_the_page_has_examples():
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize(("command", "expected"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_console_example(capsys, command, expected):
    argv = shlex.split(command)
    assert argv[0] == "payback"
    code = main(argv[1:])
    out = capsys.readouterr()
    printed = (out.out + out.err).rstrip("\n")
    assert printed == expected
    assert code == (2 if expected.startswith("error:") else 0)


def test_python_examples():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, DOC.name, str(DOC), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.tries >= 8
    assert runner.failures == 0
