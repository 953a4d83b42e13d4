"""The historical columns of the LTV by source: cohort revenue and margin per acquired
customer at the horizon, beside the predictions of :func:`payback.clv.sources.predict_ltv`,
and what each value column is computed on (:func:`basis`)."""

from __future__ import annotations

from payback._lazy import lazy_module
from payback.clv.cohort_values import left_censored_cohort, ltv_at_horizon
from payback.clv.cohorts import shared_cohort_ltv
from payback.present import Table, format_value

np = lazy_module("numpy")
pd = lazy_module("pandas")

__all__ = ["basis", "censored_history_note", "with_history"]


def basis(margin: float | None) -> dict[str, str]:
    """What each value column of :func:`ltv_by_source` is computed on.

    >>> basis(0.3)["historical_margin_ltv"]
    'revenue x 30% (the margin given)'
    >>> basis(None)["historical_margin_ltv"]
    "revenue - cogs (the data's margin)"
    """
    if margin is None:
        kept, history = "revenue", "revenue - cogs (the data's margin)"
    else:
        kept = history = f"revenue x {margin * 100:.4g}% (the margin given)"
    return {
        "historical_ltv": "revenue",
        "historical_margin_ltv": history,
        "predicted_ltv": kept,
        "future_value_per_customer": kept,
    }


def with_history(store, by_source, by, horizon_months, as_of, margin=None) -> Table:
    """Add the cohort (historical) revenue and margin per customer at the horizon
    (:func:`payback.clv.cohort_values.ltv_at_horizon`; None with the reason when unknown).

    With a ``margin`` given, ``historical_margin_ltv`` is ``historical_ltv x margin``, the
    same basis as the predictions; without, the data's own margin (revenue - cogs)."""
    table = shared_cohort_ltv(store, by or "month", as_of=as_of)  # once per store version
    at = ltv_at_horizon(table, int(np.ceil(horizon_months)))
    if by is None:  # all customers: pooled over the acquisition months old enough
        by_source = by_source.assign(
            historical_ltv=[at.historical_ltv], historical_margin_ltv=[at.historical_margin_ltv]
        )
    else:
        values = [at.value(s) for s in by_source.source]
        by_source = by_source.assign(
            historical_ltv=[v[0] for v in values], historical_margin_ltv=[v[1] for v in values]
        )
    if margin is not None:
        revenue = by_source["historical_ltv"].astype(object)
        by_source = by_source.assign(
            historical_margin_ltv=[None if pd.isna(v) else float(v) * margin for v in revenue]
        )
    reasons = {}
    for column in ("historical_ltv", "historical_margin_ltv"):
        if by_source[column].isna().any():
            reasons[column] = at.reasons.get(
                column,
                f"a source without a cohort of {at.horizon_months} complete months since its "
                f"acquisition month began",
            )
    cols = [
        "source",
        "customers",
        "historical_ltv",
        "historical_margin_ltv",
        "predicted_ltv",
        "future_value_per_customer",
        "future_value_low",
        "future_value_high",
        "expected_purchases_per_customer",
        "purchases_low",
        "purchases_high",
        "p_alive",
        "model_fit",
    ]
    cols = [c for c in cols if c in by_source]  # the bounds with an interval only
    return Table(by_source[cols], reasons=reasons, notes={"basis": basis(margin)})


def censored_history_note(store, horizon_months, as_of=None) -> str | None:
    """A warning when the historical LTV at the horizon rests on a left-censored cohort
    (:func:`payback.clv.cohort_values.left_censored_cohort`: the first acquisition month, whose
    "new" customers include earlier buyers), with how many of its customers; else None.

    UCI Online Retail at 12 months: the December 2010 cohort is the only one observed
    that long, so the historical LTV is that of 880 customers, many of them not new.
    """
    table = shared_cohort_ltv(store, "month", as_of=as_of)  # once per store version
    censored = left_censored_cohort(store, table)
    if censored is None:
        return None
    at = ltv_at_horizon(table, int(np.ceil(horizon_months)))
    if censored.cohort not in at.by_cohort.index:
        return None
    n, total, h = (
        int(at.by_cohort.loc[censored.cohort, "customers"]),
        at.customers,
        at.horizon_months,
    )
    if n == total:
        what = f"rests on one cohort alone, the only one observed that long: {censored.sentence()}"
    else:
        share = format_value(n / total, "rate")
        what = (
            f"comes for {n:,} of its {total:,} customers ({share}) from the {censored.cohort} "
            f"cohort, which {censored.why()}"
        )
    return f"historical LTV at {h} months {what}, so it is not the value of new customers alone"
