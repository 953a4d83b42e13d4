"""Scenarios from the command line and TOML files, the comparison and the sensitivity table."""

from __future__ import annotations

import json

import pytest

from payback.cli import main
from payback.economics import (
    compare,
    load_scenarios,
    parse_scenario,
    run_scenarios,
    sensitivity,
    simulation_kwargs,
)
from payback.errors import InputError


def test_parse_scenario_lists_continue_the_previous_key():
    assert parse_scenario("double: budget=100000,0, cpo=100000/150") == (
        "double",
        {"budget": "100000,0", "cpo": "100000/150"},
    )
    assert parse_scenario("churny:retention-curve=80%,70%,months=3") == (
        "churny",
        {"retention_curve": "80%,70%", "months": "3"},
    )


def test_simulation_kwargs_reads_margin_and_rates():
    kw = simulation_kwargs(
        {
            "budget": "1000",
            "months": "3",
            "price": 500,
            "margin": "80%",
            "cpo": 50,
            "retention": "90%",
        }
    )
    assert kw == {
        "budget": (1000.0,),
        "months": 3,
        "price": 500.0,
        "cogs": 100.0,
        "cpo": 50.0,
        "retention": 0.9,
    }


def test_toml_file(tmp_path, capsys):
    path = tmp_path / "plans.toml"
    path.write_text(
        "[base]\nprice = 500\ncogs = 100\n\n"
        "[scenarios.base]\nbudget = [50000, 0]\ncpo = 500\n\n"
        '[scenarios.double]\nbudget = [100000, 0]\ncpo = "100000/150"\n\n'
        '[scenarios.churn]\nbudget = [50000, 0]\ncpo = 500\nretention = "50%"\n'
    )
    specs = load_scenarios(path)
    assert specs["double"] == {
        "price": 500,
        "cogs": 100,
        "budget": [100_000, 0],
        "cpo": "100000/150",
    }
    sims = run_scenarios(specs)
    table = compare(sims)
    # retention 50 %: month 2 keeps 50 of 100 subscribers: -10,000 + 50 x 400 = 10,000
    assert table.loc["profit at horizon"].tolist() == [30_000, 20_000, 10_000]
    assert table.loc["new customers"].tolist() == [100, 150, 100]
    assert main(["simulate", "--scenarios", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert list(out["scenarios"]) == ["base", "double", "churn"]


def test_toml_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenarios.x]\nbudget = [1, \n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_scenarios(bad)
    bad.write_text("[plans.x]\nbudget = 1\n")
    with pytest.raises(InputError, match=r"unknown table\(s\) \['plans'\]"):
        load_scenarios(bad)
    with pytest.raises(InputError, match="not found"):
        load_scenarios(tmp_path / "missing.toml")


def test_sensitivity_against_the_closed_form():
    """Budget B once, CPO c, margin m, retention r, 3 months: -B + B/c x m x (1 + r + r^2)."""
    spec = {"budget": [40_000, 0, 0], "cpo": 400, "price": 300, "cogs": 100}
    factors, rates = [0.5, 1, 3], [0.0, 0.5, 0.9, 1.0]
    table = sensitivity(spec, budget_factors=factors, retentions=rates)
    for f in factors:
        for r in rates:
            b = 40_000 * f
            expected = -b + b / 400 * 200 * (1 + r + r * r)
            assert table.loc[f, r] == pytest.approx(expected, rel=1e-12)


def test_sensitivity_with_rising_cpo_shows_diminishing_returns():
    spec = {"budget": [10_000, 0], "k": 2, "beta": 0.5, "price": 100, "cogs": 0}
    table = sensitivity(spec, budget_factors=[1, 4], retentions=[1.0])
    # 10,000 -> 200 customers; 40,000 -> 400 (CPO 50 -> 100): 2 months x 100 each
    assert table[1.0].tolist() == [200 * 200 - 10_000, 400 * 200 - 40_000]


def test_cli_sensitivity_json(capsys):
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
                "--sensitivity-budget",
                "1,2",
                "--sensitivity-retention",
                "50%,100%",
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["sensitivity"] == {
        "budget_factors": [1.0, 2.0],
        "retention": [0.5, 1.0],
        "profit_at_horizon": [[10_000, 30_000], [20_000, 60_000]],
    }
