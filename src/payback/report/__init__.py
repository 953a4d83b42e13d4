"""The HTML report: one self-contained file with headline numbers, charts and tables.

``build_report(store, "report.html")`` writes it; ``render_report(store)`` returns the
text; ``headline``, ``timeseries`` and ``metric_table`` give the views as data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from payback._util import lazy_exports

if TYPE_CHECKING:  # for type checkers and IDEs; at run time each name loads on first use
    from payback.report.build import (
        ReportQuery,
        Section,
        build_report,
        render_report,
    )
    from payback.report.cards import Card, Headline, headline
    from payback.report.views import (
        MetricTable,
        Period,
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

#: Public name -> the module defining it, imported on first use (PEP 562), so that
#: ``import payback.report`` (and ``payback --help``) does not load plotly and jinja2.
_EXPORTS = {
    "ReportQuery": "payback.report.build",
    "Section": "payback.report.build",
    "build_report": "payback.report.build",
    "render_report": "payback.report.build",
    "Card": "payback.report.cards",
    "Headline": "payback.report.cards",
    "MetricTable": "payback.report.views",
    "Period": "payback.report.views",
    "headline": "payback.report.cards",
    "metric_table": "payback.report.views",
    "timeseries": "payback.report.views",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
