"""Where the dashboard's cache and store source used to live (kept for existing imports).

The cache is :mod:`payback.cache` (shared by the report and the dashboard, owned by
neither); the store source is :mod:`payback.server.deps`.
"""

from __future__ import annotations

from payback.cache import QueryCache
from payback.server.deps import StoreSource

__all__ = ["QueryCache", "StoreSource"]
