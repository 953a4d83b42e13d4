"""The local dashboard (FastAPI) and its JSON API: ``payback serve``."""

from __future__ import annotations

from payback.server.app import create_app

__all__ = ["create_app"]
