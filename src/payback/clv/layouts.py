"""Published summary layouts (Hardie's BTYD, pymc-marketing) read as payback's columns,
and fitted (:func:`fit_table`).

Fader and Hardie's data sets and the R package BTYD name the customer summary
``x, t_x (t.x), T (T.cal), zbar (m.x)``; payback calls them ``frequency, recency, T,
monetary_value``. :func:`standard_columns` renames the aliases (never over an existing
column) and, for the sBG model, turns the pymc-marketing subscription layout
``recency, T`` (``recency`` = the period in which the customer churned, ``recency == T``
= still active after ``T - 1`` periods) into ``periods, churned``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from payback.clv.bgbb import fit_bgbb
from payback.clv.bgnbd import fit_bgnbd
from payback.clv.bgnbd_fixed import fit_bgnbd_fixed, fit_nbd
from payback.clv.gamma_gamma import fit_gamma_gamma
from payback.clv.ggomnbd import fit_ggomnbd
from payback.clv.mbgcnbd import fit_mbgcnbd
from payback.clv.mbgnbd import fit_mbgnbd
from payback.clv.pareto_nbd import fit_pareto_nbd
from payback.clv.pggg import QUICK, fit_pggg
from payback.clv.sbg import fit_sbg, fit_sbg_records
from payback.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from payback.clv._base import ModelFit

__all__ = [
    "ALIASES",
    "COUNT_MODELS",
    "MODELS",
    "MODEL_ALIASES",
    "SPEND_MODELS",
    "SUBSCRIPTION_MODELS",
    "fit_table",
    "standard_columns",
]

#: The models :func:`fit_table` fits, by the name ``payback ltv fit --model`` takes.
MODELS = (
    "bgnbd",
    "mbgnbd",
    "pareto",
    "ggomnbd",
    "mbgcnbd",
    "pggg",
    "bgnbd_fixed",
    "nbd",
    "bgbb",
    "gg",
    "sbg",
)
#: The spend model (fitted on the repeat buyers' mean spend) and the subscription model
#: (fitted on survivor counts); every other model is a count model, fitted on every
#: customer's (frequency, recency, T).
SPEND_MODELS = ("gg",)
SUBSCRIPTION_MODELS = ("sbg",)
COUNT_MODELS = tuple(m for m in MODELS if m not in SPEND_MODELS + SUBSCRIPTION_MODELS)

#: Published column name -> payback's (Hardie's BTYD and the CDNOW files).
ALIASES: dict[str, str] = {
    "x": "frequency",
    "t_x": "recency",
    "t.x": "recency",
    "T.cal": "T",
    "zbar": "monetary_value",
    "m.x": "monetary_value",
    "count": "weights",
    "custs": "weights",
}

#: Aliases for one model only: BG/BB's number of opportunities is ``periods`` in
#: lifetimes' ``donations.csv``, ``n.cal`` in BTYD's ``donationsSummary`` and ``T`` in
#: pymc-marketing; for the other models ``periods`` and ``T`` mean something else.
MODEL_ALIASES: dict[str, dict[str, str]] = {
    "bgbb": {"periods": "n_periods", "n.cal": "n_periods", "T": "n_periods"},
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
        ``zbar``/``m.x -> monetary_value``, ``count``/``custs -> weights`` (an alias is
        left alone when its target column is already there); for ``bgbb``
        ``periods``/``n.cal``/``T -> n_periods`` (:data:`MODEL_ALIASES`). BTYD's ``custs``
        (customers sharing one history) are weights. For ``sbg`` without ``survivors`` or
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
    >>> rf = pd.DataFrame({"x": [6], "t.x": [6], "n.cal": [6], "custs": [1203]})
    >>> list(standard_columns(rf, "bgbb").columns)
    ['frequency', 'recency', 'n_periods', 'weights']
    >>> subs = pd.DataFrame({"recency": [1, 3, 8], "T": [8, 8, 8]})
    >>> standard_columns(subs, "sbg")[["periods", "churned"]].values.tolist()
    [[1, True], [3, True], [7, False]]
    """
    present = set(table.columns)
    rename: dict[str, str] = {}
    for alias, name in {**ALIASES, **MODEL_ALIASES.get(model, {})}.items():
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


