"""`payback.calc.metric`: any catalogue metric from plain numbers, by its one definition."""

from __future__ import annotations

import json

import pytest

from payback import calc
from payback.errors import InputError
from payback.metrics import CATALOGUE


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("cpo", {"cost": 200, "orders": 40}, 5.0),  # DOMAIN.md: a banner, 40 orders
        ("cpo", {"cost": 100_000, "orders": 150}, 100_000 / 150),
        ("ctr", {"clicks": 100, "impressions": 10_000}, 0.01),
        ("drr", {"cost": 10_000, "revenue": 30_000}, 1 / 3),
        ("ltv_cac", {"ltv": 50, "cac": 20}, 2.5),  # below 3: not sustainable
        # yearly sales 10,000,000 over 500 customers, other costs 5,000,000: 20,000 - 10,000
        ("marginal_cpo", {"ltv": 20_000, "other_costs_per_customer": 10_000}, 10_000.0),
        # car dealer: 700,000 x 25 % x 20 % = 35,000 per deal; 1 deal in 16 requests
        ("max_cpa", {"aov": 700_000, "margin": 0.25, "share": 0.2}, 35_000.0),
        ("max_cpl", {"aov": 700_000, "margin": 0.25, "share": 0.2, "conversion": 1 / 16}, 2187.5),
        ("max_cpl", {"margin_amount": 500, "share": 1.0, "conversion": 0.9}, 450.0),  # flowers
        ("max_cpc", {"target_cpa": 375, "cr": 0.04}, 15.0),
        # car dealer: max CPL 2,187.5 against leads bought at 1,500
        ("cpl_headroom", {"max_cpl": 2187.5, "cpa": 1500}, 687.5),
        ("headroom", {"marginal_cpo": 10_000, "cac": 7_500}, 2_500.0),
        ("romi", {"cost": 100_000, "revenue": 1_000_000, "cogs": 700_000}, 2.0),
    ],
)
def test_domain_numbers(name, values, expected):
    r = calc.metric(name, **values)
    assert r.value == pytest.approx(expected, rel=1e-12)
    assert (r.formula, r.unit) == (CATALOGUE[name].expression, CATALOGUE[name].unit)


def test_agrees_with_each_dedicated_calculator_function():
    assert calc.metric("cac", cost=50_000, new_customers=100).value == calc.cac(50_000, 100).value
    assert calc.metric("cpm", cost=250, impressions=100_000).value == calc.cpm(250, 100_000).value
    assert calc.metric("roi", revenue=3e6, cost=1e6).value == calc.roi(3e6, 1e6).value
    dealer = calc.max_cpl(average_check=700_000, margin=0.25, share=0.2, conversion=1 / 16)
    assert (
        dealer.step("max_cpa").value
        == calc.metric("max_cpa", aov=700_000, margin=0.25, share=0.2).value
    )


def test_zero_denominator_is_missing_with_the_reason_and_errors_name_the_input():
    r = calc.metric("cac", cost=100, new_customers=0)
    assert (
        r.value is None
        and r.reason == "new_customers is 0: the denominator of cost / new customers"
    )
    with pytest.raises(InputError, match=r"^ltv_cac: cac is needed \(cost / new customers\)"):
        calc.metric("ltv_cac", ltv=50)
    with pytest.raises(InputError, match="unknown metric 'lvt'"):
        calc.metric("lvt", ltv=1)
    with pytest.raises(InputError, match="finite"):
        calc.metric("cpo", cost=float("nan"), orders=1)


def test_an_input_built_from_parts_is_shown_with_its_value(capsys):
    from payback.cli import main

    assert main(["calc", "metric", "romi", "revenue=1000", "cogs=400", "cost=200"]) == 0
    out = capsys.readouterr().out
    assert "gross_profit = revenue - cogs = 1,000.00 - 400.00 = 600.00" in out
    assert "= (600.00 - 200.00) / 200.00" in out
    assert calc.metric("romi", gross_profit=600, cost=200).steps == ()


def test_the_command_takes_name_value_inputs_and_rates_with_a_percent_sign(capsys):
    from payback.cli import main

    args = ["calc", "metric", "max_cpl", "aov=700000", "margin=25%", "share=20%"]
    assert main([*args, "conversion=1/16", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["value"] == 2187.5  # DOMAIN.md's car dealer
    assert out["inputs"] == {"aov": 700_000, "margin": 0.25, "share": 0.2, "conversion": 0.0625}
    # the inputs built from the given ones are steps, innermost first (DOMAIN.md: margin
    # 175,000 per car, max CPA 35,000)
    assert [(s["name"], s["value"]) for s in out["steps"]] == [
        ("margin_amount", 175_000),
        ("max_cpa", 35_000),
    ]
    assert main(["calc", "metric", "ltv_cac", "ltv=50"]) == 2
    assert "calc metric ltv_cac: cac is needed" in capsys.readouterr().err
    assert main(["calc", "metric", "cpo", "cost"]) == 2
    assert "expected name=value" in capsys.readouterr().err
