"""Compress customer summaries to distinct histories with a ``weights`` column.

The count models' likelihoods depend on a customer only through ``(x, t_x, T)``, so
customers with equal histories can be fitted once, weighted by how many they are.
With daily periods a million customers typically shrink to a few hundred thousand
rows; with weekly or monthly periods to a few thousand. Fitting the compressed table
gives exactly the same estimates as fitting every customer (a property test checks it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from payback._lazy import lazy_module
from payback.errors import InputError

ir = lazy_module("ibis.expr.types")

__all__ = ["compress"]

_DEFAULT = ("frequency", "recency", "T")


def compress(summary: Any, columns: Sequence[str] = _DEFAULT) -> Any:
    """Distinct rows of ``columns`` with the number of customers having each, as ``weights``.

    Parameters
    ----------
    summary : pandas.DataFrame or ibis.Table
        One row per customer (e.g. from :func:`payback.clv.summarize`). An Ibis table
        gives a lazy Ibis expression (the grouping runs in the engine); a DataFrame a
        DataFrame. A ``weights`` column already present is summed, and so is a ``litt``
        column (:mod:`payback.clv.regularity`).
    columns : sequence of str
        The sufficient statistics of the model: ``("frequency", "recency", "T")`` for
        BG/NBD, MBG/NBD and Pareto/NBD, ``("frequency", "recency", "n_periods")`` for BG/BB.

    Returns
    -------
    pandas.DataFrame or ibis.Table
        ``columns`` plus ``weights`` (float), sorted by ``columns``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"frequency": [0, 0, 2, 0], "recency": [0, 0, 5, 0],
    ...                   "T": [10, 10, 10, 12]})
    >>> compress(s)
       frequency  recency   T  weights
    0          0        0  10      2.0
    1          0        0  12      1.0
    2          2        5  10      1.0
    """
    columns = list(columns)
    have = list(summary.columns)
    missing = [c for c in columns if c not in have]
    if missing:
        raise InputError(f"compress: no column(s) {missing} in the summary; it has {have}")
    weighted = "weights" in have
    if isinstance(summary, ir.Table):
        w = summary.weights.sum() if weighted else summary.count()
        sums = {"litt": summary.litt.sum()} if "litt" in have else {}
        out = summary.group_by(columns).aggregate(weights=w.cast("float64"), **sums)
        return out.order_by(columns)
    if weighted:
        out = summary.groupby(columns, sort=True, as_index=False)["weights"].sum()
    else:
        out = summary.groupby(columns, sort=True).size().reset_index(name="weights")
    out["weights"] = out["weights"].astype(float)
    if "litt" in have:  # MBG/CNBD-k: the log inter-purchase times of the group, summed
        out["litt"] = summary.groupby(columns, sort=True)["litt"].sum().to_numpy()
    return out
