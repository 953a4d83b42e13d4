"""Every count model on one calibration/holdout split: ``payback ltv check``.

:func:`compare_models` fits each count model on the calibration columns of a customer
summary (split with ``calibration_end``) and compares the total of its conditional
expectations with the repeat purchases the customers made in the holdout:

    predicted = Σ_i E[Y(t*_i) | x_i, t_x_i, T_i]        error = predicted / actual − 1

where ``T_i`` runs from customer i's first purchase to the end of calibration and
``t*_i`` is the holdout (the same length for every customer), as BTYD's
``*.ConditionalExpectedTransactions(params, T.star, x, t.x, T.cal)`` summed over the
cohort. The actual is the holdout's repeat purchase periods (several purchases in one
period are one, as BTYD's ``elog2cbs`` merges same-day transactions).

On the CDNOW 1/10 sample (calibration weeks 1-39, holdout weeks 40-78, 1,882 repeat
purchases) this gives BG/NBD −12.1 %, Pareto/NBD −11.5 %, MBG/NBD −16.2 %: the
published BTYDplus comparison on the same split (M. Platzer, BTYDplus ``demos/cdnow.r``,
2014: BG/NBD −0.121, P/NBD −0.115, CBG/NBD = MBG/NBD −0.162). The stationary count
models all under-forecast CDNOW's second year by 11-16 %; the Pareto/GGG (``"pggg"``, by
MCMC, :mod:`payback.clv.pggg`) finds k about 1 there and forecasts −21.2 % (600 steps,
seed 0; −17.6 % after 1,500). The Gamma/Gompertz/NBD (BTYDplus's G/G/NBD, −0.115 there)
has no forecast of its own: its maximum is its Pareto/NBD limit (``b -> 0``), refused as
degenerate with that reason (:mod:`payback.clv.ggomnbd`).

The per-frequency table (:attr:`ModelComparison.by_frequency`) puts the models side by
side in the groups of :func:`payback.clv.holdout_check`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from payback._lazy import lazy_module
from payback.clv.checks import holdout_check
from payback.clv.compress import compress
from payback.clv.mbgcnbd import fit_mbgcnbd
from payback.clv.pggg import QUICK, fit_pggg
from payback.errors import DegenerateFitError, InputError, PaybackError
from payback.present import Table

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")

__all__ = [
    "COMPARED",
    "ModelComparison",
    "compare_models",
    "fitters",
    "holdout_comparison",
    "why_not",
]

#: The count models compared, in the order ties are broken; the last two are BG/NBD's
#: boundary models (one drop-out probability p; p = 0), :mod:`payback.clv.bgnbd_fixed`.
COMPARED = ("bgnbd", "mbgnbd", "pareto", "ggomnbd", "bgnbd_fixed", "nbd")


def fitters() -> dict[str, Any]:
    """The fit functions by model name (``payback.clv.sources.FITTERS``)."""
    from payback.clv.sources import FITTERS  # sources imports selection, which imports us

    return FITTERS


def why_not(error: PaybackError) -> str:
    """A failed fit in a few words: the part of the degenerate rule it broke."""
    if isinstance(error, DegenerateFitError):
        shown = ", ".join(f"{n}={v:.3g}" for n, v in error.params.items())
        return f"degenerate, {error.reason} ({shown})"
    return str(error)


@dataclass(frozen=True)
class ModelComparison:
    """What :func:`compare_models` measured.

    Attributes
    ----------
    table : payback.present.Table
        One row per model: ``model, log_likelihood, holdout_actual, holdout_predicted,
        error`` (predicted / actual − 1) and ``note`` (why a model has no forecast).
    by_frequency : payback.present.Table
        One row per calibration frequency group (``0 .. max_frequency+``, then
        ``all``): ``customers``, ``actual`` (holdout purchases) and one
        ``predicted_<model>`` column per model that fitted.
    fits : dict
        The fitted models by name (those that fitted soundly).
    summary : pandas.DataFrame
        The customer summary compared (calibration and holdout columns).
    regularity : tuple of (float or None, int), optional
        Wheat & Morrison's ``k`` of the calibration purchases and the customers it rests
        on (:func:`payback.clv.regularity.wheat_regularity`), when the purchases were
        read (:func:`holdout_comparison`).
    """

    table: Table
    by_frequency: Table
    fits: dict[str, Any]
    summary: pd.DataFrame
    regularity: tuple[float | None, int] | None = None

    @property
    def regularity_note(self) -> str | None:
        """The timing regularity in words, and what it means for the regularity models."""
        if self.regularity is None:
            return None
        k, customers = self.regularity
        if k is None:
            return (
                f"timing regularity not measured: {customers} customer(s) with three or "
                "more purchase periods in calibration (Wheat & Morrison need two or more, "
                "with unequal last intervals)"
            )
        shown = f"timing regularity k = {k:.2f} (Wheat & Morrison, {customers:,} customers)"
        if k < 1.5:
            return (
                f"{shown}: near 1, inter-purchase times look exponential, so the "
                "regularity models (MBG/CNBD-k, Pareto/GGG) have little to add to "
                "MBG/NBD and Pareto/NBD here"
            )
        return f"{shown}: regular buying, where the MBG/CNBD-k may forecast better"

    @property
    def ranking(self) -> tuple[str, ...]:
        """The models with a forecast, smallest absolute error first; errors equal to
        1e-6 (a ten-thousandth of a percentage point) are a tie, kept in the order the
        models are compared (the simpler first: MBG/NBD before MBG/CNBD-k at k = 1)."""
        frame = self.table.frame
        sound = frame[frame.error.notna()]
        size = sound.error.abs().round(6)
        order = sound.assign(size=size).sort_values("size", kind="stable")
        return tuple(order.model)


def compare_models(
    summary: pd.DataFrame,
    *,
    models: tuple[str, ...] = COMPARED,
    penalizer: float = 0.0,
    max_frequency: int = 7,
    litt: float | None = None,
    verbose: bool = False,
) -> ModelComparison:
    """Fit each count model on the calibration summary and compare its holdout forecast.

    Parameters
    ----------
    summary : pandas.DataFrame
        One row per customer with ``frequency, recency, T, frequency_holdout,
        duration_holdout`` (:func:`payback.clv.customer_summary` or
        :func:`payback.clv.summary_from_transactions` with ``calibration_end``).
    models : tuple of str
        Names in ``payback.clv.sources.FITTERS`` (default: :data:`COMPARED`).
    penalizer : float
        L2 penalty of every fit.
    max_frequency : int
        Calibration frequencies from this value up share the last group.
    litt : float, optional
        The customers' total of log inter-purchase times in calibration (in the unit of
        ``T``; :mod:`payback.clv.regularity`): adds the MBG/CNBD-k, its
        ``k`` chosen by the likelihood, to the models compared. Default: the sum of the
        summary's ``litt`` column, when it has one. That column (each customer's own)
        makes the Pareto/GGG possible: it is fitted when ``models`` names ``"pggg"``, by
        MCMC (:data:`payback.clv.pggg.QUICK`), on the customers themselves (not on distinct
        histories: each has their own ``litt``).
    verbose : bool
        Print the Pareto/GGG's progress to stderr every 100 steps.

    Returns
    -------
    ModelComparison

    Examples
    --------
    >>> from payback.clv.simulate import simulate_bgnbd
    >>> cal = simulate_bgnbd(3000, 39.0, r=0.25, alpha=4.0, a=0.8, b=2.5, seed=1)
    >>> cal = cal.assign(frequency_holdout=0.0, duration_holdout=39.0)
    >>> cal.loc[cal.index[:900], "frequency_holdout"] = 1.0
    >>> result = compare_models(cal)
    >>> result.table.frame.model.tolist()
    ['bgnbd', 'mbgnbd', 'pareto', 'ggomnbd', 'bgnbd_fixed', 'nbd']
    >>> set(result.table.frame.holdout_actual.dropna())
    {900.0}
    >>> list(result.by_frequency.frame.columns)[:3]
    ['frequency', 'customers', 'actual']
    """
    per_customer = "litt" in summary.columns
    if litt is None and per_customer:
        litt = float(summary["litt"].sum())
    fitted_by = {**fitters(), "mbgcnbd": partial(fit_mbgcnbd, litt=litt)}
    if per_customer:
        fitted_by["pggg"] = partial(fit_pggg, **QUICK, trace=100 if verbose else 0)
    if litt is not None and "mbgcnbd" not in models:
        models = (*models, "mbgcnbd")
    unknown = [m for m in models if m not in fitted_by]
    if unknown:
        raise InputError(
            f"compare_models: unknown model(s) {unknown}; expected some of {', '.join(fitted_by)}"
        )
    table = compress(summary)
    rows: list[dict[str, Any]] = []
    fits: dict[str, Any] = {}
    wide: pd.DataFrame | None = None
    for model in models:
        row: dict[str, Any] = {"model": model, "log_likelihood": None, "holdout_actual": None}
        row.update(holdout_predicted=None, error=None, note=None)
        rows_fitted = summary[["frequency", "recency", "T", "litt"]] if model == "pggg" else table
        try:
            fit = fitted_by[model](rows_fitted, penalizer=penalizer)
        except PaybackError as e:
            row["note"] = why_not(e)
            rows.append(row)
            continue
        fits[model] = fit
        check = holdout_check(fit, summary, max_frequency=max_frequency).frame
        if wide is None:
            wide = check[["frequency", "customers", "actual_total"]].rename(
                columns={"actual_total": "actual"}
            )
        wide[f"predicted_{model}"] = check.predicted_total.to_numpy()
        actual, predicted = (
            float(check.actual_total.iloc[-1]),
            float(check.predicted_total.iloc[-1]),
        )
        row.update(log_likelihood=fit.log_likelihood, holdout_actual=actual)
        if model == "pggg":  # an MCMC fit: no maximised likelihood
            row["log_likelihood"] = None
            draws = fit.cohort_draws.shape[0]
            row["note"] = (
                f"medians of {draws} MCMC draws (seed {fit.seed}): mean regularity "
                f"t/gamma = {fit.t / fit.gamma:.2f} (k = 1 is the Pareto/NBD)"
            )
        row.update(holdout_predicted=predicted)
        if model == "mbgcnbd":
            row["note"] = f"k = {fit.k}, chosen by the likelihood (k = 1 is the MBG/NBD)"
        if actual > 0:
            row["error"] = predicted / actual - 1
        else:
            row["note"] = "no repeat purchase in the holdout: nothing to compare with"
        rows.append(row)
    units = {"holdout_actual": "count", "holdout_predicted": "decimal", "error": "rate"}
    reasons = {"error": "no forecast: see note"} if any(r["error"] is None for r in rows) else {}
    if "pggg" in fits:
        reasons["log_likelihood"] = "fitted by MCMC (pggg): no maximised likelihood"
    if wide is None:
        wide = pd.DataFrame({"frequency": [], "customers": [], "actual": []})
    by_units = {c: "decimal" for c in wide.columns if c.startswith("predicted_")}
    by_units.update(customers="count", actual="count")
    return ModelComparison(
        Table(pd.DataFrame(rows), units, reasons=reasons), Table(wide, by_units), fits, summary
    )


def holdout_comparison(
    store=None,
    calibration_end: Any = None,
    *,
    transactions: Any = None,
    mapping: Any = None,
    date_format: str | None = None,
    freq: str = "D",
    unit: str | None = None,
    as_of: Any = None,
    penalizer: float = 0.0,
    models: tuple[str, ...] = COMPARED,
    verbose: bool = False,
) -> ModelComparison:
    """:func:`compare_models` on the store's confirmed orders or on a transaction file,
    split at ``calibration_end`` (``payback ltv check``).

    The MBG/CNBD-k is compared too: the total of the log inter-purchase times it needs
    to choose ``k`` is read from the purchases (:mod:`payback.clv.regularity`).

    Parameters
    ----------
    store : payback.store.Store, optional
        Read when ``transactions`` is not given.
    calibration_end : date or str
        Last day of the calibration period.
    transactions, mapping, date_format :
        A transaction file or frame and how to read it
        (:func:`payback.clv.summary_from_transactions`).
    freq, unit, as_of :
        Summary period, unit of durations (transactions only) and end of observation.
    penalizer : float
        L2 penalty of every fit.
    models : tuple of str
        The count models besides the MBG/CNBD-k; ``"pggg"`` adds the Pareto/GGG (with
        each customer's ``litt`` read from the purchases).
    verbose : bool
        The Pareto/GGG's progress on stderr.

    Returns
    -------
    ModelComparison

    Raises
    ------
    payback.errors.InputError
        No customer bought by ``calibration_end``.
    """
    from payback.clv.cohorts import confirmed_orders
    from payback.clv.regularity import (
        file_log_intervals,
        wheat_regularity,
        wheat_regularity_expr,
        with_log_intervals,
    )
    from payback.clv.summary import customer_summary
    from payback.clv.transactions import read_transactions, summary_from_transactions

    if calibration_end is None:
        raise InputError("holdout_comparison needs calibration_end (the last calibration day)")
    split = dict(freq=freq.upper(), observation_end=as_of, calibration_end=calibration_end)
    if transactions is not None:
        summary = summary_from_transactions(
            transactions, mapping=mapping, date_format=date_format, unit=unit, **split
        )
        table, cols = read_transactions(transactions, mapping=mapping, date_format=date_format)
        if not summary.empty:  # each customer's litt (Pareto/GGG; its total: MBG/CNBD-k)
            summary = file_log_intervals(
                summary,
                transactions,
                mapping=mapping,
                date_format=date_format,
                freq=freq,
                unit=unit,
                observation_end=calibration_end,
            )
        purchases = table, dict(customer_col=cols["customer_id"], time_col=cols["time"])
    else:
        summary = store.execute(customer_summary(store, **split))
        if not summary.empty:
            summary = with_log_intervals(store, summary, freq=freq, calibration_end=calibration_end)
        purchases = confirmed_orders(store), {}
    if summary.empty:
        raise InputError(f"no customer bought on or before {calibration_end}: nothing to fit")
    rows, columns = purchases
    wheat = wheat_regularity_expr(rows, freq=freq, calibration_end=calibration_end, **columns)
    wheat = wheat.execute() if store is None else store.execute(wheat)
    result = compare_models(summary, models=models, penalizer=penalizer, verbose=verbose)
    return replace(result, regularity=wheat_regularity(result=wheat))
