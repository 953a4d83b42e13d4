"""Impossible inputs are refused with a message naming the option and the fix (exit 2)."""

from __future__ import annotations

import pytest

from payback import calc
from payback.cli import main
from payback.errors import InputError

CASES = [
    (["cpo", "--cost", "-5", "--orders", "3"], "--cost cannot be negative, got -5"),
    (
        ["cpa", "--cost", "100", "--actions", "7", "--invalid", "9"],
        "--invalid (9) is larger than --actions (7)",
    ),
    (
        [
            "max-cpl",
            "--average-check",
            "100",
            "--margin",
            "120%",
            "--share",
            "0.2",
            "--conversion",
            "0.5",
        ],
        "--margin (gross margin) must be between 0 and 100 %, got 1.2",
    ),
    (
        ["max-cpl", "--margin-amount", "500", "--share", "1", "--conversion", "90"],
        "--conversion (lead-to-deal conversion) must be between 0 and 100 %, got 90 (= 9,000 %)",
    ),
    (["ctr", "--clicks", "200", "--impressions", "100"], "a CTR cannot pass 100 %"),
    (
        ["funnel", "--cost", "1", "--impressions", "10", "--ctr", "3", "--cr", "1%"],
        "--ctr (click-through rate) must be between 0 and 100 %",
    ),
    (["cpo", "--cost", "12,5", "--orders", "3"], "write decimals with a dot"),
    (["cpo", "--cost", "10%", "--orders", "3"], "--cost takes an amount or a count"),
    (["cpo", "--cost", "abc", "--orders", "3"], "cannot read 'abc' as a number"),
    (["cpo", "--cost", "nan", "--orders", "3"], "expected a finite number"),
    (["max-cpl", "--conversion", "1/0", "--share", "1", "--margin-amount", "3"], "divides by zero"),
    (["ltv", "--revenue", "100", "--aov", "3", "--purchases", "2", "--periods", "1"], "not a mix"),
    (["marginal-cpo", "--ltv", "100", "--price", "5", "--unit-cost", "1"], "not a mix"),
    (["marginal-cpo", "--ltv", "100"], "missing --other-costs and --customers"),
    (["romi", "--marketing-cost", "100"], "give --gross-profit, or --revenue and --cogs"),
    (["cpa", "--cost", "10", "--actions", "2", "--invalid", "3"], "cpa: --invalid (3) is larger"),
]


@pytest.mark.parametrize(("argv", "message"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_cli_refuses(capsys, argv, message):
    assert main(["calc", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert message in err


def test_api_raises_input_error():
    # the library names arguments (the CLI shows them as flags: test_cli_refuses)
    with pytest.raises(InputError, match=r"^max_cpl: margin .* must be between 0 and 100 %"):
        calc.max_cpl(average_check=1, margin=1.5, share=0.2, conversion=0.1)
    with pytest.raises(InputError, match=r"^cpa: invalid \(3\) is larger than actions \(2\)"):
        calc.cpa(cost=10, actions=2, invalid=3)
    with pytest.raises(InputError, match=r"^romi: give gross_profit, or revenue and cogs"):
        calc.romi(marketing_cost=100)
    with pytest.raises(InputError, match=r"^cpo: orders must be a number"):
        calc.cpo(cost=10, orders="3")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="finite"):
        calc.cpc(cost=float("inf"), clicks=3)
    # InputError is also a ValueError, for callers that catch the builtin
    with pytest.raises(ValueError):
        calc.roi(revenue=-1, investment=3)


def test_missing_option_is_a_usage_error(capsys):
    assert main(["calc", "cpo", "--cost", "5"]) == 2
    assert "--orders" in capsys.readouterr().err
