"""Customer value and the ceilings it sets, from plain numbers: LTV, marginal CPO,
max CPL, LTV/CAC and max CPC (part of the API of ``payback calc``).

Examples
--------
>>> ltv(revenue=90_000, customers=300).value
300.0
>>> ltv_cac(ltv=300, cac=100).value
3.0
"""

from __future__ import annotations

from payback.calc._shared import _divide, _evaluate, _fraction, _nonneg, _require
from payback.calc.result import CalcResult, Step
from payback.errors import InputError
from payback.present.values import fixed

#: The LTV/CAC ratio at or above which a channel pays for itself sustainably (DOMAIN.md:
#: "the healthy ratio LTV/CAC is 3 or more"). The one definition: ``ltv_cac`` here, the
#: economics verdicts (:class:`payback.economics.VerdictRules`) and the report use it.
HEALTHY_LTV_CAC = 3.0

# -- customer value --------------------------------------------------------------------------------


def ltv(
    *,
    revenue: float | None = None,
    customers: float | None = None,
    aov: float | None = None,
    purchases: float | None = None,
    periods: float | None = None,
    margin: float | None = None,
    price: float | None = None,
) -> CalcResult:
    """Lifetime value, simple or decomposed (money per customer).

    - simple: ``LTV = revenue of the period / customers``;
    - decomposed: ``LTV = AOV x purchases per period x retention periods``;
    - ``margin`` (a fraction) turns either into the margin LTV (x margin);
    - ``price`` adds the step ``purchases_at_price = LTV / price`` (how many buys that
      LTV means at that price).

    >>> ltv(revenue=10_000_000, customers=1_000).value
    10000.0
    >>> ltv(revenue=10_000_000, customers=1_000, price=500).step("purchases_at_price").value
    20.0
    >>> ltv(aov=3_000, purchases=3, periods=1).value
    9000.0
    """
    simple = revenue is not None or customers is not None
    decomposed = aov is not None or purchases is not None or periods is not None
    complete = (
        (revenue is not None and customers is not None)
        if simple
        else (aov is not None and purchases is not None and periods is not None)
    )
    if simple == decomposed or not complete:
        raise InputError(
            "give either {revenue} and {customers} (LTV = revenue / customers) or "
            "{aov}, {purchases} and {periods} (LTV = aov x purchases x periods), not a mix",
            function="ltv",
        )
    steps: list[Step] = []
    if simple:
        revenue = _nonneg("ltv", "revenue", revenue)
        customers = _nonneg("ltv", "customers", customers)
        inputs = {"revenue": revenue, "customers": customers}
        value, why = _divide(revenue, customers, "customers is 0: no LTV per customer")
        formula = "revenue / customers"
    else:
        inputs = {
            "aov": _nonneg("ltv", "aov", aov),
            "purchases": _nonneg("ltv", "purchases", purchases),
            "periods": _nonneg("ltv", "periods", periods),
        }
        value, why = inputs["aov"] * inputs["purchases"] * inputs["periods"], None
        formula = "aov x purchases x periods"
    if margin is not None:
        inputs["margin"] = _fraction("ltv", "margin", margin, "gross margin")
        steps.append(Step("revenue_ltv", value, formula, "money"))
        formula = f"({formula}) x margin"
        value = None if value is None else value * inputs["margin"]
    if price is not None:
        inputs["price"] = _nonneg("ltv", "price", price)
        per = None if value is None or inputs["price"] == 0 else value / inputs["price"]
        steps.append(Step("purchases_at_price", per, "ltv / price", "count"))
    return CalcResult(
        metric="ltv",
        value=value,
        inputs=inputs,
        formula=formula,
        unit="money",
        reason=why,
        steps=tuple(steps),
    )


# -- ceilings --------------------------------------------------------------------------------------


