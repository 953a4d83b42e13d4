"""Predicted and historical LTV per customer and per acquisition source, from the store.

The pipeline: the per-customer summary of confirmed orders (in the engine, days) joined
to each customer's acquisition source, compressed to distinct histories, a count model
(BG/NBD by default) and a Gamma-Gamma spend model fitted on everybody (the *pooled*
fit) and, with ``by``, on every source with at least ``min_customers`` customers; a
source with fewer customers, or whose own fit fails, uses the pooled fit, and the
``model_fit`` column says so.

Per source:

- ``historical_ltv``: revenue per acquired customer in their first ``horizon`` months
  (cohort LTV, among customers acquired at least ``horizon`` months before the end of
  the data; missing with a reason when none is that old);
- ``predicted_ltv``: expected discounted value of a *new* customer from that source
  over the horizon: their first order plus the model's expected repeat purchases of a
  new customer times the expected spend, times ``margin``
  (:func:`payback.clv.value.new_customer_value`);
- ``future_value_per_customer``: mean expected discounted value of the source's
  existing customers over the next ``horizon`` months
  (:func:`payback.clv.value.customer_lifetime_value`).

Robust fitting: repeat buyers without positive spend are left out of the Gamma-Gamma
fit, counted and named in ``warnings`` (their expected spend is the model's at a mean of
0, :mod:`payback.clv.gamma_gamma`); a degenerate pooled count fit is never used: a
BG/NBD whose drop-out heterogeneity is not identified (a, b run off or are near-singular,
and one drop-out probability fits as well) is replaced by its boundary model, said in
``warnings`` (:mod:`payback.clv.bgnbd_fixed`); any other
degenerate fit stops, and the error lists the alternatives that fit
(:func:`payback.clv.selection.alternatives`);
``model="auto"`` chooses the count model on a calibration/holdout split
(:func:`payback.clv.selection.choose_model`) and says why in ``warnings``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from payback._lazy import lazy_module
from payback.clv.bgnbd import fit_bgnbd
from payback.clv.bgnbd_fixed import (
    BGNBDFixedFit,
    NBDFit,
    boundary_instead,
    fit_bgnbd_fixed,
    fit_nbd,
)
from payback.clv.cohorts import SOURCES
from payback.clv.compress import compress
from payback.clv.gamma_gamma import GammaGammaFit, fit_gamma_gamma
from payback.clv.ggomnbd import fit_ggomnbd
from payback.clv.histories import customer_expr, customer_histories, customers_in, weighted_mean
from payback.clv.histories import spend_note as zero_spend_sentence
from payback.clv.intervals import DEFAULT_DRAWS, collector, per_customer_bounds, with_bounds
from payback.clv.mbgcnbd import fit_mbgcnbd
from payback.clv.mbgnbd import fit_mbgnbd
from payback.clv.pareto_nbd import fit_pareto_nbd
from payback.clv.regularity import with_log_intervals
from payback.clv.selection import ModelChoice, alternatives, choose_model
from payback.clv.source_history import censored_history_note, with_history
from payback.clv.value import DAYS_PER_UNIT, customer_lifetime_value, new_customer_value
from payback.errors import DegenerateFitError, InputError, ModelFitError, PaybackError
from payback.present import Table

np = lazy_module("numpy")
pd = lazy_module("pandas")

__all__ = ["LTVPrediction", "predict_ltv"]

CountModel = Literal[
    "bgnbd", "mbgnbd", "pareto", "ggomnbd", "mbgcnbd", "bgnbd_fixed", "nbd", "auto"
]
FITTERS = {"bgnbd": fit_bgnbd, "mbgnbd": fit_mbgnbd, "pareto": fit_pareto_nbd}
FITTERS["ggomnbd"] = fit_ggomnbd  # Gamma/Gompertz/NBD (ggomnbd.py)
FITTERS["mbgcnbd"] = fit_mbgcnbd  # chooses k from the frame's litt (regularity.py)
#: the boundary models' fit classes, to name the model used when one replaced BG/NBD
FIT_CLASSES = {"bgnbd_fixed": BGNBDFixedFit, "nbd": NBDFit}
FITTERS["bgnbd_fixed"] = fit_bgnbd_fixed  # BG/NBD's boundary a, b -> inf (bgnbd_fixed.py)
FITTERS["nbd"] = fit_nbd  # its limit p -> 0: no drop-out
POOLED = "pooled"


@dataclass(frozen=True)
class LTVPrediction:
    """Result of :func:`predict_ltv`.

    Attributes
    ----------
    customers : payback.present.Table
        One row per customer: ``customer_id, source, frequency, recency, T,
        monetary_value, p_alive, expected_purchases, expected_spend, clv``, with their
        units, reasons and the store's currency.
    by_source : payback.present.Table
        One row per source (a single ``all`` row without ``by``): see
        :func:`ltv_by_source`.
    fits : dict
        ``source -> (count model fit, Gamma-Gamma fit)``; ``"pooled"`` always present.
    notes : dict
        ``source -> why it uses the pooled fit``.
    warnings : tuple of str
        What the user should know about the fits: repeat buyers left out of the
        Gamma-Gamma fit (with their ids), the model ``auto`` chose and why.
    model : str
        The count model used (``auto`` resolved).
    model_choice : ModelChoice, optional
        With ``model="auto"``: the candidates' holdout comparison.
    intervals : payback.present.Table, optional
        With ``interval``: expected purchases and CLV summed per source and in total,
        with their interval (:mod:`payback.clv.intervals`; ``notes["interval"]`` says
        the level, draws and method).
    """

    customers: Table
    by_source: Table
    fits: dict[str, tuple[Any, GammaGammaFit | None]]
    notes: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    model: str = "bgnbd"
    model_choice: ModelChoice | None = None
    intervals: Table | None = None


def _customer_table(
    store, by: str | None, as_of: Any, freq: str = "D", per_customer: bool = True
) -> pd.DataFrame:
    """One row per customer, or (``per_customer=False``) per distinct history with
    ``weights``, grouped in the engine (:mod:`payback.clv.histories`)."""
    if per_customer:
        frame = store.execute(customer_expr(store, by, as_of, freq).order_by("customer_id"))
    else:
        frame = customer_histories(store, by, as_of, freq)
    if frame.empty:
        from payback.ingest.build_orders import orders_missing_note

        raise InputError(
            orders_missing_note(store)
            or "no confirmed orders in the store: import orders (`payback import orders "
            "FILE`) or run `payback demo` first"
        )
    return frame


def _fit_pair(frame: pd.DataFrame, model: str, penalizer: float, compressed=None):
    compressed = compress(frame) if compressed is None else compressed
    count_fit = FITTERS[model](compressed, penalizer=penalizer)
    return count_fit, _spend_fit(frame, penalizer)


def _spend_fit(frame: pd.DataFrame, penalizer: float) -> GammaGammaFit:
    keep = [c for c in ("customer_id", "frequency", "monetary_value", "weights") if c in frame]
    repeat = frame.loc[frame.frequency > 0, keep]
    return fit_gamma_gamma(repeat, penalizer=penalizer)  # names customers in errors


def _pooled_fit(store, frame, model: str, penalizer: float, freq: str, as_of: Any, warnings):
    """The pooled fit; a BG/NBD whose drop-out heterogeneity is not identified (a, b run
    off, or are near-singular) is replaced by its boundary model, said in ``warnings``
    (:func:`payback.clv.bgnbd_fixed.boundary_instead`); any other degenerate count fit
    raises with the alternatives that fit."""
    compressed = compress(frame)
    try:
        return _fit_pair(frame, model, penalizer, compressed)
    except DegenerateFitError as e:
        if e.model == GammaGammaFit.model_name:  # the spend model: no count model helps
            raise ModelFitError(
                f"the pooled fit on all {customers_in(frame)} customers failed: {e}"
            ) from e
        instead = boundary_instead(e, compressed, penalizer=penalizer)
        if instead is not None:
            warnings.append(instead[1])
            return instead[0], _spend_fit(frame, penalizer)
        tried = alternatives(store, model, freq, penalizer=penalizer, as_of=as_of, table=compressed)
        raise ModelFitError(
            f"the pooled fit on all {customers_in(frame)} customers is degenerate and not "
            f"used: {e}.\n"
            f"Tried instead:\n" + "\n".join(f"  - {line}" for line in tried)
        ) from e
    except PaybackError as e:
        raise ModelFitError(
            f"the pooled fit on all {customers_in(frame)} customers failed: {e}"
        ) from e


def _distinct_histories(x, t_x, T) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """``codes`` and the distinct histories ``(x, t_x, T)``: customer ``i`` has history
    ``codes[i]`` (so ``values[codes]`` spreads a value per history over the customers).

    >>> codes, (x, t_x, T) = _distinct_histories(
    ...     np.array([1.0, 0, 1]), np.array([5.0, 0, 5]), np.array([9.0, 9, 9]))
    >>> codes.tolist(), x.tolist(), t_x.tolist(), T.tolist()
    ([0, 1, 0], [1.0, 0.0], [5.0, 0.0], [9.0, 9.0])
    """
    keys = pd.DataFrame({"x": x, "t_x": t_x, "T": T})
    codes = keys.groupby(["x", "t_x", "T"], sort=False, dropna=False).ngroup().to_numpy()
    _, first = np.unique(codes, return_index=True)
    return codes, (x[first], t_x[first], T[first])


def _customer_rows(frame: pd.DataFrame, parts: list[dict[str, Any]]) -> pd.DataFrame:
    """The per-customer table of :func:`predict_ltv`: the sources' rows one after the other
    (in ``parts``' order), with their values; one frame built once (concatenating one frame
    per source checked each of a million ``None`` sources one by one)."""

    def joined(name: str) -> np.ndarray:
        return np.concatenate([p[name] for p in parts])

    rows = joined("rows")
    missing = joined("missing")
    base = frame.iloc[rows]
    ids = base["customer_id"].array if "customer_id" in base else pd.array([], dtype=object)
    return pd.DataFrame(
        {
            "customer_id": ids,
            "source": joined("source"),
            **{c: base[c].array for c in ("frequency", "recency", "T", "monetary_value")},
            "p_alive": joined("p_alive"),
            "expected_purchases": joined("expected_purchases"),
            "expected_spend": pd.arrays.FloatingArray(joined("expected_spend"), missing.copy()),
            "clv": pd.arrays.FloatingArray(joined("clv"), missing.copy()),
        }
    )


def predict_ltv(
    store,
    *,
    horizon_months: float = 12.0,
    annual_discount_rate: float = 0.0,
    margin: float | None = None,
    by: str | None = None,
    model: CountModel = "bgnbd",
    min_customers: int = 500,
    penalizer: float = 0.0,
    freq: str = "D",
    as_of: Any = None,
    interval: float | None = None,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
    customers: bool = True,
) -> LTVPrediction:
    """Per-customer and per-source predicted LTV from the store's confirmed orders.

    Parameters
    ----------
    store : payback.store.Store
    horizon_months : float
        Horizon of the predictions, in months.
    annual_discount_rate : float
        Annual discount rate, a fraction (see :mod:`payback.clv.value`).
    margin : float, optional
        Fraction of revenue kept, in (0, 1]. Given, it is the basis of *every* value
        column: ``predicted_ltv`` and ``future_value_per_customer`` are revenue x margin
        and ``historical_margin_ltv`` = ``historical_ltv`` x margin. None (default):
        predictions are revenue and ``historical_margin_ltv`` is the data's own margin
        (revenue - cogs). ``by_source.notes["basis"]`` names the basis of each column.
    by : {"platform", "channel", "campaign", "partner"}, optional
        Acquisition source to fit and aggregate by.
    model : {"bgnbd", "mbgnbd", "pareto", "auto"}
        Count model; ``auto`` compares the three on a calibration/holdout split and
        uses the best (:func:`payback.clv.selection.choose_model`).
    min_customers : int
        Sources with fewer customers use the pooled fit.
    penalizer : float
        L2 penalty passed to every fit (``payback ltv predict --penalizer``).
    freq : {"D", "W", "M"}
        Summary period the models are fitted on (``--freq``): purchases in one day,
        week or month are one purchase.
    as_of : date, optional
        End of observation (default: the last confirmed order).
    interval : float, optional
        Level of intervals (0.9 = 90 %) for expected purchases and CLV: per customer
        (``*_low``/``*_high`` columns), per source and in total
        (:attr:`LTVPrediction.intervals`); a parametric bootstrap of ``draws`` parameter
        sets from the fits (``seed``), :mod:`payback.clv.intervals`.
    customers : bool
        Compute the per-customer table (default). False: the customers are grouped in
        the engine to distinct histories with their counts and only those rows are
        fetched (:mod:`payback.clv.histories`); ``customers`` of the result has its
        columns and no rows, ``by_source`` the same numbers. Ignored with ``interval``.

    Returns
    -------
    LTVPrediction
        Missing values (a source without cohorts old enough, a spend model without a
        finite mean) are null with the reason in the ``reasons`` of the tables.

    Raises
    ------
    payback.errors.InputError
        An unknown model or source, no confirmed orders.
    payback.errors.ModelFitError
        When the pooled fit fails or is degenerate (the message lists the alternatives
        tried and whether they fit).

    Examples
    --------
    >>> import numpy as np
    >>> from payback.demo import generate_shop
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write(generate_shop(400, seed=2).tables)
    >>> full = predict_ltv(store, horizon_months=6)
    >>> confirmed = store.table("orders").filter(lambda t: t.status == "confirmed")
    >>> len(full.customers.frame) == store.execute(confirmed.customer_id.nunique())
    True
    >>> bool(full.customers.frame.p_alive.between(0, 1).all())
    True

    Value is linear in the margin kept, and grows with the horizon:

    >>> half = predict_ltv(store, horizon_months=6, margin=0.5)
    >>> bool(np.allclose(half.customers.frame.clv, full.customers.frame.clv / 2, rtol=1e-6))
    True
    >>> year = predict_ltv(store, horizon_months=12).by_source.frame.predicted_ltv.iloc[0]
    >>> bool(year > full.by_source.frame.predicted_ltv.iloc[0])
    True
    """
    if model not in FITTERS and model != "auto":
        raise InputError(
            f"unknown {{model}} {model!r}: expected one of {', '.join(FITTERS)} or auto"
        )
    step = str(freq).upper()
    if step not in DAYS_PER_UNIT:
        raise InputError(f"unknown {{freq}} {freq!r}: expected D (day), W (week) or M (month)")
    if by is not None and (by not in SOURCES or SOURCES[by] is None):
        raise InputError(
            f"unknown source {by!r}: expected one of channel, platform, campaign, partner"
        )
    if min_customers < 1:
        raise InputError(f"min_customers must be at least 1, got {min_customers}")
    if margin is not None and not 0 < margin <= 1:
        raise InputError(f"margin must be a fraction in (0, 1], e.g. 0.3 for 30 %, got {margin}")
    kept = 1.0 if margin is None else float(margin)
    # MBG/CNBD-k needs each customer's log inter-purchase times to choose k
    regular = model in ("mbgcnbd", "auto")
    per_customer = customers or interval is not None or regular
    frame = _customer_table(store, by, as_of, step, per_customer)
    if regular:
        frame = with_log_intervals(store, frame, freq=step, as_of=as_of)
    warnings: list[str] = []
    choice = None
    if model == "auto":
        choice = choose_model(store, freq=step, penalizer=penalizer, as_of=as_of)
        model, pooled = _auto_fit(store, frame, choice, penalizer, step, as_of, warnings)
    else:
        pooled = _pooled_fit(store, frame, model, penalizer, step, as_of, warnings)
        # the model used, when the boundary replaced BG/NBD (the sources then fit it too)
        model = next((n for n, c in FIT_CLASSES.items() if type(pooled[0]) is c), model)
    spend_note = zero_spend_sentence(store, frame, by, as_of, step)
    if spend_note:
        warnings.append(spend_note)
    fits = {POOLED: pooled}
    notes: dict[str, str] = {}
    no_spend: dict[str, str] = {}  # source -> why its expected spend is missing
    sources = frame.source.astype(object).where(frame.source.notna(), None)
    frame = frame.assign(source=sources)
    groups = frame.groupby("source", dropna=False, sort=True)
    rows = []
    parts = []
    periods = horizon_months * 365.25 / 12 / DAYS_PER_UNIT[step]  # in the model's unit
    value = {"horizon_months": horizon_months, "unit": step}
    value["annual_discount_rate"] = annual_discount_rate
    collect = None if interval is None else collector(interval, draws, seed, periods, kept, **value)
    point: dict[str, tuple[float, float]] = {}
    for source, part in groups:
        key = None if pd.isna(source) else source
        label = "(none)" if key is None else str(key)
        n = customers_in(part)
        w = None if per_customer else part.weights.to_numpy(float)
        if by is None:
            fit, how = pooled, "all customers"
        elif n < min_customers:
            fit, how = pooled, POOLED
            notes[label] = f"{n} customers < {min_customers}: pooled fit"
        else:
            try:
                fit, how = _fit_pair(part, model, penalizer), "own"
            except PaybackError as e:
                fit, how = pooled, POOLED
                notes[label] = f"own fit failed ({e}); pooled fit"
        fits[label] = fit
        count_fit, spend_fit = fit
        x, t_x, T = (part[c].to_numpy(float) for c in ("frequency", "recency", "T"))
        spend = spend_fit.expected_spend(x, part.monetary_value.fillna(0).to_numpy(float))
        missing = np.ma.getmaskarray(spend)  # no finite expected spend (q <= 1, x = 0)
        # the count model's values depend on the history (x, t_x, T) alone: evaluated
        # once per distinct history (at 1 M customers, a fraction of them) and spread
        codes, (ux, ut, uT) = _distinct_histories(x, t_x, T)
        per_spend = customer_lifetime_value(  # discounted expected purchases (spend 1)
            count_fit,
            ux,
            ut,
            uT,
            1.0,
            horizon_months=horizon_months,
            unit=step,
            annual_discount_rate=annual_discount_rate,
        )[codes]
        clv = kept * spend.filled(0.0) * per_spend  # customer_lifetime_value's formula
        if missing.any() or spend_fit.mean_spend is None:
            no_spend[label] = spend_fit.spend_reason([0.0, *x])
        alive = count_fit.p_alive(ux, ut, uT)[codes]
        purchases = count_fit.expected_purchases(periods, ux, ut, uT)[codes]
        parts.append(
            {
                "rows": part.index.to_numpy(),
                "source": np.full(len(part), key, dtype=object),
                "p_alive": alive,
                "expected_purchases": purchases,
                "expected_spend": spend.filled(0.0),
                "clv": np.where(missing, 0.0, clv),
                "missing": missing,
            }
        )
        if not per_customer:  # rows are histories: no customer rows were asked for
            parts[-1] = {k: v[:0] for k, v in parts[-1].items()}
        spread = {}
        if collect is not None:
            money = part.monetary_value.fillna(0).to_numpy(float)
            spread = collect.part(label, fit, (codes, ux, ut, uT), money)
            parts[-1].update({k: v for k, v in spread.items() if k != "per_customer"})
            # a customer without a finite expected spend leaves the sum missing, not partial
            value = float("nan") if np.any(missing) else float(np.sum(clv))
            point[label] = (float(purchases.sum()), value)
        mean_spend = spend_fit.mean_spend
        predicted = (
            None
            if mean_spend is None
            else new_customer_value(
                count_fit,
                mean_spend,
                horizon_months=horizon_months,
                unit=step,
                annual_discount_rate=annual_discount_rate,
                margin=kept,
                first_purchase_value=float(part.first_order_revenue.sum() / n)
                if w is not None
                else float(part.first_order_revenue.mean()),
            )
        )
        rows.append(
            {
                "source": key,
                "customers": n,
                "predicted_ltv": predicted,
                "future_value_per_customer": None if missing.any() else weighted_mean(clv, w),
                "expected_purchases_per_customer": weighted_mean(purchases, w),
                "p_alive": weighted_mean(alive, w),
                "model_fit": how,
                **per_customer_bounds(spread),
            }
        )
    customers = _customer_rows(frame, parts)
    by_source = pd.DataFrame(rows)
    by_source = with_history(store, by_source, by, horizon_months, as_of, margin)
    censored = censored_history_note(store, horizon_months, as_of)
    if censored:
        warnings.append(censored)
    reasons, customer_reasons = dict(by_source.reasons), {}
    if notes:
        reasons["model_fit"] = "; ".join(f"{k}: {v}" for k, v in notes.items())
    if no_spend:
        why = "; ".join(v if by is None else f"{k}: {v}" for k, v in no_spend.items())
        customer_reasons = {"expected_spend": why, "clv": why}
        for column in ("predicted_ltv", "future_value_per_customer"):
            if by_source.frame[column].isna().any():
                reasons[column] = why
    currency = store.base_currency
    by_source = replace(by_source, units=_SOURCE_UNITS, reasons=reasons, currency=currency)
    customers = Table(customers, _CUSTOMER_UNITS, customer_reasons, currency)
    if collect is not None:
        customers = with_bounds(customers, parts, collect)
        by_source = replace(by_source, notes={**by_source.notes, **customers.notes})
    return LTVPrediction(
        customers=customers,
        by_source=by_source,
        fits=fits,
        notes=notes,
        warnings=tuple(warnings),
        model=model,
        model_choice=choice,
        intervals=None if collect is None else collect.table(point, currency),
    )


def _auto_fit(store, frame, choice: ModelChoice, penalizer, freq, as_of, warnings):
    """The best-ranked candidate whose fit on all customers is sound: ``(model, fits)``."""
    compressed = compress(frame)
    skipped = []
    for name in choice.ranking:
        try:
            pooled = _fit_pair(frame, name, penalizer, compressed)
        except DegenerateFitError as e:
            if e.model != GammaGammaFit.model_name:
                skipped.append(f"{name} on all customers is degenerate ({e.reason})")
                continue
            raise ModelFitError(
                f"the pooled fit on all {customers_in(frame)} customers failed: {e}"
            ) from e
        except PaybackError as e:
            raise ModelFitError(
                f"the pooled fit on all {customers_in(frame)} customers failed: {e}"
            ) from e
        warnings.append(choice.why + (f"; {'; '.join(skipped)}" if skipped else ""))
        return name, pooled
    raise ModelFitError(
        f"{choice.why}, but every candidate fitted on all {customers_in(frame)} customers is "
        f"degenerate: {'; '.join(skipped)}. Try another summary period (freq W or M) or a "
        f"penalizer (e.g. 0.0001)"
    )


_SOURCE_UNITS = {
    "customers": "count",
    "future_value_low": "money",
    "future_value_high": "money",
    "predicted_ltv": "money",
    "historical_ltv": "money",
    "historical_margin_ltv": "money",
    "future_value_per_customer": "money",
    "p_alive": "rate",
}
_CUSTOMER_UNITS = {"p_alive": "rate", "expected_spend": "money", "clv": "money"}
