"""How payback shows values to humans: one formatter for tables, files, report and dashboard.

- :mod:`payback.present.values`: :func:`format_value` (money, counts, rates, ratios,
  missing values), :func:`format_change`, the missing mark and its reason.
- :mod:`payback.present.labels`: totals rows (``Total (paid)`` / ``Total (all)``) and the
  labels of days, weeks and months (``YYYY-MM``), counts in words (``1.5 months``).
- :mod:`payback.present.table`: :class:`Table`, a result frame with the units, reasons,
  currency and date formats of its columns (what every output reads).

The CLI tables (:mod:`payback.output`), the calculator (:mod:`payback.calc.display`),
the HTML report and the dashboard's JSON (formatted text beside each raw value) all
call these; nothing else formats a number for a human.

>>> from payback.present import format_value, total_label
>>> format_value(0.333, "rate"), format_value(666.666, "money", "EUR"), total_label("all", 2)
('33.3 %', '666.67 EUR', 'Total (all)')
"""

from __future__ import annotations

from payback.present.labels import (
    DATE_FORMATS,
    TOTAL,
    TOTAL_KINDS,
    count_label,
    date_format,
    dimension_label,
    month_name,
    period_label,
    total_label,
)
from payback.present.table import Table
from payback.present.values import (
    MISSING,
    NONE_LABEL,
    UNITS,
    format_change,
    format_value,
    is_missing,
    missing_text,
)

__all__ = [
    "DATE_FORMATS",
    "MISSING",
    "NONE_LABEL",
    "TOTAL",
    "TOTAL_KINDS",
    "UNITS",
    "Table",
    "count_label",
    "date_format",
    "dimension_label",
    "format_change",
    "format_value",
    "is_missing",
    "missing_text",
    "month_name",
    "period_label",
    "total_label",
]
