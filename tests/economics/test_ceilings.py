"""Ceilings on a hand-built store whose every number is worked out by hand below.

Campaigns (all customers acquired in January 2024, each first order 100 revenue, 40 cost
of goods, i.e. 60 of margin; repeat orders in February are organic):
- A: cost 1,000, 10 customers who buy again in February; 20 valid leads;
- B: cost 3,000, 5 customers who never come back;
- C: cost 50, 5 customers who buy again.
Non-advertising costs 200 over 20 customers: 10 per customer. Horizon 2 months.

    A: CAC 100, LTV 120, ceiling 110, headroom 10, LTV/CAC 1.2  -> hold, payback 2
    B: CAC 600, LTV 60, ceiling 50                              -> cut, never pays back
    C: CAC 10, LTV 120, ceiling 110, headroom 100, LTV/CAC 12   -> scale, payback 1
    shop: CAC 4,050 / 20 = 202.5, LTV (1,200 + 300 + 600) / 20 = 105, ceiling 95 -> cut
"""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest

from payback.cli import main
from payback.economics.ceilings import VerdictRules, ceilings
from payback.errors import CurrencyError, InputError

# the data end on the last day of February: January and February are complete months
JAN, FEB = dt.datetime(2024, 1, 10), dt.datetime(2024, 2, 29, 10)


def _orders() -> pa.Table:
    rows = []
    for campaign, n, repeat in (("A", 10, True), ("B", 5, False), ("C", 5, True)):
        for i in range(n):
            customer = f"{campaign}{i}"
            rows.append((f"{customer}-1", customer, JAN, campaign, "google"))
            if repeat:
                rows.append((f"{customer}-2", customer, FEB, None, None))
    order_id, customer_id, time, campaign, platform = (list(c) for c in zip(*rows, strict=True))
    n = len(rows)
    return pa.table({
        "order_id": order_id, "customer_id": customer_id, "time": time,
        "revenue": [100.0] * n, "cogs": [40.0] * n, "status": ["confirmed"] * n,
        "currency": ["EUR"] * n, "platform": platform, "campaign": campaign,
        "keyword": [None if c is None else f"kw-{c}" for c in campaign],
    })  # fmt: skip


@pytest.fixture
def shop(store):
    ads = pa.table({
        "date": [dt.date(2024, 1, 1)] * 3, "platform": ["google"] * 3,
        "campaign": ["A", "B", "C"], "keyword": ["kw-A", "kw-B", "kw-C"],
        "impressions": [10_000] * 3, "clicks": [500] * 3, "cost": [1000.0, 3000.0, 50.0],
        "currency": ["EUR"] * 3})  # fmt: skip
    leads = pa.table({
        "lead_id": [f"l{i}" for i in range(22)], "time": [JAN] * 22, "kind": ["form"] * 22,
        "status": ["valid"] * 20 + ["spam"] * 2, "platform": ["google"] * 22,
        "campaign": ["A"] * 22})  # fmt: skip
    costs = pa.table({"date": [dt.date(2024, 1, 1), dt.date(2024, 2, 1)],
                      "category": ["rent", "rent"], "amount": [120.0, 80.0],
                      "currency": ["EUR", "EUR"]})  # fmt: skip
    store.write({"ad_stats": ads, "orders": _orders(), "leads": leads, "costs": costs},
                meta={"base_currency": "EUR"})  # fmt: skip
    return store


RULES = VerdictRules(min_customers=5)


def rows(result) -> dict:
    frame = result.frame.astype(object).where(result.frame.notna(), None)

    def key(r):  # Total (all) is "TOTAL", Total (paid) "PAID" (the metrics' totals rules)
        return ("PAID" if r["total_kind"] == "paid" else "TOTAL") if r["is_total"] else r[result.by]

    return {key(r): r for r in frame.to_dict("records")}


