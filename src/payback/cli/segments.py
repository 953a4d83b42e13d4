"""``payback segments``: RFM segments and their rule table, the growth levers of revenue."""

from __future__ import annotations

import typer

from payback._lazy import lazy_module
from payback.cli import options

#: The API this module parses arguments for, loaded when a command runs (``payback
#: --help`` imports every command module and must stay light).
segments = lazy_module("payback.segments")

segments_app = typer.Typer(
    name="segments",
    help=(
        "Customer segments: RFM scores and named segments (champions ... lost) with their "
        "value and a suggested action, and the growth levers of revenue (customers x "
        "orders per customer x average order value).\n\n"
        "Start with `payback segments rfm`."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

_DB = options.DB
_FORMAT = options.FORMAT
_OUTPUT = options.OUTPUT
_RULES = typer.Option(
    None,
    "--rules",
    help="Rule table CSV (segment, recency, frequency, monetary or recency, fm; action). "
    "Default: the built-in one (`payback segments rules`).",
)


@segments_app.command("rfm")
def rfm_command(
    by: str = typer.Option(
        None,
        "--by",
        help="Split by acquisition source: source (= channel = platform), campaign or partner.",
    ),
    as_of: str = typer.Option(
        None, "--as-of", help="End of observation, YYYY-MM-DD (default: the last confirmed order)."
    ),
    rules: str = _RULES,
    recency_breaks: str = typer.Option(
        None,
        "--recency-breaks",
        help="Days since the last order scoring 5, 4, 3, 2 at most, e.g. 30,90,180,365 "
        "(default: quintiles).",
    ),
    frequency_breaks: str = typer.Option(
        None, "--frequency-breaks", help="Orders scoring 1, 2, 3, 4 at most, e.g. 1,2,3,5."
    ),
    monetary_breaks: str = typer.Option(
        None, "--monetary-breaks", help="Revenue scoring 1, 2, 3, 4 at most, e.g. 50,100,250,500."
    ),
    predict: bool = typer.Option(
        True, "--predict/--no-predict", help="Mean P(alive) and predicted CLV (BG/NBD + GG)."
    ),
    horizon: str = typer.Option("12m", "--horizon", help="Horizon of the predicted CLV: 12m, 1y."),
    model: str = typer.Option(
        "mbgnbd", "--model", "-m", help="Count model of the predictions: mbgnbd, bgnbd, pareto."
    ),
    customers: bool = typer.Option(
        False,
        "--customers",
        help="One row per customer (scores and segment), e.g. -o members.csv for a CRM.",
    ),
    scores: bool = typer.Option(
        False, "--scores", help="Show the values each score stands for instead."
    ),
    fmt: str = _FORMAT,
    output: str = _OUTPUT,
    db: str = _DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
) -> None:
    """RFM scores 1-5 and named segments: customers, revenue share, CLV, action.

    Recency, frequency and monetary value of each customer's confirmed orders are scored
    1-5 (quintiles; equal values get equal scores) and mapped to a segment by the rule
    table, where every cell of scores belongs to exactly one segment.

    **Examples**

    ```
    payback segments rfm
    payback segments rfm --by source --no-predict
    payback segments rfm --customers --format csv --output members.csv
    payback segments rfm --recency-breaks 30,90,180,365 --frequency-breaks 1,2,3,5
    payback segments rfm --rules my_rules.csv --scores
    ```
    """
    from payback.clv import parse_horizon
    from payback.output import write_frame

    with options.open_reading(db, engine, spark_master, spark_remote) as store:
        result = segments.rfm(
            store,
            as_of=as_of,
            by=by,
            rules=rules,
            recency_breaks=recency_breaks,
            frequency_breaks=frequency_breaks,
            monetary_breaks=monetary_breaks,
            predict=predict and not scores,
            horizon_months=parse_horizon(horizon),
            model=model.lower(),
            customers=customers,
        )
    if scores:
        frame, title = result.scores, f"RFM scores as of {result.as_of}"
    elif customers:
        frame = result.customers
        count = len(frame.frame)
        title = f"RFM segment of each customer as of {result.as_of} ({count:,} customers)"
    else:
        frame = result.segments
        split = f" by {by}" if by else ""
        title = f"RFM segments{split} as of {result.as_of}"
        if predict:
            title += f" (P(alive), predicted CLV over {horizon}, {model})"
    table = fmt.lower() == "table"
    columns = [c for c in frame.frame.columns if not (table and c == "action")]
    shown = frame.select(columns)
    write_frame(shown, fmt, output, title=title, extra={"as_of": str(result.as_of)})
    if table and shown is not frame and output is None:  # actions read better as lines
        for segment, action in result.rules.actions.items():
            if action:
                typer.echo(f"{segment}: {action}")


@segments_app.command("rules")
def rules_command(
    rules: str = _RULES,
    fmt: str = typer.Option("csv", "--format", "-f", help="csv (default), table or json."),
    output: str = _OUTPUT,
) -> None:
    """Print (or check) a rule table: the built-in one, or --rules FILE.

    Each row gives a segment, a score range per axis (`4-5`, `3`, `*` = any) and an
    optional action. Every cell of scores must match exactly one segment: overlaps and
    gaps are refused, naming the cells.

    **Examples**

    ```
    payback segments rules --output my_rules.csv
    payback segments rules --rules my_rules.csv --format table
    ```
    """
    import io

    import pandas as pd

    from payback.output import write_frame

    table = segments.read_rules(rules) if rules else segments.default_rules()
    if fmt.lower() == "csv":
        if output:
            with open(output, "w", encoding="utf-8", newline="") as f:
                f.write(table.to_csv())
        else:
            typer.echo(table.to_csv(), nl=False)
        return
    frame = pd.read_csv(io.StringIO(table.to_csv()), dtype=str, keep_default_na=False)
    write_frame(frame, fmt, output, title=f"RFM rules ({table.source})")


@segments_app.command("levers")
def levers_command(
    start: str = typer.Option(
        None,
        "--from",
        help="The first period: 2024, 2024-Q1, 2024-03, 2024-W05, 2024-03-01 or "
        "2024-01-01..2024-03-31.",
    ),
    end: str = typer.Option(None, "--to", help="The period compared with --from (or the last)."),
    period: str = typer.Option(
        None,
        "--period",
        help="Compare each day, week, month, quarter or year with the one before, from --from "
        "to --to (default: the whole history).",
    ),
    by: str = typer.Option(
        None, "--by", help="Split by acquisition source: source, campaign or partner."
    ),
    show_waterfall: bool = typer.Option(
        False, "--waterfall", help="Show the comparison as a waterfall (one step)."
    ),
    fmt: str = _FORMAT,
    output: str = _OUTPUT,
    db: str = _DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
) -> None:
    """Revenue = customers x orders per customer x average order value, and its change
    split exactly into the three levers (additive LMDI).

    **Examples**

    ```
    payback segments levers --from 2024 --to 2025
    payback segments levers --from 2025-Q1 --to 2025-Q2 --by source
    payback segments levers --period month --from 2025-01 --to 2025-06
    payback segments levers --from 2024 --to 2025 --waterfall
    ```
    """
    from payback.output import write_frame

    with options.open_reading(db, engine, spark_master, spark_remote) as store:
        result = segments.levers(store, start, end, period=period, by=by)
    if show_waterfall:
        frame = segments.waterfall(result)
        title = f"revenue {result.steps[0][0].label} -> {result.steps[0][1].label}"
    else:
        frame = result.table
        first, last = result.steps[0][0].label, result.steps[-1][1].label
        title = f"growth levers {first} -> {last}" + (f" by {by}" if by else "")
    write_frame(frame, fmt, output, title=title)


def register(app: typer.Typer) -> None:
    """Add ``payback segments ...`` to the root command."""
    from payback.cli import segments_customers, segments_patterns, segments_rules

    segments_rules.register(segments_app)
    segments_patterns.register(segments_app)
    segments_customers.register(segments_app)
    app.add_typer(segments_app, name="segments")
