"""Input checks shared by the models: arrays or a DataFrame in, clean float arrays out.

Bad values are refused with the position of the first offending row, never dropped.
"""

from __future__ import annotations

from typing import Any

from payback._lazy import lazy_module
from payback.errors import InputError

np = lazy_module("numpy")


def read_columns(model: str, first_name: str, first: Any, **others: Any) -> list:
    """The model's input columns, from arrays or from one table given as the first argument.

    ``fit_bgnbd(summary)`` reads ``summary["frequency"]``, ``summary["recency"]`` ...;
    ``fit_bgnbd(x, t_x, T)`` takes the arrays. A ``weights`` column of the table is used
    when present; an explicitly passed argument wins over the table's column.
    Returns float arrays (or None for an absent optional column) in the order
    ``first_name, *others``.
    """
    names = [first_name, *others]
    if hasattr(first, "column_names") and not hasattr(first, "iloc"):  # pyarrow.Table
        first = first.to_pandas()
    if hasattr(first, "columns") and hasattr(first, "iloc"):
        table = first
        missing = [
            n for n in names if n != "weights" and n not in table.columns and others.get(n) is None
        ]
        if missing:
            raise InputError(
                f"{model}: the table has no column(s) {missing}; it has {list(table.columns)}. "
                f"Expected the columns of payback.clv.summarize(): {', '.join(names)}"
            )
        values = [table[first_name]] + [
            v if v is not None else (table[n] if n in table.columns else None)
            for n, v in others.items()
        ]
    else:
        values = [first, *others.values()]
    return [None if v is None else np.atleast_1d(np.asarray(v, dtype=float)) for v in values]


def _bad(mask: np.ndarray, model: str, column: str, values: np.ndarray, expected: str) -> None:
    if np.any(mask):
        i = int(np.argmax(mask))
        raise InputError(
            f"{model}: column {column!r}, row {i} (0-based) and {int(mask.sum()) - 1} more: "
            f"got {values[i]!r}, expected {expected}. Fix or remove these customers "
            f"(nothing was dropped)"
        )


def check_array(values: np.ndarray | None, column: str, model: str, *, n: int | None = None):
    """Refuse a missing column, NaN/inf and arrays of the wrong length."""
    if values is None:
        raise InputError(f"{model}: column {column!r} is required")
    if n is not None and values.shape != (n,):
        raise InputError(
            f"{model}: column {column!r} has {values.size} values but the others have {n}; "
            f"pass arrays of the same length"
        )
    _bad(~np.isfinite(values), model, column, values, "a finite number (no missing values)")
    return values


def check_weights(weights: np.ndarray | None, n: int, model: str) -> np.ndarray:
    """Weights default to 1 (one customer per row); must be > 0."""
    if weights is None:
        return np.ones(n)
    w = check_array(weights, "weights", model, n=n)
    _bad(w <= 0, model, "weights", w, "a positive count of customers")
    return w


def check_rft(
    frequency: np.ndarray | None,
    recency: np.ndarray | None,
    T: np.ndarray | None,
    model: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check (frequency, recency, T): integer frequency >= 0, 0 <= recency <= T.

    A customer acquired today (T = 0) carries no information (likelihood 1) and is kept.
    """
    x = check_array(frequency, "frequency", model)
    n = x.size
    t_x = check_array(recency, "recency", model, n=n)
    T = check_array(T, "T", model, n=n)
    if n == 0:
        raise InputError(f"{model}: no customers to fit (empty input)")
    _bad((x < 0) | (x != np.round(x)), model, "frequency", x, "a whole number >= 0")
    _bad(t_x < 0, model, "recency", t_x, "a duration >= 0")
    _bad(T < 0, model, "T", T, "a customer age >= 0")
    _bad(t_x > T * (1 + 1e-12), model, "recency", t_x, "recency <= T")
    _bad((x == 0) & (t_x != 0), model, "recency", t_x, "0 for customers with frequency 0")
    return x, t_x, T


def read_rft(model: str, frequency: Any, recency: Any, T: Any, weights: Any):
    """Checked ``(x, t_x, T, weights)`` arrays from arrays or a summary table."""
    f, rec, age, w = read_columns(
        model, "frequency", frequency, recency=recency, T=T, weights=weights
    )
    x, t_x, T_ = check_rft(f, rec, age, model)
    return x, t_x, T_, check_weights(w, x.size, model)
