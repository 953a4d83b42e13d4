"""Every DOMAIN.md formula from plain numbers: the Python API of ``payback calc``.

Each function takes plain numbers (money in one currency, counts, rates as fractions:
CTR 1 % is ``0.01``) and returns a frozen :class:`CalcResult` holding the value, the
inputs, the formula and, when the value is undefined, the reason. A zero denominator
never gives ``inf`` or ``NaN``: the value is ``None`` and ``reason`` says why.
Impossible inputs (a negative cost, more invalid actions than actions, a margin over
100 %) raise :class:`payback.errors.InputError` naming the argument and the fix.

Examples
--------
>>> cpo(cost=200, orders=40).value
5.0
>>> ctr(clicks=100, impressions=10_000).value
0.01
>>> cpo(cost=200, orders=0).reason
'orders is 0: there is no cost per order without orders'
"""

from __future__ import annotations

import math

from payback.calc.result import CalcResult, Step
from payback.errors import InputError
from payback.metrics.catalogue import CATALOGUE

#: The LTV/CAC ratio at or above which a channel pays for itself sustainably (DOMAIN.md:
#: "the healthy ratio LTV/CAC is 3 or more"). The one definition: ``ltv_cac`` here, the
#: economics verdicts (:class:`payback.economics.VerdictRules`) and the report use it.
HEALTHY_LTV_CAC = 3.0


# -- validation -----------------------------------------------------------------------------------


def _require(metric: str, name: str, value: float | None) -> float:
    if value is None:
        raise InputError(f"missing {_opt(name)}", function=metric)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{_opt(name)} must be a number, got {value!r}", function=metric)
    value = float(value)
    if not math.isfinite(value):
        raise InputError(f"{_opt(name)} must be a finite number, got {value!r}", function=metric)
    return value


def _opt(name: str) -> str:
    """An argument in an :class:`InputError` message: ``{name}``, shown as the Python
    argument by the library and as its flag (``--name``) by the CLI."""
    return "{" + name + "}"


def _nonneg(metric: str, name: str, value: float | None) -> float:
    v = _require(metric, name, value)
    if v < 0:
        raise InputError(
            f"{_opt(name)} cannot be negative, got {_fmt_plain(v)}. "
            f"Fix: give the {name.replace('_', ' ')} as a positive amount or count",
            function=metric,
        )
    return v


def _fraction(metric: str, name: str, value: float | None, what: str) -> float:
    """A rate in [0, 1]; the message suggests a % sign for a value like 25."""
    v = _require(metric, name, value)
    if not 0 <= v <= 1:
        raise InputError(
            f"{_opt(name)} ({what}) must be between 0 and 100 %, got "
            f"{_fmt_plain(v)} (= {_fmt_plain(v * 100)} %). Fix: give a fraction like 0.25 or "
            "a percentage like 25% (a bare number is a fraction: 25 means 2,500 %)",
            function=metric,
        )
    return v


def _fmt_plain(v: float) -> str:
    return f"{v:,.6g}" if abs(v) < 1e15 else repr(v)


def _divide(num: float, den: float, reason: str) -> tuple[float | None, str | None]:
    if den == 0:
        return None, reason
    q = num / den
    if not math.isfinite(q):
        return None, f"{num!r} / {den!r} is too large to represent: the denominator is ~0"
    return q, None


def _evaluate(metric: str, values: dict[str, float]) -> float | None:
    """The catalogue's one definition of ``metric`` on plain numbers
    (:meth:`payback.metrics.catalogue.Metric.evaluate`): None when undefined."""
    return CATALOGUE[metric].evaluate(values)


def _simple(
    metric: str,
    num_name: str,
    num: float,
    den_name: str,
    den: float,
    reason: str,
    *,
    parts: dict[str, str] | None = None,
    formula: str | None = None,
) -> CalcResult:
    """A catalogue ratio from two numbers; ``parts`` maps the calculator's argument names
    to the catalogue's part names (``customers`` -> ``new_customers``)."""
    names = parts or {}
    value = _evaluate(
        metric, {names.get(num_name, num_name): num, names.get(den_name, den_name): den}
    )
    why = None
    if value is None:
        why = f"{den_name} is 0: {reason}" if den == 0 else _too_large(num, den)
    return CalcResult(
        metric=metric,
        value=value,
        inputs={num_name: num, den_name: den},
        formula=formula or f"{num_name} / {den_name}",
        unit=CATALOGUE[metric].unit,
        reason=why,
    )


def _too_large(num: float, den: float) -> str:
    return f"{num!r} / {den!r} is too large to represent: the denominator is ~0"


# -- advertising efficiency ------------------------------------------------------------------------


