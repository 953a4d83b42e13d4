"""``payback segments profile|winback``: who a segment's customers are, whom to win back."""

from __future__ import annotations

import typer

from payback._lazy import lazy_module
from payback.cli import options
from payback.present.values import fixed

segments = lazy_module("payback.segments")


def profile_command(
    segment: str = typer.Argument(
        "top", help="top (the best customers by revenue) or an RFM segment, e.g. champions."
    ),
    top: float = typer.Option(0.2, "--top", help="Share of customers in `top`."),
    value: str = typer.Option(
        "historical",
        "--value",
        help="What `top` ranks by: historical (revenue to date) or predicted (CLV).",
    ),
    attributes: str = typer.Option(
        None,
        "--attributes",
        help="Comma-separated, among source, partner, country, device, age_band, gender, "
        "language, first_category, first_order_value (default: all).",
    ),
    min_count: int = typer.Option(10, "--min-count", help="Fewest segment customers per value."),
    fdr: float = typer.Option(0.05, "--fdr", help="With --significant: the largest q-value."),
    significant: bool = typer.Option(
        False, "--significant", help="Only the values that differ (BH q-value <= --fdr)."
    ),
    target_lift: float = typer.Option(
        None,
        "--target-lift",
        help="Smallest lift of a value in the target list (default 1.1: at least 10 % more "
        "common in the segment); 1 lists every significantly over-represented value.",
    ),
    as_of: str = typer.Option(None, "--as-of", help="End of observation, YYYY-MM-DD."),
    fmt: str = options.FORMAT,
    output: str = options.OUTPUT,
    db: str = options.DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
) -> None:
    """What distinguishes a segment's customers from the rest: share of each attribute
    value in the segment and outside, the difference with its 95 % interval, lift,
    Fisher p-value and BH q-value.

    **Examples**

    ```
    payback segments profile
    payback segments profile champions --significant
    payback segments profile top --top 0.1 --attributes source,first_category
    payback segments profile top --value predicted
    ```
    """
    from payback.cli.segments_rules import readable_p
    from payback.output import write_frame

    chosen = [a.strip() for a in attributes.split(",")] if attributes else None
    with options.open_reading(db, engine, spark_master, spark_remote) as store:
        result = segments.profile(
            store,
            segment,
            top=top,
            value=value.lower(),
            attributes=chosen,
            min_count=min_count,
            fdr=fdr,
            significant_only=significant,
            as_of=as_of,
            **({} if target_lift is None else {"target_lift": target_lift}),
        )
    table = readable_p(result.table, fmt)
    title = (
        f"profile of {segment} ({result.segment_customers:,} customers) against the "
        f"other {result.other_customers:,}"
    )
    extra = {
        "segment_customers": result.segment_customers,
        "others": result.other_customers,
        "targets": result.targets.frame.to_dict(orient="records"),
        "target": result.target_text(),
        "dropped": list(result.dropped),
    }
    write_frame(table, fmt, output, title=title, extra=extra)
    if output is None and fmt.lower() == "table":  # the target list reads better as lines
        for line in (*result.notes, result.target_text()):
            typer.echo(line)


def winback_command(
    segment_names: str = typer.Option(
        None,
        "--segments",
        help="RFM segments to list, comma-separated (default: the dormant ones, hibernating, "
        "at risk, can't lose; `none`: by P(alive) only).",
    ),
    max_p_alive: float = typer.Option(
        None, "--max-p-alive", help="Also list customers whose P(alive) is below this."
    ),
    min_value: float = typer.Option(
        None, "--min-value", help="Fewest value if alive (default 0, or --value-quantile)."
    ),
    value_quantile: float = typer.Option(
        None, "--value-quantile", help="Default --min-value: this quantile of the selected."
    ),
    horizon: str = typer.Option("12m", "--horizon", help="Horizon of the values: 12m, 1y."),
    model: str = typer.Option(
        "mbgnbd", "--model", "-m", help="Count model: mbgnbd, bgnbd, pareto."
    ),
    predict: bool = typer.Option(
        True, "--predict/--no-predict", help="--no-predict: values from history, no CLV fit."
    ),
    rules: str = typer.Option(None, "--rules", help="Rule table CSV naming the segments."),
    limit: int = typer.Option(0, "--limit", "-n", help="Customers shown (0: all)."),
    as_of: str = typer.Option(None, "--as-of", help="End of observation, YYYY-MM-DD."),
    fmt: str = options.FORMAT,
    output: str = options.OUTPUT,
    db: str = options.DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
) -> None:
    """Dormant customers (the hibernating, at risk and can't lose segments, and/or a low
    P(alive)) ranked by the expected value of winning them back: a list for a CRM.

    **Examples**

    ```
    payback segments winback --limit 20
    payback segments winback --segments "at risk,can't lose" --format csv --output winback.csv
    payback segments winback --segments none --max-p-alive 0.3
    ```
    """
    from payback.clv import parse_horizon
    from payback.output import write_frame

    chosen = {} if segment_names is None else {"segments": segment_names}
    with options.open_reading(db, engine, spark_master, spark_remote) as store:
        result = segments.winback(
            store,
            **chosen,
            max_p_alive=max_p_alive,
            min_value=min_value,
            value_quantile=value_quantile,
            horizon_months=parse_horizon(horizon),
            model=model.lower(),
            predict=predict,
            rules=rules,
            as_of=as_of,
        )
    table = result.customers
    count = len(table.frame)
    if limit and count > limit:
        table = table.with_frame(table.frame.head(limit))
    write_frame(
        table, fmt, output, title=winback_title(result, horizon), extra=winback_extra(result)
    )


def winback_title(result, horizon: str) -> str:
    """The one-line summary of a win-back list (the CLI's title, the report's)."""
    chosen = []
    if result.segments:
        chosen.append("in " + ", ".join(result.segments))
    if result.max_p_alive is not None:
        chosen.append(f"with P(alive) < {result.max_p_alive}")
    floor = f", value if alive >= {fixed(result.min_value, 2)}" if result.min_value > 0 else ""
    by = result.model if result.note is None else result.basis
    return (
        f"win back: {len(result.customers.frame):,} customers {' or '.join(chosen)}{floor}; "
        f"expected value if all won back {fixed(result.total_value, 2)} over {horizon} ({by})"
    )


def winback_extra(result) -> dict:
    """The JSON document's keys beyond the rows."""
    return {
        "segments": list(result.segments),
        "max_p_alive": result.max_p_alive,
        "min_value": result.min_value,
        "total_value": result.total_value,
        "model": result.model,
        "basis": result.basis,
        "note": result.note,
    }


def register(app: typer.Typer) -> None:
    """Add ``profile`` and ``winback`` to ``payback segments``."""
    app.command("profile")(profile_command)
    app.command("winback")(winback_command)
