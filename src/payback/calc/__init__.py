"""The marketer's calculator: every DOMAIN.md formula from plain numbers.

``payback calc METRIC --param value`` on the command line; these functions in Python.
Each returns a frozen :class:`CalcResult` (value, inputs, formula, reason, steps).

>>> from payback.calc import cpo, max_cpl
>>> cpo(cost=50_000, orders=100).value
500.0
>>> max_cpl(margin_amount=500, share=1.0, conversion=0.9).value
450.0

Any catalogue metric, one added with :func:`payback.metrics.register_metric` too, by its
inputs' catalogue names:

>>> from payback.calc import metric
>>> metric("headroom", marginal_cpo=10_000, cac=7_500).value
2500.0
"""

from __future__ import annotations

from payback.calc.display import explain, format_value
from payback.calc.formulas import (
    HEALTHY_LTV_CAC,
    aov,
    cac,
    cpa,
    cpc,
    cpm,
    cpo,
    cr,
    ctr,
    drr,
    funnel,
    ltv,
    ltv_cac,
    marginal_cpo,
    max_cpc,
    max_cpl,
    metric,
    roas,
    roi,
    romi,
)
from payback.calc.inputs import parse_number, parse_numbers
from payback.calc.result import CalcResult, Step

__all__ = [
    "HEALTHY_LTV_CAC",
    "CalcResult",
    "Step",
    "aov",
    "cac",
    "cpa",
    "cpc",
    "cpm",
    "cpo",
    "cr",
    "ctr",
    "drr",
    "explain",
    "format_value",
    "funnel",
    "ltv",
    "ltv_cac",
    "marginal_cpo",
    "max_cpc",
    "max_cpl",
    "metric",
    "parse_number",
    "parse_numbers",
    "roas",
    "roi",
    "romi",
]
