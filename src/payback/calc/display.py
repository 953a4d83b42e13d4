"""How calculator results read for humans: the formula, the inputs substituted, the value.

Every number is written by :func:`payback.present.format_value`, the rule of the CLI
tables, the report and the dashboard (money ``5.00``, rates ``33.3 %``, ratios ``2.50×``,
counts ``1,500``); an undefined value is ``–`` with its reason. The JSON form
(:meth:`payback.calc.CalcResult.to_dict`) keeps rates as fractions and missing as null.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from payback.calc.result import CalcResult, Unit
from payback.present import format_value, missing_text

#: Inputs that are rates (fractions; shown as percentages).
RATE_INPUTS = frozenset({"ctr", "cr", "margin", "share", "conversion", "drr"})
#: Inputs that are counts (shown without decimals when whole).
COUNT_INPUTS = frozenset(
    {
        "orders",
        "actions",
        "invalid",
        "valid_actions",
        "clicks",
        "impressions",
        "visits",
        "customers",
        "purchases",
        "periods",
    }
)


def input_unit(name: str) -> Unit:
    """The unit of an input or step name (for display)."""
    if name in RATE_INPUTS:
        return "rate"
    if name in COUNT_INPUTS:
        return "count"
    return "ratio" if name == "healthy" else "money"


_NAME = re.compile(r"[a-z][a-z_]*")


def substitute(formula: str, values: Mapping[str, float | None]) -> str:
    """The formula with each input name replaced by its formatted value.

    >>> substitute("cost / orders", {"cost": 200.0, "orders": 40.0})
    '200.00 / 40'
    """
    return _NAME.sub(
        lambda m: (
            format_value(values[m.group()], input_unit(m.group()))
            if m.group() in values
            else m.group()
        ),
        formula,
    )


def explain(result: CalcResult) -> str:
    """The human form of a result: formula, inputs substituted, value, steps and verdict.

    >>> from payback.calc import cpo
    >>> print(explain(cpo(cost=200, orders=40)))
    CPO (cost per order) = cost / orders
      = 200.00 / 40
      = 5.00
    """
    lines = [f"{result.label} = {result.formula}"]
    known: dict[str, float | None] = {result.metric: result.value, **result.inputs}
    for s in result.steps:
        if s.name == result.metric or (result.metric == "funnel" and s.name == "cpa"):
            continue
        shown = format_value(s.value, s.unit)
        if s.reported is not None and s.reported != s.value:
            shown += f" (report {format_value(s.reported)})"
        lines.append(f"  {s.name} = {s.formula} = {substitute(s.formula, known)} = {shown}")
        known[s.name] = s.value
    body = result.formula if result.metric != "funnel" else "cost / actions"
    lines.append(f"  = {substitute(body, known)}")
    if result.value is None:
        lines.append(f"  = {missing_text(result.reason)}")
    else:
        shown = format_value(result.value, result.unit)
        if result.reported is not None and result.reported != result.value:
            shown += f" (report {format_value(result.reported)})"
        lines.append(f"  = {shown}")
    if result.verdict is not None:
        lines.append(f"verdict: {result.verdict} ({result.note})")
    return "\n".join(lines)


__all__ = ["explain", "format_value", "input_unit", "substitute"]