def test_hand_worked_numbers(shop):
    result = ceilings(shop, "campaign", horizon_months=2, predicted=False, rules=RULES)
    r = rows(result)
    assert result.other_costs_per_customer == 10.0
    a, b, c, total = r["A"], r["B"], r["C"], r["TOTAL"]
    assert (a["cost"], a["orders"], a["new_customers"], a["cpo"], a["cac"]) == (
        1000,
        10,
        10,
        100,
        100,
    )
    assert (a["historical_ltv"], a["historical_margin_ltv"], a["ltv"]) == (200, 120, 120)
    assert (a["marginal_cpo"], a["headroom"], a["ltv_cac"]) == (110, 10, 1.2)
    assert (a["payback_months"], a["verdict"], a["reason"]) == (2, "hold", "LTV/CAC below 3")
    assert (b["cac"], b["ltv"], b["marginal_cpo"], b["payback_months"]) == (600, 60, 50, None)
    assert (b["verdict"], b["reason"]) == (
        "cut",
        "CAC 600.00 above the marginal CPO 50.00, the most one new customer may cost (CPO 600.00)",
    )
    assert (c["cac"], c["ltv_cac"], c["headroom"], c["payback_months"]) == (10, 12, 100, 1)
    assert (c["verdict"], c["reason"]) == ("scale", "LTV/CAC >= 3, headroom")
    assert (total["cost"], total["new_customers"], total["orders"]) == (4050, 20, 35)
    # Total (all) holds no ad ratios (an organic repeat order is not bought by the ad cost)
    assert (total["cpo"], total["cac"], total["ltv"], total["marginal_cpo"]) == (
        None,
        None,
        105,
        95,
    )
    # Total (paid): the 20 first orders, all through the campaigns: CAC 4,050 / 20; every
    # customer was acquired by paid traffic, so its LTV is the shop's
    paid = r["PAID"]
    assert (paid["cost"], paid["new_customers"], paid["orders"]) == (4050, 20, 20)
    assert (paid["cac"], paid["ltv"], paid["marginal_cpo"]) == (202.5, 105, 95)
    assert paid["verdict"] == "cut"
    # the organic repeat orders form a slice with no ad cost
    assert r[None]["verdict"] == "not enough data"
    assert r[None]["reason"] == "no acquisition cost recorded"


def test_max_cpa_and_cpl(shop):
    """A: average check 100 x margin 60 % x share 100 % = 60 per deal; 10 deals of 20 valid
    leads (spam left out): max CPL 30 against an actual CPA of 1,000 / 20 = 50."""
    a = rows(ceilings(shop, "campaign", horizon_months=2, predicted=False, rules=RULES))["A"]
    assert (a["aov"], a["margin_rate"], a["max_cpa"]) == (100, 0.6, 60)
    assert (a["leads"], a["lead_conversion"], a["max_cpl"], a["cpa"], a["cpl_headroom"]) == (
        20,
        0.5,
        30,
        50,
        -20,
    )
    # overrides: DOMAIN.md's car dealer on A's slice
    a = rows(
        ceilings(
            shop,
            "campaign",
            horizon_months=2,
            predicted=False,
            rules=RULES,
            average_check=700_000,
            margin=0.25,
            share=0.2,
            conversion=1 / 16,
        )
    )["A"]
    assert (a["max_cpa"], a["max_cpl"]) == (35_000, 2187.5)


def test_rules_are_options(shop):
    strict = VerdictRules(min_customers=5, healthy=15)
    assert (
        rows(ceilings(shop, "campaign", horizon_months=2, predicted=False, rules=strict))["C"][
            "verdict"
        ]
        == "hold"
    )
    roomy = VerdictRules(min_customers=5, min_headroom=20)  # C needs headroom > 20 x 10
    c = rows(ceilings(shop, "campaign", horizon_months=2, predicted=False, rules=roomy))["C"]
    assert (c["verdict"], c["reason"]) == ("hold", "headroom too small to scale")
    few = rows(ceilings(shop, "campaign", horizon_months=2, predicted=False))  # default 30
    assert few["A"]["verdict"] == "not enough data"
    assert few["A"]["reason"] == "10 new customers < 30"
    lax = VerdictRules(min_customers=5, cut_below=0.1, healthy=1.1)
    assert (
        rows(ceilings(shop, "campaign", horizon_months=2, predicted=False, rules=lax))["A"][
            "verdict"
        ]
        == "scale"
    )


def test_other_costs_override_and_revenue_basis(shop):
    r = rows(
        ceilings(
            shop,
            "campaign",
            horizon_months=2,
            predicted=False,
            rules=RULES,
            other_costs_per_customer=0,
            basis="revenue",
        )
    )
    assert r["A"]["ltv"] == 200  # revenue LTV drives LTV/CAC ...
    assert r["A"]["ltv_cac"] == 2.0
    assert r["A"]["marginal_cpo"] == 120  # ... the ceiling still subtracts cost of goods


def test_keyword_grain_uses_the_shop_ltv(shop):
    result = ceilings(shop, "keyword", horizon_months=2, predicted=False, rules=RULES)
    r = rows(result)
    assert r["kw-C"]["ltv"] == 105 and r["kw-C"]["ltv_source"] == "shop historical"
    assert r["kw-C"]["cac"] == 10
    assert "whole shop's LTV" in result.table.reasons["ltv"]


