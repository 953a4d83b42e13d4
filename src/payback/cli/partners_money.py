"""``payback partners`` money commands: commissions, payouts, statement, the commission designer.

The commands parse and print; the rules, the ledger and the designer live in
:mod:`payback.partners` (:mod:`~payback.partners.commissions`,
:mod:`~payback.partners.ledger`, :mod:`~payback.partners.designer`).
:func:`add_commands` adds them to the ``partners`` sub-app of :mod:`payback.cli.partners`.
"""

from __future__ import annotations

import typer

from payback._lazy import lazy_module
from payback.cli import options
from payback.present.values import fixed

#: The API, loaded when a command runs (``payback --help`` must stay light).
partners = lazy_module("payback.partners")

_DB = options.DB
_FORMAT = options.FORMAT
_OUTPUT = options.OUTPUT
_RULES = typer.Option(
    ...,
    "--rules",
    help="Commission rules, a TOML file: [default], [partners.<id>] and [schedule] tables "
    "(see docs/partners-commissions.md).",
)
_STATUSES = typer.Option(
    None,
    "--statuses",
    help="CSV of claim_id, status and optionally changed_at (returns booked later), or "
    "`reconciled`: each claim's status from `payback partners reconcile` (default window); "
    "default: each order's own status.",
)
_AS_OF = typer.Option(
    None,
    "--as-of",
    help="The ledger as of the end of this day, YYYY-MM-DD (default: the last claim).",
)

#: The columns of the identity commissions - reversals = payouts + open balance.
_IDENTITY = ["commissions", "reversals", "payouts", "open_balance"]


def _statuses(path: str | None, store):
    if path is None:
        return None
    if path == "reconciled":
        return partners.reconcile(store).claims.frame[["claim_id", "status"]]
    return partners.read_statuses(path)


def commissions_command(
    rules: str = _RULES,
    statuses: str = _STATUSES,
    start: str = typer.Option(None, "--from", help="First day of the claims, YYYY-MM-DD."),
    end: str = typer.Option(None, "--to", help="Last day of the claims, YYYY-MM-DD."),
    partner: list[str] = typer.Option(None, "--partner", help="Only this partner (repeatable)."),
    by_month: bool = typer.Option(False, "--by-month", help="One row per partner and month."),
    claims: bool = typer.Option(False, "--claims", help="One row per claim, with the rule used."),
    fmt: str = _FORMAT,
    output: str = _OUTPUT,
    db: str = _DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
) -> None:
    """Commission of every claim by the rules: owed, reversed and held, per partner.

    A claim is owed when its status is confirmed (or amount_differs: on the shop's
    amount), reversed when the order was cancelled or returned or the claim refused,
    held while the order is pending.

    **Examples**

    ```
    payback partners commissions --rules rules.toml
    payback partners commissions --rules rules.toml --by-month --from 2025-01-01
    payback partners commissions --rules rules.toml --claims --partner P01 -f csv -o p01.csv
    ```
    """
    from payback.output import write_frame

    with options.open_reading(db, engine, spark_master, spark_remote) as store:
        table = partners.commissions(
            store,
            rules,
            statuses=_statuses(statuses, store),
            start=start,
            end=end,
            partners=partner or None,
        )
    if claims:
        shown = table.select(
            ["claim_id", "partner_id", "order_id", "time", "status", "new_customer",
             "revenue", "rate", "fixed", "basis", "commission"]
        )  # fmt: skip
        write_frame(shown, fmt, output, title=f"commission of each claim ({len(shown.frame):,})")
        return
    summary = partners.commission_summary(table, by_month=by_month)
    split = "partner and month" if by_month else "partner"
    write_frame(summary, fmt, output, title=f"commissions by {split} ({rules})")


def payouts_command(
    rules: str = _RULES,
    statuses: str = _STATUSES,
    as_of: str = _AS_OF,
    periods: bool = typer.Option(
        False,
        "--periods",
        help="Per partner and month: commissions - reversals = payouts + open balance.",
    ),
    fmt: str = _FORMAT,
    output: str = _OUTPUT,
    db: str = _DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
) -> None:
    """Payouts per partner and month: locked commissions, clawbacks deducted, paid.

    A month's commissions lock `lock_days` after the month ends (reversals before
    that remove them) and are paid `pay_days` later; a reversal after the lock is
    clawed back from the partner's next payouts.

    **Examples**

    ```
    payback partners payouts --rules rules.toml
    payback partners payouts --rules rules.toml --as-of 2025-06-30 --periods
    ```
    """
    from payback.output import write_frame

    with options.open_reading(db, engine, spark_master, spark_remote) as store:
        book = partners.ledger(store, rules, statuses=_statuses(statuses, store), as_of=as_of)
    lock, pay = book.schedule.lock_days, book.schedule.pay_days
    terms = f"lock {lock} days after the month, paid {pay} days later"
    if periods:
        title = f"commissions by partner and month as of {book.as_of} ({terms})"
        shown = book.periods
        if fmt.lower() == "table":  # the parts are in csv, json and parquet
            shown = shown.select(["partner_id", "month", *_IDENTITY])
        write_frame(shown, fmt, output, title=title)
    else:
        title = f"payouts as of {book.as_of} ({terms})"
        write_frame(book.payouts, fmt, output, title=title)


