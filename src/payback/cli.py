"""The ``payback`` command. Each capability registers its own commands from its ``cli.py``.

Run ``payback --help`` for the list, ``payback COMMAND --help`` for one command.
"""

from __future__ import annotations

import importlib
import sys

import typer

from payback.errors import PaybackError

app = typer.Typer(
    name="payback",
    help=(
        "What your customers cost and what they are worth: CPA/CPO/DRR/ROMI at any grain, "
        "customer lifetime value, acquisition-cost ceilings, subscription payback.\n\n"
        "Start with `payback demo`, then `payback metrics --by platform`."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)

#: Modules whose ``register(app)`` adds commands, in the order they appear in --help.
_COMMAND_MODULES = (
    "payback.demo.cli",
    "payback.ingest.cli",
    "payback.metrics.cli",
    "payback.calc.cli",
    "payback.clv.cli",
    "payback.economics.cli",
    "payback.report.cli",
    "payback.server.cli",
)


def _register_all() -> None:
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:  # capability not built yet
            if e.name is not None and (name == e.name or name.startswith(e.name + ".")):
                continue
            raise
        module.register(app)


_register_all()


def _print_version(value: bool) -> None:
    if value:
        from payback import __version__

        typer.echo(f"payback {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        is_eager=True,
        callback=_print_version,
    ),
) -> None:
    """Root options."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script.

    Usage errors are printed by click (exit 2); a :class:`PaybackError` prints as one
    clear ``error: ...`` line (exit 2) instead of a traceback.
    """
    try:
        app(args=argv, standalone_mode=True)
    except PaybackError as e:
        typer.secho(f"error: {e}", err=True, fg="red")
        return e.exit_code
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
