"""Every DOMAIN.md worked example through the Python API and through ``payback calc``.

Each case names the DOMAIN.md sentence it reproduces. The expected numbers are the ones
DOMAIN.md prints, compared at the precision it prints them (666.67 to cents, 33.3 % to
one decimal of a percent); exact numbers (5, 515.25, 2,187.5) are compared exactly.
"""

from __future__ import annotations

import json

import pytest

from payback import calc
from payback.cli import main


def run_json(capsys, *argv: str) -> dict:
    code = main(["calc", *argv, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


# (DOMAIN sentence, API call, CLI argv, expected value, decimals compared or None = exact)
CASES = [
    (
        "banner 200, 40 orders: CPO = 5",
        lambda: calc.cpo(200, 40),
        ["cpo", "--cost", "200", "--orders", "40"],
        5.0,
        None,
    ),
    (
        "50,000 of ads, 100 buyers: CPO = 500",
        lambda: calc.cpo(50_000, 100),
        ["cpo", "--cost", "50,000", "--orders", "100"],
        500.0,
        None,
    ),
    (
        "100,000 of ads, 150 buyers: CPO = 666.67",
        lambda: calc.cpo(100_000, 150),
        ["cpo", "--cost", "100000", "--orders", "150"],
        666.67,
        2,
    ),
    (
        "10,000 impressions, 100 clicks: CTR = 1 %",
        lambda: calc.ctr(100, 10_000),
        ["ctr", "--clicks", "100", "--impressions", "10000"],
        0.01,
        None,
    ),
    (
        "same impressions, 1,000 clicks: CTR = 10 %",
        lambda: calc.ctr(1_000, 10_000),
        ["ctr", "--clicks", "1000", "--impressions", "10000"],
        0.1,
        None,
    ),
    (
        "100,000 spent, 1,000 calls: CPA = 100",
        lambda: calc.cpa(100_000, 1_000),
        ["cpa", "--cost", "100000", "--actions", "1000"],
        100.0,
        None,
    ),
    (
        "12,000 spent, 32 applications: CPA = 375",
        lambda: calc.cpa(12_000, 32),
        ["cpa", "--cost", "12000", "--actions", "32"],
        375.0,
        None,
    ),
    (
        "18,549 spent, 36 valid of 43: CPA = 515.25",
        lambda: calc.cpa(18_549, 14 + 22 + 7, invalid=3 + 4),
        [
            "cpa",
            "--cost",
            "18549",
            "--actions",
            "14",
            "--actions",
            "22",
            "--actions",
            "7",
            "--invalid",
            "3",
            "--invalid",
            "4",
        ],
        515.25,
        None,
    ),
    (
        "100 visitors, 10 phones: CR = 10 %",
        lambda: calc.cr(10, 100),
        ["cr", "--actions", "10", "--visits", "100"],
        0.1,
        None,
    ),
    (
        "bids 1.5, 2, 2.5 one click each: CPC = 2",
        lambda: calc.cpc(6, 3),
        ["cpc", "--cost", "6", "--clicks", "3"],
        2.0,
        None,
    ),
    (
        "investment 1,000,000, income 3,000,000: ROI = 200 %",
        lambda: calc.roi(3_000_000, 1_000_000),
        ["roi", "--revenue", "3000000", "--investment", "1000000"],
        2.0,
        None,
    ),
    (
        "ads 500,000, sales 1,000,000: DRR = 50 %",
        lambda: calc.drr(500_000, 1_000_000),
        ["drr", "--cost", "500000", "--revenue", "1000000"],
        0.5,
        None,
    ),
    (
        "ads 10,000, sales 30,000: DRR = 33.3 %",
        lambda: calc.drr(10_000, 30_000),
        ["drr", "--cost", "10000", "--revenue", "30000"],
        0.333,
        3,
    ),
    (
        "LTV 50, CAC 20: LTV/CAC = 2.5",
        lambda: calc.ltv_cac(50, 20),
        ["ltv-cac", "--ltv", "50", "--cac", "20"],
        2.5,
        None,
    ),
    (
        "yearly sales 10,000,000, 1,000 customers: LTV = 10,000",
        lambda: calc.ltv(revenue=10_000_000, customers=1_000),
        ["ltv", "--revenue", "10000000", "--customers", "1000"],
        10_000.0,
        None,
    ),
    (
        "AOV 3,000 x 3 purchases x 1 year = 9,000",
        lambda: calc.ltv(aov=3_000, purchases=3, periods=1),
        ["ltv", "--aov", "3000", "--purchases", "3", "--periods", "1"],
        9_000.0,
        None,
    ),
    (
        "sales 10,000,000, 500 customers, non-ad costs 5,000,000: marginal CPO = 10,000",
        lambda: calc.marginal_cpo(revenue=10_000_000, other_costs=5_000_000, customers=500),
        ["marginal-cpo", "--revenue", "10000000", "--other-costs", "5000000", "--customers", "500"],
        10_000.0,
        None,
    ),
    (
        "same with LTV 20,000 given",
        lambda: calc.marginal_cpo(ltv=20_000, other_costs=5_000_000, customers=500),
        ["marginal-cpo", "--ltv", "20000", "--other-costs", "5000000", "--customers", "500"],
        10_000.0,
        None,
    ),
    (
        "without repeat purchases: price - unit cost (500 - 100)",
        lambda: calc.marginal_cpo(price=500, unit_cost=100),
        ["marginal-cpo", "--price", "500", "--unit-cost", "100"],
        400.0,
        None,
    ),
    (
        "car dealer: max CPL = 2,187.5",
        lambda: calc.max_cpl(average_check=700_000, margin=0.25, share=0.2, conversion=1 / 16),
        [
            "max-cpl",
            "--average-check",
            "700000",
            "--margin",
            "25%",
            "--share",
            "20%",
            "--conversion",
            "6.25%",
        ],
        2187.5,
        None,
    ),
    (
        "car dealer, 1 deal in 16 requests",
        lambda: calc.max_cpl(average_check=700_000, margin=0.25, share=0.2, conversion=0.0625),
        [
            "max-cpl",
            "--average-check",
            "700,000",
            "--margin",
            "0.25",
            "--share",
            "0.2",
            "--conversion",
            "1/16",
        ],
        2187.5,
        None,
    ),
    (
        "flower delivery: max CPL = 450",
        lambda: calc.max_cpl(margin_amount=500, share=1.0, conversion=0.9),
        ["max-cpl", "--margin-amount", "500", "--share", "100%", "--conversion", "90%"],
        450.0,
        None,
    ),
    (
        "funnel: CPA = 182",
        lambda: calc.funnel(144_000, 14_535_855, 0.0016, 0.034),
        [
            "funnel",
            "--cost",
            "144000",
            "--impressions",
            "14535855",
            "--ctr",
            "0.16%",
            "--cr",
            "3.4%",
        ],
        182.0,
        0,
    ),
]


def _check(value, expected, decimals):
    if decimals is None:
        assert value == expected
    else:
        assert round(value, decimals) == expected


@pytest.mark.parametrize(
    ("case", "api", "argv", "expected", "decimals"), CASES, ids=[c[0] for c in CASES]
)
def test_api(case, api, argv, expected, decimals):
    _check(api().value, expected, decimals)


@pytest.mark.parametrize(
    ("case", "api", "argv", "expected", "decimals"), CASES, ids=[c[0] for c in CASES]
)
def test_cli(capsys, case, api, argv, expected, decimals):
    out = run_json(capsys, *argv)
    _check(out["value"], expected, decimals)
    assert out["value"] == api().value  # the CLI and the API agree to the last bit


def test_funnel_steps_as_domain_writes_them(capsys):
    """clicks = 23,257.4, actions = 790.75 (report 791), CPA = 182.

    The exact CPA is 144,000 / 790.7505 = 182.105; reported to whole money units it is 182.
    Computing from the 791 reported actions instead (144,000 / 791 = 182.048) also gives
    182, so either reading of DOMAIN.md's rounding yields its number.
    """
    out = run_json(
        capsys,
        "funnel",
        "--cost",
        "144000",
        "--impressions",
        "14535855",
        "--ctr",
        "0.16%",
        "--cr",
        "3.4%",
    )
    steps = {s["name"]: s for s in out["steps"]}
    assert round(steps["clicks"]["value"], 1) == 23_257.4
    assert round(steps["actions"]["value"], 2) == 790.75
    assert steps["actions"]["reported"] == 791
    assert out["reported"] == 182 == steps["cpa"]["reported"]
    assert round(144_000 / steps["actions"]["reported"]) == 182
    assert out["inputs"] == {"cost": 144_000, "impressions": 14_535_855, "ctr": 0.0016, "cr": 0.034}


def test_funnel_human_output(capsys):
    assert (
        main(
            [
                "calc",
                "funnel",
                "--cost",
                "144000",
                "--impressions",
                "14535855",
                "--ctr",
                "0.0016",
                "--cr",
                "0.034",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "14,535,855 x 0.16 % = 23,257.37" in text
    assert "790.75 (report 791)" in text
    assert "182.11 (report 182)" in text


def test_cpa_valid_actions_step(capsys):
    out = run_json(capsys, "cpa", "--cost", "18549", "--actions", "43", "--invalid", "7")
    assert out["steps"] == [
        {"name": "valid_actions", "value": 36.0, "formula": "actions - invalid"}
    ]


def test_ltv_at_a_price_of_500_is_20_purchases(capsys):
    out = run_json(capsys, "ltv", "--revenue", "10000000", "--customers", "1000", "--price", "500")
    assert out["steps"][0]["name"] == "purchases_at_price"
    assert out["steps"][0]["value"] == 20.0


def test_marginal_cpo_steps(capsys):
    out = run_json(
        capsys,
        "marginal-cpo",
        "--revenue",
        "10000000",
        "--other-costs",
        "5000000",
        "--customers",
        "500",
    )
    assert {s["name"]: s["value"] for s in out["steps"]} == {
        "ltv": 20_000.0,
        "other_costs_per_customer": 10_000.0,
    }


def test_car_dealer_steps(capsys):
    out = run_json(
        capsys,
        "max-cpl",
        "--average-check",
        "700000",
        "--margin",
        "25%",
        "--share",
        "20%",
        "--conversion",
        "1/16",
    )
    assert {s["name"]: s["value"] for s in out["steps"]} == {
        "margin_amount": 175_000.0,
        "max_cpa": 35_000.0,
    }
    assert out["inputs"]["conversion"] == 0.0625


def test_ltv_cac_verdict(capsys):
    out = run_json(capsys, "ltv-cac", "--ltv", "50", "--cac", "20")
    assert out["verdict"] == "not sustainable"
    assert calc.ltv_cac(60, 20).verdict == "sustainable"
    assert main(["calc", "ltv-cac", "--ltv", "50", "--cac", "20"]) == 0
    assert "verdict: not sustainable (LTV/CAC 2.50 is below 3)" in capsys.readouterr().out


def test_human_output_shows_percentages(capsys):
    for argv, shown in [
        (["ctr", "--clicks", "100", "--impressions", "10000"], "= 1.00 %"),
        (["roi", "--revenue", "3000000", "--investment", "1000000"], "= 200.0 %"),
        (["drr", "--cost", "10000", "--revenue", "30000"], "= 33.3 %"),
        (["cpo", "--cost", "100000", "--orders", "150"], "= 666.67"),
    ]:
        assert main(["calc", *argv]) == 0
        assert capsys.readouterr().out.rstrip().endswith(shown)