def statement_command(
    partner: str = typer.Argument(..., help="The partner id, e.g. P01."),
    rules: str = _RULES,
    statuses: str = _STATUSES,
    as_of: str = _AS_OF,
    lines: bool = typer.Option(False, "--lines", help="One row per claim instead."),
    fmt: str = _FORMAT,
    output: str = _OUTPUT,
    db: str = _DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
) -> None:
    """One partner's statement: its months, payouts and open balance (or its claims).

    **Examples**

    ```
    payback partners statement P01 --rules rules.toml
    payback partners statement P01 --rules rules.toml --lines -f csv -o p01.csv
    ```
    """
    from payback.output import write_frame

    with options.open_reading(db, engine, spark_master, spark_remote) as store:
        book = partners.ledger(store, rules, statuses=_statuses(statuses, store), as_of=as_of)
    mine = partners.statement(book, partner)
    head = f"{partner} as of {mine.as_of}"
    extra = {"partner_id": partner, "balance": mine.balance, "as_of": str(mine.as_of)}
    if lines:
        shown = mine.lines.select(
            ["claim_id", "order_id", "time", "status", "state", "commission", "lock_date",
             "payout_date", "reversal", "clawback", "recovered", "paid"]
        )  # fmt: skip
        write_frame(shown, fmt, output, title=f"claims of {head}", extra=extra)
        return
    keep = ["month", *_IDENTITY, "clawbacks"] if fmt.lower() == "table" else None
    periods = mine.periods.select(keep or [c for c in mine.periods.frame if c != "partner_id"])
    write_frame(periods, fmt, output, title=f"statement of {head}", extra=extra)
    if fmt.lower() == "table" and output is None:
        payouts = mine.payouts.select([c for c in mine.payouts.frame if c != "partner_id"])
        write_frame(payouts, fmt, None, title=f"payouts to {head}")
        typer.echo(f"open balance: {fixed(mine.balance, 2)}")


def design_command(
    rules: str = typer.Option(
        None, "--rules", help="The commission rules now (default: the commissions claimed)."
    ),
    share: float = typer.Option(
        0.3, "--share", help="Share of a customer's predicted margin CLV paid to acquire them."
    ),
    margin: float = typer.Option(
        None, "--margin", help="Gross margin rate (default: the orders' own, from cogs)."
    ),
    other_costs_per_customer: float = typer.Option(
        None,
        "--other-costs",
        help="Non-advertising costs per customer (default: the costs table over the horizon).",
    ),
    horizon: str = typer.Option("12m", "--horizon", help="Horizon of the predicted CLV: 12m, 1y."),
    model: str = typer.Option("bgnbd", "--model", "-m", help="Count model: bgnbd, mbgnbd, pareto."),
    min_customers: int = typer.Option(
        100, "--min-customers", help="Partners with fewer customers use the pooled count fit."
    ),
    statuses: str = _STATUSES,
    fmt: str = _FORMAT,
    output: str = _OUTPUT,
    db: str = _DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
) -> None:
    """The highest commission per first and repeat order that keeps each partner's
    customers profitable, the recommended change and its effect on profit.

    max commission per customer = share x predicted margin CLV - other costs per customer.

    **Examples**

    ```
    payback partners design --rules rules.toml --share 0.5
    payback partners design --share 0.3 --margin 0.4 --other-costs 15 -f csv
    ```
    """
    from payback.clv import parse_horizon
    from payback.output import write_frame

    with options.open_reading(db, engine, spark_master, spark_remote) as store:
        design = partners.design_commissions(
            store,
            rules,
            share=share,
            margin=margin,
            other_costs_per_customer=other_costs_per_customer,
            horizon_months=parse_horizon(horizon),
            statuses=_statuses(statuses, store),
            model=model.lower(),
            min_customers=min_customers,
        )
    title = (
        f"commission design: {design.share:.0%} of the predicted margin CLV over {horizon} "
        f"(margin {design.margin:.1%}) - other costs {fixed(design.other_costs_per_customer, 2)} "
        f"per customer; orders of {design.window[0]} to {design.window[1]}"
    )
    table = fmt.lower() == "table"
    frame = design.table
    if table:
        frame = frame.select(
            ["partner_id", "customers", "predicted_margin_clv", "max_commission",
             "first_commission", "max_first_commission", "max_first_rate", "repeat_commission",
             "max_repeat_commission", "max_repeat_rate", "recommended_first",
             "recommended_repeat", "profit_effect"]
        )  # fmt: skip
    write_frame(frame, fmt, output, title=title)
    if table and output is None:
        for partner_id, action in zip(
            design.table.frame.partner_id, design.table.frame.action, strict=True
        ):
            typer.echo(f"{partner_id}: {action}")


def add_commands(app: typer.Typer) -> None:
    """Add ``commissions``, ``payouts``, ``statement`` and ``design`` to ``payback partners``."""
    app.command("commissions")(commissions_command)
    app.command("payouts")(payouts_command)
    app.command("statement")(statement_command)
    app.command("design")(design_command)
