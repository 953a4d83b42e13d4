"""The verdict of a slice of the ceilings: scale, hold, cut or not enough data.

>>> from payback.economics.verdicts import VerdictRules
>>> VerdictRules().healthy
3.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from payback.calc.formulas import HEALTHY_LTV_CAC
from payback.errors import InputError
from payback.present.values import fixed

VERDICTS = ("scale", "hold", "cut", "not enough data")


@dataclass(frozen=True)
class VerdictRules:
    """Thresholds of the verdict.

    Attributes
    ----------
    healthy : float
        LTV/CAC at or above which a slice with headroom is scaled; default
        :data:`payback.calc.formulas.HEALTHY_LTV_CAC` (DOMAIN.md: 3).
    cut_below : float
        LTV/CAC below which a slice is cut (1: a customer brings less than they cost).
    min_customers : int
        Fewer new customers than this: "not enough data".
    min_headroom : float
        Headroom needed to scale, as a share of the CAC (0: any headroom).
    """

    healthy: float = HEALTHY_LTV_CAC
    cut_below: float = 1.0
    min_customers: int = 30
    min_headroom: float = 0.0

    def __post_init__(self) -> None:
        if not self.cut_below <= self.healthy:
            raise InputError(
                f"verdict rules: cut_below ({self.cut_below:g}) must not exceed healthy "
                f"({self.healthy:g})"
            )
        if self.min_customers < 1 or self.min_headroom < 0 or self.cut_below < 0:
            raise InputError(
                "verdict rules: min_customers must be >= 1, min_headroom and cut_below >= 0"
            )


def _verdicts(
    out: pd.DataFrame, rules: VerdictRules, why_ltv: list[str], why_cac: list[str]
) -> tuple[list[str], list[str]]:
    """Verdict and reason of each row; ``why_ltv``/``why_cac``: why a row has no LTV/CAC."""
    verdicts, reasons = [], []
    columns = ["cost", "new_customers", "cpo", "cac", "ltv", "ltv_cac", "marginal_cpo", "headroom"]
    for (cost, new, cpo, cac, ltv, ratio, ceiling, headroom), no_ltv, no_cac in zip(
        out[columns].astype(object).itertuples(index=False), why_ltv, why_cac, strict=True
    ):
        v, why = _verdict(cost, new, cpo, cac, ltv, ratio, ceiling, headroom, rules)
        if why is None:
            why = no_ltv if _missing(ltv) else no_cac
        verdicts.append(v)
        reasons.append(why)
    return verdicts, reasons


def _missing(x: Any) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x))


def _verdict(cost, new, cpo, cac, ltv, ratio, ceiling, headroom, rules: VerdictRules):
    """The verdict of one slice and the sentence that explains it.

    The ceiling (marginal CPO) is the break-even cost of acquiring one customer, so it is
    compared with the CAC (cost / new customers), not with the CPO (cost / all orders,
    repeat orders included, whose value the LTV already counts); the reason shows both.
    """
    if _missing(cost) or cost == 0:
        return "not enough data", "no acquisition cost recorded"
    if _missing(new) or new < rules.min_customers:
        n = 0 if _missing(new) else int(new)
        return "not enough data", f"{n} new customers < {rules.min_customers}"
    if _missing(ltv) or _missing(cac):  # the caller says why
        return "not enough data", None
    if not _missing(ceiling) and cac > ceiling:
        paid = "" if _missing(cpo) else f" (CPO {fixed(cpo, 2)})"
        return "cut", (
            f"CAC {fixed(cac, 2)} above the marginal CPO {fixed(ceiling, 2)}, the most one new "
            f"customer may cost{paid}"
        )
    if ratio < rules.cut_below:
        return "cut", f"LTV/CAC below {rules.cut_below:g}"
    if ratio >= rules.healthy:
        if _missing(headroom):
            return "hold", "no ceiling to measure headroom"
        if headroom > rules.min_headroom * cac:
            return "scale", f"LTV/CAC >= {rules.healthy:g}, headroom"
        return "hold", "headroom too small to scale"
    return "hold", f"LTV/CAC below {rules.healthy:g}"
