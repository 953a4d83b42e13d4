"""The HTML report: one self-contained file with headline numbers, charts and tables.

``build_report(store, "report.html")`` writes it; ``render_report(store)`` returns the
text; ``headline``, ``timeseries`` and ``metric_table`` give the views as data.
"""

from __future__ import annotations

from payback.report.build import ReportQuery, Section, build_report, render_report
from payback.report.views import (
    Card,
    Headline,
    MetricTable,
    Period,
    headline,
    metric_table,
    timeseries,
)

__all__ = [
    "Card",
    "Headline",
    "MetricTable",
    "Period",
    "ReportQuery",
    "Section",
    "build_report",
    "headline",
    "metric_table",
    "render_report",
    "timeseries",
]
