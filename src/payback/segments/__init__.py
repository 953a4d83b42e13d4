"""Customer segments: RFM scores and named segments, and the growth levers of revenue.

- :func:`rfm`: recency, frequency and monetary scores 1-5 in the engine, named segments
  from a checked rule table (:mod:`payback.segments.rules`: every cell of scores in
  exactly one segment), the value of each segment, per acquisition source.
- :func:`levers`: revenue = customers x orders per customer x average order value per
  period (and source), its change split exactly into the three levers by the additive
  LMDI (:mod:`payback.segments.lmdi`).
- :func:`pairs` and :func:`next_purchases`: cross-sell rules, items bought together in
  one order (or by one customer) and bought next within a window, with support,
  confidence, lift, a Fisher exact test and Benjamini-Hochberg false-discovery control
  (:mod:`payback.segments.stats`), counted in the engine by a self-join.
- :func:`patterns`: days between purchases per segment and source (window functions in
  the engine), each customer's next-purchase window, seasonality by month and weekday,
  first product -> second product.
- :func:`profile`: what distinguishes a segment's customers (source, country, first
  category, first order value...) from the rest, with intervals and tests, and the
  values to target.
- :func:`winback`: the dormant segments (hibernating, at risk, can't lose) and/or the
  customers with a low P(alive), with the expected value of winning each back (from
  :func:`payback.clv.predict_ltv`, or their history when it has no usable P(alive)).

Every rule is asked of its one home: purchases and acquisitions of
:mod:`payback.metrics.scope`, predicted CLV of :mod:`payback.clv`, the output of
:mod:`payback.output`.

>>> from payback.segments import default_rules
>>> default_rules().segments[:3]
('champions', 'loyal', 'potential loyalists')
"""

from __future__ import annotations

from payback.segments.levers import LEVERS, LeversResult, levers, period_values, waterfall
from payback.segments.lmdi import lmdi, log_mean, split_cents
from payback.segments.pairs import PairsResult, pairs
from payback.segments.patterns import PatternsResult, patterns
from payback.segments.periods import Period, parse_period, periods_between
from payback.segments.profile import ProfileResult, profile
from payback.segments.rfm import RFMResult, rfm, rfm_as_of, rfm_expr
from payback.segments.rules import (
    DEFAULT_RULES_CSV,
    RuleTable,
    default_rules,
    fm_score,
    parse_rules,
    read_rules,
)
from payback.segments.sequences import next_purchases
from payback.segments.sources import ALL_SOURCES, BY_SOURCES
from payback.segments.suggest import suggestions
from payback.segments.winback import WinbackResult, winback

__all__ = [
    "ALL_SOURCES",
    "BY_SOURCES",
    "DEFAULT_RULES_CSV",
    "LEVERS",
    "LeversResult",
    "PairsResult",
    "PatternsResult",
    "Period",
    "ProfileResult",
    "RFMResult",
    "RuleTable",
    "WinbackResult",
    "default_rules",
    "fm_score",
    "levers",
    "lmdi",
    "log_mean",
    "next_purchases",
    "pairs",
    "parse_period",
    "parse_rules",
    "patterns",
    "period_values",
    "periods_between",
    "profile",
    "read_rules",
    "rfm",
    "rfm_as_of",
    "rfm_expr",
    "split_cents",
    "suggestions",
    "waterfall",
    "winback",
]
