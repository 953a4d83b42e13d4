"""Input checks shared by the models: arrays or a DataFrame in, clean float arrays out.

Bad values are refused with the position of the first offending row, never dropped.
"""

from __future__ import annotations

from typing import Any

from payback._lazy import lazy_module
from payback.errors import InputError

np = lazy_module("numpy")


#: Columns that name the customer of a summary row, in the order they are looked for
#: (payback's summaries, Hardie's files, BTYD's ``cust``).
ID_COLUMNS = ("customer_id", "ID", "id", "cust")


def row_ids(first: Any) -> np.ndarray | None:
    """The customer ids of a summary table's rows (for error messages), or None.

    >>> import pandas as pd
    >>> row_ids(pd.DataFrame({"customer_id": ["a", "b"], "frequency": [0, 1]})).tolist()
    ['a', 'b']
    >>> row_ids([0, 1]) is None
    True
    """
    if hasattr(first, "column_names") and not hasattr(first, "iloc"):  # pyarrow.Table
        names = first.column_names
        found = next((c for c in ID_COLUMNS if c in names), None)
        return None if found is None else np.asarray(first[found].to_pylist(), dtype=object)
    if hasattr(first, "columns") and hasattr(first, "iloc"):
        found = next((c for c in ID_COLUMNS if c in first.columns), None)
        return None if found is None else first[found].to_numpy(dtype=object)
    return None


def show(value: Any) -> str:
    """A value as a person writes it (``0``, ``12.5``, ``nan``), not a NumPy repr.

    >>> show(np.float64(0.0)), show(np.float64(12.5)), show(np.int64(3)), show("x")
    ('0', '12.5', '3', "'x'")
    """
    if isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool):
        return f"{float(value):.10g}"
    return repr(value.item() if hasattr(value, "item") else value)


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


def _bad(
    mask: np.ndarray,
    model: str,
    column: str,
    values: np.ndarray,
    expected: str,
    ids: np.ndarray | None = None,
) -> None:
    """Refuse the rows where ``mask`` is true: the first one by its customer id (when the
    table has one, :func:`row_ids`) or its 0-based row, and how many more there are."""
    if np.any(mask):
        i = int(np.argmax(mask))
        more = int(mask.sum()) - 1
        where = f"row {i} (0-based)" if ids is None else f"customer {show(ids[i])} (row {i})"
        if more:
            shown = [] if ids is None else [show(v) for v in ids[mask][1:6]]
            where += f" and {more} more" + (
                f" ({', '.join(shown)}{', ...' * (more > 5)})" if shown else ""
            )
        raise InputError(
            f"{model}: column {column!r}, {where}: got {show(values[i])}, expected {expected}. "
            f"Fix or remove these customers (nothing was dropped)"
        )


def blockwise(test, *arrays: np.ndarray, block: int = 65536) -> np.ndarray:
    """``test(*arrays)``, a boolean per row, computed block by block: a test that makes
    float temporaries (a rounding, a product) then costs a few hundred KiB of memory
    instead of a row-sized array each (on a million rows, fresh memory is most of the cost).

    >>> blockwise(lambda v: v != np.round(v), np.array([1.0, 1.5, 2.0]), block=2).tolist()
    [False, True, False]
    """
    n = arrays[0].size
    out = np.empty(n, dtype=bool)
    for start in range(0, n, block):
        out[start : start + block] = test(*(a[start : start + block] for a in arrays))
    return out


def check_array(
    values: np.ndarray | None,
    column: str,
    model: str,
    *,
    n: int | None = None,
    ids: np.ndarray | None = None,
):
    """Refuse a missing column, NaN/inf and arrays of the wrong length."""
    if values is None:
        raise InputError(f"{model}: column {column!r} is required")
    if n is not None and values.shape != (n,):
        raise InputError(
            f"{model}: column {column!r} has {values.size} values but the others have {n}; "
            f"pass arrays of the same length"
        )
    _bad(~np.isfinite(values), model, column, values, "a finite number (no missing values)", ids)
    return values


def check_weights(
    weights: np.ndarray | None, n: int, model: str, ids: np.ndarray | None = None
) -> np.ndarray:
    """Weights default to 1 (one customer per row); must be > 0."""
    if weights is None:
        return np.ones(n)
    w = check_array(weights, "weights", model, n=n, ids=ids)
    _bad(w <= 0, model, "weights", w, "a positive count of customers", ids)
    return w


def check_rft(
    frequency: np.ndarray | None,
    recency: np.ndarray | None,
    T: np.ndarray | None,
    model: str,
    ids: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Check (frequency, recency, T): integer frequency >= 0, 0 <= recency <= T.

    A customer acquired today (T = 0) carries no information (likelihood 1) and is kept.
    ``ids`` (:func:`row_ids`) name the customers of bad rows.
    """
    x = check_array(frequency, "frequency", model, ids=ids)
    n = x.size
    t_x = check_array(recency, "recency", model, n=n, ids=ids)
    T = check_array(T, "T", model, n=n, ids=ids)
    if n == 0:
        raise InputError(f"{model}: no customers to fit (empty input)")
    fraction = blockwise(lambda v: (v < 0) | (v != np.round(v)), x)
    _bad(fraction, model, "frequency", x, "a whole number >= 0", ids)
    _bad(t_x < 0, model, "recency", t_x, "a duration >= 0", ids)
    _bad(T < 0, model, "T", T, "a customer age >= 0", ids)
    later = blockwise(lambda t, age: t > age * (1 + 1e-12), t_x, T)
    _bad(later, model, "recency", t_x, "recency <= T", ids)
    _bad((x == 0) & (t_x != 0), model, "recency", t_x, "0 for customers with frequency 0", ids)
    return x, t_x, T


def read_rft(model: str, frequency: Any, recency: Any, T: Any, weights: Any):
    """Checked ``(x, t_x, T, weights)`` arrays from arrays or a summary table."""
    f, rec, age, w = read_columns(
        model, "frequency", frequency, recency=recency, T=T, weights=weights
    )
    ids = row_ids(frequency)
    x, t_x, T_ = check_rft(f, rec, age, model, ids)
    return x, t_x, T_, check_weights(w, x.size, model, ids)
