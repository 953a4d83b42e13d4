"""The local dashboard (FastAPI) and its JSON API: ``payback serve``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from payback._util import lazy_exports

if TYPE_CHECKING:  # for type checkers and IDEs; at run time each name loads on first use
    from payback.server.app import create_app

__all__ = [
    "create_app",
]

#: Public name -> the module defining it, imported on first use (PEP 562), so that
#: ``import payback.server`` (and ``payback --help``) does not load fastapi and the report.
_EXPORTS = {
    "create_app": "payback.server.app",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
