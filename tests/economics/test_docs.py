"""docs/economics.md: every console example prints what the page shows; the Python runs."""

from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import pytest

from payback.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "economics.md"
TEXT = DOC.read_text()
EXAMPLES = [
    (command, output.rstrip("\n"))
    for block in re.findall(r"```console\n(.*?)```", TEXT, re.S)
    for command, _, output in (p.partition("\n") for p in re.split(r"^\$ ", block, flags=re.M)[1:])
]


@pytest.mark.parametrize(("command", "expected"), EXAMPLES, ids=[c[:60] for c, _ in EXAMPLES])
def test_console_example(capsys, command, expected):
    argv = shlex.split(command)
    assert argv[0] == "payback"
    assert main(argv[1:]) == 0
    assert capsys.readouterr().out.rstrip("\n") == expected


def test_python_examples():
    blocks = re.findall(r"```python\n(.*?)```", TEXT, re.S)
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, DOC.name, str(DOC), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.tries >= 10
    assert runner.failures == 0


def test_toml_example_is_the_one_tested(tmp_path):
    """The TOML on the page loads and gives DOMAIN.md's numbers."""
    from payback.economics import compare, load_scenarios, run_scenarios

    toml = re.search(r"```toml\n(.*?)```", TEXT, re.S).group(1)
    (tmp_path / "plans.toml").write_text(toml)
    table = compare(run_scenarios(load_scenarios(tmp_path / "plans.toml")))
    assert table.loc["profit at horizon"].tolist() == [30_000, 20_000, 10_000]


@pytest.mark.slow
def test_shell_examples_run(tmp_path, monkeypatch, capsys):
    """The `sh` blocks (the demo shop, then ceilings on it) run and exit 0."""
    monkeypatch.chdir(tmp_path)
    commands = [
        line
        for block in re.findall(r"```sh\n(.*?)```", TEXT, re.S)
        for line in block.replace("\\\n", " ").splitlines()
        if line.startswith("payback ")
    ]
    assert any(c.startswith("payback economics") for c in commands)
    for command in commands:
        assert main(shlex.split(command)[1:]) == 0, command
    out = capsys.readouterr().out
    # the page's excerpt; the first column is as wide as its widest label ("Total (paid)")
    assert re.search(r"│ google +│ Teaware - Exact +│ +4,671\.40 │ +316 │", out)
    # the totals rows as in `payback metrics`: CPO and CAC over the paid rows only
    assert re.search(r"│ Total \(paid\) │ +│ 62,354\.97 │ 1,743 │  26\.89 │  35\.77 │", out)
    assert re.search(r"│ Total \(all\)  │ +│ 62,354\.97 │ 3,793 │ +– │ +– │", out)
