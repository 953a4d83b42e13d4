"""The LTV side of the ceilings: historical cohort LTV and margin curves per acquisition
source, pooled over every customer and over the customers acquired by paid traffic, and
the predicted CLV the same way.

>>> import numpy as np
>>> _payback(np.array([30.0, 60.0]), 50.0)  # the margin reaches the CAC in month 2
2.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from payback.errors import PaybackError
from payback.present import Table

#: Dimensions with their own cohort LTV (the acquisition source of a customer's first order).
COHORT_DIMENSIONS = ("platform", "campaign", "partner")
TOTAL = "__total__"  # the Total (all) row: every customer
PAID = "__paid__"  # the Total (paid) row: the customers acquired by paid traffic


def _curve(table: pd.DataFrame, margin: float | None) -> np.ndarray:
    """Cumulative margin per customer by month since acquisition, size-weighted over the
    cohorts of ``table`` observed at each month (``revenue x margin`` when given)."""
    values = (
        table["gross_margin_per_customer"]
        if margin is None
        else table["revenue_per_customer"] * margin
    ).astype(float)
    w = table["customers"].astype(float)
    month = table["months_since_acquisition"]
    curve = (values * w).groupby(month).sum(min_count=1) / w.groupby(month).sum()
    if values.isna().any():
        curve[:] = np.nan
    return curve.sort_index().to_numpy(float)


def _cohort_values(
    table: Table, horizon: int, paid: Sequence[Any], own: bool, margin: float | None
):
    """Historical LTV ``(revenue, margin)`` and margin curves per key: each source when
    ``own``, ``TOTAL`` (every customer) and ``PAID`` (the customers whose acquisition
    source is one of ``paid``), from one :func:`payback.clv.cohorts.cohort_ltv` table."""
    from payback.clv.cohort_values import ltv_at_horizon

    def pooled(sub: pd.DataFrame):
        at = ltv_at_horizon(table.with_frame(sub), horizon)
        return (at.historical_ltv, at.historical_margin_ltv), _curve(sub, margin), at.reasons

    frame = table.frame
    cohort = frame["cohort"].astype(object).where(frame["cohort"].notna(), None)
    values, curves = {}, {}
    values[TOTAL], curves[TOTAL], reasons = pooled(frame)
    values[PAID], curves[PAID], _ = pooled(frame[cohort.isin(list(paid))])
    if own:
        at = ltv_at_horizon(table, horizon)
        for key in at.by_cohort.index:
            values[key] = at.value(key)
        for key, sub in frame.groupby(cohort, dropna=False):
            curves[key] = _curve(sub, margin)
    if margin is not None:  # the margin LTV is the revenue LTV x margin, as in ltv predict
        values = {k: (r, None if r is None else r * margin) for k, (r, _) in values.items()}
        # missing only where the revenue LTV is: the cost of goods play no part
        reasons = {k: v for k, v in reasons.items() if k != "historical_margin_ltv"}
        if "historical_ltv" in reasons:
            reasons["historical_margin_ltv"] = reasons["historical_ltv"]
    return values, curves, reasons


def _payback(curve: Any, cac: float | None) -> float | None:
    """First month (1-based) whose cumulative margin per customer reaches ``cac``."""
    if curve is None or cac is None or pd.isna(cac) or not isinstance(curve, np.ndarray):
        return None
    reached = np.flatnonzero(np.nan_to_num(curve, nan=-np.inf) >= cac)
    return float(reached[0] + 1) if reached.size else None


def _predicted(store: Any, by: str, horizon: int, min_customers: int, as_of: Any, paid):
    """Predicted CLV per source, pooled (``TOTAL``) and over the ``paid`` sources."""
    from payback.clv.by_source import shared_prediction

    if by not in COHORT_DIMENSIONS:
        return None, f"predicted CLV is by platform, campaign or partner, not by {by}"
    try:  # payback.clv.ltv_by_source, fitted once per store version (shared with the report)
        table = shared_prediction(
            store, by=by, horizon_months=horizon, min_customers=min_customers, as_of=as_of
        ).by_source.frame
    except PaybackError as e:
        return None, f"predicted CLV unavailable: {e}"
    keys = table["source"].astype(object).where(table["source"].notna(), None)
    values = dict(zip(keys, table["predicted_ltv"], strict=True))
    weights = table["customers"].astype(float)
    pv = table["predicted_ltv"].astype(float)
    for total, chosen in ((TOTAL, pv.notna()), (PAID, pv.notna() & keys.isin(list(paid)))):
        w = weights[chosen].sum()
        values[total] = float((pv[chosen] * weights[chosen]).sum() / w) if w else None
    return values, None
