"""Intervals for predicted purchases and CLV: a parametric bootstrap over the fit.

Method
------
The models are fitted by maximum likelihood on ``phi = log(theta)``
(:mod:`payback.clv._optim`), which also returns the inverse observed information
``Sigma`` of ``phi``. A draw of the parameters is

    phi* = phi_hat + L z,   z ~ N(0, I),   L L' = Sigma,   theta* = exp(phi*)

(positive, like the parameters; the likelihood is closer to normal on the log scale).
Each of ``draws`` parameter sets (count model and Gamma-Gamma, drawn independently: they
are separate likelihoods) gives every customer's expected purchases and CLV; the interval
at ``level`` is the ``(1 - level)/2`` and ``(1 + level)/2`` quantiles of the draws, for
each customer, each source and the total (the total's interval is taken on the draws'
totals, not by adding customers' bounds).

Why this rather than a bootstrap over customers: it needs no refit (one evaluation of
the prediction per draw, vectorised over customers, on the distinct histories for the
count model), where resampling customers refits ``draws`` times (Pareto/NBD on UCI
Online Retail: minutes); and the fit already checked that the information is positive
definite and not near-singular (a degenerate fit has no interval because it is refused).

What the interval covers: the **parameter** uncertainty of the expected value, which
shrinks like 1/sqrt(customers). It is not a prediction interval for one customer's
purchases (Poisson noise and drop-out are far wider) and it does not cover model error:
on the CDNOW holdout (weeks 40-78) BG/NBD forecasts 12 % too few purchases, outside its
90 % interval (tests/clv/test_intervals.py).

Examples
--------
>>> from payback.clv import BGNBDFit
>>> fit = BGNBDFit(r=0.243, alpha=4.414, a=0.793, b=2.426, standard_errors={
...     "r": 0.0126, "alpha": 0.3851, "a": 0.1850, "b": 0.7046})
>>> draws = parameter_draws(fit, 500, seed=1)
>>> len(draws), bool(all(d.r > 0 for d in draws))
(500, True)
>>> low, high = bounds(np.array([d.r for d in draws]), 0.9)
>>> bool(low < fit.r < high)
True
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any

from payback._lazy import lazy_module
from payback.errors import InputError

np = lazy_module("numpy")

__all__ = [
    "DEFAULT_DRAWS",
    "METHOD",
    "IntervalCollector",
    "bounds",
    "collector",
    "log_covariance",
    "parameter_draws",
    "per_customer_bounds",
    "value_draws",
    "with_bounds",
]

#: parameter sets drawn unless told otherwise
DEFAULT_DRAWS = 200

#: how the intervals are made, as results and the docs name it
METHOD = (
    "parametric bootstrap: parameters drawn from the fit's normal approximation on the log "
    "scale (inverse observed information); parameter uncertainty only"
)


def log_covariance(fit: Any) -> np.ndarray:
    """Covariance of the fit's log-parameters: the fit's own, else from its standard errors
    (``diag((se/theta)^2)``: correlations unknown).

    Raises
    ------
    payback.errors.InputError
        A fit made from given parameters, without standard errors.
    """
    names = fit.param_names
    if fit.log_covariance:
        return np.asarray(fit.log_covariance, dtype=float)
    if all(n in fit.standard_errors for n in names):
        rel = [fit.standard_errors[n] / getattr(fit, n) for n in names]
        return np.diag(np.square(rel))
    raise InputError(
        f"{fit.model_name}: no standard errors, so no interval: fit the model to data "
        f"(a fit made from given parameters has no uncertainty)"
    )


def parameter_draws(fit: Any, draws: int = DEFAULT_DRAWS, *, seed: int = 0) -> list[Any]:
    """``draws`` copies of ``fit`` with parameters drawn from its log-normal approximation."""
    if draws < 2:
        raise InputError(f"draws must be at least 2, got {draws}")
    names = fit.param_names
    cov = log_covariance(fit)
    phi = np.log([getattr(fit, n) for n in names])
    # eigh, not cholesky: a covariance that is positive semi-definite by rounding still draws
    values, vectors = np.linalg.eigh(cov)
    root = vectors * np.sqrt(np.clip(values, 0, None))
    z = np.random.default_rng(seed).standard_normal((draws, len(names)))
    theta = np.exp(phi + z @ root.T)
    return [replace(fit, **dict(zip(names, map(float, row), strict=True))) for row in theta]


def bounds(samples: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper quantiles of ``samples`` along the first axis (NaN draws ignored)."""
    if not 0 < level < 1:
        raise InputError(f"interval level must be in (0, 1), e.g. 0.9 for 90 %, got {level}")
    with warnings.catch_warnings():  # a customer without a finite value in any draw: NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanquantile(samples, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return low, high


