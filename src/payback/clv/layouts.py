"""Published summary layouts (Hardie's BTYD, pymc-marketing) read as payback's columns.

Fader and Hardie's data sets and the R package BTYD name the customer summary
``x, t_x (t.x), T (T.cal), zbar (m.x)``; payback calls them ``frequency, recency, T,
monetary_value``. :func:`standard_columns` renames the aliases (never over an existing
column) and, for the sBG model, turns the pymc-marketing subscription layout
``recency, T`` (``recency`` = the period in which the customer churned, ``recency == T``
= still active after ``T - 1`` periods) into ``periods, churned``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from payback.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ALIASES", "standard_columns"]

#: Published column name -> payback's (Hardie's BTYD and the CDNOW files).
ALIASES: dict[str, str] = {
    "x": "frequency",
    "t_x": "recency",
    "t.x": "recency",
    "T.cal": "T",
    "zbar": "monetary_value",
    "m.x": "monetary_value",
    "count": "weights",
}


def standard_columns(table: pd.DataFrame, model: str) -> pd.DataFrame:
    """``table`` with its published column names renamed to payback's for ``model``.

    Parameters
    ----------
    table : pandas.DataFrame
        A customer summary (or sBG records) as read from a file.
    model : str
        ``bgnbd``, ``mbgnbd``, ``pareto``, ``bgbb``, ``gg`` or ``sbg``.

    Returns
    -------
    pandas.DataFrame
        A copy with ``x -> frequency``, ``t_x``/``t.x -> recency``, ``T.cal -> T``,
        ``zbar``/``m.x -> monetary_value``, ``count -> weights`` (an alias is left alone
        when its target column is already there). For ``sbg`` without ``survivors`` or
        ``periods``: ``churned = recency < T`` and ``periods = recency`` if churned else
        ``T - 1`` (the pymc-marketing layout).

    Raises
    ------
    payback.errors.InputError
        Two aliases of the same column (``t_x`` and ``t.x``); an sBG ``recency`` above
        ``T``.

    Examples
    --------
    >>> import pandas as pd
    >>> cbs = pd.DataFrame({"cust": [1], "x": [2], "t.x": [30.4], "T.cal": [38.9], "m.x": [22.3]})
    >>> list(standard_columns(cbs, "bgnbd").columns)
    ['cust', 'frequency', 'recency', 'T', 'monetary_value']
    >>> subs = pd.DataFrame({"recency": [1, 3, 8], "T": [8, 8, 8]})
    >>> standard_columns(subs, "sbg")[["periods", "churned"]].values.tolist()
    [[1, True], [3, True], [7, False]]
    """
    present = set(table.columns)
    rename: dict[str, str] = {}
    for alias, name in ALIASES.items():
        if alias in present and name not in present:
            if name in rename.values():
                other = next(a for a, n in rename.items() if n == name)
                raise InputError(
                    f"columns {other!r} and {alias!r} both mean {name!r}: keep one of them"
                )
            rename[alias] = name
    out = table.rename(columns=rename)
    columns = set(out.columns)
    if model == "sbg" and not {"survivors", "periods"} & columns and {"recency", "T"} <= columns:
        recency, last = out["recency"], out["T"]
        bad = recency > last
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise InputError(
                f"sBG records: recency {recency.iloc[row]} is after T {last.iloc[row]} "
                f"at row {row + 1}: recency is the period of churn, at most T"
            )
        churned = recency < last
        out = out.assign(periods=recency.where(churned, last - 1), churned=churned)
    return out
