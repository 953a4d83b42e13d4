"""What a model is fitted to: the store's table for each model, a summary file, one fit
per segment, and the time unit of the fitted rates.

``payback ltv fit`` is these functions plus printing:

>>> import pandas as pd
>>> survivors = [1000, 631, 468, 382, 326, 289, 262, 241]  # Fader & Hardie (2007): regular
>>> table = pd.DataFrame({"cohort": ["a"] * 8 + ["b"] * 4, "survivors": survivors * 1 +
...                       survivors[:4]})
>>> fits = fit_segments(table, "sbg", "cohort")
>>> round(fits["a"].alpha, 3), round(fits["a"].beta, 3)  # their published 0.704, 1.182
(0.704, 1.182)
>>> segment_summaries(fits, "cohort").groupby("cohort").size().to_dict()
{'a': 2, 'b': 2}
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from payback._lazy import lazy_module
from payback.clv.compress import compress
from payback.clv.layouts import (
    ALIASES,
    COUNT_MODELS,
    MODEL_ALIASES,
    MODELS,
    SUBSCRIPTION_MODELS,
    fit_table,
    standard_columns,
)
from payback.clv.regularity import with_log_intervals
from payback.clv.sources import FITTERS
from payback.clv.summary import customer_summary, subscription_records
from payback.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from payback.clv._base import ModelFit
    from payback.store import Store
else:
    pd = lazy_module("pandas")

__all__ = [
    "PERIODS",
    "calibration_fit",
    "default_freq",
    "fit_segments",
    "model_table",
    "rate_period",
    "read_summary_file",
    "rows_for_model",
    "segment_summaries",
]

#: Summary period code -> the time unit of the rates fitted on it.
PERIODS = {"D": "day", "W": "week", "M": "month"}


def _check_model(model: str) -> str:
    name = model.lower()
    if name not in MODELS:
        raise InputError(f"unknown {{model}} {model!r}: expected one of {', '.join(MODELS)}")
    return name


def rate_period(model: str, freq: str | None = None, *, from_file: bool = False) -> str | None:
    """The time unit of a fit's rate parameters (BG/NBD's alpha is per this unit).

    The summary's period when ``freq`` is given (D, W, M); from the store by default a
    day, a month for sBG (monthly subscription periods) and BG/BB (one opportunity a
    month); from a file, None: the file's own unit, unknown to payback.

    >>> rate_period("bgnbd"), rate_period("sbg"), rate_period("bgnbd", "w")
    ('day', 'month', 'week')
    >>> rate_period("bgnbd", from_file=True) is None
    True
    """
    if freq is not None and freq.upper() not in PERIODS:
        raise InputError(f"unknown {{freq}} {freq!r}: expected D (day), W (week) or M (month)")
    if freq is not None:
        return PERIODS[freq.upper()]
    if from_file:
        return None
    return "month" if model.lower() in ("sbg", "bgbb") else "day"


#: The columns a model reads from a summary file (payback's names; sBG: see fit_table).
_SUMMARY_COLUMNS = {
    "gg": ("frequency", "monetary_value"),
    "bgbb": ("frequency", "recency", "n_periods"),
}


def read_summary_file(path: str | Path, model: str | None = None) -> pd.DataFrame:
    """A summary file as a frame: Parquet by its suffix, CSV otherwise; given ``model``,
    with the published column names as payback's (:func:`payback.clv.standard_columns`)
    and the columns the model reads checked.

    A CSV file is separated by the character its header line holds most of (``,``,
    ``;``, tab or ``|``: a European spreadsheet's export reads too); an empty cell is a
    missing value, any other text is kept as written.

    Raises
    ------
    payback.errors.InputError
        When the file does not exist or is not a CSV file pandas can read; when it lacks
        a column ``model`` reads (a file of one row per purchase, say: the error names
        the file, its columns and the transaction file's way in); when a column the model
        reads holds a cell that is not a number (``n/a``, a decimal comma), by its line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "orders.csv"
    >>> _ = path.write_text("customer,date,amount\\na,2024-01-01,10\\n")
    >>> try:
    ...     read_summary_file(path, "bgnbd")
    ... except InputError as e:
    ...     print(str(e).split(path.name + ": ")[1].split(";")[0])
    no column frequency (or x), recency (or t_x, t.x), T (or T.cal) for the bgnbd model
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    table = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else _read_csv(path)
    if model is None or model.lower() in SUBSCRIPTION_MODELS:
        return table if model is None else standard_columns(table, model.lower())
    model = model.lower()
    out = standard_columns(table, model)
    missing = [
        c for c in _SUMMARY_COLUMNS.get(model, ("frequency", "recency", "T")) if c not in out
    ]
    if missing:
        names = {**ALIASES, **MODEL_ALIASES.get(model, {})}

        def spelled(column: str) -> str:
            aliases = [a for a, n in names.items() if n == column]
            return f"{column} (or {', '.join(aliases)})" if aliases else column

        raise InputError(
            f"{path}: no column {', '.join(map(spelled, missing))} for the {model} model; the "
            f"file has columns {', '.join(map(str, table.columns))}. A summary has one row per "
            f"customer; a file of one row per purchase is fitted as a transaction file: "
            f"{{transactions}} FILE, its columns named with {{mapping}} "
            f"customer_id=COLUMN,time=COLUMN,revenue=COLUMN"
        )
    _check_numbers(table, path, {**ALIASES, **MODEL_ALIASES.get(model, {})})
    return out


def _read_csv(path: Path) -> pd.DataFrame:
    """A summary CSV file, separated by what its header line holds most of."""
    with path.open(encoding="utf-8-sig", errors="replace") as f:
        header = f.readline()
    sep = max((",", ";", "\t", "|"), key=header.count)
    try:
        return pd.read_csv(path, sep=sep, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise InputError(
            f"{path}: could not read it as a CSV file separated by {sep!r} ({first}); "
            f"expected a header line, then one row per customer"
        ) from None


def _check_numbers(table: pd.DataFrame, path: Path, aliases: dict[str, str]) -> None:
    """Refuse the first cell of a model's column that is not a number (empty cells are
    missing values, which the fit itself refuses where they matter)."""
    known = {"frequency", "recency", "T", "monetary_value", "weights", "n_periods", "litt"}
    for column in table.columns:
        if aliases.get(column, column) not in known or table[column].dtype.kind in "biuf":
            continue
        values = pd.to_numeric(table[column], errors="coerce")
        bad = values.isna() & table[column].notna()
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise InputError(
                f"{path}, line {row + 2}, column {column!r}: got {table[column].iloc[row]!r}, "
                f"expected a number like 12.5 ({int(bad.sum()):,} row(s) like it). Fix: "
                f"write numbers with a decimal point (2.5, not 2,5), an empty cell for a "
                f"missing value"
            )


def model_table(
    store: Store, model: str, *, freq: str | None = None, as_of: Any = None
) -> pd.DataFrame:
    """The table ``model`` is fitted to from the store (run, as a pandas frame).

    - ``sbg``: the subscriptions (:func:`payback.clv.summary.subscription_records`);
    - ``bgnbd``, ``mbgnbd``, ``pareto``, ``mbgcnbd``, ``bgbb``: the compressed customer
      summary of the confirmed orders, at ``freq`` (default D; BG/BB M: one opportunity
      a month); for ``mbgcnbd`` with the summed ``litt`` of each history; for
      ``pggg`` one row per customer with their ``litt``;
    - ``gg`` (Gamma-Gamma): the repeat buyers of the summary (frequency > 0).

    Parameters
    ----------
    store : payback.store.Store
    model : str
        One of :data:`payback.clv.MODELS`.
    freq : str, optional
        Summary period: D, W or M.
    as_of : date or str, optional
        End of observation (default: the last confirmed order).

    Raises
    ------
    payback.errors.InputError
        An unknown model, or a store without the subscriptions / confirmed orders the
        model needs (the message says what to import).
    """
    model = _check_model(model)
    if model == "sbg":
        table = store.execute(subscription_records(store, as_of=as_of))
        if table.empty:
            raise InputError(
                "no subscriptions in the store: import them (`payback import subscriptions "
                "FILE`) or fit survivor counts from a file (fit_table, `payback ltv fit "
                "--input`)"
            )
        return table
    summary = customer_summary(store, freq=default_freq(model, freq), observation_end=as_of)
    # grouped in the engine: only the distinct histories leave it (MBG/CNBD-k sums each
    # customer's log inter-purchase times into its history below)
    if model in COUNT_MODELS and model not in ("mbgcnbd", "pggg"):
        table = store.execute(compress(summary))
        if not table.empty:
            return table
    if model == "gg":  # the repeat buyers alone leave the engine
        table = store.execute(summary.filter(summary.frequency > 0).order_by("customer_id"))
        if not table.empty:
            return table
    table = store.execute(summary)
    if table.empty:
        raise InputError("no confirmed orders in the store: import orders or run `payback demo`")
    if model in ("mbgcnbd", "pggg"):  # with the log inter-purchase times (k)
        table = with_log_intervals(store, table, freq=default_freq(model, freq), as_of=as_of)
    return rows_for_model(table, model)


def default_freq(model: str, freq: str | None = None) -> str:
    """The summary period a model is fitted on: ``freq``, else M for BG/BB (one
    opportunity a month) and D for the others.

    >>> default_freq("bgbb"), default_freq("bgnbd"), default_freq("bgnbd", "w")
    ('M', 'D', 'W')
    """
    return (freq or ("M" if model.lower() == "bgbb" else "D")).upper()


def rows_for_model(summary: pd.DataFrame, model: str) -> pd.DataFrame:
    """The rows of a customer summary ``model`` is fitted to: the compressed summary
    (distinct frequency, recency, T with weights) for the count models, the repeat
    buyers (frequency > 0) for Gamma-Gamma.

    Raises
    ------
    payback.errors.InputError
        For ``sbg``, which is fitted to subscriptions, not to a purchase summary.

    Examples
    --------
    >>> import pandas as pd
    >>> summary = pd.DataFrame({"frequency": [0.0, 0.0, 2.0], "recency": [0.0, 0.0, 5.0],
    ...                         "T": [9.0, 9.0, 9.0], "monetary_value": [None, None, 4.0]})
    >>> rows_for_model(summary, "bgnbd")[["frequency", "weights"]].values.tolist()
    [[0.0, 2.0], [2.0, 1.0]]
    >>> len(rows_for_model(summary, "gg"))
    1
    """
    model = _check_model(model)
    if model == "sbg":
        raise InputError(
            "sbg is fitted to subscriptions (periods and churned), not to a purchase "
            "summary: fit it from the store or from a file with `--input`"
        )
    if model == "pggg":  # each customer has their own litt: no distinct histories
        return summary
    if model in COUNT_MODELS:
        return compress(summary)
    return summary[summary.frequency > 0]


def fit_segments(
    table: pd.DataFrame, model: str, segment: str, *, penalizer: float = 0.0, source: Any = None
) -> dict[Any, ModelFit]:
    """One fit of ``model`` per value of the column ``segment``, in sorted order.

    Parameters
    ----------
    table : pandas.DataFrame
        The rows :func:`payback.clv.fit_table` takes, with a ``segment`` column.
    model, penalizer
        As :func:`payback.clv.fit_table`.
    segment : str
        The column to split by (e.g. ``cohort``).
    source : str or path, optional
        Where the table came from, named in errors.

    Raises
    ------
    payback.errors.InputError
        A missing ``segment`` column, or a row without a segment (its line in the file).
    """
    where = f"{source}: " if source is not None else ""
    if segment not in table.columns:
        raise InputError(
            f"{where}no column {segment!r} for {{segment}}; the table has {list(table.columns)}"
        )
    if table[segment].isna().any():
        row = int(table[segment].isna().to_numpy().argmax()) + 2
        raise InputError(f"{where}empty {segment!r} at line {row}: give every row a segment")
    return {
        value: fit_table(part.drop(columns=[segment]), model, penalizer=penalizer)
        for value, part in table.groupby(segment, sort=True)
    }


def segment_summaries(fits: dict[Any, ModelFit], segment: str) -> pd.DataFrame:
    """The fits' parameter tables stacked: ``segment`` first, then each fit's summary
    with its ``n_customers``."""
    parts = [
        fit.summary().assign(n_customers=fit.n_customers).assign(**{segment: value})
        for value, fit in fits.items()
    ]
    frame = pd.concat(parts, ignore_index=True)
    return frame[[segment, *[c for c in frame.columns if c != segment]]]


def calibration_fit(
    store: Store,
    calibration_end: Any,
    *,
    model: str = "bgnbd",
    freq: str = "D",
    as_of: Any = None,
) -> tuple[ModelFit, pd.DataFrame]:
    """A count model fitted on the purchases up to ``calibration_end``, with the customer
    summary split there: what :func:`payback.clv.holdout_check` and
    :func:`payback.clv.frequency_fit` compare the model with.

    Parameters
    ----------
    store : payback.store.Store
    calibration_end : date or str
        Last day of the calibration period; the holdout runs from the next day to
        ``as_of``.
    model : str
        ``bgnbd``, ``mbgnbd`` or ``pareto``.
    freq : str
        Summary period: D, W or M.
    as_of : date or str, optional
        End of observation (default: the last confirmed order).

    Returns
    -------
    (ModelFit, pandas.DataFrame)
        The fit on the compressed calibration summary, and the summary itself (one
        row per customer with the holdout columns).

    Raises
    ------
    payback.errors.InputError
        An unknown model, or no customer who bought by ``calibration_end``.
    """
    key = model.lower()
    if key not in FITTERS:
        raise InputError(f"unknown {{model}} {model!r}: expected one of {', '.join(FITTERS)}")
    summary = store.execute(
        customer_summary(
            store, freq=freq.upper(), observation_end=as_of, calibration_end=calibration_end
        )
    )
    if summary.empty:
        raise InputError(f"no customer bought on or before {calibration_end}")
    return FITTERS[key](compress(summary)), summary
