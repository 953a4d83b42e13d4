"""``payback partners`` money commands: commissions, payouts, the commission designer.

A placeholder: helper h12b fills :func:`add_commands` (it adds its commands to the
``partners`` sub-app of :mod:`payback.cli.partners`).
"""

from __future__ import annotations

import typer


def add_commands(app: typer.Typer) -> None:
    """Add the money commands to ``payback partners`` (none yet)."""
    return None
