"""The metric catalogue: every metric payback computes, each defined once.

Each :class:`Metric` says what it is (name, label, formula, unit, whether lower is
better) and how it is built: from **additive parts** (sums a data side aggregates,
:mod:`payback.metrics.sides`), from **inputs** an analysis supplies (an LTV, a margin,
a target), or from other metrics (difference, ratio, product). One definition is
evaluated on plain numbers (the calculator), on pandas Series (the report, economics)
and on Ibis expressions (the engine, at any grain): :meth:`Metric.evaluate`. Every
ratio at a grain is a ratio of sums, never a mean of per-row ratios, and a zero or
missing denominator gives a missing value with a reason.

Parts
-----
======================  ============  ===================================================
part                    side          sum of
======================  ============  ===================================================
impressions             ads           ``ad_stats.impressions``
clicks                  ads           ``ad_stats.clicks``
cost                    ads           ``ad_stats.cost`` (ad spend)
platform_conversions    ads           ``ad_stats.conversions`` (what the platform reports)
platform_revenue        ads           ``ad_stats.conversion_value``
orders                  orders        1 per order with status ``confirmed``
revenue                 orders        ``orders.revenue`` of confirmed orders
cogs                    orders        ``orders.cogs`` of confirmed orders
cogs_missing            orders        1 per confirmed order whose ``cogs`` is empty
new_customers           new           1 per customer, in the row of their first confirmed
                                      order (the store's ``acquisitions`` table)
leads                   leads         1 per lead with status ``valid``
ad_rows                 ads           1 per ad row (marks the rows that have ad statistics)
======================  ============  ===================================================

Metrics whose inputs are not all parts (LTV/CAC, marginal CPO, headroom, max CPA, max
CPC) are computed by the analyses and the calculator from the same definitions; the
engine refuses them at a grain with the reason (:attr:`Metric.at_grain`).

Examples
--------
>>> from payback.metrics.catalogue import CATALOGUE, resolve_metrics
>>> CATALOGUE["cpo"].formula
'cost / confirmed orders'
>>> CATALOGUE["drr"].unit, CATALOGUE["drr"].lower_is_better
('rate', True)
>>> resolve_metrics(["CPL", "acos", "cpo"])
('cpa', 'drr', 'cpo')
>>> sorted(CATALOGUE["romi"].parts)
['cogs', 'cogs_missing', 'cost', 'revenue']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from payback.errors import InputError
from payback.metrics.algebra import _Algebra, _algebra
from payback.metrics.sides import PART_SIDE, SIDES

Unit = Literal["money", "count", "rate", "ratio"]
Kind = Literal["sum", "input", "difference", "ratio", "product"]


@dataclass(frozen=True)
class Metric:
    """One metric of the catalogue.

    Attributes
    ----------
    name : str
        Identifier used everywhere: the CLI, the API, the calculator, the report, the
        dashboard (``cpo``, ``drr``, ``ltv_cac`` ...). A name means one thing.
    label : str
        Short human label for tables (``CPO``).
    formula : str
        The formula in words, e.g. ``"cost / confirmed orders"``.
    unit : {"money", "count", "rate", "ratio"}
        ``rate`` values are fractions (CTR 1 % is 0.01), shown as percentages to humans;
        ``ratio`` values are plain multiples (ROAS 2.0).
    lower_is_better : bool or None
        The better direction; None when neither is (cost, the platform gap).
    description : str
        What it means and how to read it.
    kind : {"sum", "input", "difference", "ratio", "product"}
        ``sum``: an additive part a data side sums (:data:`payback.metrics.sides.PARTS`);
        ``input``: a value an analysis supplies (an LTV, a margin, a target), not summed
        by the engine; ``difference``: ``numerator - denominator``; ``ratio``:
        ``(numerator + offset x denominator) / denominator x scale``; ``product``: the
        product of ``factors``.
    numerator, denominator : str or None
        The metric names the value is built from (difference and ratio metrics).
    scale, offset : float
        ``cpm`` scales by 1000; ``roi`` and ``romi`` have offset -1: ``(x - cost) / cost``.
    needs_cogs : bool
        Missing when a confirmed order in the row has no cost of goods.
    factors : tuple of str
        The metric names multiplied by a ``product`` metric.
    """

    name: str
    label: str
    formula: str
    unit: Unit
    lower_is_better: bool | None
    description: str
    kind: Kind = "sum"
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 1.0
    offset: float = 0.0
    needs_cogs: bool = False
    factors: tuple[str, ...] = ()

    @property
    def inputs(self) -> tuple[str, ...]:
        """The metric names this one is built from, in formula order (none for a sum or
        an input)."""
        if self.kind == "product":
            return self.factors
        if self.kind in ("difference", "ratio"):
            assert self.numerator is not None and self.denominator is not None
            return (self.numerator, self.denominator)
        return ()

    @property
    def parts(self) -> frozenset[str]:
        """The additive parts (and analysis inputs) this metric is computed from."""
        if self.kind in ("sum", "input"):
            own = {self.name} | ({"cogs_missing"} if self.needs_cogs else set())
            return frozenset(own)
        return frozenset().union(*(CATALOGUE[n].parts for n in self.inputs))

    @property
    def expression(self) -> str:
        """The formula in the names of its inputs (:attr:`formula` says it in words).

        >>> CATALOGUE["romi"].expression, CATALOGUE["max_cpl"].expression
        ('(gross_profit - cost) / cost', 'max_cpa x conversion')
        """
        if self.kind in ("sum", "input"):
            return self.name
        if self.kind == "product":
            return " x ".join(self.factors)
        num, den = self.inputs
        if self.kind == "difference":
            return f"{num} - {den}"
        top = f"({num} - {den})" if self.offset == -1 else num
        return f"{top} / {den}" + (f" x {self.scale:g}" if self.scale != 1 else "")

    @property
    def at_grain(self) -> bool:
        """True when the engine can compute the metric at any grain: every part is summed
        by a data side (LTV/CAC, max CPA ... need an analysis's inputs).

        >>> CATALOGUE["cpo"].at_grain, CATALOGUE["ltv_cac"].at_grain
        (True, False)
        """
        return all(p in PART_SIDE for p in self.parts)

    @property
    def sides(self) -> frozenset[str]:
        """The data sides (``ads``, ``orders``, ``new``, ``leads`` ...) whose rows the
        metric needs."""
        return frozenset(PART_SIDE[p] for p in self.parts if p in PART_SIDE)

    @property
    def paid_only(self) -> bool:
        """True when the metric relates the paid side (ad statistics) to another side
        (CPO, CAC, CPA, DRR, ROAS, ROI, ROMI, CR, lead CR, the CRM-vs-platform gaps).

        Its total is taken over the paid rows only (``Total (paid)``): orders without ad
        statistics (organic, newsletter, partner) would dilute it.

        >>> CATALOGUE["cpo"].paid_only, CATALOGUE["ctr"].paid_only, CATALOGUE["aov"].paid_only
        (True, False, False)
        """
        return any(SIDES[s].paid for s in self.sides) and len(self.sides) > 1

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """The metric from the values of its inputs, by its one formula.

        ``values`` maps part or metric names to plain numbers, pandas Series or Ibis
        expressions (all of one kind); a metric given in ``values`` is taken as given,
        else it is built from its own inputs. The result is of the same kind: a float or
        None, a nullable ``Float64`` Series with ``<NA>``, an Ibis expression with NULL.

        Null behaviour: a missing input gives a missing value; a ratio with a zero
        denominator is missing (never inf or NaN); a ``needs_cogs`` sum is missing when
        ``cogs_missing`` is above 0.

        Raises
        ------
        InputError
            When a value the formula needs is not in ``values`` (the message names it).

        Examples
        --------
        >>> CATALOGUE["cpo"].evaluate({"cost": 200, "orders": 40})
        5.0
        >>> CATALOGUE["cpo"].evaluate({"cost": 200, "orders": 0}) is None
        True
        >>> CATALOGUE["romi"].evaluate({"cost": 100, "revenue": 1000, "cogs": 700,
        ...                             "cogs_missing": 0})
        2.0
        >>> import pandas as pd
        >>> CATALOGUE["drr"].evaluate({"cost": pd.Series([10, 5]), "revenue": pd.Series([30, 0])})
        0    0.333333
        1        <NA>
        dtype: Float64
        >>> CATALOGUE["ltv_cac"].evaluate({"ltv": 50, "cac": 20})   # DOMAIN.md: 2.5 < 3
        2.5
        """
        return self._value(values, _algebra(values))

    def _value(self, values: Mapping[str, Any], algebra: _Algebra) -> Any:
        if self.name in values:
            value = values[self.name]
        elif self.kind in ("sum", "input"):
            raise InputError(
                f"missing a value for {self.name!r} ({self.formula}); got values for "
                f"{', '.join(values) or 'nothing'}"
            )
        else:
            args = [CATALOGUE[n]._value(values, algebra) for n in self.inputs]
            return self._combine(args, algebra)
        if self.needs_cogs and "cogs_missing" in values:
            value = algebra.missing_where(value, values["cogs_missing"])
        return value

    def _combine(self, args: list[Any], algebra: _Algebra) -> Any:
        if self.kind == "difference":
            return algebra.sub(args[0], args[1])
        if self.kind == "product":
            out = args[0]
            for a in args[1:]:
                out = algebra.mul(out, a)
            return out
        num, den = args
        return algebra.ratio(num, den, self.offset, self.scale)


def _sum(name, label, formula, unit, better, description, **kw) -> Metric:
    return Metric(name, label, formula, unit, better, description, **kw)


def _ratio(name, label, formula, unit, better, description, num, den, **kw) -> Metric:
    return Metric(name, label, formula, unit, better, description, "ratio", num, den, **kw)


_METRICS: tuple[Metric, ...] = (
    # -- ad side sums ---------------------------------------------------------------------------
    _sum("impressions", "Impressions", "sum of impressions", "count", False,
         "How many times the ads were shown."),
    _sum("clicks", "Clicks", "sum of clicks", "count", False, "Clicks on the ads."),
    _sum("cost", "Cost", "sum of ad spend", "money", None,
         "Advertising spend in the store's currency."),
    _sum("platform_conversions", "Platform conv.", "sum of conversions the platform reports",
         "count", False,
         "Conversions as the ad platform counts them (its own attribution, often more than "
         "the shop's confirmed orders); compare with `orders`."),
    _sum("platform_revenue", "Platform conv. value", "sum of conversion value the platform reports",
         "money", False, "Revenue as the ad platform reports it; compare with `revenue`."),
    # -- order side sums ------------------------------------------------------------------------
    _sum("leads", "Leads", "count of valid leads", "count", False,
         "Target actions (calls, forms, e-mails, chats, sign-ups, trial orders) with status "
         "valid: failed calls, duplicates and spam are excluded."),
    _sum("orders", "Orders", "count of confirmed orders", "count", False,
         "Orders with status confirmed (cancelled, returned and pending ones do not count)."),
    _sum("new_customers", "New customers", "count of customers whose first confirmed order "
         "falls in the row", "count", False,
         "Newly acquired customers: a customer is counted once, in the row of their first "
         "confirmed order, and belongs to that order's source (acquisition source)."),
    _sum("revenue", "Revenue", "sum of revenue of confirmed orders", "money", False,
         "Sales attributed to the row (confirmed orders only)."),
    _sum("cogs", "COGS", "sum of cost of goods of confirmed orders", "money", True,
         "Cost of goods sold; missing when any confirmed order of the row lacks it.",
         needs_cogs=True),
    Metric("gross_profit", "Gross profit", "revenue - cost of goods", "money", False,
           "Revenue minus cost of goods of confirmed orders (before advertising).",
           "difference", "revenue", "cogs"),
    # -- gaps between the shop (CRM) and the platform -------------------------------------------
    Metric("conversion_gap", "Conv. gap", "platform conversions - confirmed orders", "count", None,
           "How many more conversions the platform claims than the shop confirmed "
           "(negative: the platform sees fewer).",
           "difference", "platform_conversions", "orders"),
    Metric("revenue_gap", "Revenue gap", "platform conversion value - revenue", "money", None,
           "How much more revenue the platform claims than the shop's confirmed orders hold.",
           "difference", "platform_revenue", "revenue"),
    _ratio("cost_per_result", "Cost / result (platform)", "cost / platform-reported results",
           "money", True,
           "Cost per result as the ad platform reports it (Meta's \"Cost per result\", "
           "Google's \"Cost / conv.\"): the platform's own conversions, often more than the "
           "shop confirms; compare with `cpo`.", "cost", "platform_conversions"),
    _ratio("platform_roas", "ROAS (platform)", "platform-reported conversion value / cost",
           "ratio", False,
           "Return on ad spend as the ad platform reports it (Google's \"Conv. value / "
           "cost\", Meta's purchase ROAS); compare with `roas`.",
           "platform_revenue", "cost"),
    _ratio("platform_overcount", "Platform / CRM", "platform-reported results / confirmed "
           "orders", "ratio", None,
           "How many conversions the platform claims per order the shop confirmed (1.25: a "
           "quarter more than the shop); CPO = cost per result x this ratio.",
           "platform_conversions", "orders"),
    # -- ratios ---------------------------------------------------------------------------------
    _ratio("ctr", "CTR", "clicks / impressions", "rate", False,
           "Click-through rate: 100 clicks on 10,000 impressions is 1 %.",
           "clicks", "impressions"),
    _ratio("cr", "CR", "confirmed orders / clicks", "rate", False,
           "Conversion rate of clicks into confirmed orders.", "orders", "clicks"),
    _ratio("lead_cr", "Lead CR", "valid leads / clicks", "rate", False,
           "Conversion rate of clicks into valid leads (target actions).", "leads", "clicks"),
    _ratio("cpm", "CPM", "cost / impressions x 1000", "money", True,
           "Cost of a thousand impressions.", "cost", "impressions", scale=1000.0),
    _ratio("cpc", "CPC", "cost / clicks", "money", True,
           "Average cost of a click (bids 1.5, 2 and 2.5 with one click each give 2).",
           "cost", "clicks"),
    _ratio("cpa", "CPA", "cost / valid leads", "money", True,
           "Cost per action (CPL): failed calls, duplicates and spam do not count as actions.",
           "cost", "leads"),
    _ratio("cpo", "CPO", "cost / confirmed orders", "money", True,
           "Cost per order: a CPA whose action is a confirmed purchase.", "cost", "orders"),
    _ratio("cac", "CAC", "cost / new customers", "money", True,
           "Customer acquisition cost: ad spend per newly acquired customer.",
           "cost", "new_customers"),
    _ratio("aov", "AOV", "revenue / confirmed orders", "money", False,
           "Average order value (average check).", "revenue", "orders"),
    _ratio("drr", "DRR", "cost / revenue", "rate", True,
           "Share of advertising cost in attributed revenue (ACoS); the inverse of ROAS.",
           "cost", "revenue"),
    _ratio("margin_rate", "Margin rate", "gross profit / revenue", "rate", False,
           "Gross margin of the confirmed orders as a share of their revenue (revenue 200 "
           "with cost of goods 150 gives 25 %); missing when any order lacks cost of goods.",
           "gross_profit", "revenue"),
    _ratio("revenue_per_click", "Revenue / click", "revenue / clicks", "money", False,
           "Attributed revenue of confirmed orders per ad click: what a click is worth.",
           "revenue", "clicks"),
    _ratio("roas", "ROAS", "revenue / cost", "ratio", False,
           "Return on ad spend: revenue per unit of ad cost.", "revenue", "cost"),
    _ratio("roi", "ROI", "(revenue - cost) / cost", "rate", False,
           "Return on the advertising investment, on the ad side only: the investment is "
           "the ad cost of the row (other costs are not in the store's ad data).",
           "revenue", "cost", offset=-1.0),
    _ratio("romi", "ROMI", "(gross profit - cost) / cost", "rate", False,
           "Return on marketing investment: gross profit (revenue - cost of goods) left "
           "after the ad cost, per unit of ad cost.",
           "gross_profit", "cost", offset=-1.0),
    # -- inputs an analysis supplies (not summed by the engine) ---------------------------------
    Metric("ltv", "LTV", "lifetime value per customer (cohort or predicted, revenue or "
           "margin basis)", "money", False,
           "What a customer brings over the horizon: from payback ltv (cohort) or a model "
           "(predicted); the basis (revenue or gross margin) is stated where it is shown.",
           "input"),
    Metric("other_costs_per_customer", "Other costs / customer",
           "non-advertising costs / customers served", "money", True,
           "Every cost other than advertising (rent, salaries, delivery ...) per customer "
           "over the same horizon as the LTV.", "input"),
    Metric("margin", "Margin", "gross margin as a share of the price", "rate", False,
           "Gross margin: (price - cost of goods) / price.", "input"),
    Metric("share", "Share", "share of the margin spent to win a deal", "rate", None,
           "How much of a deal's margin the business will spend on acquiring it.", "input"),
    Metric("conversion", "Lead-to-deal", "deals / leads", "rate", False,
           "Share of leads (requests) that become deals (orders).", "input"),
    Metric("target_cpa", "Target CPA", "the most one action may cost", "money", True,
           "An allowed cost per action (a target, or a ceiling such as max CPA).", "input"),
    Metric("target_drr", "Target DRR", "the largest share of revenue advertising may take",
           "rate", True, "An allowed DRR (ACoS): ad cost / revenue at most this.", "input"),
    # -- what a customer may cost: ceilings ------------------------------------------------------
    _ratio("ltv_cac", "LTV/CAC", "LTV / CAC", "ratio", False,
           "How many times a customer's value covers their acquisition cost (LTV 50 and "
           "CAC 20 give 2.5); the verdicts compare it with 3.", "ltv", "cac"),
    Metric("marginal_cpo", "Marginal CPO", "LTV - other costs per customer", "money", False,
           "The break-even acquisition cost: above it every new customer loses money.",
           "difference", "ltv", "other_costs_per_customer"),
    Metric("headroom", "Headroom", "marginal CPO - CAC", "money", False,
           "How much more a new customer may cost before the break-even (negative: each "
           "one loses money now).", "difference", "marginal_cpo", "cac"),
    Metric("margin_amount", "Margin per order", "average check x margin", "money", False,
           "Gross margin of one order (deal): the average check times the margin.",
           "product", factors=("aov", "margin")),
    Metric("max_cpa", "Max CPA", "average check x margin x share", "money", False,
           "The most one order (deal) may cost: its margin times the share of it the "
           "business spends to win a deal (car dealer: 700,000 x 25 % x 20 % = 35,000).",
           "product", factors=("margin_amount", "share")),
    Metric("max_cpl", "Max CPL", "max CPA x lead-to-deal", "money", False,
           "The most one lead (request) may cost: max CPA times the share of leads that "
           "become deals (1 in 16 test-drive requests: 35,000 / 16 = 2,187.5).",
           "product", factors=("max_cpa", "conversion")),
    Metric("cpl_headroom", "CPL headroom", "max CPL - CPL", "money", False,
           "How much more one lead may cost before it reaches the max CPL (negative: each "
           "lead costs more than a deal's margin allows).", "difference", "max_cpl", "cpa"),
    # -- partner commissions (payback.partners.designer) ----------------------------------------
    Metric("commission", "Commission", "commission paid per order", "money", True,
           "What a partner is paid for one order (the rules', or what it claims).", "input"),
    Metric("commission_budget", "Commission budget", "share x LTV", "money", False,
           "The part of a customer's (predicted margin) lifetime value the business will pay "
           "to acquire them.", "product", factors=("ltv", "share")),
    Metric("max_commission", "Max commission", "share x LTV - other costs per customer",
           "money", False,
           "The most a partner may be paid, over all its orders, for a customer it brings "
           "while the customer stays profitable.",
           "difference", "commission_budget", "other_costs_per_customer"),
    _ratio("commission_rate", "Commission rate", "commission / average check", "rate", True,
           "A commission per order as a share of the order's value.", "commission", "aov"),
    Metric("max_cpc", "Max CPC", "allowed CPA x CR", "money", False,
           "The most one click may cost to keep the CPA at the target: target CPA x "
           "conversion rate of clicks.", "product", factors=("target_cpa", "cr")),
    Metric("max_cpc_drr", "Max CPC (DRR)", "target DRR x revenue per click", "money", False,
           "The most one click may cost to keep the DRR at the target: target DRR x "
           "revenue per click.", "product", factors=("target_drr", "revenue_per_click")),
)  # fmt: skip

#: Every metric by name, in catalogue order.
CATALOGUE: dict[str, Metric] = {m.name: m for m in _METRICS}


def register_metric(metric: Metric) -> Metric:
    """Add a metric to the catalogue: it is then known to the engine (when every part is
    summed by a data side), the calculator's evaluation, the report and the dashboard.

    Raises
    ------
    InputError
        When the name is taken or an input is not in the catalogue.
    """
    if metric.name in CATALOGUE or metric.name in ALIASES:
        raise InputError(f"a metric named {metric.name!r} exists already")
    if metric.kind == "sum" and metric.name not in PART_SIDE:
        raise InputError(
            f"metric {metric.name!r} is a sum but no data side has a part of that name: "
            f"register the side first (payback.metrics.sides.register_side)"
        )
    unknown = [n for n in metric.inputs if n not in CATALOGUE]
    if unknown:
        raise InputError(f"metric {metric.name!r}: unknown input(s) {unknown}")
    CATALOGUE[metric.name] = metric
    return metric


#: Other names users write for a metric.
ALIASES: dict[str, str] = {
    "cpl": "cpa",
    "acos": "drr",
    "gross_margin": "gross_profit",
    "platform_results": "platform_conversions",
    "results": "platform_conversions",
    "platform_value": "platform_revenue",
    "cost_per_conversion": "cost_per_result",
    "cost_per_conv": "cost_per_result",
}

#: What ``payback metrics`` shows when no ``--metrics`` is given.
DEFAULT_METRICS: tuple[str, ...] = (
    "cost",
    "clicks",
    "orders",
    "revenue",
    "cpc",
    "cpo",
    "drr",
    "romi",
)


#: What ``payback metrics`` shows when no ``--metrics`` is given and the store holds no
#: orders yet (an ad export alone): the platform's own results beside the cost, where CPO
#: and DRR would be blank.
ADS_ONLY_METRICS: tuple[str, ...] = (
    "cost",
    "clicks",
    "platform_conversions",
    "platform_revenue",
    "cpc",
    "cost_per_result",
    "platform_roas",
)


def resolve_metrics(names: Iterable[str] | str, *, at_grain: bool = False) -> tuple[str, ...]:
    """Canonical metric names for user input (case-insensitive, aliases, comma lists).

    Parameters
    ----------
    names : str or iterable of str
        ``"CPL, acos"`` or ``["cpo", "drr"]``.
    at_grain : bool
        Only metrics the engine computes at a grain (:attr:`Metric.at_grain`).

    Raises
    ------
    InputError
        For an unknown name (the message lists the valid ones), or with ``at_grain`` for
        a metric that needs an analysis's inputs (the message says which).

    Examples
    --------
    >>> resolve_metrics("ltv_cac", at_grain=True)
    Traceback (most recent call last):
    ...
    payback.errors.InputError: ltv_cac (LTV / CAC) needs ltv, which is not summed by any ...
    """
    if isinstance(names, str):
        names = [names]
    valid = [n for n, m in CATALOGUE.items() if m.at_grain or not at_grain]
    out: list[str] = []
    for raw in names:
        for piece in str(raw).split(","):
            key = piece.strip().lower().replace("-", "_")
            if not key:
                continue
            key = ALIASES.get(key, key)
            if key not in CATALOGUE:
                raise InputError(
                    f"unknown metric {piece.strip()!r}: expected one of "
                    f"{', '.join(valid)} (aliases: {', '.join(ALIASES)}); "
                    f"`payback metrics --list` shows them with their formulas"
                )
            m = CATALOGUE[key]
            if at_grain and not m.at_grain:
                lacking = sorted(p for p in m.parts if p not in PART_SIDE)
                needs = "is" if m.kind == "input" else f"needs {', '.join(lacking)}, which is"
                raise InputError(
                    f"{key} ({m.formula}) {needs} not summed by any data side: it is "
                    f"computed by `payback economics` (API: "
                    f"payback.economics.ceilings) or from numbers by `payback calc`; "
                    f"at a grain expected one of {', '.join(valid)}"
                )
            if key not in out:
                out.append(key)
    if not out:
        raise InputError(f"no metric given: expected one or more of {', '.join(valid)}")
    return tuple(out)


# visits and goals (sessions, bounce rate, CR per goal, CPV ...) are catalogue entries too
from payback.metrics import visits as _visits  # noqa: E402, F401
