"""Small helpers shared by the capability packages.

:func:`lazy_exports` lives in :mod:`payback._lazy` (the one place for lazy loading); it is
re-exported here for the packages that import it from this module.
"""

from __future__ import annotations

from payback._lazy import lazy_exports

__all__ = ["lazy_exports"]
