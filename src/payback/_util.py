"""Small helpers shared by the capability packages."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` that import its public names on first use.

    PEP 562: ``import payback.report`` then costs nothing, and ``payback.report.build_report``
    (or ``from payback.report import build_report``) imports the module defining it. Keeps
    ``payback --help`` from loading every capability's libraries.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping of str to str
        Public name -> the module that defines it.

    Examples
    --------
    In ``payback/report/__init__.py``: ``__getattr__, __dir__ = lazy_exports(__name__,
    {"build_report": "payback.report.build"})``.

    >>> getattr_, _ = lazy_exports("payback.example", {"sqrt": "math"})
    >>> getattr_("sqrt")(9.0)
    3.0
    >>> getattr_("cbrt")
    Traceback (most recent call last):
    ...
    AttributeError: module 'payback.example' has no attribute 'cbrt'
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *exports})

    return __getattr__, __dir__