def marginal_cpo(
    *,
    ltv: float | None = None,
    other_costs: float | None = None,
    customers: float | None = None,
    revenue: float | None = None,
    other_costs_per_customer: float | None = None,
    price: float | None = None,
    unit_cost: float | None = None,
) -> CalcResult:
    """The break-even acquisition cost: above it every new customer loses money (money).

    - with repeat purchases: ``marginal CPO = LTV - other_costs / customers``, where
      ``other_costs`` are all costs other than advertising; LTV is given, or computed as
      ``revenue / customers``; ``other_costs_per_customer`` may replace the division;
    - without repeat purchases: ``marginal CPO = price - unit_cost``.

    >>> marginal_cpo(ltv=20_000, other_costs=5_000_000, customers=500).value
    10000.0
    >>> r = marginal_cpo(revenue=10_000_000, other_costs=5_000_000, customers=500)
    >>> r.step("ltv").value, r.value
    (20000.0, 10000.0)
    >>> marginal_cpo(price=500, unit_cost=100).value
    400.0
    """
    unit = price is not None or unit_cost is not None
    repeat = any(
        v is not None for v in (ltv, other_costs, customers, revenue, other_costs_per_customer)
    )
    if unit == repeat:
        raise InputError(
            "give either {ltv} (or {revenue}) with {other_costs} and {customers} "
            "(marginal CPO = LTV - other costs / customers), or {price} and {unit_cost} "
            "(without repeat purchases: price - unit cost), not a mix",
            function="marginal_cpo",
        )
    if unit:
        price = _nonneg("marginal_cpo", "price", price)
        unit_cost = _nonneg("marginal_cpo", "unit_cost", unit_cost)
        return CalcResult(
            metric="marginal_cpo",
            value=price - unit_cost,
            inputs={"price": price, "unit_cost": unit_cost},
            formula="price - unit_cost",
            unit="money",
        )
    inputs: dict[str, float] = {}
    steps: list[Step] = []
    if (ltv is None) == (revenue is None):
        raise InputError(
            "give {ltv}, or {revenue} and {customers} to compute LTV = "
            "revenue / customers (one of the two)",
            function="marginal_cpo",
        )
    if customers is not None:
        inputs["customers"] = _nonneg("marginal_cpo", "customers", customers)
    if ltv is not None:
        ltv_value: float | None = _require("marginal_cpo", "ltv", ltv)
        inputs["ltv"] = ltv_value
        why = None
    else:
        if customers is None:
            raise InputError(
                "{revenue} needs {customers} (LTV = revenue / customers)",
                function="marginal_cpo",
            )
        inputs["revenue"] = _nonneg("marginal_cpo", "revenue", revenue)
        ltv_value, why = _divide(inputs["revenue"], inputs["customers"], "customers is 0: no LTV")
        steps.append(Step("ltv", ltv_value, "revenue / customers", "money"))
    if other_costs_per_customer is not None:
        if other_costs is not None:
            raise InputError(
                "give {other_costs} with {customers}, or {other_costs_per_customer}, not both",
                function="marginal_cpo",
            )
        per = _nonneg("marginal_cpo", "other_costs_per_customer", other_costs_per_customer)
        inputs["other_costs_per_customer"] = per
        formula = "ltv - other_costs_per_customer"
    else:
        if other_costs is None or customers is None:
            raise InputError(
                "missing {other_costs} and {customers} (all costs other than "
                "advertising, and the customers they serve); or give {other_costs_per_customer}",
                function="marginal_cpo",
            )
        inputs["other_costs"] = _nonneg("marginal_cpo", "other_costs", other_costs)
        per, why2 = _divide(inputs["other_costs"], inputs["customers"], "customers is 0")
        why = why or why2
        steps.append(Step("other_costs_per_customer", per, "other_costs / customers", "money"))
        formula = "ltv - other_costs / customers"
    value = None
    if ltv_value is not None and per is not None:
        value = _evaluate("marginal_cpo", {"ltv": ltv_value, "other_costs_per_customer": per})
    return CalcResult(
        metric="marginal_cpo",
        value=value,
        inputs=inputs,
        formula=formula,
        unit="money",
        reason=None if value is not None else (why or "undefined"),
        steps=tuple(steps),
    )


