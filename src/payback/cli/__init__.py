"""The ``payback`` command: the root app, :func:`main` and the flag map of errors.

Each capability's commands live in ``payback/cli/<name>.py`` (named by the ``cli`` field
of :mod:`payback.capabilities`), whose ``register(app)`` adds them here. A command module
only parses arguments, calls the capability's API and prints the result; every
computation and every rule lives in the API, so Python users reach all of it.

Run ``payback --help`` for the list, ``payback COMMAND --help`` for one command.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

from payback import __version__
from payback.allocator import prefer_small_pages
from payback.capabilities import CAPABILITIES
from payback.errors import InputError, PaybackError, to_flag

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

#: Modules whose ``register(app)`` adds commands, in the order they appear in --help
#: (the registry's order: :mod:`payback.capabilities`).
_COMMAND_MODULES = tuple(c.cli for c in CAPABILITIES if c.cli)


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
    clear ``error: ...`` line (exit 2) instead of a traceback. An :class:`InputError`
    names Python arguments; here they read as the flags of the command that ran
    (``other_costs`` -> ``--other-costs``, see :func:`flags_of`).
    """
    prefer_small_pages()  # before any command loads pyarrow: see payback.allocator
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        app(args=args, standalone_mode=True)
    except InputError as e:
        command = _command_of(args)
        typer.secho(f"error: {e.render(flags_of(command), function=_name_of(e, command))}",
                    err=True, fg="red")  # fmt: skip
        return e.exit_code
    except PaybackError as e:
        typer.secho(f"error: {e}", err=True, fg="red")
        return e.exit_code
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


def _command_of(args: list[str]) -> Any:
    """The (sub)command that ``args`` ran: ``calc max-cpl --margin 2`` -> ``max-cpl``."""
    command = typer.main.get_command(app)
    for token in args:
        commands = getattr(command, "commands", None)
        if commands is None:  # not a group
            break
        command = commands.get(token, command)
    return command


def flags_of(command: Any) -> dict[str, str]:
    """A command's parameter map: Python argument -> how the user writes it.

    Options map to their long flag (``other_costs`` -> ``--other-costs``), positional
    arguments to their metavar (``path`` -> ``FILE``). An argument the command does not
    declare keeps the default spelling :func:`payback.errors.to_flag`.

    >>> flags = flags_of(_command_of(["calc", "max-cpl"]))
    >>> flags["margin_amount"], flags["json_"]
    ('--margin-amount', '--json')
    """
    flags = _DefaultFlags()
    for param in command.params:
        if param.name is None:
            continue
        if param.param_type_name == "option":
            flags[param.name] = max(param.opts, key=lambda o: (o.startswith("--"), len(o)))
        else:
            flags[param.name] = param.metavar or param.name.upper()
    return flags


class _DefaultFlags(dict[str, str]):
    def get(self, key: str, default: str | None = None) -> str:  # type: ignore[override]
        return super().get(key) or to_flag(key)


def _name_of(error: InputError, command: Any) -> str | None:
    """The command the user typed in place of the function that refused."""
    return command.name if error.function is not None and command.name else None
