"""The HTML report: one self-contained file with headline numbers, charts and tables.

>>> from payback.report import build_report, render_report  # doctest: +SKIP
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
