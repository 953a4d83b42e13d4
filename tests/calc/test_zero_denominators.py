"""A zero denominator gives value None (JSON null) with a reason, never inf or NaN, exit 0."""

from __future__ import annotations

import json

import pytest

from payback import calc
from payback.cli import main

CASES = [
    (["cpo", "--cost", "10", "--orders", "0"], "orders is 0"),
    (["cpa", "--cost", "10", "--actions", "4", "--invalid", "4"], "no valid actions"),
    (["ctr", "--clicks", "0", "--impressions", "0"], "impressions is 0"),
    (["cr", "--actions", "0", "--visits", "0"], "visits is 0"),
    (["cpc", "--cost", "3", "--clicks", "0"], "clicks is 0"),
    (["cpm", "--cost", "3", "--impressions", "0"], "impressions is 0"),
    (["cac", "--cost", "3", "--customers", "0"], "customers is 0"),
    (["aov", "--revenue", "3", "--orders", "0"], "orders is 0"),
    (["drr", "--cost", "3", "--revenue", "0"], "revenue is 0"),
    (["roas", "--revenue", "3", "--cost", "0"], "cost is 0"),
    (["roi", "--revenue", "3", "--investment", "0"], "investment is 0"),
    (["romi", "--gross-profit", "3", "--marketing-cost", "0"], "marketing_cost is 0"),
    (["funnel", "--cost", "3", "--impressions", "100", "--ctr", "0", "--cr", "1%"], "0 actions"),
    (["ltv", "--revenue", "3", "--customers", "0"], "customers is 0"),
    (["marginal-cpo", "--ltv", "30", "--other-costs", "3", "--customers", "0"], "customers is 0"),
    (["ltv-cac", "--ltv", "30", "--cac", "0"], "cac is 0"),
]


@pytest.mark.parametrize(("argv", "reason"), CASES, ids=[c[0][0] for c in CASES])
def test_null_with_reason(capsys, argv, reason):
    assert main(["calc", *argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["value"] is None
    assert reason in out["reason"]
    assert main(["calc", *argv]) == 0
    text = capsys.readouterr().out
    assert f"= – ({out['reason']})" in text  # the one missing mark, its reason beside it
    assert "inf" not in text and "nan" not in text.lower()


def test_api_reason():
    r = calc.drr(cost=10, revenue=0)
    assert r.value is None
    assert r.reason == "revenue is 0: no attributed revenue, no DRR"
    assert r.to_dict()["value"] is None
    assert calc.ltv_cac(ltv=10, cac=0).verdict is None