def test_horizon_longer_than_the_data(shop):
    result = ceilings(shop, "campaign", horizon_months=3, predicted=False, rules=RULES)
    a = rows(result)["A"]
    assert a["ltv"] is None and a["verdict"] == "not enough data"
    assert a["reason"] == "no cohort old enough for LTV"


def test_cli_json(shop, capsys):
    path = shop.path
    shop.close()
    assert main(["economics", "--by", "campaign", "--db", path, "--no-predicted",
                 "--horizon", "2", "--min-customers", "5", "--share", "50%",
                 "--format", "json"]) == 0  # fmt: skip
    payload = json.loads(capsys.readouterr().out)
    r = {row["campaign"]: row for row in payload["rows"] if not row["is_total"]}
    assert (r["A"]["verdict"], r["B"]["verdict"], r["C"]["verdict"]) == ("hold", "cut", "scale")
    assert r["A"]["max_cpa"] == 30  # 100 x 60 % x 50 %
    assert payload["units"]["margin_rate"] == "rate"
    assert payload["currency"] == "EUR"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        # library errors name the Python arguments (issue 8), the CLI maps them to flags
        ({"by": "campaign,keyword"}, "^by takes one dimension"),
        ({"by": "colour"}, "unknown dimension 'colour'"),
        ({"share": 1.5}, "^share must be between 0 and 100 %"),
        ({"margin": -0.1}, "^margin must be between 0 and 100 %"),
        ({"horizon_months": 0}, "^horizon_months must be a whole number"),
        ({"ltv": "guess"}, "^ltv must be historical or predicted"),
        ({"other_costs_per_customer": -1}, "^other_costs_per_customer cannot be negative"),
    ],
)
def test_refused(shop, kwargs, message):
    kwargs = {"by": "campaign", "predicted": False, **kwargs}
    with pytest.raises(InputError, match=message):
        ceilings(shop, **kwargs)


def test_inconsistent_rules():
    with pytest.raises(InputError, match=r"cut_below .* must not exceed healthy"):
        VerdictRules(cut_below=4, healthy=3)


def test_costs_in_another_currency(shop):
    shop.write({"costs": pa.table({"date": [dt.date(2024, 3, 1)], "category": ["rent"],
                                   "amount": [5.0], "currency": ["USD"]})})  # fmt: skip
    several = r"in the costs table: EUR \(\d+ rows?\), USD \(1 row\).*other_costs_per_customer"
    with pytest.raises(CurrencyError, match=several):
        ceilings(shop, "campaign", predicted=False)
    result = ceilings(shop, "campaign", predicted=False, other_costs_per_customer=10)
    assert result.other_costs_per_customer == 10


def test_partner_cost_is_the_commission_on_confirmed_orders(shop):
    """P1 brings 4 customers; 4 claims of 10 count, a duplicate claim and a claim on an
    order the shop does not have do not: cost 40, CAC 10."""
    n = 4
    shop.write({
        "orders": pa.table({
            "order_id": [f"p{i}" for i in range(n)], "customer_id": [f"P{i}" for i in range(n)],
            "time": [JAN] * n, "revenue": [100.0] * n, "cogs": [40.0] * n,
            "status": ["confirmed"] * n, "currency": ["EUR"] * n, "partner_id": ["P1"] * n}),
        "partner_claims": pa.table({
            "claim_id": ["c0", "c1", "c2", "c3", "dup", "ghost"], "partner_id": ["P1"] * 6,
            "order_id": ["p0", "p1", "p2", "p3", "p0", "nope"], "time": [FEB] * 6,
            "revenue": [100.0] * 6, "commission": [10.0] * 6, "currency": ["EUR"] * 6}),
    })  # fmt: skip
    result = ceilings(shop, "partner", horizon_months=2, predicted=False,
                      rules=VerdictRules(min_customers=4))  # fmt: skip
    r = rows(result)
    assert (r["P1"]["cost"], r["P1"]["new_customers"], r["P1"]["cac"]) == (40, 4, 10)
    assert r["P1"]["ltv"] == 60  # one order each: 100 - 40
    assert r["TOTAL"]["cost"] is None and r["TOTAL"]["verdict"] == "not enough data"
    assert "commission" in result.table.reasons["cost"]


