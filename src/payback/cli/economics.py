"""``payback simulate`` (subscription payback) and ``payback economics`` (ceilings per slice)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from payback.calc.formulas import HEALTHY_LTV_CAC
from payback.calc.inputs import parse_numbers
from payback.cli import options

_SIMULATE_HELP = """Project monthly subscribers, revenue, costs and profit of an acquisition plan.

`--budget` is one amount per month (a single amount repeats for `--months`, default 12).
Customers come from a constant `--cpo` (a fraction like `100000/150` is exact), a response
curve `--k --beta` (customers = k x budget^beta, CPO rising with spend; or fitted with
`--response-from-store`), or are given per month with `--customers`. Retention is a constant
monthly rate (`--retention 90%`, default 100 %), a curve (`--retention-curve 80%,70%,65%`:
share still active 1, 2, 3 months on), an sBG (`--alpha --beta-sbg`) or fitted on the
store's subscriptions (`--retention-from-store`). Customer counts are expected values and
may be fractional.

Example: `payback simulate --budget 50000,0 --cpo 500 --price 500 --cogs 100
--retention 100% --months 2 --json`
"""


def simulate_command(
    budget: Annotated[str | None, typer.Option(help="Budget per month: 50000,0 or 50000.")] = None,
    months: Annotated[int | None, typer.Option(help="Horizon in months.")] = None,
    price: Annotated[str | None, typer.Option(help="Price per customer per month.")] = None,
    cogs: Annotated[str | None, typer.Option(help="Cost of goods per customer per month.")] = None,
    margin: Annotated[
        str | None, typer.Option(help="Margin share of the price, not --cogs.")
    ] = None,
    cpo: Annotated[str | None, typer.Option(help="Constant cost per new customer.")] = None,
    customers: Annotated[str | None, typer.Option(help="New customers per month.")] = None,
    k: Annotated[
        str | None, typer.Option(help="Response curve: customers = k x budget^beta.")
    ] = None,
    beta: Annotated[
        str | None, typer.Option(help="Response curve exponent (< 1: CPO rises).")
    ] = None,
    response_from_store: Annotated[
        bool, typer.Option(help="Fit k and beta on the store's monthly cost and new customers.")
    ] = False,
    retention: Annotated[str | None, typer.Option(help="Monthly retention: 90% or 0.9.")] = None,
    retention_curve: Annotated[
        str | None, typer.Option(help="Share still active 1, 2, ... months on: 80%,70%,65%.")
    ] = None,
    alpha: Annotated[str | None, typer.Option(help="sBG alpha.")] = None,
    beta_sbg: Annotated[str | None, typer.Option(help="sBG beta.")] = None,
    retention_from_store: Annotated[
        bool, typer.Option(help="Fit the sBG retention on the store's subscriptions.")
    ] = False,
    scenario: Annotated[
        list[str] | None,
        typer.Option(help="NAME:key=value,... overriding the options above; repeat."),
    ] = None,
    scenarios: Annotated[
        Path | None, typer.Option(help="TOML file: [base] and [scenarios.NAME] tables.")
    ] = None,
    sensitivity_budget: Annotated[
        str | None, typer.Option(help="Budget factors for the sensitivity table: 0.5,1,2.")
    ] = None,
    sensitivity_retention: Annotated[
        str | None, typer.Option(help="Monthly retentions for the sensitivity table: 80%,90%.")
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print the whole result as JSON.")] = False,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table, csv, json or parquet (the main table).")
    ] = "table",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the main table to FILE.")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            help="Store for the *-from-store fits: a file, parquet:PATH, delta:PATH, or "
            "spark-catalog:DATABASE with --engine spark."
        ),
    ] = None,
    engine: str = options.ENGINE,
    spark_master: str | None = options.SPARK_MASTER,
    spark_remote: str | None = options.SPARK_REMOTE,
) -> None:
    from payback.economics.scenarios import (
        cumulative_profit,
        merge_scenarios,
        run_scenarios,
        sensitivity,
    )
    from payback.economics.summaries import (
        SENSITIVITY_TITLE,
        comparison_text,
        fitted_text,
        sensitivity_table,
        simulation_payload,
        simulation_text,
    )
    from payback.output import write_frame

    base: dict[str, Any] = {
        key: value
        for key, value in {
            "budget": budget,
            "months": months,
            "price": price,
            "cogs": cogs,
            "margin": margin,
            "cpo": cpo,
            "customers": customers,
            "k": k,
            "beta": beta,
            "retention": retention,
            "retention_curve": retention_curve,
            "alpha": alpha,
            "beta_sbg": beta_sbg,
        }.items()
        if value is not None
    }
    fitted: dict[str, Any] = {}
    if retention_from_store or response_from_store:
        from payback.economics.history import fit_from_store

        with options.open_reading(db, engine, spark_master, spark_remote) as store:
            inputs, fitted = fit_from_store(
                store, retention=retention_from_store, response=response_from_store
            )
        base |= inputs
    specs = merge_scenarios(base, path=scenarios, texts=scenario or ())
    sims = run_scenarios(specs)
    sens = None
    if sensitivity_budget or sensitivity_retention:
        first = next(iter(specs.values()))
        sens = sensitivity(
            first,
            budget_factors=parse_numbers(sensitivity_budget or "1", name="--sensitivity-budget"),
            retentions=parse_numbers(
                sensitivity_retention or "100%", name="--sensitivity-retention", rate=True
            ),
        )
    if json_:
        typer.echo(json.dumps(simulation_payload(sims, sens, fitted), indent=2))
        return
    if fitted and output is None and fmt == "table":
        typer.echo(fitted_text(fitted))
    if len(sims) == 1:
        sim = next(iter(sims.values()))
        write_frame(sim.table, fmt, output, title="Monthly projection")
        if fmt == "table" and output is None:
            typer.echo(simulation_text(sim))
    else:
        write_frame(comparison_text(sims), fmt if output else "table", output,
                    title="Scenarios side by side")  # fmt: skip
        if output is None:
            frame = cumulative_profit(sims).reset_index()
            units = dict.fromkeys(sims, "money")
            write_frame(frame, "table", title="Cumulative profit by month", units=units)
    if sens is not None and output is None and fmt == "table":
        table = sensitivity_table(sens)
        write_frame(table, "table", title=SENSITIVITY_TITLE,
                    units=dict.fromkeys(table.columns[1:], "money"))  # fmt: skip


_ECONOMICS_HELP = """Ceilings per slice: what a customer may cost, what it costs, and a verdict.

