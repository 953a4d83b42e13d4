"""docs/import.md: every console example prints what the page shows; the Python runs."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest
from tests.docs_console import check_example, console_examples

from payback.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "import.md"
TEXT = DOC.read_text(encoding="utf-8")
EXAMPLES = console_examples(TEXT)


@pytest.fixture
def checkout(tmp_path, monkeypatch, public_data):
    """A checkout as the page assumes it: tests/ in the working folder, ../shared/data beside.

    tests/data stands in for ../shared/data: it holds the files the page imports (ads/,
    leads/) whole, under the same names.
    """
    main = tmp_path / "main"
    main.mkdir()
    (main / "tests").symlink_to(ROOT / "tests")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "data").symlink_to(public_data)
    monkeypatch.chdir(main)
    return main


def test_console_examples_in_order(checkout, capsys):
    assert len(EXAMPLES) >= 12
    for command, expected in EXAMPLES:
        check_example(main, command, expected, capsys)


def test_python_examples(checkout):
    blocks = [b for b in re.findall(r"```python\n(.*?)```", TEXT, re.S) if ">>>" in b]
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, DOC.name, str(DOC), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.tries >= 10
    assert runner.failures == 0


def test_kinds_table_lists_every_required_column():
    from payback.schema import KINDS

    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\| `([a-z-]+)` \| `\w+` \| (.*?) \|", TEXT, re.M)
    }
    assert set(rows) == set(KINDS)
    for kind, table in KINDS.items():
        for column in table.required_columns:
            assert column.name in rows[kind], (kind, column.name)
