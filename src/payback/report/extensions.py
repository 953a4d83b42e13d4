"""Report sections of optional capabilities: customer lifetime value and unit economics.

Each builder imports its capability inside a guard: when the capability is not
installed (or does not offer the function yet) the section is left out, never an error.
"""

from __future__ import annotations

import importlib
from typing import Any


def has_capability(module: str) -> bool:
    """True when ``payback.<module>`` can be imported.

    >>> has_capability("report"), has_capability("no_such_capability")
    (True, False)
    """
    try:
        importlib.import_module(f"payback.{module}")
    except ModuleNotFoundError:
        return False
    return True


def section_builders() -> list[Any]:
    """The section builders whose capability is installed, in report order."""
    return []
