"""Impossible simulator inputs are refused with a clear message (exit 2 on the CLI)."""

from __future__ import annotations

import pytest

from payback.cli import main
from payback.economics import simulate
from payback.errors import InputError

BASE = ["--budget", "50000,0", "--price", "500"]

CASES = [
    (
        ["--budget", "50000,-1", "--cpo", "500", "--price", "500"],
        "--budget cannot be negative: month 2 has -1",
    ),
    (
        [*BASE, "--cpo", "500", "--margin", "120%"],
        "--margin must be between 0 and 100 % of the price, got 1.2 (= 120 %)",
    ),
    ([*BASE, "--cpo", "500", "--retention", "110%"], "retention must be between 0 and 100 %"),
    ([*BASE, "--cpo", "500", "--retention", "-0.1"], "retention must be between 0 and 100 %"),
    ([*BASE, "--cpo", "500", "--retention-curve", "80%,90%"], "a cohort cannot grow back"),
    ([*BASE, "--cpo", "500", "--retention-curve", "80%,1.5"], "retention curve must be between"),
    ([*BASE, "--cpo", "500", "--months", "3"], "--budget has 2 monthly amounts but --months is 3"),
    ([*BASE, "--cogs", "100"], "give exactly one way to win customers"),
    ([*BASE, "--cpo", "500", "--customers", "1,1"], "give exactly one way to win customers"),
    ([*BASE, "--cpo", "0"], "--cpo must be a positive amount"),
    ([*BASE, "--k", "2"], "needs both --k and --beta"),
    ([*BASE, "--k", "2", "--beta", "-1"], "must be positive"),
    ([*BASE, "--cpo", "500", "--alpha", "1"], "needs both --alpha and --beta-sbg"),
    (
        [*BASE, "--cpo", "500", "--alpha", "1", "--beta-sbg", "1", "--retention", "0.9"],
        "give one retention",
    ),
    ([*BASE, "--cpo", "500", "--cogs", "-3"], "--cogs must be an amount of 0 or more"),
    ([*BASE, "--cpo", "500", "--cogs", "1", "--margin", "50%"], "give --cogs or --margin"),
    (["--cpo", "500", "--price", "500"], "missing --budget"),
    (["--budget", "100", "--cpo", "500"], "missing --price"),
    ([*BASE, "--cpo", "500", "--scenario", "x:budget=1,colour=red"], "unknown option 'colour'"),
    ([*BASE, "--cpo", "500", "--scenario", "budget=1"], "expected NAME:key=value"),
    (
        [*BASE, "--cpo", "500", "--scenario", "neg:budget=-5"],
        "scenario 'neg': --budget cannot be negative",
    ),
]


@pytest.mark.parametrize(("argv", "message"), CASES, ids=[c[1][:40] for c in CASES])
def test_cli_refuses(capsys, argv, message):
    assert main(["simulate", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert message in err


def test_api_refuses():
    with pytest.raises(InputError, match="retention must be between 0 and 100 %"):
        simulate([1.0], cpo=1, price=1, retention=1.2)
    with pytest.raises(InputError, match="--budget cannot be negative"):
        simulate([-1.0], cpo=1, price=1)
    with pytest.raises(InputError, match="--months must be a whole number"):
        simulate([1.0], cpo=1, price=1, months=0)
