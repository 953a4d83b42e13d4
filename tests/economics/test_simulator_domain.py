"""DOMAIN.md section 4, exactly: through the Python API and through ``payback simulate``."""

from __future__ import annotations

import json
from fractions import Fraction

from payback.cli import main
from payback.economics import simulate


def run_json(capsys, *argv: str) -> dict:
    code = main(["simulate", *argv, "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_fifty_thousand_of_ads_bring_100_subscribers():
    """Price 500, cogs 100, ads 50,000 at CPO 500: -10,000 then +40,000, cumulative +30,000."""
    sim = simulate([50_000, 0], cpo=500, price=500, cogs=100, retention=1.0)
    m1, m2 = sim.months
    assert (m1.new, m1.active, m1.revenue, m1.cogs, m1.ad_spend) == (
        100,
        100,
        50_000,
        10_000,
        50_000,
    )
    assert m1.profit == -10_000 == m1.cumulative_profit
    assert (m2.new, m2.active, m2.churned) == (0, 100, 0)
    assert m2.profit == 40_000
    assert m2.cumulative_profit == 30_000
    assert sim.break_even_month == 2
    assert sim.payback_period_months == 2  # 400 of margin a month covers a CAC of 500 in month 2


def test_double_budget_brings_only_150():
    """Ads 100,000 bring 150 (CPO 666.67): -40,000, then cumulative +20,000."""
    for acquisition in (
        {"customers": [150, 0]},
        {"cpo": 100_000 / 150},
        {"cpo": Fraction(100_000, 150)},
    ):
        sim = simulate([100_000, 0], price=500, cogs=100, retention=1.0, **acquisition)
        assert [m.new for m in sim.months] == [150, 0]
        assert [m.profit for m in sim.months] == [-40_000, 60_000]
        assert [m.cumulative_profit for m in sim.months] == [-40_000, 20_000]
        assert round(sim.cac, 2) == 666.67


def test_cli_plain_form_as_the_issue_writes_it(capsys):
    out = run_json(
        capsys,
        "--budget",
        "50000,0",
        "--cpo",
        "500",
        "--price",
        "500",
        "--cogs",
        "100",
        "--retention",
        "100%",
        "--months",
        "2",
    )
    assert [m["month"] for m in out["months"]] == [1, 2]
    assert out["months"][0] == {
        "month": 1,
        "new": 100.0,
        "active": 100.0,
        "churned": 0.0,
        "revenue": 50_000.0,
        "cogs": 10_000.0,
        "ad_spend": 50_000.0,
        "profit": -10_000.0,
        "cumulative_profit": -10_000.0,
    }
    assert out["months"][1]["profit"] == 40_000
    assert out["months"][1]["cumulative_profit"] == 30_000
    assert out["break_even_month"] == 2
    assert out["payback_period_months"] == 2
    assert out["cohort_ltv_revenue"] == 1_000  # 2 months x 500
    assert out["cohort_ltv_margin"] == 800
    assert out["inputs"]["retention"] == {"kind": "constant", "rate": 1.0}


def test_cli_double_budget_with_an_exact_fractional_cpo(capsys):
    out = run_json(
        capsys,
        "--budget",
        "100000,0",
        "--cpo",
        "100000/150",
        "--price",
        "500",
        "--cogs",
        "100",
        "--retention",
        "100%",
    )
    assert [m["new"] for m in out["months"]] == [150, 0]
    assert [m["cumulative_profit"] for m in out["months"]] == [-40_000, 20_000]
    out = run_json(
        capsys, "--budget", "100000,0", "--customers", "150,0", "--price", "500", "--cogs", "100"
    )
    assert [m["cumulative_profit"] for m in out["months"]] == [-40_000, 20_000]


def test_scenarios_side_by_side(capsys):
    out = run_json(
        capsys,
        "--budget",
        "50000,0",
        "--cpo",
        "500",
        "--price",
        "500",
        "--cogs",
        "100",
        "--scenario",
        "double:budget=100000,0,cpo=100000/150",
    )
    cumulative = {
        name: [m["cumulative_profit"] for m in s["months"]] for name, s in out["scenarios"].items()
    }
    assert cumulative == {"base": [-10_000, 30_000], "double": [-40_000, 20_000]}
    assert (
        main(
            [
                "simulate",
                "--budget",
                "50000,0",
                "--cpo",
                "500",
                "--price",
                "500",
                "--cogs",
                "100",
                "--scenario",
                "double:budget=100000,0,cpo=100000/150",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "│ profit at horizon       │ 30,000.00  │ 20,000.00  │" in text
    assert "│     2 │  30,000.00 │  20,000.00 │" in text


def test_human_output(capsys):
    assert (
        main(["simulate", "--budget", "50000,0", "--cpo", "500", "--price", "500", "--cogs", "100"])
        == 0
    )
    text = capsys.readouterr().out
    assert (
        "│     1 │ 100 │    100 │       0 │ 50,000.00 │ 10,000.00 │ 50,000.00 │ -10,000.00 │"
        in text
    )
    assert "break-even month: 2" in text
    assert "payback period: 2 months" in text
    assert "cohort LTV over 2 months: revenue 1,000.00, margin 800.00" in text
