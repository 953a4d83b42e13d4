"""``payback partners``: partner claims against the shop's orders, value by partner.

The commands parse and print; every rule lives in :mod:`payback.partners`. The money
commands (commissions, payouts, the commission designer) are added by
:mod:`payback.cli.partners_money` (``add_commands``).
"""

from __future__ import annotations

import typer

from payback._lazy import lazy_module
from payback.cli import options

#: The API, loaded when a command runs (``payback --help`` must stay light).
partners = lazy_module("payback.partners")

partners_app = typer.Typer(
    name="partners",
    help=(
        "Partner (affiliate) programmes: each claim checked against the shop's own orders "
        "(confirmed, unknown, duplicate, cancelled, returned, outside the window ...), the "
        "network's reversal file, and the value of the customers each partner brings.\n\n"
        "Start with `payback partners reconcile`."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

_DB = options.DB
_FORMAT = options.FORMAT
_OUTPUT = options.OUTPUT


@partners_app.command("reconcile")
def reconcile_command(
    claims: str = typer.Option(
        None,
        "--claims",
        help="Check this network file (impact.com, Awin, Tapfiliate, Everflow or generic "
        "layout) instead of the imported claims; nothing is imported.",
    ),
    platform: str = typer.Option(
        "auto",
        "--platform",
        help="Layout of --claims: auto, impact, awin, tapfiliate, everflow, generic.",
    ),
    window: str = typer.Option(
        "30d", "--window", help="Attribution window after the partner's click: 30d, 4w."
    ),
    per: str = typer.Option(
        None,
        "--per",
        help="partner (totals and discrepancy rate) or claim (one row per claim). Default: "
        "partner for a table, claim for csv, json and parquet.",
    ),
    batch: str = typer.Option(
        None,
        "--batch",
        help="Write the network's file of reversals and modifications instead: impact, "
        "awin or generic (CSV, to -o FILE).",
    ),
    fmt: str = _FORMAT,
    output: str = _OUTPUT,
    db: str = _DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
) -> None:
    """Each partner claim gets one status, what is owed, and totals per partner.

    Statuses, first that applies: unknown_order, duplicate_claim, claimed_twice,
    cancelled, returned, pending, outside_window, not_attributed, existing_customer,
    amount_differs, confirmed. Reading the same store again gives the same result.

    **Examples**

    ```
    payback partners reconcile
    payback partners reconcile --window 45d --format json
    payback partners reconcile --claims impact_actions.csv
    payback partners reconcile --batch impact -o reversals.csv
    ```
    """
    from payback.errors import InputError
    from payback.output import to_csv, write_frame

    if batch and batch.lower() not in partners.BATCH_LAYOUTS:
        raise InputError(f"--batch {batch!r}: expected one of {', '.join(partners.BATCH_LAYOUTS)}")
    with options.open_reading(db, engine, spark_master, spark_remote) as store:
        rows = None
        if claims:
            rows = partners.read_claims(claims, store=store, platform=platform)
        result = partners.reconcile(store, window=window, claims=rows)
    if batch:
        text = to_csv(partners.batch_file(result, batch.lower()))
        if output:
            with open(output, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        else:
            typer.echo(text, nl=False)
        return
    per = (per or ("partner" if fmt.lower() == "table" else "claim")).lower()
    if per not in ("partner", "claim"):
        raise InputError(f"--per {per!r}: expected partner or claim")
    table = result.partners if per == "partner" else result.claims
    if per == "partner" and fmt.lower() == "table":  # the statuses that occur
        frame = table.frame
        quiet = [s for s in partners.STATUSES if s in frame and not frame[s].any()]
        table = table.select([c for c in frame.columns if c not in quiet])
    title = f"partner claims against the shop's orders ({result.window_days}-day window)"
    write_frame(table, fmt, output, title=title, extra={"window_days": result.window_days})


@partners_app.command("value")
def value_command(
    horizon: str = typer.Option("12m", "--horizon", help="Horizon of the LTV: 12m, 1y."),
    window: str = typer.Option(
        "30d", "--window", help="Attribution window of the reconciled commission: 30d, 4w."
    ),
    interval: str = typer.Option(
        None,
        "--interval",
        help="Interval of each partner's predicted CLV at this level, e.g. 90% (parametric "
        "bootstrap over the fitted parameters, as `payback ltv predict --interval`).",
    ),
    draws: int = typer.Option(200, "--draws", help="Parameter draws of --interval."),
    fmt: str = _FORMAT,
    output: str = _OUTPUT,
    db: str = _DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
) -> None:
    """Value by partner: orders, revenue, new customers, reconciled commission, CPO,
    cohort and predicted LTV, LTV/CAC, repeat, cancel and return rates; ranked by the
    LTV of the customers each partner brings, not by order count.

    **Examples**

    ```
    payback partners value
    payback partners value --horizon 24m --format csv -o partners.csv
    payback partners value --interval 90%
    ```
    """
    from payback.calc.inputs import parse_number
    from payback.clv import parse_horizon
    from payback.output import write_frame

    months = parse_horizon(horizon)
    level = None if interval is None else parse_number(interval, name="--interval", rate=True)
    with options.open_reading(db, engine, spark_master, spark_remote) as store:
        table = partners.value(
            store, horizon_months=months, window=window, interval=level, draws=draws
        )
    title = f"value by partner ({horizon} margin LTV of the customers it brings)"
    write_frame(table, fmt, output, title=title)


@partners_app.command("signals")
def signals_command(
    window: str = typer.Option("30d", "--window", help="Attribution window: 30d, 4w."),
    stuffing_minutes: float = typer.Option(
        60.0,
        "--stuffing-minutes",
        help="A click this close before an existing customer's order counts as a stuffed click.",
    ),
    alpha: float = typer.Option(
        0.01, "--alpha", help="False-alarm rate of the cancel/return flags (all partners)."
    ),
    burst_minutes: float = typer.Option(
        60.0,
        "--burst-minutes",
        help="Window of a burst of claims from one IP address or contact.",
    ),
    list_bursts: bool = typer.Option(
        False, "--bursts", help="List the bursts (partner, IP or contact, claims, times)."
    ),
    fmt: str = _FORMAT,
    output: str = _OUTPUT,
    db: str = _DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
) -> None:
    """Fraud and quality signals per partner: orders claimed twice, claims without a
    click, stuffed clicks on existing customers, cancel and return rates beyond chance
    (binomial test against the rest of the shop).

    **Examples**

    ```
    payback partners signals
    payback partners signals --stuffing-minutes 30 --format json
    payback partners signals --bursts --burst-minutes 30
    ```
    """
    from payback.output import write_frame

    with options.open_reading(db, engine, spark_master, spark_remote) as store:
        if list_bursts:
            found = partners.bursts(store, minutes=burst_minutes, alpha=alpha)
            title = f"bursts of claims from one IP address or contact ({burst_minutes:g} min)"
            write_frame(found, fmt, output, title=title)
            return
        table = partners.signals(
            store,
            window=window,
            stuffing_minutes=stuffing_minutes,
            alpha=alpha,
            burst_minutes=burst_minutes,
        )
    write_frame(table, fmt, output, title="partner fraud and quality signals")


def register(app: typer.Typer) -> None:
    """Add ``payback partners ...`` to the root command (and the money commands)."""
    from payback.cli import partners_money, partners_paystub

    partners_money.add_commands(partners_app)
    partners_paystub.add_command(partners_app)
    app.add_typer(partners_app, name="partners")
