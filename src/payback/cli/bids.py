"""``payback bids``: keyword bid recommendations, upload files, and the back-test."""

from __future__ import annotations

import typer

from payback._lazy import lazy_module
from payback.cli import options
from payback.present.values import fixed

#: The API this module parses arguments for, loaded when a command runs.
bids = lazy_module("payback.bids")

bids_app = typer.Typer(
    name="bids",
    help=(
        "Keyword bids to a target CPA, CPO, CAC or DRR, or to the economics' LTV, marginal "
        "CPO or max CPA per campaign: conversion rates shrunk down the hierarchy (a keyword "
        "with 3 clicks is neither doubled nor zeroed), capped steps, a reason per row, and "
        "Google Ads Editor, Microsoft Advertising bulk or Yandex Direct Commander files.\n\n"
        "Start with `payback bids recommend --target-cpo 30`."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

_FORMAT = typer.Option(
    "table",
    "--format",
    "-f",
    help="table (the dry run, for humans), csv, json, parquet, or an upload file: "
    "google-editor, microsoft-bulk, yandex-commander.",
)


@bids_app.command("recommend")
def recommend_command(
    target_cpa: str = typer.Option(None, "--target-cpa", help="Cost per valid lead: 50."),
    target_cpo: str = typer.Option(None, "--target-cpo", help="Cost per confirmed order: 30."),
    target_cac: str = typer.Option(None, "--target-cac", help="Cost per new customer: 40."),
    target_drr: str = typer.Option(None, "--target-drr", help="Ad cost / revenue: 15%."),
    target: str = typer.Option(
        None,
        "--target",
        help="From the economics, per campaign: ltv, marginal (the marginal CPO) or max-cpa.",
    ),
    campaign_targets: list[str] = typer.Option(
        None,
        "--campaign-target",
        help="A campaign's own target, NAME=AMOUNT (a share for DRR: NAME=10%); repeat.",
    ),
    days: int = typer.Option(28, "--days", min=1, help="Look-back window ending on the last day."),
    start: str = typer.Option(None, "--from", help="First day of the window, YYYY-MM-DD."),
    end: str = typer.Option(None, "--to", help="Last day (default: the last ad statistics)."),
    where: list[str] = typer.Option(None, "--where", help="Filter dim=value; repeat."),
    bids_file: str = typer.Option(
        None,
        "--bids",
        help="Current bids and ids: an export in an upload layout (or payback's CSV). "
        "Default: each keyword's average CPC in the window.",
    ),
    step: str = typer.Option("30%", "--step", help="Largest change per step: 30%."),
    min_bid: str = typer.Option("0.01", "--min-bid", help="No bid below this."),
    max_bid: str = typer.Option(None, "--max-bid", help="No bid above this."),
    tolerance: str = typer.Option("5%", "--tolerance", help="Smaller changes are a hold."),
    pause_alpha: str = typer.Option(
        "1%",
        "--pause-below",
        help="Pause a keyword without conversions when chance at its ad group's rate "
        "explains it with less than this probability.",
    ),
    changes_only: bool = typer.Option(
        False, "--changes-only", help="Show only the rows that change (raise, lower, pause)."
    ),
    fmt: str = _FORMAT,
    output: str = options.OUTPUT,
    db: str = options.DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
) -> None:
    """Recommend a bid per keyword, with the reason, to a target.

    The table is the dry run (the decision and its reason); `--format csv|json|parquet`
    adds the credible intervals, raw CR and the expected change in cost and conversions;
    an upload format writes only the changes of its platform.

    **Examples**

    ```
    payback bids recommend --target-cpo 30
    payback bids recommend --target-drr 15% --days 56 --where platform=google
    payback bids recommend --target marginal --changes-only
    payback bids recommend --target-cpo 30 --campaign-target "Brand - Exact=60"
    payback bids recommend --target-cpo 30 -f google-editor -o bids.csv
    payback bids recommend --target-cpo 30 --bids bids.csv -f microsoft-bulk -o bulk.csv
    ```
    """
    from payback.calc.inputs import parse_number
    from payback.errors import InputError
    from payback.output import write_frame

    rules = bids.BidRules(
        step=parse_number(step, name="--step", rate=True),
        min_bid=parse_number(min_bid, name="--min-bid"),
        max_bid=None if max_bid is None else parse_number(max_bid, name="--max-bid"),
        tolerance=parse_number(tolerance, name="--tolerance", rate=True),
        pause_alpha=parse_number(pause_alpha, name="--pause-below", rate=True),
    )
    goal = bids.parse_target(target, cpa=target_cpa, cpo=target_cpo, cac=target_cac, drr=target_drr)
    per = {}
    for item in campaign_targets or ():
        name, sep, amount = item.rpartition("=")
        if not sep or not name.strip():
            raise InputError(
                f"--campaign-target takes NAME=AMOUNT, e.g. 'Brand - Exact=50'; got {item!r}"
            )
        per[name.strip()] = parse_number(amount, name="--campaign-target", rate=goal.kind == "drr")
    with options.open_reading(db, engine, spark_master, spark_remote) as store:
        result = bids.recommend(
            store, goal, rules=rules, days=days, start=start, end=end, where=where,
            bids=bids_file, campaign_targets=per,
        )  # fmt: skip
    fmt = (fmt or "table").lower()
    if fmt in bids.UPLOAD_FORMATS:
        count = bids.write_upload(result, fmt, output)
        if output is not None:
            typer.echo(f"{count} keyword changes written to {output} ({fmt})", err=True)
        return
    table = result.table
    if changes_only:
        table = table.with_frame(table.frame[table.frame["action"] != "hold"])
    title = f"Bids to {goal.label}, {result.start} to {result.end}: {result.summary()}"
    if fmt == "table":  # the dry run for humans: the decision and its reason
        wide = ("match_type", "cr_raw", "cr_low", "cr_high", "max_cpc_low", "max_cpc_high",
                "cost_change", "conversion_change", "campaign_id", "ad_group_id")  # fmt: skip
        table = table.select([c for c in table.frame.columns if c not in wide])
    write_frame(table, fmt, output, title=title)


@bids_app.command("backtest")
def backtest_command(
    target_cpa: str = typer.Option(
        None, "--target-cpa", help="Cost per conversion (default 36, the demo's paid CAC)."
    ),
    target_drr: str = typer.Option(
        None, "--target-drr", help="Ad cost / revenue instead: 40% (needs a value column)."
    ),
    weeks: int = typer.Option(26, "--weeks", min=2, help="Weeks replayed."),
    window: int = typer.Option(8, "--window", min=1, help="Weeks of history per decision."),
    runs: int = typer.Option(10, "--runs", min=1, help="Repetitions (seeds seed, seed+1 ...)."),
    seed: int = typer.Option(0, "--seed", help="First seed of the simulation."),
    traffic: str = typer.Option(
        "1", "--traffic", help="Multiply every keyword's clicks: 0.25 for a smaller shop."
    ),
    truth: str = typer.Option(
        None,
        "--truth",
        help="CSV of keywords (platform, campaign, ad_group, keyword, cr, cpc, "
        "weekly_clicks). Default: the demo shop's hidden truth.",
    ),
    demo_seed: int = typer.Option(42, "--demo-seed", help="Seed of the demo shop's truth."),
    customers: int = typer.Option(10_000, "--customers", help="Customers of the demo shop."),
    weekly: bool = typer.Option(False, "--weekly", help="One row per strategy and week."),
    fmt: str = options.FORMAT,
    output: str = options.OUTPUT,
) -> None:
    """Replay the bid rules week by week against the K50 cascade, a fixed rule and the raw
    ratio, on keywords whose true conversion rate is known (simulated clicks vs bid).

    **Examples**

    ```
    payback bids backtest
    payback bids backtest --traffic 0.25 --runs 20
    payback bids backtest --target-drr 40%
    payback bids backtest --truth my_keywords.csv --target-cpa 500 --weekly -f csv
    ```
    """
    import pandas as pd

    from payback.calc.inputs import parse_number
    from payback.output import write_frame

    if truth is not None:
        frame = pd.read_csv(truth)
    else:
        from payback.demo.keywords import keyword_truth

        frame = keyword_truth(demo_seed, customers)
    if target_cpa is None and target_drr is None:
        target_cpa = "36"
    result = bids.backtest(
        frame,
        target_cpa=None if target_cpa is None else parse_number(target_cpa, name="--target-cpa"),
        target_drr=None
        if target_drr is None
        else parse_number(target_drr, name="--target-drr", rate=True),
        weeks=weeks,
        window=window,
        runs=runs,
        seed=seed,
        traffic=parse_number(traffic, name="--traffic"),
    )
    title = (
        f"Back-test at target {result.kind.upper()} {result.target * 100:g} %: "
        if result.kind == "drr"
        else f"Back-test at target CPA {fixed(result.target, 2)}: "
    ) + (
        f"{result.keywords} keywords "
        f"({result.small} small), weeks {weeks // 2 + 1}-{weeks} of {weeks}, {runs} runs"
    )
    write_frame(result.weekly if weekly else result.table, fmt, output, title=title)


def register(app: typer.Typer) -> None:
    """Add ``payback bids ...`` to the root command."""
    app.add_typer(bids_app, name="bids")
