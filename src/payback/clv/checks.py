"""Model checks users can trust, as data the report can plot.

- :func:`holdout_check`: calibration vs holdout. Customers are grouped by their
  calibration frequency ``x`` (0, 1, ..., ``max_frequency``+); per group, the mean
  number of purchases they made in the holdout period against the model's conditional
  expectation ``E[Y(t) | x, t_x, T]`` over the same duration.
- :func:`frequency_fit`: how well the model reproduces the calibration data itself:
  the number of customers with ``x`` repeat purchases against the expected number
  ``sum_i P(X(T_i) = x)`` (each customer at their own age), with the chi-square
  contributions ``(actual - expected)^2 / expected``.
"""

from __future__ import annotations

from typing import Any

from payback._lazy import lazy_module
from payback.errors import InputError
from payback.present import Table

np = lazy_module("numpy")
pd = lazy_module("pandas")

__all__ = ["frequency_fit", "holdout_check"]


def _need(summary: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in summary.columns]
    if missing:
        raise InputError(
            f"{what} needs the column(s) {missing}; the summary has {list(summary.columns)}. "
            f"Summarise with calibration_end=... to get the holdout columns"
        )


def _bins(x: np.ndarray, max_frequency: int) -> np.ndarray:
    return np.minimum(x, max_frequency).astype(int)


def _labels(max_frequency: int) -> list[str]:
    return [str(k) for k in range(max_frequency)] + [f"{max_frequency}+"]


def holdout_check(model: Any, summary: pd.DataFrame, *, max_frequency: int = 7) -> Table:
    """Predicted vs actual holdout purchases by calibration frequency.

    Parameters
    ----------
    model : BGNBDFit, MBGNBDFit or ParetoNBDFit
        Fitted on the calibration columns of ``summary``.
    summary : pandas.DataFrame
        From :func:`payback.clv.summarize` with ``calibration_end``: ``frequency,
        recency, T, frequency_holdout, duration_holdout`` (and optionally ``weights``).
    max_frequency : int
        Frequencies from this value up share the last group.

    Returns
    -------
    payback.present.Table
        Its ``frame``: ``frequency`` (label), ``customers``, ``actual`` and ``predicted``
        (mean holdout purchases per customer), ``actual_total``, ``predicted_total``; the
        last row, ``frequency = "all"``, sums every customer. A group without customers
        has no means (NaN, with the reason in ``reasons``).

    Examples
    --------
    >>> import pandas as pd
    >>> from payback.clv import BGNBDFit
    >>> m = BGNBDFit(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> s = pd.DataFrame({"frequency": [0, 0, 2], "recency": [0, 0, 30.4], "T": [38.9] * 3,
    ...                   "frequency_holdout": [0, 1, 2], "duration_holdout": [39.0] * 3})
    >>> check = holdout_check(m, s, max_frequency=2)
    >>> check.frame[["frequency", "customers", "actual"]]
      frequency  customers  actual
    0         0        2.0     0.5
    1         1        0.0     NaN
    2        2+        1.0     2.0
    3       all        3.0     1.0
    >>> check.frame.predicted.round(3).tolist(), check.reasons["actual"]
    ([0.195, nan, 1.224, 0.538], 'no customer in the group')
    """
    _need(
        summary,
        ["frequency", "recency", "T", "frequency_holdout", "duration_holdout"],
        "holdout_check",
    )
    x = summary["frequency"].to_numpy(float)
    w = summary["weights"].to_numpy(float) if "weights" in summary else np.ones(x.size)
    history = (
        summary["duration_holdout"].to_numpy(float),
        x,
        summary["recency"].to_numpy(float),
        summary["T"].to_numpy(float),
    )
    if hasattr(model, "expected_purchases_cohort"):  # MBG/CNBD-k: BTYDplus's cohort rescaling
        predicted = model.expected_purchases_cohort(*history, w)
    else:
        predicted = model.expected_purchases(*history)
    actual = summary["frequency_holdout"].to_numpy(float)
    group = _bins(x, max_frequency)
    size = max_frequency + 1
    customers = np.bincount(group, weights=w, minlength=size)
    act = np.bincount(group, weights=w * actual, minlength=size)
    pred = np.bincount(group, weights=w * predicted, minlength=size)
    out = pd.DataFrame(
        {
            "frequency": [*_labels(max_frequency), "all"],
            "customers": np.r_[customers, customers.sum()],
            "actual_total": np.r_[act, act.sum()],
            "predicted_total": np.r_[pred, pred.sum()],
        }
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        out.insert(
            2, "actual", np.where(out.customers > 0, out.actual_total / out.customers, np.nan)
        )
        out.insert(
            3, "predicted", np.where(out.customers > 0, out.predicted_total / out.customers, np.nan)
        )
    reasons = {"actual": "no customer in the group"} if (customers == 0).any() else {}
    return Table(out, units={"customers": "count", "actual_total": "count"}, reasons=reasons)


def frequency_fit(model: Any, summary: pd.DataFrame, *, max_frequency: int = 7) -> Table:
    """Expected vs actual number of customers by repeat purchases in calibration.

    Parameters
    ----------
    model : BGNBDFit, MBGNBDFit or BGBBFit
        A model with ``probability_of_purchases(n, t)``.
    summary : pandas.DataFrame
        ``frequency`` and ``T`` (for BG/BB ``n_periods``), optionally ``weights``.
    max_frequency : int
        The last group holds ``max_frequency`` and more.

    Returns
    -------
    payback.present.Table
        Its ``frame``: ``frequency`` (label), ``actual`` and ``expected`` customers,
        ``chi_square`` contribution; ``notes["chi_square"]`` holds the total.

    Examples
    --------
    >>> import pandas as pd
    >>> from payback.clv import BGNBDFit
    >>> m = BGNBDFit(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> s = pd.DataFrame({"frequency": [0, 0, 1, 3], "T": [38.9] * 4})
    >>> f = frequency_fit(m, s, max_frequency=2)
    >>> f.frame.frequency.tolist(), f.frame.actual.tolist(), round(float(f.frame.expected.sum()), 6)
    (['0', '1', '2+'], [2.0, 1.0, 1.0], 4.0)
    >>> f.notes["chi_square"] == float(f.frame.chi_square.sum())
    True
    """
    if not hasattr(model, "probability_of_purchases"):
        raise InputError(
            f"frequency_fit needs P(X(t) = x), which payback has for BG/NBD, MBG/NBD and "
            f"BG/BB; {type(model).__name__} has none: use holdout_check instead"
        )
    age_col = "n_periods" if "n_periods" in summary.columns else "T"
    _need(summary, ["frequency", age_col], "frequency_fit")
    x = summary["frequency"].to_numpy(float)
    w = summary["weights"].to_numpy(float) if "weights" in summary else np.ones(x.size)
    ages, inverse = np.unique(summary[age_col].to_numpy(float), return_inverse=True)
    ages_w = np.bincount(inverse, weights=w)
    counts = np.arange(max_frequency)
    # P(X(T) = k) for each distinct age (rows) and k < max (columns)
    probs = model.probability_of_purchases(counts[None, :], ages[:, None])
    expected_head = ages_w @ probs
    expected = np.r_[expected_head, w.sum() - expected_head.sum()]
    actual = np.bincount(_bins(x, max_frequency), weights=w, minlength=max_frequency + 1)
    chi = (actual - expected) ** 2 / expected
    out = pd.DataFrame(
        {
            "frequency": _labels(max_frequency),
            "actual": actual,
            "expected": expected,
            "chi_square": chi,
        }
    )
    return Table(out, units={"actual": "count"}, notes={"chi_square": float(chi.sum())})
