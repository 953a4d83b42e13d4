"""``payback segments pairs|next``: cross-sell rules (bought together, bought next)."""

from __future__ import annotations

import typer

from payback._lazy import lazy_module
from payback.cli import options

segments = lazy_module("payback.segments")

_BY = typer.Option(
    "product_id", "--by", help="What an item is: product_id, product_name or category."
)
_MIN_SUPPORT = typer.Option(0.0, "--min-support", help="Fewest share of baskets (0..1).")
_MIN_COUNT = typer.Option(5, "--min-count", help="Fewest baskets (orders or customers).")
_MIN_CONFIDENCE = typer.Option(0.0, "--min-confidence", help="Fewest P(consequent | antecedent).")
_MIN_LIFT = typer.Option(1.0, "--min-lift", help="Fewest lift (1 = independent).")
_FDR = typer.Option(
    0.05, "--fdr", help="False discovery rate: rules with a larger BH q-value are dropped."
)
_WHERE = typer.Option(
    None, "--where", "-w", help="Filter the orders: dim=value (country, platform, campaign...)."
)
_AS_OF = typer.Option(None, "--as-of", help="Orders up to this day, YYYY-MM-DD.")
_LIMIT = typer.Option(20, "--limit", "-n", help="Rules shown (0: all).")
_SUGGEST = typer.Option(
    0,
    "--suggest",
    help="Instead of the rules: the N products to offer each customer, from the rules "
    "(e.g. --format csv --output offers.csv for a CRM).",
)


def readable_p(table, fmt: str):
    """``table`` with its p- and q-values as text of two significant digits for
    ``--format table`` (tiny p-values would read as 0 in a fixed number of decimals)."""
    if fmt.lower() != "table":
        return table
    shown = table.frame.copy()
    for column in ("p_value", "q_value"):
        shown[column] = ["" if v != v else f"{v:.2g}" for v in shown[column]]
    return table.with_frame(shown)


def _show(result, fmt: str, output: str | None, limit: int, title: str, offers=None) -> None:
    from payback.output import write_frame

    if offers is not None:
        count = offers.frame.customer_id.nunique()
        write_frame(offers, fmt, output, title=f"products to offer {count:,} customers, {title}")
        return

    rules = result.rules
    if limit and len(rules.frame) > limit:
        rules = rules.with_frame(rules.frame.head(limit))
        title += f", the {limit} strongest"
    rules = readable_p(rules, fmt)
    extra = {
        "baskets": result.baskets,
        "items": result.items,
        "tests": result.tests,
        "min_count": result.min_count,
        "dropped_baskets": result.dropped_baskets,
    }
    write_frame(rules, fmt, output, title=title, extra=extra)


def pairs_command(
    by: str = _BY,
    within: str = typer.Option(
        "order", "--within", help="A basket: one order, or every order of one customer."
    ),
    min_support: float = typer.Option(
        None, "--min-support", help="Fewest share of baskets (0..1; default 0, triples 0.001)."
    ),
    min_count: int = _MIN_COUNT,
    min_confidence: float = _MIN_CONFIDENCE,
    min_lift: float = _MIN_LIFT,
    fdr: float = _FDR,
    max_items: int = typer.Option(
        250, "--max-items", help="Leave out baskets with more distinct items (0: keep all)."
    ),
    size: int = typer.Option(
        2, "--size", help="Items per itemset: 2 (pairs) or 3 (triples: rules A + B -> C)."
    ),
    where: list[str] = _WHERE,
    as_of: str = _AS_OF,
    limit: int = _LIMIT,
    suggest: int = _SUGGEST,
    fmt: str = options.FORMAT,
    output: str = options.OUTPUT,
    db: str = options.DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
) -> None:
    """Items bought together: support, confidence, lift, Fisher p-value, BH q-value.

    Pairs are counted in the engine (a self-join of the order lines) and kept when their
    Benjamini-Hochberg q-value is at most --fdr, so pairs two popular products reach
    by chance are dropped. Each pair gives two rules, A -> B and B -> A.

    **Examples**

    ```
    payback segments pairs
    payback segments pairs --by category --within customer
    payback segments pairs --min-support 0.01 --min-lift 2 --where country=France
    payback segments pairs --limit 0 --format csv --output pairs.csv
    payback segments pairs --size 3 --min-count 10
    ```
    """
    from payback.errors import InputError

    if suggest and size != 2:
        raise InputError(f"--suggest works on pairs (--size 2), got --size {size}")
    with options.open_reading(db, engine, spark_master, spark_remote) as store:
        result = segments.pairs(
            store,
            by=by,
            within=within,
            min_support=min_support,
            min_count=min_count,
            min_confidence=min_confidence,
            min_lift=min_lift,
            fdr=fdr,
            max_items=max_items or None,
            where=where or None,
            as_of=as_of,
            size=size,
        )
        offers = segments.suggestions(store, result.rules, top=suggest, by=by) if suggest else None
    title = (
        f"{'triples ' if size == 3 else ''}bought together in one {within} "
        f"({result.baskets:,} {within}s, "
        f"{result.items:,} items, q <= {fdr})"
    )
    _show(result, fmt, output, limit, title, offers)


def next_command(
    window: int = typer.Option(90, "--window", help="Most days from the first X to Y."),
    by: str = _BY,
    min_support: float = _MIN_SUPPORT,
    min_count: int = _MIN_COUNT,
    min_confidence: float = _MIN_CONFIDENCE,
    min_lift: float = _MIN_LIFT,
    fdr: float = _FDR,
    where: list[str] = _WHERE,
    as_of: str = _AS_OF,
    limit: int = _LIMIT,
    suggest: int = _SUGGEST,
    fmt: str = options.FORMAT,
    output: str = options.OUTPUT,
    db: str = options.DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
) -> None:
    """Bought X, then Y (new to them) within --window days: support, confidence, lift.

    **Examples**

    ```
    payback segments next
    payback segments next --window 30 --by category
    payback segments next --min-confidence 0.1 --format json
    payback segments next --suggest 3 --format csv --output offers.csv
    ```
    """

    with options.open_reading(db, engine, spark_master, spark_remote) as store:
        result = segments.next_purchases(
            store,
            window_days=window,
            by=by,
            min_support=min_support,
            min_count=min_count,
            min_confidence=min_confidence,
            min_lift=min_lift,
            fdr=fdr,
            where=where or None,
            as_of=as_of,
        )
        offers = segments.suggestions(store, result.rules, top=suggest, by=by) if suggest else None
    title = (
        f"bought next within {window} days ({result.baskets:,} customers, "
        f"{result.items:,} items, q <= {fdr})"
    )
    _show(result, fmt, output, limit, title, offers)


def register(app: typer.Typer) -> None:
    """Add ``pairs`` and ``next`` to ``payback segments``."""
    app.command("pairs")(pairs_command)
    app.command("next")(next_command)
