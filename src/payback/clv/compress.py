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
np = lazy_module("numpy")

__all__ = ["codes", "compress"]

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
    if not weighted and "litt" not in have:
        fast = _count_numeric(summary, columns)
        if fast is not None:
            return fast
    if weighted:
        out = summary.groupby(columns, sort=True, as_index=False)["weights"].sum()
    else:
        out = summary.groupby(columns, sort=True).size().reset_index(name="weights")
    out["weights"] = out["weights"].astype(float)
    if "litt" in have:  # MBG/CNBD-k: the log inter-purchase times of the group, summed
        out["litt"] = summary.groupby(columns, sort=True)["litt"].sum().to_numpy()
    return out


def _count_numeric(summary: Any, columns: list[str]) -> Any:
    """:func:`compress` of numeric columns by integer codes: each column's sorted distinct
    values numbered (:func:`codes`; ``pandas.factorize`` when a value is missing), the
    codes combined into one integer key ``(c_1 n_2 + c_2) n_3 + c_3``, and the keys
    counted (sorted, so the rows come out sorted by ``columns``). On
    1 M daily histories a third of the CPU of the DataFrame grouping, with the same
    result. Rows with a missing value are
    left out, as the grouping does. None when a column is not numeric or the key would
    not fit in 63 bits.

    >>> import pandas as pd
    >>> s = pd.DataFrame({"x": [1.0, 0, 1, None], "t": [5.0, 0, 5, 1]})
    >>> _count_numeric(s, ["x", "t"])
         x    t  weights
    0  0.0  0.0      1.0
    1  1.0  5.0      2.0
    """
    import numpy as np
    import pandas as pd

    if not all(summary[c].dtype.kind in "iuf" for c in columns):
        return None
    numbers, values, missing = [], [], False
    for c in columns:
        column = summary[c].to_numpy()
        if column.dtype.kind == "f" and np.isnan(column).any():  # missing: code -1
            code, uniques = pd.factorize(column, sort=True)
            missing = True
        else:  # whole numbers by counting, no sort (days, weeks, counts)
            uniques, code = codes(column)
        numbers.append(code.astype(np.int64, copy=False))
        values.append(np.asarray(uniques))
    sizes = [max(len(v), 1) for v in values]
    if float(np.prod(sizes, dtype=float)) >= 2.0**62:
        return None
    key = np.zeros(len(summary), dtype=np.int64)
    for code, size in zip(numbers, sizes, strict=True):
        key *= size
        key += code
    if missing and len(key):
        key = key[np.min(numbers, axis=0) >= 0]  # -1: a missing value
    key.sort()  # in place (numpy.unique would copy it first)
    first = np.ones(key.size, dtype=bool)
    np.not_equal(key[1:], key[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    keys, counts = key[starts], np.diff(np.append(starts, key.size))
    code = np.empty_like(keys)
    if all(v.dtype == np.float64 for v in values):  # one block, no copy by pandas
        block = np.empty((len(columns), len(keys)))
        for j in reversed(range(len(columns))):
            np.divmod(keys, sizes[j], out=(keys, code))
            np.take(values[j], code, out=block[j])
        out = pd.DataFrame(block.T, columns=columns, copy=False)
    else:
        columns_out = {}
        for c, v, size in reversed(list(zip(columns, values, sizes, strict=True))):
            np.divmod(keys, size, out=(keys, code))
            columns_out[c] = v[code]
        out = pd.DataFrame({c: columns_out[c] for c in columns})
    out["weights"] = counts.astype(float)
    return out


def codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and each row's index into them, like
    ``numpy.unique(values, return_inverse=True)``.

    Whole numbers spanning at most ``4 n + 1024`` values (counts, days, weeks) are
    numbered by counting, in one pass and without a sort (a fifth of the time on 1 M
    rows); other values by sorting.

    >>> u, i = codes(np.array([5.0, 3.0, 5.0, 9.0]))
    >>> u.tolist(), i.tolist()
    ([3.0, 5.0, 9.0], [1, 0, 1, 2])
    >>> codes(np.array([0.5, 0.25]))[0].tolist()
    [0.25, 0.5]
    """
    values = np.asarray(values)
    if values.size:
        lo, hi = values.min(), values.max()
        span = float(hi) - float(lo)
        if span <= 4 * values.size + 1024:
            offset = values - lo
            as_int = offset.astype(np.intp)
            whole = values.dtype.kind in "iu" or np.array_equal(as_int, offset)
            del offset  # (fresh memory costs page faults: keep few arrays alive)
        if span <= 4 * values.size + 1024 and whole:
            offset = as_int
            present = np.bincount(offset, minlength=int(span) + 1) > 0
            number = np.cumsum(present) - 1
            return lo + np.flatnonzero(present).astype(values.dtype), number[offset]
    u, inverse = np.unique(values, return_inverse=True)
    return u, inverse.reshape(-1)
