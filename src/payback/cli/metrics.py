"""``payback metrics``: catalogue metrics at any grain, from the store, as a table or a file."""

from __future__ import annotations

import typer

from payback.cli import options

_EXAMPLES = """
Examples:

    payback metrics --by platform

    payback metrics --by campaign,month --metrics cost,orders,cpo,drr,romi

    payback metrics --by keyword --where platform=google --from 2024-01-01 --to 2024-03-31

    payback metrics --by campaign --format csv --output campaigns.csv

    payback metrics --by keyword --flat --metrics clicks,orders,cpo

    payback metrics --list

    payback metrics --by campaign --metrics cost,cost_per_share --metrics-file my-metrics.toml
"""


def metrics_command(
    by: str = typer.Option(
        "platform",
        "--by",
        help="Grain: comma-separated dimensions from date, week, month, platform, campaign, "
        "ad_group, keyword, partner, country, device. Empty for the totals only. A campaign "
        "is keyed with its platform, an ad group with its platform and campaign, a keyword "
        "with its platform, campaign and ad group (those columns are added).",
    ),
    flat: bool = typer.Option(
        False,
        "--flat",
        help="Key campaign, ad_group and keyword by their own value only, pooling e.g. a "
        "keyword across campaigns and platforms (no parent columns).",
    ),
    metrics: str = typer.Option(
        None,
        "--metrics",
        "-m",
        help="Comma-separated metrics (see --list). Default: cost, clicks, orders, revenue, "
        "cpc, cpo, drr, romi; for a store without orders (an ad export alone): cost, clicks, "
        "platform_conversions, platform_revenue, cpc, cost_per_result, platform_roas.",
        show_default=False,
    ),
    where: list[str] = typer.Option(
        None,
        "--where",
        "-w",
        help="Filter dim=value (repeat it; the same dimension twice keeps either value). "
        "Values are bound as literals, never pasted into SQL.",
    ),
    start: str = typer.Option(
        None, "--from", help="First day, YYYY-MM-DD (inclusive; ad date and order/lead time)."
    ),
    end: str = typer.Option(None, "--to", help="Last day, YYYY-MM-DD (inclusive)."),
    fmt: str = options.FORMAT,
    output: str = options.OUTPUT,
    db: str = options.DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
    no_totals: bool = typer.Option(False, "--no-totals", help="Leave out the totals rows."),
    list_: bool = typer.Option(
        False, "--list", help="List the metric catalogue with formulas and exit."
    ),
    metrics_file: str = options.METRICS_FILE,
) -> None:
    """CPO, CPA, DRR, ROMI and more at any grain, as ratios of sums, with totals rows.

    The ad side (ad statistics) and the order side (confirmed orders, valid leads) are
    summed to the grain first and then joined, so nothing is double-counted. A missing
    value is shown as "–" with its reason below the table (in JSON: the "reasons" object).
    Rates are percentages in the table and fractions in CSV/JSON/Parquet. "Total (paid)"
    totals the rows with ad statistics (CPO, CAC, DRR, ROMI of the ads); "Total (all)"
    every row (orders, revenue, new customers of the whole shop).
    """
    from payback.metrics.catalogue import ADS_ONLY_METRICS, DEFAULT_METRICS
    from payback.metrics.custom import use_metrics_file
    from payback.metrics.engine import catalogue_frame, compute_metrics
    from payback.output import write_arrow, write_frame

    use_metrics_file(metrics_file)
    if list_:
        write_frame(catalogue_frame(), fmt, output, title="payback metrics")
        return
    # Parquet is written from the query's Arrow rows: no pandas copy of a large result
    as_arrow = (fmt or "").lower() == "parquet"
    store = options.open_reading(db, engine, spark_master, spark_remote)
    try:
        if not metrics:  # an ad export alone: the platform's results, not blank CPO and DRR
            metrics = ",".join(DEFAULT_METRICS if store.row_count("orders") else ADS_ONLY_METRICS)
        result = compute_metrics(
            store,
            by=by,
            metrics=metrics,
            where=where or None,
            start=start,
            end=end,
            totals=not no_totals,
            hierarchy=not flat,
            as_arrow=as_arrow,
        )
        from payback.ingest.build_orders import orders_missing_note

        lines_only = orders_missing_note(store) if engine == "duckdb" else None
    finally:
        store.close()
    for warning in [*result.warnings, *([lines_only] if lines_only else [])]:
        typer.echo(f"warning: {warning}", err=True)
    if as_arrow:
        write_arrow(result.to_arrow(), output)
        return
    title = "metrics by " + ", ".join(result.by) if result.by else "metrics: total"
    write_frame(result.table, fmt, output, title=title)


def register(app: typer.Typer) -> None:
    """Add ``payback metrics`` to the root command."""
    app.command(
        "metrics",
        help=(metrics_command.__doc__ or "") + _EXAMPLES,
        no_args_is_help=False,
    )(metrics_command)
