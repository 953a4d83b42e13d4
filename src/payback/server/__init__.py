"""The local dashboard (FastAPI) and its JSON API: ``payback serve``.

:func:`create_app` builds the app; :mod:`payback.server.network` holds the rules of
listening (:func:`check_bind`: a token off loopback, :func:`listen`: the port held
before a URL is printed, :func:`allowed_hosts`, :func:`url_of`, :func:`run_server`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from payback._util import lazy_exports

if TYPE_CHECKING:  # for type checkers and IDEs; at run time each name loads on first use
    from payback.server.app import create_app
    from payback.server.network import (
        allowed_hosts,
        check_bind,
        is_loopback,
        listen,
        run_server,
        url_of,
    )

__all__ = [
    "allowed_hosts",
    "check_bind",
    "create_app",
    "is_loopback",
    "listen",
    "run_server",
    "url_of",
]

#: Public name -> the module defining it, imported on first use (PEP 562), so that
#: ``import payback.server`` (and ``payback --help``) does not load fastapi and the report.
_EXPORTS = {
    "create_app": "payback.server.app",
    "allowed_hosts": "payback.server.network",
    "check_bind": "payback.server.network",
    "is_loopback": "payback.server.network",
    "listen": "payback.server.network",
    "run_server": "payback.server.network",
    "url_of": "payback.server.network",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
