"""Advertising-efficiency metrics (CPO, CPA, DRR, ROMI ...) at any grain, as ratios of sums.

>>> from payback.metrics import CATALOGUE
>>> CATALOGUE["cpa"].formula
'cost / valid leads'
"""

from __future__ import annotations

from payback.metrics.catalogue import (
    ALIASES,
    CATALOGUE,
    DEFAULT_METRICS,
    Metric,
    resolve_metrics,
)
from payback.metrics.engine import MetricsResult, catalogue_frame, compute_metrics, metrics_expr
from payback.metrics.filters import GRAINS, Dimension, parse_by, parse_where

__all__ = [
    "ALIASES",
    "CATALOGUE",
    "DEFAULT_METRICS",
    "GRAINS",
    "Dimension",
    "Metric",
    "MetricsResult",
    "catalogue_frame",
    "compute_metrics",
    "metrics_expr",
    "parse_by",
    "parse_where",
    "resolve_metrics",
]
