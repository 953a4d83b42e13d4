"""``payback partners paystub``: what the network paid a partner against the shop's ledger.

The command parses and prints; the check lives in :mod:`payback.partners.paystub`.
"""

from __future__ import annotations

import typer

from payback._lazy import lazy_module
from payback.cli import options

partners = lazy_module("payback.partners")
paystub_module = lazy_module("payback.partners.paystub")


def paystub_command(
    file: str = typer.Argument(
        ..., help="impact.com's 'Action Listing for a Paystub' report, as CSV."
    ),
    rules: str = typer.Option(
        ..., "--rules", help="Commission rules, a TOML file (docs/partners-commissions.md)."
    ),
    partner: str = typer.Option(
        None,
        "--partner",
        help="The partner the paystub is of (the report has no partner column); default: "
        "each action's claim's partner.",
    ),
    statuses: str = typer.Option(
        None,
        "--statuses",
        help="As for `payback partners payouts`: a CSV of claim_id, status [, changed_at] or "
        "`reconciled`.",
    ),
    as_of: str = typer.Option(
        None, "--as-of", help="The ledger as of the end of this day, YYYY-MM-DD."
    ),
    lines: bool = typer.Option(False, "--lines", help="One row per paystub line instead."),
    fmt: str = options.FORMAT,
    output: str = options.OUTPUT,
    db: str = options.DB,
    engine: str = options.ENGINE,
    spark_master: str = options.SPARK_MASTER,
    spark_remote: str = options.SPARK_REMOTE,
) -> None:
    """What the network paid (its paystub) against what the ledger owes, per partner and
    month of the actions; each line matches, differs, is not owed or is unknown.

    **Examples**

    ```
    payback partners paystub paystub.csv --rules rules.toml --partner P01
    payback partners paystub paystub.csv --rules rules.toml --lines --format csv
    ```
    """
    from payback.cli.partners_money import _statuses  # the money commands' --statuses
    from payback.output import write_frame

    stub = paystub_module.read_paystub(file, partner=partner)
    with options.open_reading(db, engine, spark_master, spark_remote) as store:
        book = partners.ledger(store, rules, statuses=_statuses(statuses, store), as_of=as_of)
    result = paystub_module.check_paystub(stub, book)
    table = result.lines if lines else result.periods
    title = f"paystub {file} against the ledger as of {book.as_of}"
    write_frame(table, fmt, output, title=title)


def add_command(app: typer.Typer) -> None:
    """Add ``paystub`` to ``payback partners``."""
    app.command("paystub")(paystub_command)