def max_cpl(
    *,
    share: float,
    conversion: float,
    average_check: float | None = None,
    margin: float | None = None,
    margin_amount: float | None = None,
) -> CalcResult:
    """Maximum allowable CPL/CPA (money per lead).

    ``max CPL = average check x margin x share x conversion``, or
    ``margin_amount x share x conversion`` when the margin per deal is known as an amount.
    ``margin`` (gross margin), ``share`` (of the margin the business will spend to win a
    deal) and ``conversion`` (lead to deal) are fractions in [0, 1].

    >>> r = max_cpl(average_check=700_000, margin=0.25, share=0.20, conversion=1 / 16)
    >>> r.step("margin_amount").value, r.step("max_cpa").value, r.value
    (175000.0, 35000.0, 2187.5)
    >>> max_cpl(margin_amount=500, share=1.0, conversion=0.9).value
    450.0
    """
    share_ = _fraction("max_cpl", "share", share, "share of the margin spent on acquisition")
    conv = _fraction("max_cpl", "conversion", conversion, "lead-to-deal conversion")
    steps: list[Step] = []
    if margin_amount is not None:
        if average_check is not None or margin is not None:
            raise InputError(
                "give {average_check} and {margin}, or {margin_amount}, not both",
                function="max_cpl",
            )
        amount = _nonneg("max_cpl", "margin_amount", margin_amount)
        inputs = {"margin_amount": amount}
        formula = "margin_amount x share x conversion"
    else:
        if average_check is None or margin is None:
            raise InputError(
                "missing {average_check} and {margin} (or give {margin_amount}, the "
                "margin of one deal as an amount)",
                function="max_cpl",
            )
        inputs = {
            "average_check": _nonneg("max_cpl", "average_check", average_check),
            "margin": _fraction("max_cpl", "margin", margin, "gross margin"),
        }
        amount = _evaluate(
            "margin_amount", {"aov": inputs["average_check"], "margin": inputs["margin"]}
        )
        steps.append(Step("margin_amount", amount, "average_check x margin", "money"))
        formula = "average_check x margin x share x conversion"
    inputs |= {"share": share_, "conversion": conv}
    values = {"margin_amount": amount, "share": share_, "conversion": conv}
    per_deal = _evaluate("max_cpa", values)
    steps.append(Step("max_cpa", per_deal, "margin_amount x share", "money"))
    return CalcResult(
        metric="max_cpl",
        value=_evaluate("max_cpl", values),
        inputs=inputs,
        formula=formula,
        unit="money",
        steps=tuple(steps),
    )


def ltv_cac(ltv: float, cac: float, *, healthy: float = HEALTHY_LTV_CAC) -> CalcResult:
    """``LTV / CAC`` with its verdict: ``healthy`` (3) or more is sustainable.

    Below 1 each customer costs more than they bring; between 1 and ``healthy`` the
    channel earns back its acquisition cost but too little to carry the business.

    >>> r = ltv_cac(ltv=50, cac=20)
    >>> r.value, r.verdict
    (2.5, 'not sustainable')
    """
    ltv = _require("ltv_cac", "ltv", ltv)
    cac = _nonneg("ltv_cac", "cac", cac)
    healthy = _nonneg("ltv_cac", "healthy", healthy)
    value = _evaluate("ltv_cac", {"ltv": ltv, "cac": cac})
    why = None if value is not None else "cac is 0: customers cost nothing, the ratio is undefined"
    if value is None:
        verdict, note = None, None
    elif value >= healthy:
        verdict = "sustainable"
        note = f"LTV/CAC {fixed(value, 2)} is {healthy:g} or more"
    else:
        verdict = "not sustainable"
        note = f"LTV/CAC {fixed(value, 2)} is below {healthy:g}" + (
            ": each customer costs more than they bring" if value < 1 else ""
        )
    return CalcResult(
        metric="ltv_cac",
        value=value,
        inputs={"ltv": ltv, "cac": cac, "healthy": healthy},
        formula="ltv / cac",
        unit="ratio",
        reason=why,
        verdict=verdict,
        note=note,
    )


def max_cpc(
    *,
    cpa: float | None = None,
    cr: float | None = None,
    drr: float | None = None,
    revenue_per_click: float | None = None,
) -> CalcResult:
    """Maximum cost per click: ``allowed CPA x CR`` or ``target DRR x revenue per click``.

    >>> max_cpc(cpa=375, cr=0.04).value
    15.0
    >>> max_cpc(drr=0.2, revenue_per_click=50).value
    10.0
    """
    if cpa is not None or cr is not None:
        if drr is not None or revenue_per_click is not None or cpa is None or cr is None:
            raise InputError(
                "give {cpa} and {cr} (max CPC = allowed CPA x CR), or {drr} and "
                "{revenue_per_click} (max CPC = target DRR x revenue per click)",
                function="max_cpc",
            )
        inputs = {
            "cpa": _nonneg("max_cpc", "cpa", cpa),
            "cr": _fraction("max_cpc", "cr", cr, "conversion rate"),
        }
        value = _evaluate("max_cpc", {"target_cpa": inputs["cpa"], "cr": inputs["cr"]})
        return CalcResult("max_cpc", value, inputs, "cpa x cr", "money")
    if drr is None or revenue_per_click is None:
        raise InputError(
            "give {cpa} and {cr} (max CPC = allowed CPA x CR), or {drr} and "
            "{revenue_per_click} (max CPC = target DRR x revenue per click)",
            function="max_cpc",
        )
    inputs = {
        "drr": _fraction("max_cpc", "drr", drr, "target share of advertising cost"),
        "revenue_per_click": _nonneg("max_cpc", "revenue_per_click", revenue_per_click),
    }
    return CalcResult(
        "max_cpc",
        inputs["drr"] * inputs["revenue_per_click"],
        inputs,
        "drr x revenue_per_click",
        "money",
    )
