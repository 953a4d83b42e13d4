"""The metric catalogue: every advertising-efficiency metric payback computes at any grain.

Each :class:`Metric` says what it is (name, label, formula, unit, whether lower is
better) and how it is built from **additive parts** — sums the engine aggregates on
the ad side (``ad_stats``) or the order side (``orders``, ``leads``). Every ratio is
a ratio of those sums at the chosen grain, never a mean of per-row ratios, and a
zero or missing denominator gives a missing value with a reason.

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
new_customers           orders        1 per confirmed order that is its customer's first
leads                   leads         1 per lead with status ``valid``
ad_rows                 ads           1 per ad row (marks the rows that have ad statistics)
======================  ============  ===================================================

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

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from payback.errors import InputError

Unit = Literal["money", "count", "rate", "ratio"]
Kind = Literal["sum", "difference", "ratio"]
Side = Literal["ads", "orders", "leads"]

#: Additive parts and the side (source table group) that aggregates them.
PART_SIDE: dict[str, Side] = {
    "impressions": "ads",
    "clicks": "ads",
    "cost": "ads",
    "platform_conversions": "ads",
    "platform_revenue": "ads",
    "orders": "orders",
    "revenue": "orders",
    "cogs": "orders",
    "cogs_missing": "orders",
    "new_customers": "orders",
    "leads": "leads",
    "ad_rows": "ads",
}

#: Parts that are integer counts (the rest are money or fractional platform numbers).
COUNT_PARTS = frozenset(
    {"impressions", "clicks", "orders", "cogs_missing", "new_customers", "leads", "ad_rows"}
)


@dataclass(frozen=True)
class Metric:
    """One metric of the catalogue.

    Attributes
    ----------
    name : str
        Identifier used by the CLI and the API (``cpo``, ``drr`` ...).
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
    kind : {"sum", "difference", "ratio"}
        ``sum``: an additive part; ``difference``: ``numerator - denominator``;
        ``ratio``: ``(numerator + offset x denominator) / denominator x scale``.
    numerator, denominator : str or None
        The metric names the value is built from (difference and ratio metrics).
    scale, offset : float
        ``cpm`` scales by 1000; ``roi`` and ``romi`` have offset -1: ``(x - cost) / cost``.
    needs_cogs : bool
        Missing when a confirmed order in the row has no cost of goods.
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

    @property
    def parts(self) -> frozenset[str]:
        """The additive parts this metric is computed from."""
        if self.kind == "sum":
            own = {self.name} | ({"cogs_missing"} if self.needs_cogs else set())
            return frozenset(own)
        assert self.numerator is not None and self.denominator is not None
        return CATALOGUE[self.numerator].parts | CATALOGUE[self.denominator].parts

    @property
    def sides(self) -> frozenset[Side]:
        """The sides (``ads``, ``orders``, ``leads``) whose data the metric needs."""
        return frozenset(PART_SIDE[p] for p in self.parts)

    @property
    def paid_only(self) -> bool:
        """True when the metric relates ad statistics to orders or leads (CPO, CAC, CPA,
        DRR, ROAS, ROI, ROMI, CR, lead CR, the CRM-vs-platform gaps).

        Its total is taken over the paid rows only (``Total (paid)``): orders without ad
        statistics (organic, newsletter, partner) would dilute it.

        >>> CATALOGUE["cpo"].paid_only, CATALOGUE["ctr"].paid_only, CATALOGUE["aov"].paid_only
        (True, False, False)
        """
        return "ads" in self.sides and len(self.sides) > 1


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
)  # fmt: skip

#: Every metric by name, in catalogue order.
CATALOGUE: dict[str, Metric] = {m.name: m for m in _METRICS}

#: Other names users write for a metric.
ALIASES: dict[str, str] = {"cpl": "cpa", "acos": "drr", "gross_margin": "gross_profit"}

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


def resolve_metrics(names: Iterable[str] | str) -> tuple[str, ...]:
    """Canonical metric names for user input (case-insensitive, aliases, comma lists).

    Raises
    ------
    InputError
        For an unknown name; the message lists the valid ones.
    """
    if isinstance(names, str):
        names = [names]
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
                    f"{', '.join(CATALOGUE)} (aliases: {', '.join(ALIASES)}); "
                    f"`payback metrics --list` shows them with their formulas"
                )
            if key not in out:
                out.append(key)
    if not out:
        raise InputError(f"no metric given: expected one or more of {', '.join(CATALOGUE)}")
    return tuple(out)
