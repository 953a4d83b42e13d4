"""Customer segments: RFM scores and named segments, and the growth levers of revenue.

- :func:`rfm`: recency, frequency and monetary scores 1-5 in the engine, named segments
  from a checked rule table (:mod:`payback.segments.rules`: every cell of scores in
  exactly one segment), the value of each segment, per acquisition source.

Every rule is asked of its one home: purchases and acquisitions of
:mod:`payback.metrics.scope`, predicted CLV of :mod:`payback.clv`, the output of
:mod:`payback.output`.

>>> from payback.segments import default_rules
>>> default_rules().segments[:3]
('champions', 'loyal', 'potential loyalists')
"""

from __future__ import annotations

from payback.segments.rfm import BY_SOURCES, RFMResult, rfm, rfm_as_of, rfm_expr
from payback.segments.rules import (
    DEFAULT_RULES_CSV,
    RuleTable,
    default_rules,
    fm_score,
    parse_rules,
    read_rules,
)

__all__ = [
    "BY_SOURCES",
    "DEFAULT_RULES_CSV",
    "RFMResult",
    "RuleTable",
    "default_rules",
    "fm_score",
    "parse_rules",
    "read_rules",
    "rfm",
    "rfm_as_of",
    "rfm_expr",
]
