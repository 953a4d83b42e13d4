"""``payback calc METRIC --param value ... [--json]``: the calculator on the command line.

Numbers may be written ``1,200``, ``0.16%`` (rates only: divided by 100), ``0.0016`` (a bare
rate is a fraction) or ``1/16``. A zero denominator prints ``n/a`` with the reason (JSON:
``"value": null`` and ``"reason"``) and exits 0: the question had an answer, "undefined".
Impossible inputs exit 2 with a message saying what to fix.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Annotated

import typer

from payback.calc import formulas as F
from payback.calc.display import explain
from payback.calc.inputs import parse_number
from payback.calc.result import CalcResult
from payback.errors import InputError
from payback.metrics.catalogue import CATALOGUE

calc_app = typer.Typer(
    name="calc",
    help=(
        "The marketer's calculator: every formula from plain numbers, no files needed.\n\n"
        "Rates take `0.16%` or `0.0016`; amounts take `1,200` or `1200`; fractions `1/16`.\n\n"
        "Example: `payback calc cpo --cost 200 --orders 40`"
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

JsonFlag = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print JSON (metric, value, unit, inputs, formula, reason); rates as fractions.",
    ),
]
Cost = Annotated[str, typer.Option(help="Ad spend (money).")]
OptMoney = Annotated[str | None, typer.Option(help="Amount (money).")]
OptCount = Annotated[str | None, typer.Option(help="Count.")]


def _n(text: str | None, name: str) -> float | None:
    return None if text is None else parse_number(text, name="--" + name.replace("_", "-"))


def _r(text: str | None, name: str) -> float | None:
    return None if text is None else parse_number(text, name="--" + name, rate=True)


def _emit(result: CalcResult, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        typer.echo(explain(result))


def _example(text: str) -> str:
    return f"Example: `{text}`"


#: Two-number formulas: command, function, its two options, summary, example values.
_TWO_NUMBER = (
    ("cpo", F.cpo, ("cost", "orders"), "CPO = cost / confirmed orders.", ("200", "40")),
    ("ctr", F.ctr, ("clicks", "impressions"), "CTR = clicks / impressions.", ("100", "10000")),
    (
        "cr",
        F.cr,
        ("actions", "visits"),
        "CR = target actions (or orders) / visits (or clicks).",
        ("10", "100"),
    ),
    ("cpc", F.cpc, ("cost", "clicks"), "CPC = cost / clicks.", ("6", "3")),
    ("cpm", F.cpm, ("cost", "impressions"), "CPM = cost / impressions x 1000.", ("250", "100000")),
    (
        "cac",
        F.cac,
        ("cost", "customers"),
        "CAC = cost / newly acquired customers (first orders only).",
        ("50000", "100"),
    ),
    ("aov", F.aov, ("revenue", "orders"), "AOV (average check) = revenue / orders.", ("9000", "3")),
    (
        "drr",
        F.drr,
        ("cost", "revenue"),
        "DRR (ACoS) = cost / revenue attributed to the ads; lower is better.",
        ("500000", "1000000"),
    ),
    (
        "roas",
        F.roas,
        ("revenue", "cost"),
        "ROAS = revenue / cost, the inverse of DRR.",
        ("30000", "10000"),
    ),
    (
        "roi",
        F.roi,
        ("revenue", "investment"),
        "ROI = (revenue - investment) / investment.",
        ("3000000", "1000000"),
    ),
)

_HELP = {
    "cost": "Ad spend (money).",
    "revenue": "Revenue (money).",
    "orders": "Confirmed orders (count).",
    "impressions": "Impressions (count).",
    "clicks": "Clicks (count).",
    "customers": "Newly acquired customers (count).",
    "actions": "Target actions or orders (count).",
    "visits": "Visits or clicks (count).",
    "investment": "All investment (money).",
}


_KW = inspect.Parameter.KEYWORD_ONLY


def _two_number_command(
    metric: str, func: Callable[[float, float], CalcResult], names: tuple[str, str], summary: str
) -> Callable[..., None]:
    """Register ``payback calc METRIC --a X --b Y [--json]`` calling ``func(a, b)``."""

    def command(**kw: str | bool) -> None:
        _emit(func(*(_n(kw[n], n) for n in names)), bool(kw["json_"]))

    params = [
        inspect.Parameter(
            n,
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[str, typer.Option(help=_HELP[n])],
        )
        for n in names
    ]
    params.append(
        inspect.Parameter(
            "json_", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=JsonFlag
        )
    )
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__doc__ = summary
    command.__name__ = f"calc_{metric}"
    return command


for _metric, _func, _names, _summary, _values in _TWO_NUMBER:
    _argv = " ".join(f"--{n} {v}" for n, v in zip(_names, _values, strict=True))
    calc_app.command(_metric, epilog=_example(f"payback calc {_metric} {_argv}"))(
        _two_number_command(_metric, _func, _names, _summary)
    )


@calc_app.command(
    "cpa",
    epilog=_example(
        "payback calc cpa --cost 18549 --actions 14 --actions 22 --actions 7 "
        "--invalid 3 --invalid 4"
    ),
)
def _cpa(
    cost: Cost,
    actions: Annotated[
        list[str], typer.Option(help="All target actions (count); repeat to add up kinds.")
    ],
    invalid: Annotated[
        list[str] | None,
        typer.Option(help="Failed calls, duplicates and spam among them; repeat to add up."),
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """CPA (CPL) = cost / (actions - invalid): failed calls, duplicates and spam excluded."""
    total = sum(_n(a, "actions") for a in actions)
    bad = sum(_n(a, "invalid") for a in invalid or [])
    _emit(F.cpa(_n(cost, "cost"), total, bad), json_)


@calc_app.command(
    "romi", epilog=_example("payback calc romi --gross-profit 300000 --marketing-cost 100000")
)
def _romi(
    marketing_cost: Annotated[str, typer.Option(help="Marketing costs only (money).")],
    gross_profit: Annotated[
        str | None, typer.Option(help="Gross profit = revenue - cost of goods (money).")
    ] = None,
    revenue: Annotated[str | None, typer.Option(help="Revenue, instead of gross profit.")] = None,
    cogs: Annotated[str | None, typer.Option(help="Cost of goods, with --revenue.")] = None,
    json_: JsonFlag = False,
) -> None:
    """ROMI = (gross profit - marketing cost) / marketing cost."""
    result = F.romi(
        _n(marketing_cost, "marketing_cost"),
        _n(gross_profit, "gross_profit"),
        revenue=_n(revenue, "revenue"),
        cogs=_n(cogs, "cogs"),
    )
    _emit(result, json_)


@calc_app.command(
    "funnel",
    epilog=_example(
        "payback calc funnel --cost 144000 --impressions 14535855 --ctr 0.16% --cr 3.4%"
    ),
)
def _funnel(
    cost: Cost,
    impressions: Annotated[str, typer.Option(help="Impressions (count).")],
    ctr: Annotated[str, typer.Option(help="Click-through rate: 0.16% or 0.0016.")],
    cr: Annotated[str, typer.Option(help="Conversion rate clicks to actions: 3.4% or 0.034.")],
    json_: JsonFlag = False,
) -> None:
    """CPA when only rates are known: clicks = impressions x CTR, actions = clicks x CR."""
    result = F.funnel(
        _n(cost, "cost"), _n(impressions, "impressions"), _r(ctr, "ctr"), _r(cr, "cr")
    )
    _emit(result, json_)


@calc_app.command(
    "ltv",
    epilog=_example("payback calc ltv --revenue 10000000 --customers 1000")
    + " or `payback calc ltv --aov 3000 --purchases 3 --periods 1`",
)
def _ltv(
    revenue: Annotated[str | None, typer.Option(help="Revenue of the period (money).")] = None,
    customers: OptCount = None,
    aov: Annotated[str | None, typer.Option(help="Average order value (money).")] = None,
    purchases: Annotated[str | None, typer.Option(help="Purchases per period.")] = None,
    periods: Annotated[str | None, typer.Option(help="Retention periods.")] = None,
    margin: Annotated[
        str | None, typer.Option(help="Gross margin (25% or 0.25): LTV on margin.")
    ] = None,
    price: Annotated[
        str | None, typer.Option(help="A unit price: also print the purchases LTV buys.")
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """LTV = revenue / customers, or AOV x purchases per period x retention periods."""
    result = F.ltv(
        revenue=_n(revenue, "revenue"),
        customers=_n(customers, "customers"),
        aov=_n(aov, "aov"),
        purchases=_n(purchases, "purchases"),
        periods=_n(periods, "periods"),
        margin=_r(margin, "margin"),
        price=_n(price, "price"),
    )
    _emit(result, json_)


@calc_app.command(
    "marginal-cpo",
    epilog=_example(
        "payback calc marginal-cpo --revenue 10000000 --other-costs 5000000 --customers 500"
    )
    + " or `payback calc marginal-cpo --price 500 --unit-cost 100`",
)
def _marginal_cpo(
    ltv: Annotated[str | None, typer.Option(help="Lifetime value per customer (money).")] = None,
    revenue: Annotated[
        str | None, typer.Option(help="Revenue of the period, instead of --ltv.")
    ] = None,
    other_costs: Annotated[
        str | None, typer.Option(help="All costs other than advertising (money).")
    ] = None,
    customers: OptCount = None,
    other_costs_per_customer: Annotated[
        str | None, typer.Option(help="Non-ad costs per customer, instead of the two above.")
    ] = None,
    price: Annotated[str | None, typer.Option(help="Unit price (no repeat purchases).")] = None,
    unit_cost: Annotated[str | None, typer.Option(help="Unit cost, with --price.")] = None,
    json_: JsonFlag = False,
) -> None:
    """Marginal CPO = LTV - non-ad costs / customers, or price - unit cost."""
    result = F.marginal_cpo(
        ltv=_n(ltv, "ltv"),
        revenue=_n(revenue, "revenue"),
        other_costs=_n(other_costs, "other_costs"),
        customers=_n(customers, "customers"),
        other_costs_per_customer=_n(other_costs_per_customer, "other_costs_per_customer"),
        price=_n(price, "price"),
        unit_cost=_n(unit_cost, "unit_cost"),
    )
    _emit(result, json_)


@calc_app.command(
    "max-cpl",
    epilog=_example(
        "payback calc max-cpl --average-check 700000 --margin 25% --share 20% --conversion 1/16"
    ),
)
def _max_cpl(
    share: Annotated[str, typer.Option(help="Share of the margin spent to win a deal (20%).")],
    conversion: Annotated[str, typer.Option(help="Lead-to-deal conversion (6.25% or 1/16).")],
    average_check: OptMoney = None,
    margin: Annotated[str | None, typer.Option(help="Gross margin (25% or 0.25).")] = None,
    margin_amount: Annotated[
        str | None, typer.Option(help="Margin of one deal as an amount, instead of the two.")
    ] = None,
    json_: JsonFlag = False,
) -> None:
    """Max CPL = average check x margin x share x conversion (or margin amount x ...)."""
    result = F.max_cpl(
        share=_r(share, "share"),
        conversion=_r(conversion, "conversion"),
        average_check=_n(average_check, "average_check"),
        margin=_r(margin, "margin"),
        margin_amount=_n(margin_amount, "margin_amount"),
    )
    _emit(result, json_)


@calc_app.command("ltv-cac", epilog=_example("payback calc ltv-cac --ltv 50 --cac 20"))
def ltv_cac_command(
    ltv: Annotated[str, typer.Option(help="Lifetime value per customer (money).")],
    cac: Annotated[str, typer.Option(help="Acquisition cost per customer (money).")],
    healthy: Annotated[
        str, typer.Option(help="Ratio at or above which the channel is sustainable.")
    ] = f"{F.HEALTHY_LTV_CAC:g}",
    json_: JsonFlag = False,
) -> None:
    """LTV / CAC and its verdict: 3 or more is sustainable."""
    _emit(F.ltv_cac(_n(ltv, "ltv"), _n(cac, "cac"), healthy=_n(healthy, "healthy")), json_)


@calc_app.command("max-cpc", epilog=_example("payback calc max-cpc --cpa 375 --cr 4%"))
def _max_cpc(
    cpa: Annotated[str | None, typer.Option(help="Allowed CPA (money).")] = None,
    cr: Annotated[str | None, typer.Option(help="Conversion rate clicks to actions.")] = None,
    drr: Annotated[str | None, typer.Option(help="Target DRR (share of ad cost).")] = None,
    revenue_per_click: OptMoney = None,
    json_: JsonFlag = False,
) -> None:
    """Max CPC = allowed CPA x CR, or target DRR x revenue per click."""
    result = F.max_cpc(
        cpa=_n(cpa, "cpa"),
        cr=_r(cr, "cr"),
        drr=_r(drr, "drr"),
        revenue_per_click=_n(revenue_per_click, "revenue_per_click"),
    )
    _emit(result, json_)


@calc_app.command(
    "metric",
    epilog=_example("payback calc metric ltv_cac ltv=50 cac=20")
    + "  \n"
    + _example("payback calc metric max_cpl aov=700000 margin=25% share=20% conversion=1/16"),
)
def metric_command(
    name: Annotated[
        str, typer.Argument(help="A catalogue metric (`payback metrics --list`), e.g. ltv_cac.")
    ],
    values: Annotated[
        list[str] | None,
        typer.Argument(help="Its inputs by catalogue name: name=value, e.g. ltv=50 cac=20."),
    ] = None,
    json_: JsonFlag = False,
    metrics_file: Annotated[
        str | None,
        typer.Option(
            "--metrics-file",
            help="Your own metrics (TOML; docs/custom-metrics.md). Default "
            "$PAYBACK_METRICS_FILE, else ./payback-metrics.toml when it exists.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Any metric of the catalogue from its inputs, by the formula the engine uses.

    The inputs are the metric's parts or the metrics it is built from, by their catalogue
    names (`cost`, `orders`, `new_customers`, `ltv`, `cac`, `margin` ...); rates take `25%`.
    """
    from payback.metrics.custom import use_metrics_file

    use_metrics_file(metrics_file)
    parsed: dict[str, float] = {}
    for item in values or []:
        key, sep, text = item.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not sep or not key:
            raise InputError(f"expected name=value (e.g. cost=200), got {item!r}")
        rate = key in CATALOGUE and CATALOGUE[key].unit == "rate"
        parsed[key] = parse_number(text, name=key, rate=rate)
    try:
        result = F.metric(name, **parsed)
    except InputError as e:  # its inputs are name=value here, not flags
        raise InputError(e.render(function=f"calc metric {name}")) from None
    _emit(result, json_)


def register(app: typer.Typer) -> None:
    """Add ``payback calc`` to the root command."""
    app.add_typer(calc_app, name="calc")
