"""``payback partners``: the partner (affiliate) programme's commands.

The money commands (commissions, payouts, statement, the commission designer) are added
by :mod:`payback.cli.partners_money` (``add_commands``).
"""

from __future__ import annotations

import typer

partners_app = typer.Typer(
    name="partners",
    help=(
        "Partner (affiliate) programmes: commissions by rules, locking, reversals, "
        "clawbacks and payouts, and the commission each partner's customers can carry."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


def register(app: typer.Typer) -> None:
    """Add ``payback partners ...`` to the root command (and the money commands)."""
    from payback.cli import partners_money

    partners_money.add_commands(partners_app)
    app.add_typer(partners_app, name="partners")