def value_draws(
    count_draws: list[Any],
    spend_draws: list[Any] | None,
    histories: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    monetary_value: np.ndarray,
    *,
    periods: float,
    value: Any,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Expected purchases and CLV of every customer under each parameter draw.

    Parameters
    ----------
    count_draws, spend_draws : lists of fits
        :func:`parameter_draws` of the count model and of the Gamma-Gamma model (None:
        purchases only).
    histories : (codes, x, t_x, T)
        The distinct histories and each customer's code (customer i has history
        ``codes[i]``); the count model is evaluated once per distinct history.
    monetary_value : array
        Each customer's mean spend (0 without repeat purchases).
    periods : float
        The horizon in the model's time unit.
    value : callable
        ``value(count_fit, x, t_x, T) -> discounted purchases per unit of spend, times the
        margin`` (:func:`payback.clv.value.customer_lifetime_value` with spend 1).

    Returns
    -------
    (purchases, clv) : arrays of shape (draws, customers)
        clv is NaN where a drawn spend model has no finite mean (q <= 1).
    """
    codes, x, t_x, T = histories
    freq = x[codes]
    purchases = np.empty((len(count_draws), len(codes)))
    clv = None if spend_draws is None else np.empty_like(purchases)
    for i, count in enumerate(count_draws):  # a few hundred draws, each vectorised
        purchases[i] = count.expected_purchases(periods, x, t_x, T)[codes]
        if clv is not None:
            spend = spend_draws[i].expected_spend(freq, monetary_value)
            clv[i] = np.ma.filled(spend.astype(float), np.nan) * value(count, x, t_x, T)[codes]
    return purchases, clv


class IntervalCollector:
    """Draws per fit (shared by the sources that use the same fit), per-customer bounds,
    and each source's total per draw, for :func:`payback.clv.predict_ltv`'s ``interval``.

    ``value(count_fit, x, t_x, T)``: discounted purchases per unit of spend, times the
    margin; ``periods``: the horizon in the model's time unit.
    """

    def __init__(self, level: float, draws: int, seed: int, periods: float, value: Any):
        bounds(np.zeros((2, 1)), level)  # checks the level
        self.level, self.draws, self.seed = float(level), int(draws), int(seed)
        self.periods, self.value = periods, value
        self._draws: dict[int, list[Any]] = {}
        self.totals: list[tuple[str, int, np.ndarray, np.ndarray]] = []

    def _of(self, fit: Any) -> list[Any]:
        key = id(fit)
        if key not in self._draws:  # each fit its own stream of draws
            self._draws[key] = parameter_draws(fit, self.draws, seed=self.seed + len(self._draws))
        return self._draws[key]

    def part(self, label: str, fits: tuple[Any, Any], histories, monetary_value) -> dict:
        """Bounds of one source's customers: ``purchases_low/high``, ``clv_low/high``."""
        count_fit, spend_fit = fits
        spend = None if spend_fit is None else self._of(spend_fit)
        purchases, clv = value_draws(
            self._of(count_fit),
            spend,
            histories,
            monetary_value,
            periods=self.periods,
            value=self.value,
        )
        n = purchases.shape[1]
        self.totals.append((label, n, purchases.sum(axis=1), clv.sum(axis=1)))
        p_low, p_high = bounds(purchases, self.level)
        c_low, c_high = bounds(clv, self.level)
        return {
            "purchases_low": p_low,
            "purchases_high": p_high,
            "clv_low": c_low,
            "clv_high": c_high,
            "per_customer": (
                *bounds(purchases.sum(axis=1) / n, self.level),
                *bounds(clv.sum(axis=1) / n, self.level),
            ),
        }

    def table(self, point: dict[str, tuple[float, float]], currency: str | None):
        """One row per source and a ``total`` row: expected purchases and CLV summed over
        the customers, with the interval of the sums (``point``: source -> the two sums)."""
        import pandas as pd

        from payback.present import Table

        rows = []
        every = [(label, n, p, c) for label, n, p, c in self.totals]
        if len(every) > 1:
            n = sum(t[1] for t in every)
            every.append(("total", n, sum(t[2] for t in every), sum(t[3] for t in every)))
            point = {**point, "total": tuple(map(sum, zip(*point.values(), strict=True)))}
        for label, n, p, c in every:
            p_low, p_high = bounds(p, self.level)
            c_low, c_high = bounds(c, self.level)
            rows.append(
                {
                    "source": label,
                    "customers": n,
                    "expected_purchases": point[label][0],
                    "purchases_low": float(p_low),
                    "purchases_high": float(p_high),
                    "clv": _finite(point[label][1]),
                    "clv_low": _finite(c_low),
                    "clv_high": _finite(c_high),
                }
            )
        units = {"customers": "count", **{c: "money" for c in ("clv", "clv_low", "clv_high")}}
        notes = {"interval": {"level": self.level, "draws": self.draws, "method": METHOD}}
        frame = pd.DataFrame(rows)
        reasons = {c: _NO_SPEND for c in ("clv_low", "clv_high") if frame[c].isna().any()}
        if frame["clv"].isna().any():
            reasons["clv"] = _NO_POINT
        return Table(frame, units, reasons, currency, notes=notes)


