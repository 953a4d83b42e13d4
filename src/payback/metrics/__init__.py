"""Advertising-efficiency metrics (CPO, CPA, DRR, ROMI ...) at any grain, as ratios of sums.

>>> from payback.metrics import CATALOGUE
>>> CATALOGUE["cpa"].formula
'cost / valid leads'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from payback._util import lazy_exports

if TYPE_CHECKING:  # for type checkers and IDEs; at run time each name loads on first use
    from payback.metrics.catalogue import (
        ADS_ONLY_METRICS,
        ALIASES,
        CATALOGUE,
        DEFAULT_METRICS,
        Metric,
        register_metric,
        resolve_metrics,
    )
    from payback.metrics.engine import (
        MetricsResult,
        catalogue_frame,
        compute_metrics,
        metrics_expr,
    )
    from payback.metrics.filters import (
        GRAINS,
        Dimension,
        parse_by,
        parse_where,
    )
    from payback.metrics.rollup import compute_metrics_at_grains
    from payback.metrics.sides import SIDES, Part, Side, register_side, rows_in_scope

__all__ = [
    "ADS_ONLY_METRICS",
    "ALIASES",
    "CATALOGUE",
    "DEFAULT_METRICS",
    "GRAINS",
    "SIDES",
    "Dimension",
    "Metric",
    "MetricsResult",
    "Part",
    "Side",
    "catalogue_frame",
    "compute_metrics",
    "compute_metrics_at_grains",
    "metrics_expr",
    "parse_by",
    "parse_where",
    "register_metric",
    "register_side",
    "resolve_metrics",
    "rows_in_scope",
]

#: Public name -> the module defining it, imported on first use (PEP 562), so that
#: ``import payback.metrics`` (and ``payback --help``) does not load ibis and the engine.
_EXPORTS = {
    "ALIASES": "payback.metrics.catalogue",
    "CATALOGUE": "payback.metrics.catalogue",
    "ADS_ONLY_METRICS": "payback.metrics.catalogue",
    "DEFAULT_METRICS": "payback.metrics.catalogue",
    "Metric": "payback.metrics.catalogue",
    "resolve_metrics": "payback.metrics.catalogue",
    "register_metric": "payback.metrics.catalogue",
    "SIDES": "payback.metrics.sides",
    "Part": "payback.metrics.sides",
    "Side": "payback.metrics.sides",
    "register_side": "payback.metrics.sides",
    "rows_in_scope": "payback.metrics.sides",
    "MetricsResult": "payback.metrics.engine",
    "catalogue_frame": "payback.metrics.engine",
    "compute_metrics_at_grains": "payback.metrics.rollup",
    "compute_metrics": "payback.metrics.engine",
    "metrics_expr": "payback.metrics.engine",
    "GRAINS": "payback.metrics.filters",
    "Dimension": "payback.metrics.filters",
    "parse_by": "payback.metrics.filters",
    "parse_where": "payback.metrics.filters",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
