"""``payback segments patterns``: time between purchases, next-purchase windows,
seasonality, first product -> second product."""

from __future__ import annotations

import typer

from payback._lazy import lazy_module
from payback.cli import options

segments = lazy_module("payback.segments")

#: What ``--show`` can print: the result's attribute and its title.
SHOW = {
    "gaps": ("gaps", "days between purchases per RFM segment and source"),
    "customers": ("customers", "next-purchase window of each customer"),
    "seasonality": ("seasonality", "orders by month and weekday (index = share / average)"),
    "transitions": ("transitions", "first order's product -> second order's product"),
}


def patterns_command(
    show: str = typer.Option(
        "gaps", "--show", help="gaps (default), customers, seasonality or transitions."
    ),
    by: str = typer.Option(
        "source", "--by", help="Acquisition source of the gap rows: source, campaign or partner."
    ),
    item: str = typer.Option(
        "product_id", "--item", help="Item of the transitions: product_id, product_name, category."
    ),
    prior_gaps: float = typer.Option(
        2.0, "--prior-gaps", help="Gaps the segment's mean weighs in a customer's expected gap."
    ),
    top: int = typer.Option(20, "--top", help="Transitions shown."),
    min_count: int = typer.Option(2, "--min-count", help="Fewest customers of a transition."),
    as_of: str = typer.Option(None, "--as-of", help="Orders up to this day, YYYY-MM-DD."),
    fmt: str = options.FORMAT,
    output: str = options.OUTPUT,
    db: str = options.DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
) -> None:
    """How customers buy: days between purchases, when each customer should buy next,
    seasonality by month and weekday, and which product follows the first one.

    **Examples**

    ```
    payback segments patterns
    payback segments patterns --show customers --format csv --output next.csv
    payback segments patterns --show seasonality
    payback segments patterns --show transitions --item category
    ```
    """
    from payback.errors import InputError
    from payback.output import write_frame

    key = show.strip().lower()
    if key not in SHOW:
        raise InputError(f"--show must be one of {', '.join(SHOW)}, got {show!r}")
    with options.open_reading(db, engine, spark_master, spark_remote) as store:
        result = segments.patterns(
            store, as_of=as_of, by=by, item=item, prior_gaps=prior_gaps, top=top,
            min_count=min_count,
        )  # fmt: skip
    frame = getattr(result, SHOW[key][0])
    if frame is None:
        raise InputError(
            "no order lines: first -> second product needs them; import order lines "
            "(`payback import order-items FILE`) or run `payback demo`"
        )
    title = f"{SHOW[key][1]}, as of {result.as_of}"
    write_frame(frame, fmt, output, title=title, extra={"as_of": str(result.as_of)})


def register(app: typer.Typer) -> None:
    """Add ``patterns`` to ``payback segments``."""
    app.command("patterns")(patterns_command)
