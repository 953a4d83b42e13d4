"""docs/metrics.md: every `payback metrics` example runs on a demo store; its demo
numbers (the paid and blended totals) are what the engine gives."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from payback.cli import main

from .conftest import demo_store

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
TEXT = DOC.read_text()
COMMANDS = [
    line.split("  #")[0].strip()
    for block in re.findall(r"```bash\n(.*?)```", TEXT, re.S)
    for line in block.replace("\\\n", " ").splitlines()
    if line.startswith("payback metrics")
]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("docs") / "demo.duckdb"
    demo_store(path, 800, seed=5).close()
    return str(path)


def test_the_page_has_examples():
    assert len(COMMANDS) >= 8 and any("--flat" in c for c in COMMANDS)


@pytest.mark.parametrize("command", [c for c in COMMANDS if "--engine spark" not in c])
def test_each_example_runs(command, db, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # --output files land here
    assert main([*shlex.split(command)[1:], "--db", db]) == 0, command
    out = capsys.readouterr().out
    if "--list" in command:
        assert "cost / confirmed orders" in out
    elif "--output" in command:
        assert (tmp_path / "campaigns.csv").read_text().startswith("platform,campaign,")
    else:
        assert "Total" in out


def test_the_demo_totals_on_the_page_are_the_engines(tmp_path):
    """The 10,000-customer demo (seed 42) by platform: the two totals rows shown."""
    from payback.metrics import compute_metrics

    lines = re.findall(r"(│ Total \((paid|all)\)[^\n]*)", TEXT)
    shown = {kind: line.split("│")[2:] for line, kind in lines}
    assert set(shown) == {"paid", "all"}
    with demo_store(":memory:", 10_000, seed=42) as store:
        r = compute_metrics(
            store, by="platform", metrics="cost,revenue,orders,new_customers,cpo,cac,drr,romi"
        )
    for kind, cells in shown.items():
        total = r.total(kind)
        expected = [
            f"{total['cost']:,.2f}", f"{total['revenue']:,.2f}", f"{total['orders']:,}",
            f"{total['new_customers']:,}",
            *(f"{total[m]:,.2f}" if total[m] is not None else "–" for m in ("cpo", "cac")),
            # DRR and ROMI are 10 % or more here: one decimal (payback.present's rate rule)
            *(f"{total[m] * 100:,.1f} %" if total[m] is not None else "–" for m in ("drr", "romi")),
        ]  # fmt: skip
        assert all(total[m] is None or abs(total[m]) >= 0.1 for m in ("drr", "romi"))
        assert [c.strip() for c in cells if c.strip()] == expected, kind
