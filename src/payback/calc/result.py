"""The result of a calculator formula: a frozen value with its inputs, formula and reason.

>>> r = CalcResult("cpo", 5.0, {"cost": 200.0, "orders": 40.0}, "cost / orders", "money")
>>> r.to_dict()["inputs"]
{'cost': 200.0, 'orders': 40.0}
>>> r.label
'CPO (cost per order)'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

Unit = Literal["money", "rate", "ratio", "count"]


#: Human names of the metrics.
LABELS: dict[str, str] = {
    "cpo": "CPO (cost per order)",
    "cpa": "CPA (cost per valid action)",
    "ctr": "CTR (click-through rate)",
    "cr": "CR (conversion rate)",
    "cpc": "CPC (cost per click)",
    "cpm": "CPM (cost per thousand impressions)",
    "cac": "CAC (customer acquisition cost)",
    "aov": "AOV (average order value)",
    "drr": "DRR / ACoS (share of advertising cost)",
    "roas": "ROAS (return on ad spend)",
    "roi": "ROI (return on investment)",
    "romi": "ROMI (return on marketing investment)",
    "funnel": "CPA from rates (funnel)",
    "ltv": "LTV (lifetime value)",
    "marginal_cpo": "marginal CPO (break-even acquisition cost)",
    "max_cpl": "maximum allowable CPL / CPA",
    "ltv_cac": "LTV / CAC",
    "max_cpc": "maximum CPC",
}


@dataclass(frozen=True)
class Step:
    """An intermediate value of a calculation (the clicks of a funnel, the LTV of a ceiling).

    Attributes
    ----------
    name : str
        Field name of the step (``clicks``, ``actions``, ``ltv`` ...).
    value : float or None
        Its exact value.
    formula : str
        How it is computed, in input and step names.
    unit : {"money", "rate", "ratio", "count"}
    reported : float or None
        The value as a marketer reports it, when that differs (790.75 expected actions are
        reported as 791).
    """

    name: str
    value: float | None
    formula: str
    unit: Unit
    reported: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "value": self.value, "formula": self.formula}
        if self.reported is not None:
            d["reported"] = self.reported
        return d


@dataclass(frozen=True)
class CalcResult:
    """The result of one calculator formula.

    Attributes
    ----------
    metric : str
        Metric name (``cpo``, ``marginal_cpo`` ...).
    value : float or None
        The value; rates are fractions (CTR 1 % is 0.01). None when undefined.
    inputs : mapping of str to float
        The numbers the value was computed from.
    formula : str
        The formula in input names (``"cost / orders"``).
    unit : {"money", "rate", "ratio", "count"}
    reason : str or None
        Why ``value`` is None (a zero denominator), else None.
    steps : tuple of Step
        Intermediate values (funnel clicks and actions, the LTV of a ceiling ...).
    verdict : str or None
        A judgement where the field has one (``ltv_cac``: "sustainable" / "not sustainable").
    note : str or None
        One sentence explaining the verdict or the rounding.
    """

    metric: str
    value: float | None
    inputs: Mapping[str, float]
    formula: str
    unit: Unit
    reason: str | None = None
    steps: tuple[Step, ...] = ()
    verdict: str | None = None
    note: str | None = None
    reported: float | None = field(default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", MappingProxyType(dict(self.inputs)))

    @property
    def label(self) -> str:
        """Human name of the metric."""
        return LABELS.get(self.metric, self.metric)

    def step(self, name: str) -> Step:
        """The step called ``name``.

        Raises
        ------
        KeyError
            When the calculation has no such step.
        """
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(f"{self.metric} has no step {name!r}; it has {[s.name for s in self.steps]}")

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: metric, value, unit, inputs, formula, reason (+ steps, verdict).

        >>> from payback.calc import ctr
        >>> ctr(clicks=100, impressions=10_000).to_dict()["value"]
        0.01
        """
        d: dict[str, Any] = {
            "metric": self.metric,
            "value": self.value,
            "unit": self.unit,
            "inputs": dict(self.inputs),
            "formula": self.formula,
            "reason": self.reason,
        }
        if self.reported is not None:
            d["reported"] = self.reported
        if self.steps:
            d["steps"] = [s.to_dict() for s in self.steps]
        if self.verdict is not None:
            d["verdict"] = self.verdict
            d["note"] = self.note
        return d