Per value of `--by` and for the totals: CPO and CAC paid (those of `payback metrics`),
LTV (historical cohort and predicted, on margin and revenue), LTV/CAC, marginal CPO =
margin LTV - non-ad costs per customer, max CPA/CPL = average check x margin x share x
lead-to-deal conversion, headroom = marginal CPO - CAC, payback months, and the verdict:
scale (LTV/CAC >= `--healthy` with headroom), cut (CAC above the marginal CPO or LTV/CAC <
`--cut-below`), hold, or not enough data (fewer than `--min-customers` new customers, no ad
cost, no LTV, no CAC). `Total (paid)` is the advertising (its customers' LTV), `Total (all)`
every order (no ad ratios); a month (country ...) is judged on its paid part. `--margin`
is the share of revenue kept, as in `ltv predict`. Rates take `25%`.

Example: `payback economics --by campaign`
"""


def economics_command(
    by: Annotated[str, typer.Option(help="platform, campaign, keyword, partner, ...")] = (
        "campaign"
    ),
    horizon: Annotated[int, typer.Option(help="LTV horizon in months.")] = 12,
    ltv: Annotated[str, typer.Option(help="LTV for the verdict: historical or predicted.")] = (
        "historical"
    ),
    basis: Annotated[str, typer.Option(help="LTV/CAC on margin or revenue.")] = "margin",
    predicted: Annotated[
        bool, typer.Option(help="Also fit the predicted CLV (BG/NBD + Gamma-Gamma).")
    ] = True,
    other_costs_per_customer: Annotated[
        str | None,
        typer.Option(
            help="Non-ad costs per customer over the horizon (default: the costs table's "
            "last --horizon months / customers who bought in them)."
        ),
    ] = None,
    average_check: Annotated[
        str | None, typer.Option(help="Average check for max CPA (default: the AOV).")
    ] = None,
    margin: Annotated[
        str | None,
        typer.Option(
            help="Share of revenue kept, 30%: the margin LTV (revenue LTV x margin), the "
            "ceiling and max CPA, as in `ltv predict --margin` (default: the data's cost of "
            "goods)."
        ),
    ] = None,
    share: Annotated[str, typer.Option(help="Share of the margin spent to win a deal.")] = "100%",
    conversion: Annotated[str | None, typer.Option(help="Lead-to-deal conversion: 1/16.")] = None,
    healthy: Annotated[str, typer.Option(help="LTV/CAC to scale.")] = f"{HEALTHY_LTV_CAC:g}",
    cut_below: Annotated[str, typer.Option(help="LTV/CAC below which to cut.")] = "1",
    min_customers: Annotated[int, typer.Option(help="Fewer new customers: not enough data.")] = 30,
    min_headroom: Annotated[
        str, typer.Option(help="Headroom needed to scale, as a share of CAC: 50%.")
    ] = "0",
    where: Annotated[list[str] | None, typer.Option(help="Filter dim=value; repeat.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, YYYY-MM-DD.")] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            help="Last day of the data for the cohort curves, YYYY-MM-DD (its month counts "
            "only if it is the month's last day)."
        ),
    ] = None,
    all_columns: Annotated[bool, typer.Option(help="Show every column in the table.")] = False,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table, csv, json or parquet.")
    ] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to FILE.")] = None,
    db: str | None = options.DB,
    engine: str = options.ENGINE,
    spark_master: str | None = options.SPARK_MASTER,
    spark_remote: str | None = options.SPARK_REMOTE,
) -> None:
    from payback.calc.inputs import parse_number
    from payback.economics.ceilings import VerdictRules, ceilings
    from payback.economics.summaries import ceilings_table, ceilings_title
    from payback.output import write_frame

    def amount(text: str | None, name: str) -> float | None:
        return None if text is None else parse_number(text, name=name)

    def rate(text: str | None, name: str) -> float | None:
        return None if text is None else parse_number(text, name=name, rate=True)

    rules = VerdictRules(
        healthy=amount(healthy, "--healthy"),
        cut_below=amount(cut_below, "--cut-below"),
        min_customers=min_customers,
        min_headroom=rate(min_headroom, "--min-headroom"),
    )
    with options.open_reading(db, engine, spark_master, spark_remote) as store:
        result = ceilings(
            store,
            by,
            horizon_months=horizon,
            ltv=ltv,  # type: ignore[arg-type]
            basis=basis,  # type: ignore[arg-type]
            predicted=predicted,
            other_costs_per_customer=amount(other_costs_per_customer, "--other-costs-per-customer"),
            average_check=amount(average_check, "--average-check"),
            margin=rate(margin, "--margin"),
            share=rate(share, "--share"),
            conversion=rate(conversion, "--conversion"),
            rules=rules,
            where=where or None,
            start=start,
            end=end,
            as_of=as_of,
        )
    table = ceilings_table(result) if fmt == "table" and not all_columns else result.table
    write_frame(table, fmt, output, title=ceilings_title(result))


def register(app: typer.Typer) -> None:
    """Add ``payback simulate`` and ``payback economics`` to the root command."""
    app.command("simulate", help=_SIMULATE_HELP)(simulate_command)
    app.command("economics", help=_ECONOMICS_HELP)(economics_command)
