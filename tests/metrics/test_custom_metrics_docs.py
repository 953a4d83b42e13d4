"""docs/custom-metrics.md: its TOML files are written as shown, and every console example
prints what the page shows (run in order, from a checkout, as the page says)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.docs_console import check_example, console_commands, console_examples

from payback.cli import main
from payback.metrics.custom import ENV, forget_custom_metrics

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "docs" / "custom-metrics.md").read_text(encoding="utf-8")
EXAMPLES = console_examples(TEXT)


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setenv("COLUMNS", "100")  # the width the page's tables were printed at
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    for block in re.findall(r"```toml\n(.*?)```", TEXT, re.S):
        name = block.splitlines()[0].lstrip("# ").strip()  # each file names itself
        (tmp_path / name).write_text(block, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    forget_custom_metrics()
    yield tmp_path
    forget_custom_metrics()


def test_the_page_runs_as_written(checkout, capsys):
    assert [c.split()[1] for c, _ in EXAMPLES] == ["import", "metrics", "calc", "metrics"]
    assert [c for c, _ in EXAMPLES] == console_commands(TEXT)
    for command, expected in EXAMPLES:
        check_example(main, command, expected, capsys)
        forget_custom_metrics()  # each command is a process of its own


def test_the_numbers_on_the_page_are_the_exports_sums():
    """Cost per share 4.95 = 460.40 / 93: the export's own summary row."""
    summary = (ROOT / "tests/data/ingest/meta_post_shares.csv").read_text().splitlines()[1]
    cells = summary.split(",")
    cost, shares = float(cells[10]), float(cells[12])
    assert (cost, shares) == (460.40, 93.0)
    assert "│ Total (paid) │             │ 460.40 │          93 │           4.95 │" in TEXT
    assert f"{cost / shares:.2f}" == "4.95"