def fit_table(table: pd.DataFrame, model: str = "bgnbd", *, penalizer: float = 0.0) -> ModelFit:
    """Fit ``model`` to a customer summary or sBG table in any published layout.

    The table is read with :func:`standard_columns` (Hardie's ``x, t_x, T, zbar``,
    pymc-marketing's sBG ``recency, T`` ...), then:

    - ``bgnbd``, ``mbgnbd``, ``pareto``, ``ggomnbd``: ``frequency, recency, T`` (optional
      ``weights``);
    - ``mbgcnbd``: the same and ``litt``; ``pggg``: ``frequency, recency, T, litt``, one
      row per customer (fitted by MCMC, :data:`payback.clv.pggg.QUICK`, progress on
      stderr);
    - ``bgbb``: ``frequency, recency, n_periods`` (``T`` is taken as ``n_periods``);
    - ``gg``: ``frequency, monetary_value`` of repeat buyers (optional ``weights``);
    - ``sbg``: ``survivors`` (customers still active at the start of each period, the
      first is the cohort), or ``periods`` and ``churned`` (true/1/yes) per customer
      with optional ``weights`` (:func:`payback.clv.fit_sbg_records`).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer (or per group of identical customers, with ``weights``),
        or one row per period for sBG ``survivors``.
    model : str
        One of :data:`MODELS`.
    penalizer : float
        L2 penalty on the log parameters (0 = plain maximum likelihood).

    Returns
    -------
    ModelFit
        The model's frozen fit (parameters in Hardie's notation, standard errors,
        log-likelihood, predictions).

    Raises
    ------
    payback.errors.InputError
        An unknown ``model``; an sBG table with neither ``survivors`` nor ``periods``
        and ``churned``.

    Examples
    --------
    Fader and Hardie (2007), "How to project customer retention", the "regular"
    cohort: 1000 customers, 631 still active after a year ...; they publish alpha
    0.704, beta 1.182.

    >>> import pandas as pd
    >>> survivors = pd.DataFrame({"survivors": [1000, 631, 468, 382, 326, 289, 262, 241]})
    >>> fit = fit_table(survivors, "sbg")
    >>> round(fit.alpha, 3), round(fit.beta, 3)
    (0.704, 1.182)
    """
    key = model.lower()
    if key not in MODELS:
        raise InputError(f"unknown {{model}} {model!r}: expected one of {', '.join(MODELS)}")
    table = standard_columns(table, key)
    if key == "sbg":
        if "survivors" in table.columns:
            return fit_sbg(table["survivors"].to_numpy(), penalizer=penalizer)
        if not {"periods", "churned"} <= set(table.columns):
            raise InputError(
                f"sbg needs a 'survivors' column, or 'periods' and 'churned' columns (or "
                f"pymc-marketing's 'recency' and 'T'); the table has {list(table.columns)}"
            )
        weights = table["weights"] if "weights" in table.columns else None
        churned = table["churned"].astype(str).str.lower().isin(["true", "1", "yes"])
        return fit_sbg_records(table["periods"], churned.to_numpy(), weights, penalizer=penalizer)
    if key == "gg":
        return fit_gamma_gamma(table, penalizer=penalizer)
    if key == "bgbb":
        return fit_bgbb(table, penalizer=penalizer)
    fitter = {"bgnbd": fit_bgnbd, "mbgnbd": fit_mbgnbd, "pareto": fit_pareto_nbd}
    fitter["ggomnbd"] = fit_ggomnbd  # Gamma/Gompertz/NBD
    fitter["bgnbd_fixed"] = fit_bgnbd_fixed  # one drop-out probability p
    fitter["nbd"] = fit_nbd  # no drop-out
    fitter["mbgcnbd"] = fit_mbgcnbd  # k chosen from a 'litt' column (BTYDplus's cbs)
    if key == "pggg":  # by MCMC, one row per customer with its 'litt' (pggg.py)
        return fit_pggg(table, **QUICK, trace=100)
    return fitter[key](table, penalizer=penalizer)
