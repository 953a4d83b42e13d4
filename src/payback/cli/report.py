"""``payback report``: the self-contained HTML report of a store."""

from __future__ import annotations

import typer

from payback.cli import options

_EXAMPLES = """
Examples:

    payback report

    payback report --output march.html --from 2024-03-01 --to 2024-03-31

    payback report --by platform,campaign,keyword --where platform=google
"""


def report_command(
    output: str = typer.Option("report.html", "--output", "-o", help="HTML file to write."),
    start: str = typer.Option(
        None, "--from", help="First day, YYYY-MM-DD (default: the first day with data)."
    ),
    end: str = typer.Option(
        None, "--to", help="Last day, YYYY-MM-DD, inclusive (default: the last day with data)."
    ),
    by: str = typer.Option(
        "campaign,keyword",
        "--by",
        help="Grains of the sortable tables, comma-separated (platform, campaign, ad_group, "
        "keyword, partner, country, device, month ...).",
    ),
    where: list[str] = typer.Option(
        None,
        "--where",
        "-w",
        help="Filter every number by dim=value (repeat it; e.g. platform=google).",
    ),
    title: str = typer.Option("Marketing performance", "--title", help="Report title."),
    db: str = options.DB,
    metrics_file: str = options.METRICS_FILE,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
) -> None:
    """Write one self-contained HTML report: headline numbers with their change against
    the previous period, spend/revenue/DRR over time, CPO and CAC by platform and campaign,
    sortable tables, and the CLV and economics sections when those are available.

    The file works offline (plotly.js is inlined once) and makes no network requests;
    hover or expand any number to see its formula and inputs.
    """
    import time

    from payback.metrics.custom import use_metrics_file
    from payback.metrics.filters import parse_by, parse_range
    from payback.report.build import build_report

    use_metrics_file(metrics_file)  # its metrics join the tables
    lo, hi = parse_range(start, end)
    grains = parse_by(by)
    began = time.perf_counter()
    store = options.open_reading(db, engine, spark_master, spark_remote)
    try:
        path = build_report(
            store, output, start=lo, end=hi, by=grains or None, where=where, title=title
        )
    finally:
        store.close()
    size = path.stat().st_size / 1e6
    typer.echo(
        f"wrote {path} ({size:.1f} MB) in {time.perf_counter() - began:.1f} s; "
        f"open it in a browser (works offline)"
    )


def register(app: typer.Typer) -> None:
    """Add ``payback report`` to the root command."""
    app.command("report", help=(report_command.__doc__ or "") + _EXAMPLES)(report_command)