def test_partner_commission_is_of_the_filtered_period_and_slice(store):
    """P1 brings 4 google customers in January (claims of 10 each), 2 google customers in
    March (claims of 30) and 2 meta customers in January (claims of 50). The commission
    of a period or a slice is the claims on its orders, over its new customers:
    January: 4 x 10 + 2 x 50 = 140 for 6 customers; January on google: 40 for 4 (CAC 10);
    everything: 40 + 60 + 100 = 200 for 8 (CAC 25)."""
    jan, mar = dt.datetime(2024, 1, 10), dt.datetime(2024, 3, 10)
    plan = [("g", 4, jan, "google", 10.0), ("m", 2, mar, "google", 30.0),
            ("x", 2, jan, "meta", 50.0)]  # fmt: skip
    orders = [(f"{p}{i}", t, platform, fee) for p, n, t, platform, fee in plan for i in range(n)]
    ids = [o[0] for o in orders]
    store.write({
        "orders": pa.table({
            "order_id": ids, "customer_id": ids, "time": [o[1] for o in orders],
            "revenue": [100.0] * len(ids), "cogs": [40.0] * len(ids),
            "status": ["confirmed"] * len(ids), "currency": ["EUR"] * len(ids),
            "platform": [o[2] for o in orders], "partner_id": ["P1"] * len(ids)}),
        "partner_claims": pa.table({
            "claim_id": [f"c-{i}" for i in ids], "partner_id": ["P1"] * len(ids),
            "order_id": ids, "time": [o[1] for o in orders], "revenue": [100.0] * len(ids),
            "commission": [o[3] for o in orders], "currency": ["EUR"] * len(ids)}),
    })  # fmt: skip
    one = VerdictRules(min_customers=1)

    def p1(**filters):
        r = rows(ceilings(store, "partner", horizon_months=1, predicted=False, rules=one,
                          **filters))["P1"]  # fmt: skip
        return r["cost"], r["new_customers"], r["cac"]

    assert p1() == (200, 8, 25)
    assert p1(start="2024-01-01", end="2024-01-31") == (140, 6, 140 / 6)
    assert p1(start="2024-01-01", end="2024-01-31", where=["platform=google"]) == (40, 4, 10)
    assert p1(start="2024-03-01") == (60, 2, 30)


def test_one_healthy_threshold_for_calc_and_economics():
    """LTV/CAC "healthy" is one constant: payback.calc.formulas.HEALTHY_LTV_CAC (DOMAIN: 3)."""
    import inspect

    from payback.calc import HEALTHY_LTV_CAC, formulas
    from payback.cli.calc import ltv_cac_command
    from payback.cli.economics import economics_command

    assert HEALTHY_LTV_CAC == 3.0
    assert VerdictRules.__dataclass_fields__["healthy"].default is HEALTHY_LTV_CAC
    assert inspect.signature(formulas.ltv_cac).parameters["healthy"].default is HEALTHY_LTV_CAC
    for command in (ltv_cac_command, economics_command):  # the CLI defaults, as text
        assert inspect.signature(command).parameters["healthy"].default == "3", command


def test_cut_compares_the_cac_with_the_ceiling_and_says_so(store):
    """D: cost 1,000, 5 customers with 2 orders each through D in January (100 revenue,
    40 cogs each): CPO 1,000 / 10 = 100, CAC 1,000 / 5 = 200, 1-month margin LTV
    2 x 60 = 120 = the ceiling without other costs. The CPO is under the ceiling, the cost
    of one new customer is not: cut, and the reason shows both."""
    jan = dt.datetime(2024, 1, 31, 12)
    ids = [f"d{i}-{k}" for i in range(5) for k in (1, 2)]
    store.write({
        "orders": pa.table({
            "order_id": ids, "customer_id": [i.split("-")[0] for i in ids],
            "time": [jan] * 10, "revenue": [100.0] * 10, "cogs": [40.0] * 10,
            "status": ["confirmed"] * 10, "currency": ["EUR"] * 10,
            "platform": ["google"] * 10, "campaign": ["D"] * 10}),
        "ad_stats": pa.table({
            "date": [dt.date(2024, 1, 1)], "platform": ["google"], "campaign": ["D"],
            "impressions": [1000], "clicks": [100], "cost": [1000.0], "currency": ["EUR"]}),
    }, meta={"base_currency": "EUR"})  # fmt: skip
    d = rows(ceilings(store, "campaign", horizon_months=1, predicted=False,
                      rules=VerdictRules(min_customers=5)))["D"]  # fmt: skip
    assert (d["cpo"], d["cac"], d["marginal_cpo"]) == (100, 200, 120)
    assert d["verdict"] == "cut"
    assert d["reason"] == (
        "CAC 200.00 above the marginal CPO 120.00, the most one new customer may cost (CPO 100.00)"
    )