def cpo(cost: float, orders: float) -> CalcResult:
    """Cost per order: ``CPO = cost / confirmed orders`` (money per order).

    A CPA whose action is a confirmed purchase. None when there are no orders.

    >>> cpo(cost=200, orders=40).value          # a banner: 200 of ads, 40 orders
    5.0
    >>> round(cpo(cost=100_000, orders=150).value, 2)
    666.67
    """
    cost, orders = _nonneg("cpo", "cost", cost), _nonneg("cpo", "orders", orders)
    return _simple(
        "cpo", "cost", cost, "orders", orders, "there is no cost per order without orders"
    )


def cpa(cost: float, actions: float, invalid: float = 0.0) -> CalcResult:
    """Cost per valid target action: ``CPA = cost / (actions - invalid)`` (money per action).

    ``actions`` counts every call, form, e-mail, chat, sign-up or trial order;
    ``invalid`` the failed calls, duplicates and spam among them, which are excluded.

    >>> cpa(cost=100_000, actions=1_000).value
    100.0
    >>> r = cpa(cost=18_549, actions=14 + 22 + 7, invalid=3 + 4)
    >>> r.step("valid_actions").value, r.value
    (36.0, 515.25)
    """
    cost = _nonneg("cpa", "cost", cost)
    actions = _nonneg("cpa", "actions", actions)
    invalid = _nonneg("cpa", "invalid", invalid)
    if invalid > actions:
        raise InputError(
            f"{{invalid}} ({_fmt_plain(invalid)}) is larger than {{actions}} "
            f"({_fmt_plain(actions)}): invalid actions are a part of all actions. "
            "Fix: pass every action, valid or not, as {actions}",
            function="cpa",
        )
    valid = actions - invalid
    value = _evaluate("cpa", {"cost": cost, "leads": valid})
    why = None if value is not None else "no valid actions (actions - invalid is 0)"
    return CalcResult(
        metric="cpa",
        value=value,
        inputs={"cost": cost, "actions": actions, "invalid": invalid},
        formula="cost / (actions - invalid)",
        unit="money",
        reason=why,
        steps=(Step("valid_actions", valid, "actions - invalid", "count"),),
    )


def ctr(clicks: float, impressions: float) -> CalcResult:
    """Click-through rate: ``CTR = clicks / impressions`` (a fraction; 0.01 is 1 %).

    >>> ctr(clicks=100, impressions=10_000).value
    0.01
    >>> ctr(clicks=1_000, impressions=10_000).value
    0.1
    """
    clicks = _nonneg("ctr", "clicks", clicks)
    impressions = _nonneg("ctr", "impressions", impressions)
    if clicks > impressions:
        raise InputError(
            f"{{clicks}} ({_fmt_plain(clicks)}) exceeds {{impressions}} "
            f"({_fmt_plain(impressions)}); a CTR cannot pass 100 %. Fix: check the two numbers",
            function="ctr",
        )
    return _simple("ctr", "clicks", clicks, "impressions", impressions, "no impressions, no CTR")


def cr(actions: float, visits: float) -> CalcResult:
    """Conversion rate: ``CR = target actions (or orders) / visits (or clicks)`` (a fraction).

    >>> cr(actions=10, visits=100).value     # 10 of 100 visitors leave their phone
    0.1
    """
    actions, visits = _nonneg("cr", "actions", actions), _nonneg("cr", "visits", visits)
    parts = {"actions": "orders", "visits": "clicks"}
    return _simple("cr", "actions", actions, "visits", visits, "no visits, no CR", parts=parts)


def cpc(cost: float, clicks: float) -> CalcResult:
    """Cost per click: ``CPC = cost / clicks`` (money per click).

    The average of bids 1.5, 2 and 2.5 with one click each is 2:

    >>> cpc(cost=1.5 + 2 + 2.5, clicks=3).value
    2.0
    """
    cost, clicks = _nonneg("cpc", "cost", cost), _nonneg("cpc", "clicks", clicks)
    return _simple("cpc", "cost", cost, "clicks", clicks, "no clicks, no cost per click")


def cpm(cost: float, impressions: float) -> CalcResult:
    """Cost per thousand impressions: ``CPM = cost / impressions x 1000`` (money).

    >>> cpm(cost=250, impressions=100_000).value
    2.5
    """
    cost, impressions = _nonneg("cpm", "cost", cost), _nonneg("cpm", "impressions", impressions)
    return _simple(
        "cpm",
        "cost",
        cost,
        "impressions",
        impressions,
        "no impressions, no CPM",
        formula="cost / impressions x 1000",
    )


def cac(cost: float, customers: float) -> CalcResult:
    """Customer acquisition cost: ``CAC = cost / newly acquired customers`` (money).

    Only first orders count as new customers.

    >>> cac(cost=50_000, customers=100).value
    500.0
    """
    cost, customers = _nonneg("cac", "cost", cost), _nonneg("cac", "customers", customers)
    return _simple(
        "cac",
        "cost",
        cost,
        "customers",
        customers,
        "no new customers, no CAC",
        parts={"customers": "new_customers"},
    )


