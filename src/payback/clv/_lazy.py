"""Kept for the packages that import :func:`keep_functions` from here; it lives in
:mod:`payback._lazy`, the one place for lazy loading. :mod:`payback.clv` no longer needs
it: it imports its modules directly."""

from __future__ import annotations

from payback._lazy import keep_functions

__all__ = ["keep_functions"]
