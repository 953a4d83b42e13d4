"""The table :func:`payback.economics.ceilings` returns: its columns, their units and the
reasons of its missing values, and the result type :class:`Ceilings`.

What each column means: :mod:`payback.economics.ceilings`.

Examples
--------
>>> UNITS["marginal_cpo"], UNITS["ltv_cac"], UNITS["verdict"]
('money', 'ratio', 'text')
>>> [c for c in _COLUMNS if c not in UNITS]
['is_total', 'total_kind']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from payback.economics.verdicts import VerdictRules
from payback.present import Table

UNITS: dict[str, str] = {
    "cost": "money",
    "orders": "count",
    "new_customers": "count",
    "cpo": "money",
    "cac": "money",
    "aov": "money",
    "margin_rate": "rate",
    "historical_ltv": "money",
    "historical_margin_ltv": "money",
    "predicted_ltv": "money",
    "predicted_margin_ltv": "money",
    "ltv": "money",
    "ltv_cac": "ratio",
    "other_costs_per_customer": "money",
    "marginal_cpo": "money",
    "headroom": "money",
    "payback_months": "count",
    "leads": "count",
    "cpa": "money",
    "lead_conversion": "rate",
    "max_cpa": "money",
    "max_cpl": "money",
    "cpl_headroom": "money",
    # text columns (so that tables print them on the totals row too)
    "ltv_source": "text",
    "verdict": "text",
    "reason": "text",
}


@dataclass(frozen=True)
class Ceilings:
    """Result of :func:`ceilings`.

    Attributes
    ----------
    table : payback.present.Table
        ``frame`` with the ``units``, ``reasons``, ``currency`` and ``date_formats`` (a
        month shown ``YYYY-MM``) of its columns, for :func:`payback.output.write_frame`.
    frame : pandas.DataFrame
        ``table.frame``: one row per slice, then the totals rows (``is_total``;
        ``total_kind`` ``"paid"`` then ``"all"``, as :func:`payback.metrics.compute_metrics`);
        columns as in the module docstring.
    by : str
    rules : VerdictRules
    horizon_months : int
    other_costs_per_customer : float or None
    currency : str or None
    """

    table: Table
    by: str
    rules: VerdictRules
    horizon_months: int
    other_costs_per_customer: float | None
    currency: str | None = None
    notes: Mapping[str, str] = field(default_factory=dict)

    @property
    def frame(self) -> pd.DataFrame:
        """The rows of :attr:`table`."""
        return self.table.frame

    def verdicts(self) -> dict[Any, str]:
        """Slice value -> verdict (the totals rows left out); a campaign's slice value is
        ``"platform / campaign"`` (:func:`payback.clv.cohorts.campaign_key`)."""
        rows = self.frame[~self.frame["is_total"]]
        if self.by == "campaign":
            from payback.clv.cohorts import campaign_key

            keys = [campaign_key(p, c) for p, c in zip(rows.platform, rows.campaign, strict=True)]
        else:
            keys = list(rows[self.by])
        return dict(zip(keys, rows["verdict"], strict=True))


#: The verdict's reason when the margin LTV is missing for want of cost of goods.
NO_MARGIN = (
    "no margin LTV: orders lack cost of goods (cogs); import them, give the margin, or "
    'judge on revenue (basis="revenue", --basis revenue)'
)

_COLUMNS = (
    "cost",
    "orders",
    "new_customers",
    "cpo",
    "cac",
    "aov",
    "margin_rate",
    "historical_ltv",
    "historical_margin_ltv",
    "predicted_ltv",
    "predicted_margin_ltv",
    "ltv",
    "ltv_source",
    "ltv_cac",
    "other_costs_per_customer",
    "marginal_cpo",
    "headroom",
    "payback_months",
    "leads",
    "cpa",
    "lead_conversion",
    "max_cpa",
    "max_cpl",
    "cpl_headroom",
    "verdict",
    "reason",
    "is_total",
    "total_kind",
)


def _reasons(
    frame: pd.DataFrame, metric_reasons: Mapping[str, str], notes: Mapping[str, str], by, own
) -> dict[str, str]:
    reasons = {k: v for k, v in metric_reasons.items() if k in frame.columns}
    reasons.update(notes)
    if not own:
        reasons["ltv"] = (
            f"customers are not attributed to a {by} for cohort LTV: the whole shop's LTV is used"
        )
    if frame["historical_ltv"].isna().any():
        reasons.setdefault("historical_ltv", "no cohort of the slice is old enough for the horizon")
    if frame["margin_rate"].isna().any():
        reasons.setdefault("margin_rate", "no revenue, or cost of goods missing on orders")
    if frame["payback_months"].isna().any():
        reasons["payback_months"] = (
            "the cumulative margin per customer has not reached the CAC in the months observed, "
            "or there is no CAC"
        )
    if frame["lead_conversion"].isna().any():
        reasons["lead_conversion"] = (
            "no valid leads, or more orders than leads (orders do not come through leads): "
            "give conversion (--conversion)"
        )
    return reasons