_NO_SPEND = "no drawn spend model has a finite mean (Gamma-Gamma q <= 1)"
_NO_POINT = (
    "the fitted Gamma-Gamma has q <= 1: customers without repeat purchases have no finite "
    "expected spend, so the sum over the customers is missing"
)


def _finite(value: float) -> float | None:
    """The value, or None (missing, never NaN) when no draw gave a finite one."""
    return float(value) if np.isfinite(value) else None


def collector(level: float, draws: int, seed: int, periods: float, kept: float, **value):
    """The intervals' collector; its ``value`` is the discounted purchases x margin
    (``value``: :func:`payback.clv.value.customer_lifetime_value`'s keywords)."""
    from payback.clv.value import customer_lifetime_value

    def per_spend(count_fit, x, t_x, T):
        return kept * customer_lifetime_value(count_fit, x, t_x, T, 1.0, **value)

    return IntervalCollector(level, draws, seed, periods, per_spend)


def per_customer_bounds(spread: dict) -> dict[str, float]:
    """A source row's interval of the mean purchases and value per customer (none without)."""
    if not spread:
        return {}
    names = ("purchases_low", "purchases_high", "future_value_low", "future_value_high")
    return dict(zip(names, map(_finite, spread["per_customer"]), strict=True))


def with_bounds(customers: Any, parts: list[dict], collect) -> Any:
    """The per-customer table with each customer's interval (the level in the notes)."""
    import pandas as pd

    def column(name: str):  # a bound without a finite value is missing, never NaN
        values = np.concatenate([p[name] for p in parts])
        return pd.arrays.FloatingArray(np.nan_to_num(values), ~np.isfinite(values))

    frame = customers.frame.assign(**{c: column(c) for c in _BOUNDS})
    order = [
        *customers.frame.columns[:-2],
        "expected_purchases",
        "purchases_low",
        "purchases_high",
        "expected_spend",
        "clv",
        "clv_low",
        "clv_high",
    ]
    units = {**customers.units, "clv_low": "money", "clv_high": "money"}
    reasons = dict(customers.reasons)
    for name in ("clv_low", "clv_high"):
        if frame[name].isna().any():
            reasons[name] = reasons.get("clv", _NO_SPEND)
    notes = {"interval": {"level": collect.level, "draws": collect.draws, "method": METHOD}}
    frame = frame[list(dict.fromkeys(order))]
    return replace(customers, frame=frame, units=units, reasons=reasons, notes=notes)


_BOUNDS = ("purchases_low", "purchases_high", "clv_low", "clv_high")
