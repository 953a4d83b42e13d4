"""Errors payback raises: each says what was expected, what was got, where, and the fix.

>>> err = DataError("unparsable number", file="orders.csv", row=12, column="revenue",
...                 value="12,3.4", expected="a number like 1234.50", fix="fix the cell")
>>> print(err)  # doctest: +NORMALIZE_WHITESPACE
orders.csv, row 12, column 'revenue': unparsable number: got '12,3.4',
expected a number like 1234.50. Fix: fix the cell
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence


class PaybackError(Exception):
    """Base class of every error payback raises on purpose (the CLI prints it and exits 2)."""

    exit_code = 2


class DataError(PaybackError):
    """A problem in an input file, located by file, row (1-based, as an editor shows it), column."""

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        expected: str | None = None,
        fix: str | None = None,
        more: int = 0,
    ) -> None:
        self.problem = problem
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        self.expected = expected
        self.fix = fix
        self.more = more
        super().__init__(self._message())

    def _message(self) -> str:
        where = ", ".join(
            p
            for p in (
                self.file,
                f"row {self.row}" if self.row is not None else None,
                f"column {self.column!r}" if self.column is not None else None,
            )
            if p
        )
        msg = f"{where}: {self.problem}" if where else self.problem
        if self.value is not None or self.expected:
            parts = []
            if self.value is not None:
                parts.append(f"got {self.value!r}")
            if self.expected:
                parts.append(f"expected {self.expected}")
            msg += ": " + ", ".join(parts)
        msg += "."
        if self.more:
            msg += f" ({self.more} more row(s) with the same problem.)"
        if self.fix:
            msg += f" Fix: {self.fix}"
        return msg


class ValidationErrors(PaybackError):
    """Several data errors found in one file; nothing was imported."""

    def __init__(self, errors: Sequence[DataError], *, file: str | None = None) -> None:
        self.errors = list(errors)
        head = f"{file}: " if file else ""
        lines = [f"{head}{len(self.errors)} problem(s) found; nothing was imported."]
        lines += [f"  - {e}" for e in self.errors]
        super().__init__("\n".join(lines))


class CurrencyError(PaybackError):
    """Money in two currencies would mix without an exchange rate."""


class ModelFitError(PaybackError):
    """A model did not converge; the message says why and what to try."""


class DegenerateFitError(ModelFitError):
    """The likelihood's maximum is degenerate (a parameter at the edge, a flat or
    near-singular information matrix): the estimate is refused, never used.

    The rule is :data:`payback.clv._optim.DEGENERATE_RULE`.

    Attributes
    ----------
    model : str
        The model's name (``BG/NBD`` ...).
    params : dict of str to float
        Where the optimiser stopped.
    reason : str
        Which part of the rule the fit broke, in words.
    unidentified : tuple of str
        The parameters that broke it (ran off, or near-singular); empty when the whole
        information matrix did (flat, saddle, not finite).
    log_likelihood : float or None
        The (unpenalised) log-likelihood where the optimiser stopped, for a near-singular
        fit (None when a parameter ran off: there it is not computed reliably).
    """

    def __init__(
        self,
        message: str,
        *,
        model: str,
        params: dict,
        reason: str,
        unidentified: tuple[str, ...] = (),
        log_likelihood: float | None = None,
    ) -> None:
        super().__init__(message)
        self.model = model
        self.params = dict(params)
        self.reason = reason
        self.unidentified = tuple(unidentified)
        self.log_likelihood = log_likelihood


class InputError(PaybackError, ValueError):
    """An impossible argument (margin over 100 %, negative budget, unknown metric ...).

    The library names *arguments*, never command-line flags: write each argument the
    message is about as ``{name}`` (its Python name). ``str(error)`` shows it as the
    Python caller wrote it; the ``payback`` command shows it as the flag it maps to
    (:meth:`render`, with the command's parameter map), so one error reads right on
    both sides. ``function`` (the function that refused) prefixes the message; the CLI
    replaces it by the command the user typed.

    Parameters
    ----------
    message : str
        What was expected, what was got, and the fix; ``{name}`` for each argument.
        Braces that are not an argument name (a value's repr) are left alone.
    function : str, optional
        The function that refused (``"max_cpl"``), shown as ``max_cpl: ...``.

    Attributes
    ----------
    arguments : tuple of str
        The arguments the message is about, in order of appearance.

    Examples
    --------
    >>> err = InputError("{margin} must be between 0 and 100 %, got 1.5", function="max_cpl")
    >>> print(err)
    max_cpl: margin must be between 0 and 100 %, got 1.5
    >>> err.arguments
    ('margin',)
    >>> print(err.render({"margin": "--margin"}, function="max-cpl"))
    max-cpl: --margin must be between 0 and 100 %, got 1.5
    >>> print(InputError("give {other_costs} with {customers}").render(to_flag))
    give --other-costs with --customers
    """

    def __init__(self, message: str, *, function: str | None = None) -> None:
        self.template = message
        self.function = function
        self.arguments = tuple(dict.fromkeys(_ARGUMENT.findall(message)))
        super().__init__(self.render())

    def render(
        self,
        names: Mapping[str, str] | Callable[[str], str] | None = None,
        *,
        function: str | None = None,
    ) -> str:
        """The message with each ``{argument}`` written by ``names`` (a mapping or a
        function; default the argument itself) and prefixed by ``function`` (default
        :attr:`function`)."""
        if names is None:
            name_of: Callable[[str], str] = str
        elif callable(names):
            name_of = names
        else:
            mapping = names
            name_of = lambda a: mapping.get(a, a)  # noqa: E731
        text = _ARGUMENT.sub(lambda m: name_of(m.group(1)), self.template)
        head = function if function is not None else self.function
        return f"{head}: {text}" if head else text


#: ``{name}`` of an argument in an :class:`InputError` message (a Python identifier).
_ARGUMENT = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def to_flag(argument: str) -> str:
    """The default command-line flag of a Python argument: ``other_costs`` -> ``--other-costs``.

    >>> to_flag("other_costs")
    '--other-costs'
    """
    return "--" + argument.replace("_", "-")


class StoreLockedError(PaybackError):
    """Another process holds the store's file lock and did not let go within the wait.

    Attributes
    ----------
    path : str
        The store file.
    holder : str
        Who holds the lock (program and PID as DuckDB names them), else DuckDB's reason.
    pid : int or None
        The holder's process id when DuckDB named it.
    waited : float
        Seconds waited before giving up.
    """

    def __init__(
        self, message: str, *, path: str, holder: str, pid: int | None, waited: float
    ) -> None:
        super().__init__(message)
        self.path = path
        self.holder = holder
        self.pid = pid
        self.waited = waited


class DiskFullError(PaybackError):
    """The disk filled up while writing; the write was rolled back."""


def is_disk_full(error: BaseException) -> bool:
    """Whether ``error`` is the operating system's (or DuckDB's) "no space left on device".

    >>> import errno
    >>> is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    True
    >>> is_disk_full(RuntimeError("IO Error: Could not write file: No space left on device"))
    True
    >>> is_disk_full(ValueError("bad number"))
    False
    """
    import errno

    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return True
    return "no space left on device" in str(error).lower()
