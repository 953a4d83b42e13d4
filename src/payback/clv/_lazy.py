"""Lazy package exports whose names are also submodules (``payback.clv.compress``).

Importing ``payback.clv.compress`` makes Python set the package attribute ``compress`` to
the submodule, hiding the function of the same name that the package exports lazily
(:func:`payback._util.lazy_exports` only runs for missing attributes). With eager
imports the function was assigned last and won; :func:`keep_functions` restores that.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Mapping

__all__ = ["keep_functions"]


def keep_functions(package: str, exports: Mapping[str, str]) -> None:
    """Make ``package.NAME`` the exported object, not the submodule ``package.NAME``.

    When the import system binds a submodule whose name is also an export defined in
    that submodule, the package attribute becomes the export instead (as it was when
    the package imported it eagerly); ``sys.modules`` still holds the submodule.

    Examples
    --------
    >>> import payback.clv.compress
    >>> import payback.clv
    >>> callable(payback.clv.compress)
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