def aov(revenue: float, orders: float) -> CalcResult:
    """Average order value (average check): ``AOV = revenue / orders`` (money).

    >>> aov(revenue=9_000, orders=3).value
    3000.0
    """
    revenue, orders = _nonneg("aov", "revenue", revenue), _nonneg("aov", "orders", orders)
    return _simple("aov", "revenue", revenue, "orders", orders, "no orders, no AOV")


def drr(cost: float, revenue: float) -> CalcResult:
    """Share of advertising cost (DRR, ACoS): ``DRR = cost / revenue`` (a fraction).

    Lower is better; the inverse of ROAS.

    >>> drr(cost=500_000, revenue=1_000_000).value
    0.5
    >>> round(drr(cost=10_000, revenue=30_000).value, 3)
    0.333
    """
    cost, revenue = _nonneg("drr", "cost", cost), _nonneg("drr", "revenue", revenue)
    return _simple("drr", "cost", cost, "revenue", revenue, "no attributed revenue, no DRR")


def roas(revenue: float, cost: float) -> CalcResult:
    """Return on ad spend: ``ROAS = revenue / cost`` (a ratio; 3.0 = 3 of revenue per 1 of ads).

    >>> roas(revenue=30_000, cost=10_000).value
    3.0
    """
    revenue, cost = _nonneg("roas", "revenue", revenue), _nonneg("roas", "cost", cost)
    return _simple("roas", "revenue", revenue, "cost", cost, "no ad spend, no ROAS")


def roi(revenue: float, investment: float) -> CalcResult:
    """Return on investment: ``ROI = (revenue - investment) / investment`` (a fraction).

    >>> roi(revenue=3_000_000, investment=1_000_000).value    # 200 %
    2.0
    """
    revenue = _nonneg("roi", "revenue", revenue)
    investment = _nonneg("roi", "investment", investment)
    value = _evaluate("roi", {"revenue": revenue, "cost": investment})
    why = None if value is not None else "investment is 0: no ROI"
    return CalcResult(
        metric="roi",
        value=value,
        inputs={"revenue": revenue, "investment": investment},
        formula="(revenue - investment) / investment",
        unit="rate",
        reason=why,
    )


def romi(
    marketing_cost: float,
    gross_profit: float | None = None,
    *,
    revenue: float | None = None,
    cogs: float | None = None,
) -> CalcResult:
    """Return on marketing investment: ``ROMI = (gross profit - marketing cost) / marketing cost``.

    A fraction. Gross profit = revenue - cost of goods; give it, or ``revenue`` and ``cogs``.

    >>> romi(marketing_cost=100_000, gross_profit=300_000).value
    2.0
    >>> romi(marketing_cost=100_000, revenue=1_000_000, cogs=700_000).value
    2.0
    """
    marketing_cost = _nonneg("romi", "marketing_cost", marketing_cost)
    steps: tuple[Step, ...] = ()
    inputs: dict[str, float] = {"marketing_cost": marketing_cost}
    if gross_profit is None:
        if revenue is None or cogs is None:
            raise InputError(
                "give {gross_profit}, or {revenue} and {cogs} (gross profit = revenue - "
                "cost of goods)",
                function="romi",
            )
        revenue, cogs = _nonneg("romi", "revenue", revenue), _nonneg("romi", "cogs", cogs)
        gross_profit = revenue - cogs
        inputs |= {"revenue": revenue, "cogs": cogs}
        steps = (Step("gross_profit", gross_profit, "revenue - cogs", "money"),)
    else:
        gross_profit = _require("romi", "gross_profit", gross_profit)
        inputs["gross_profit"] = gross_profit
    value = _evaluate("romi", {"gross_profit": gross_profit, "cost": marketing_cost})
    why = None if value is not None else "marketing_cost is 0: no ROMI"
    return CalcResult(
        metric="romi",
        value=value,
        inputs=inputs,
        formula="(gross_profit - marketing_cost) / marketing_cost",
        unit="rate",
        reason=why,
        steps=steps,
    )


