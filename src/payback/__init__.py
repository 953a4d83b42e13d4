"""payback: what customers cost and what they are worth.

The public API is re-exported here and from each capability package
(``payback.metrics``, ``payback.clv``, ``payback.economics`` ...).
"""

from __future__ import annotations

from payback.errors import CurrencyError, DataError, ModelFitError, PaybackError
from payback.store import Store, open_store

__version__ = "0.1.0"

__all__ = [
    "CurrencyError",
    "DataError",
    "ModelFitError",
    "PaybackError",
    "Store",
    "__version__",
    "open_store",
]
