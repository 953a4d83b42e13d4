"""The one place where heavy third-party packages are loaded lazily.

payback's own modules import each other normally, at the top. The heavy libraries they
use (scipy, pandas, ibis, plotly, fastapi, pyarrow, duckdb, numpy) are bound with
:func:`lazy_module` instead of ``import``: the name is a module object at once, and the
library loads on the first attribute used, e.g. the first call of a model fit. So
``import payback.clv`` and ``payback --help`` load none of them, and no module has to
hide its own imports inside functions.

::

    from payback._lazy import lazy_module

    np = lazy_module("numpy")
    special = lazy_module("scipy.special")  # special.gammaln(...) at call time

    if TYPE_CHECKING:  # only where a checker needs the real types
        import pandas as pd
    else:
        pd = lazy_module("pandas")

Rules: use the module through its attribute (``special.gammaln``, not ``from
scipy.special import gammaln``, which would load it at once); touch it only inside
functions (a module-level ``np.float64`` loads numpy on import; annotations are fine,
they are strings under ``from __future__ import annotations``).

:func:`lazy_exports` (PEP 562) remains for the packages whose modules still import a
heavy library at their top (listed in docs/architecture.md), and :func:`keep_functions`
for their exports that share a submodule's name.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["keep_functions", "lazy_exports", "lazy_module"]


class _LazyModule(types.ModuleType):
    """A module object that imports the real module on its first attribute lookup, then
    takes on its namespace (later lookups are plain module attribute reads)."""

    def __getattr__(self, name: str) -> Any:
        real = importlib.import_module(self.__dict__["_lazy_target"])
        self.__dict__.update(real.__dict__)
        return getattr(real, name)

    def __dir__(self) -> list[str]:
        return dir(importlib.import_module(self.__dict__["_lazy_target"]))

    def __repr__(self) -> str:
        return f"<lazy module {self.__dict__['_lazy_target']!r}>"


def lazy_module(name: str) -> types.ModuleType:
    """The module ``name``, imported on first attribute access (the real module when
    it is imported already).

    Parameters
    ----------
    name : str
        Absolute module name (``"pandas"``, ``"scipy.special"``).

    Examples
    --------
    >>> np_ = lazy_module("numpy")
    >>> float(np_.sqrt(16.0))
    4.0
    >>> colorsys = lazy_module("colorsys")  # not imported yet
    >>> colorsys.rgb_to_hsv(1.0, 0.0, 0.0)
    (0.0, 1.0, 1.0)
    """
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    module = _LazyModule(name)
    module.__dict__["_lazy_target"] = name
    return module


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` that import its public names on first use.

    PEP 562: ``import payback.report`` then costs nothing, and ``payback.report.build_report``
    (or ``from payback.report import build_report``) imports the module defining it. For
    packages whose modules import a heavy library at their top; a package whose modules
    use :func:`lazy_module` imports them directly.

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


def keep_functions(package: str, exports: Mapping[str, str]) -> None:
    """Make ``package.NAME`` the exported object, not the submodule ``package.NAME``.

    With :func:`lazy_exports`, importing ``payback.economics.ceilings`` makes Python set
    the package attribute ``ceilings`` to the submodule, hiding the function of the same
    name (``__getattr__`` only runs for missing attributes). When the import system
    binds a submodule whose name is also an export defined in that submodule, the
    package attribute becomes the export instead; ``sys.modules`` still holds the
    submodule. (A package that imports its modules directly needs none of this: the
    function is bound after the submodule.)

    Examples
    --------
    >>> import payback.economics.ceilings
    >>> import payback.economics
    >>> callable(payback.economics.ceilings)
    True
    """
    module = sys.modules[package]
    clashes = {n for n, m in exports.items() if m == f"{package}.{n}"}

    class _Package(types.ModuleType):
        def __setattr__(self, name: str, value: object) -> None:
            if name in clashes and isinstance(value, types.ModuleType):
                value = getattr(value, name)
            super().__setattr__(name, value)

    module.__class__ = _Package