def funnel(cost: float, impressions: float, ctr: float, cr: float) -> CalcResult:
    """CPA when only rates are known: clicks = impressions x CTR, actions = clicks x CR.

    ``CPA = cost / (impressions x CTR x CR)`` (money per action). ``ctr`` and ``cr`` are
    fractions. The clicks and actions are expected values; the actions are *reported*
    as a whole number and the CPA to whole money units, the precision that rates given to
    two significant digits support (the exact values stay in ``value`` / ``steps``).

    >>> r = funnel(cost=144_000, impressions=14_535_855, ctr=0.0016, cr=0.034)
    >>> round(r.step("clicks").value, 1), round(r.step("actions").value, 2)
    (23257.4, 790.75)
    >>> r.step("actions").reported, r.reported
    (791.0, 182.0)
    """
    cost = _nonneg("funnel", "cost", cost)
    impressions = _nonneg("funnel", "impressions", impressions)
    ctr_ = _fraction("funnel", "ctr", ctr, "click-through rate")
    cr_ = _fraction("funnel", "cr", cr, "conversion rate")
    clicks = impressions * ctr_
    actions = clicks * cr_
    value = _evaluate("cpa", {"cost": cost, "leads": actions})
    why = None if value is not None else "the funnel yields 0 actions: no CPA"
    return CalcResult(
        metric="funnel",
        value=value,
        inputs={"cost": cost, "impressions": impressions, "ctr": ctr_, "cr": cr_},
        formula="cost / actions",
        unit="money",
        reason=why,
        steps=(
            Step("clicks", clicks, "impressions x ctr", "count"),
            Step("actions", actions, "clicks x cr", "count", reported=_round_half_up(actions)),
            Step("cpa", value, "cost / actions", "money", reported=_maybe_round(value)),
        ),
        reported=_maybe_round(value),
        note="actions reported as a whole number, CPA to whole money units",
    )


def _round_half_up(x: float) -> float:
    return float(math.floor(x + 0.5))


def _maybe_round(x: float | None) -> float | None:
    return None if x is None else _round_half_up(x)


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
        note = f"LTV/CAC {value:.2f} is {healthy:g} or more"
    else:
        verdict = "not sustainable"
        note = f"LTV/CAC {value:.2f} is below {healthy:g}" + (
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


# -- any catalogue metric -------------------------------------------------------------------------


def metric(name: str, **values: float) -> CalcResult:
    """Any metric of the catalogue from plain numbers, by its one definition.

    ``values`` are the metric's inputs by their catalogue names (its parts, or metrics it
    is built from: ``ltv`` and ``cac`` for ``ltv_cac``); every catalogue metric, a metric
    added with :func:`payback.metrics.register_metric` included, is computed the way the
    engine computes it at a grain. Missing (None, with the reason) when a denominator is 0.

    Raises
    ------
    InputError
        For an unknown metric (the message lists them), a value the formula needs but
        was not given (the message names it), or a value that is not a finite number.

    Examples
    --------
    >>> metric("cpo", cost=200, orders=40).value
    5.0
    >>> r = metric("ltv_cac", ltv=50, cac=20)
    >>> r.value, r.formula, r.unit
    (2.5, 'ltv / cac', 'ratio')
    >>> metric("romi", revenue=1000, cogs=400, cost=200).step("gross_profit").value
    600.0
    >>> metric("drr", cost=10, revenue=0).reason
    'revenue is 0: the denominator of cost / revenue'
    >>> metric("romi", cost=10)
    Traceback (most recent call last):
    ...
    payback.errors.InputError: romi: gross_profit is needed (revenue - cost of goods) ...
    """
    from payback.metrics.catalogue import resolve_metrics

    (key,) = resolve_metrics([name])
    m = CATALOGUE[key]
    inputs = {k: _require(key, k, v) for k, v in values.items()}
    try:
        value = m.evaluate(inputs)
    except InputError:
        need = _missing_input(m, inputs)
        raise InputError(
            f"{{{need}}} is needed ({CATALOGUE[need].formula}) for {m.formula}; got "
            f"{', '.join(inputs) or 'no value'}",
            function=key,
        ) from None
    steps = tuple(_built_inputs(m, inputs, {}).values())
    reason = None
    if value is None:
        zero = [n for n in m.inputs if inputs.get(n) == 0 and n == m.denominator]
        reason = (
            f"{zero[0]} is 0: the denominator of {m.formula}" if zero else "an input is missing"
        )
    return CalcResult(
        metric=key,
        value=value,
        inputs=inputs,
        formula=m.expression,
        unit=m.unit,
        reason=reason,
        steps=steps,
    )


def _built_inputs(m, given, out: dict[str, Step]) -> dict[str, Step]:
    """The inputs of ``m`` built from the given ones, innermost first, as steps."""
    for name in m.inputs:
        if name not in given and name not in out:
            inner = CATALOGUE[name]
            _built_inputs(inner, given, out)
            out[name] = Step(name, inner.evaluate(given), inner.expression, inner.unit)
    return out


def _missing_input(m, given) -> str:
    """The first input of ``m`` that is not given and cannot be built from what is."""
    for name in m.inputs or (m.name,):
        try:
            CATALOGUE[name].evaluate(given)
        except InputError:
            return name
    return m.name
