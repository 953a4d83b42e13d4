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

from collections.abc import Mapping, Sequence
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


#: A value computed from others is missing because an input is: the first input listed
#: that is missing in the row names it.
_INPUTS: dict[str, tuple[tuple[str, str], ...]] = {
    "ltv_cac": (("ltv", "no LTV"), ("cac", "no CAC")),
    "headroom": (("marginal_cpo", "no marginal CPO"), ("cac", "no CAC")),
    "predicted_margin_ltv": (
        ("predicted_ltv", "no predicted LTV"), ("margin_rate", "no margin rate")
    ),
    "max_cpa": (
        ("margin_rate", "no margin rate"), ("aov", "no average check (no confirmed orders)")
    ),
    "max_cpl": (("max_cpa", "no max CPA"), ("lead_conversion", "no lead-to-deal conversion")),
    "cpl_headroom": (("max_cpl", "no max CPL"), ("cpa", "no CPA")),
}  # fmt: skip


def _summary(frame: pd.DataFrame, column: str, why: Sequence[str | None]) -> str | None:
    """``why`` of the rows where ``column`` is missing, with the number of rows of each
    (the metrics' summary, :func:`payback.metrics.reasons.summarise`)."""
    from payback.metrics.reasons import summarise

    missing = frame[column].isna().to_numpy()
    texts = [w if m else None for w, m in zip(why, missing, strict=True)]
    return summarise(pd.DataFrame({column: pd.Categorical(texts)})).get(column)


def _missing_reasons(
    frame: pd.DataFrame, why_ltv: Sequence[str], why_margin: Sequence[str]
) -> dict[str, str]:
    """Why ``ltv``, ``marginal_cpo`` and the values computed from them are missing, row by
    row: ``why_ltv`` and ``why_margin`` (no cohort old enough, :data:`NO_MARGIN`), else the
    first missing input of :data:`_INPUTS`."""
    out = {"ltv": _summary(frame, "ltv", why_ltv)}
    out["marginal_cpo"] = _summary(frame, "marginal_cpo", why_margin)
    for column, inputs in _INPUTS.items():
        why = [
            next((text for name, text in inputs if pd.isna(row[name])), None)
            for row in frame[[name for name, _ in inputs]].to_dict("records")
        ]
        out[column] = _summary(frame, column, why)
    return {k: v for k, v in out.items() if v}


def _reasons(
    frame: pd.DataFrame,
    metric_reasons: Mapping[str, str],
    notes: Mapping[str, str],
    by,
    own,
    why_ltv: Sequence[str],
    why_margin: Sequence[str],
) -> dict[str, str]:
    reasons = {k: v for k, v in metric_reasons.items() if k in frame.columns}
    missing = _missing_reasons(frame, why_ltv, why_margin)
    reasons.update({k: v for k, v in missing.items() if k not in notes})
    reasons.update(notes)
    if not own:
        shop = (
            f"customers are not attributed to a {by} for cohort LTV: the whole shop's LTV is used"
        )
        reasons["ltv"] = shop if "ltv" not in missing else f"{shop}; {missing['ltv']}"
    for column in ("historical_ltv", "historical_margin_ltv"):
        if frame[column].isna().any():
            reasons.setdefault(column, "no cohort of the slice is old enough for the horizon")
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
