"""docs/partners.md: every console example runs on the demo shop (3,000 customers, seed 11)
and the network files of tests/data/partners; the Python example runs; the numbers the
page quotes are the demo's."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from tests.docs_console import console_commands, run_page_example

from payback.cli import main
from payback.partners import REASON_CODES, STATUSES, reconcile, signals, value
from payback.store import open_store

DOC = Path(__file__).resolve().parents[2] / "docs" / "partners.md"
TEXT = DOC.read_text()
COMMANDS = console_commands(TEXT)
DATA = Path(__file__).parents[1] / "data" / "partners"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, demo_db):
    """A folder holding the store the page names (``shop.duckdb``) and the network files."""
    folder = tmp_path_factory.mktemp("docs")
    (folder / "shop.duckdb").symlink_to(demo_db)
    for f in DATA.glob("*.csv"):
        shutil.copy(f, folder / f.name)
    return folder


def test_the_page_has_examples():
    assert len(COMMANDS) >= 12


@pytest.mark.parametrize("command", COMMANDS, ids=str)
def test_console_example_runs(capsys, monkeypatch, workdir, command):
    monkeypatch.chdir(workdir)
    run_page_example(main, COMMANDS, command, capsys)


def test_python_example_runs(monkeypatch, workdir, capsys):
    monkeypatch.chdir(workdir)
    block = re.search(r"```python\n(.*?)```", TEXT, re.S)
    exec(block.group(1), {})
    assert "'P01': 2439.66" in capsys.readouterr().out


def test_the_status_table_is_the_precedence():
    rows = re.findall(r"^\| `([a-z_]+)`(?:, `([a-z_]+)`)? \| ", TEXT, re.M)
    page = [s for pair in rows for s in pair if s and s in STATUSES]
    assert page[: len(STATUSES)] == list(STATUSES)


def test_the_reason_codes_on_the_page_are_the_codes():
    for status, (impact, awin, _) in REASON_CODES.items():
        shown = re.escape(awin) if awin else r"\(amend\)"
        row = rf"^\| `{status}` \| `{impact}`( \(modification\))? \| {shown} \|$"
        assert re.search(row, TEXT, re.M), status


def test_the_numbers_the_page_quotes(demo_db):
    with open_store(demo_db, read_only=True) as store:
        result = reconcile(store)
        ranked = value(store).frame
        flags = signals(store).frame.set_index("partner")
    counts = result.claims.frame["status"].value_counts()
    quoted = re.search(r"the 808 claims are (.*?); tea_blog", TEXT, re.S).group(1)
    for n, status in re.findall(r"(\d+)\s+([a-z_]+)", quoted):
        assert counts[status] == int(n), status
    p01 = result.partners.frame.set_index("partner_id").loc["P01"]
    assert f"{p01['claimed_commission']:,.2f}" == "2,880.56"
    assert f"{p01['owed_commission']:,.2f}" == "2,439.66"
    assert ranked["partner"].tolist() == ["P01", "P04", "P03", "P02"]
    ltv = ranked.set_index("partner")["ltv"]
    assert (f"{ltv['P04']:.2f}", f"{ltv['P02']:.2f}") == ("147.11", "24.63")
    p02 = flags.loc["P02"]
    assert (p02["lost"], p02["orders"]) == (45, 231)
    assert f"{p02['p_value']:.1e}" == "2.1e-09"
