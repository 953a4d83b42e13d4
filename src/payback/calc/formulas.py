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

from payback.calc._shared import (
    _evaluate,
    _fmt_plain,
    _fraction,
    _maybe_round,
    _nonneg,
    _require,
    _round_half_up,
    _simple,
)
from payback.calc.result import CalcResult, Step
from payback.calc.value import (  # re-exported: customer value and its ceilings live there
    HEALTHY_LTV_CAC,
    ltv,
    ltv_cac,
    marginal_cpo,
    max_cpc,
    max_cpl,
)
from payback.errors import InputError
from payback.metrics.catalogue import CATALOGUE

__all__ = [
    "HEALTHY_LTV_CAC",
    "aov",
    "cac",
    "cpa",
    "cpc",
    "cpm",
    "cpo",
    "cr",
    "ctr",
    "drr",
    "funnel",
    "ltv",
    "ltv_cac",
    "marginal_cpo",
    "max_cpc",
    "max_cpl",
    "metric",
    "roas",
    "roi",
    "romi",
]


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
