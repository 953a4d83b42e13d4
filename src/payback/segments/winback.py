"""Win-back: dormant customers and the value of winning each back, ranked for a CRM.

**Who is listed.** The customers of the dormant RFM segments (``segments``, by default
:data:`DORMANT`: hibernating, at risk and can't lose, from the rule table of
:mod:`payback.segments.rules`), or (``max_p_alive``) those whose P(alive) is below a
threshold, or both (a customer meeting either is listed). When the CLV models give no
usable P(alive), the list is taken from the segments alone (the dormant ones when none
were given) and :attr:`WinbackResult.note` says why.

**Their value if won back** (``value_if_alive``, over ``horizon_months``), per customer,
with the ``basis`` it was computed on:

- ``model``: from :func:`payback.clv.predict_ltv` (the count model and Gamma-Gamma fit of
  the CLV capability; nothing is refitted here), ``p_alive`` and ``predicted_clv`` (the
  expected value over the horizon). These models' expected purchases are P(alive) times
  those of an alive customer, so::

      value_if_alive = predicted_clv / p_alive
      winback_value  = value_if_alive - predicted_clv   (= clv (1 - p_alive) / p_alive)

  ``winback_value`` is the value added by bringing the customer back to alive (multiply
  it by your campaign's success rate). When the count model has no drop-out (the NBD,
  which replaces a degenerate BG/NBD, e.g. on the whole UCI Online Retail file: P(alive)
  is 1 for everyone), ``p_alive`` is not used (missing, with the reason), and
  ``value_if_alive = winback_value = predicted_clv``: the model's value of the customer
  alive, all of it counted as won back since the model cannot tell who left.
- ``history`` (the CLV models cannot be fitted, ``predict=False``, or a customer without
  a model value): the customer's historical value rate over the horizon::

      value_if_alive = winback_value = monetary x H / max(tenure_days, H)

  with ``monetary`` the revenue of their confirmed orders to date, ``tenure_days`` = as
  of - the day of their first confirmed order, ``H`` = the horizon in days (months x
  365.25 / 12): what they spent per horizon-length of their life as a customer (never
  more than what they spent so far).

The list keeps the customers whose ``value_if_alive`` is at least ``min_value`` (default
0, or the ``value_quantile`` quantile of the selected customers'), ranked by
``winback_value`` (then customer id), with their RFM segment and history.

Examples
--------
>>> from payback.demo import generate_shop
>>> from payback.store import open_store
>>> store = open_store(":memory:")
>>> _ = store.write(generate_shop(600, seed=3).tables)
>>> result = winback(store)
>>> frame = result.customers.frame
>>> sorted(set(frame.segment)), set(frame.basis), result.note is None
(['at risk', "can't lose", 'hibernating'], {'model'}, True)
>>> bool(frame.winback_value.is_monotonic_decreasing)
True

Without the models, the value is the customers' historical rate:

>>> history = winback(store, predict=False).customers.frame
>>> set(history.basis), len(history) == len(frame)
({'history'}, True)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from payback._lazy import lazy_module
from payback.errors import InputError, PaybackError
from payback.present import Table

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from payback.segments.rules import RuleTable
    from payback.store import Store
else:
    pd = lazy_module("pandas")
np = lazy_module("numpy")
ibis = lazy_module("ibis")

__all__ = [
    "DORMANT",
    "WinbackResult",
    "WinbackTop",
    "parse_segments",
    "winback",
    "winback_from",
    "winback_top",
]

#: The segments listed by default: the dormant ones of the built-in rule table.
DORMANT = ("hibernating", "at risk", "can't lose")
#: Days in a month of a horizon (the CLV models' month).
DAYS_PER_MONTH = 365.25 / 12
UNITS = {
    "frequency": "count",
    "monetary": "money",
    "recency_days": "count",
    "tenure_days": "count",
    "p_alive": "rate",
    "predicted_clv": "money",
    "value_if_alive": "money",
    "winback_value": "money",
}
#: Why P(alive) is not used without predictions.
_NO_FIT = "no predictions asked: every value is the customer's historical rate"
COLUMNS = ["customer_id", "segment", "last_order", "recency_days", "frequency", "monetary",
           "tenure_days", "p_alive", "predicted_clv", "value_if_alive", "winback_value",
           "basis"]  # fmt: skip


@dataclass(frozen=True)
class WinbackResult:
    """Result of :func:`winback`.

    Attributes
    ----------
    customers : payback.present.Table
        One row per customer to win back, the most valuable first: ``customer_id,
        segment, last_order, recency_days, frequency, monetary, tenure_days, p_alive,
        predicted_clv, value_if_alive, winback_value, basis`` (``model`` or ``history``).
    min_value : float
        The ``value_if_alive`` threshold used.
    total_value : float
        Sum of ``winback_value`` over the list.
    model : str or None
        The count model of the predictions (None without them).
    segments : tuple of str
        The segments selected (empty: by P(alive) only).
    max_p_alive : float or None
        The P(alive) threshold applied (None: not applied).
    note : str or None
        Why P(alive) is not used (the fit failed, the model has no drop-out, no
        predictions asked), or None when it is.
    horizon_months : float
    """

    customers: Table
    min_value: float
    total_value: float
    model: str | None
    segments: tuple[str, ...] = DORMANT
    max_p_alive: float | None = None
    note: str | None = None
    horizon_months: float = 12.0

    @property
    def basis(self) -> str:
        """``model``, ``history`` or ``model and history``: what the values rest on."""
        found = list(dict.fromkeys(self.customers.frame.basis))
        return " and ".join(found) if found else ("model" if self.note is None else "history")


def parse_segments(segments: Sequence[str] | str | None, table: RuleTable) -> tuple[str, ...]:
    """The segment names of ``segments`` (a sequence or ``"a,b,c"``; ``none`` or empty: no
    segment), each checked against the rule table.

    >>> from payback.segments.rules import default_rules
    >>> parse_segments("at risk, Hibernating", default_rules())
    ('at risk', 'hibernating')
    >>> parse_segments("none", default_rules())
    ()
    >>> parse_segments("sleepy", default_rules())
    Traceback (most recent call last):
    ...
    payback.errors.InputError: unknown segment(s) sleepy: expected some of champions, \
loyal, potential loyalists, new, promising, need attention, about to sleep, can't lose, \
at risk, hibernating, lost (the built-in rule table), or none
    """
    if segments is None:
        return ()
    items = segments.split(",") if isinstance(segments, str) else list(segments)
    names = [s.strip().lower() for s in items if s.strip()]
    if names == ["none"]:
        return ()
    known = {s.lower(): s for s in table.segments}
    unknown = [s for s in names if s not in known]
    if unknown:
        raise InputError(
            f"unknown segment(s) {', '.join(unknown)}: expected some of "
            f"{', '.join(table.segments)} (the {table.source}), or none"
        )
    return tuple(dict.fromkeys(known[s] for s in names))


def winback(
    store: Store,
    *,
    segments: Sequence[str] | str | None = DORMANT,
    max_p_alive: float | None = None,
    min_value: float | None = None,
    value_quantile: float | None = None,
    horizon_months: float = 12.0,
    model: str = "mbgnbd",
    predict: bool = True,
    rules: RuleTable | str | Path | None = None,
    as_of: Any = None,
) -> WinbackResult:
    """The customers to win back and the expected value of winning each back.

    Parameters
    ----------
    store : payback.store.Store
    segments : sequence of str or "a,b,c", optional
        RFM segments to list (default :data:`DORMANT`); None, ``()`` or ``"none"``: by
        P(alive) only.
    max_p_alive : float, optional
        Also list the customers whose P(alive) is below it (0..1].
    min_value : float, optional
        Fewest ``value_if_alive`` (in the orders' currency); default 0.
    value_quantile : float, optional
        Without ``min_value``: that quantile of the selected customers' ``value_if_alive``.
    horizon_months : float
        Horizon of the values.
    model : {"mbgnbd", "bgnbd", "pareto"}
        Count model (MBG/NBD by default: BG/NBD calls every one-time buyer alive).
    predict : bool
        False: no CLV fit; every value from the customer's history.
    rules : RuleTable or path, optional
        The rule table naming the segments (default: the built-in one).
    as_of : date, optional
        End of observation.

    Returns
    -------
    WinbackResult

    Raises
    ------
    payback.errors.InputError
        Thresholds out of range, an unknown segment, nothing to select by, no confirmed
        orders.
    """
    from payback.segments.rfm import rfm_as_of, rfm_expr
    from payback.segments.rules import as_rules
    from payback.store import check_single_currency

    table = as_rules(rules)
    chosen = parse_segments(segments, table)
    _check(chosen, max_p_alive, value_quantile, horizon_months)
    currency = check_single_currency(store, "orders") or store.base_currency
    day = rfm_as_of(store, as_of)
    members = rfm_expr(store, as_of=day, rules=table)
    return winback_from(
        store, members, day, currency, segments=chosen, max_p_alive=max_p_alive,
        min_value=min_value, value_quantile=value_quantile, horizon_months=horizon_months,
        model=model, predict=predict,
    )  # fmt: skip


def _check(chosen, max_p_alive, value_quantile, horizon_months) -> None:
    if max_p_alive is not None and not 0.0 < max_p_alive <= 1.0:
        raise InputError(f"max_p_alive must lie in (0, 1], got {max_p_alive}")
    if value_quantile is not None and not 0.0 <= value_quantile <= 1.0:
        raise InputError(f"value_quantile must lie in [0, 1], got {value_quantile}")
    if not horizon_months > 0:
        raise InputError(f"the horizon must be positive, got {horizon_months} months")
    if not chosen and max_p_alive is None:
        raise InputError(
            "nothing selects the customers to win back: give segments (e.g. hibernating,at "
            "risk) or a P(alive) threshold (max_p_alive, --max-p-alive 0.3), or both"
        )


def winback_from(
    store: Store,
    members: ir.Table,
    day: dt.date,
    currency: str | None,
    *,
    segments: tuple[str, ...] = DORMANT,
    max_p_alive: float | None = None,
    min_value: float | None = None,
    value_quantile: float | None = None,
    horizon_months: float = 12.0,
    model: str = "mbgnbd",
    predict: bool = True,
) -> WinbackResult:
    """:func:`winback` on a per-customer RFM table already built (``members``: the
    columns of :func:`payback.segments.rfm_expr`, e.g. the report's cached one), with
    the segments already checked."""
    _check(segments, max_p_alive, value_quantile, horizon_months)
    pred, note = _predictions(store, day, horizon_months, model) if predict else (None, _NO_FIT)
    if max_p_alive is not None and pred is None:
        note = f"{note}; the P(alive) threshold {max_p_alive} is not applied"
        if not segments:
            segments = DORMANT
            note += f": the dormant segments ({', '.join(DORMANT)}) are listed instead"
    rows = _rows(store, members, day)
    by_p = max_p_alive is not None and pred is not None
    if not by_p:
        rows = rows.filter(rows.segment.isin(list(segments)))
    frame = store.execute(rows)
    frame["customer_id"] = frame.customer_id.astype(str)
    if pred is not None:
        frame = frame.merge(pred, on="customer_id", how="left")
    else:
        frame["p_alive"] = frame["predicted_clv"] = np.nan
    if by_p:
        frame = frame[frame.segment.isin(segments) | (frame.p_alive < max_p_alive)]
    frame = _values(frame, horizon_months)
    known = frame.value_if_alive
    if min_value is not None:
        threshold = float(min_value)
    elif value_quantile is not None and len(known):
        threshold = float(known.quantile(value_quantile))
    else:
        threshold = 0.0
    out = _ranked(frame, threshold)
    reasons = _reasons(note, pred)
    return WinbackResult(
        customers=Table(out, UNITS, reasons, currency),
        min_value=threshold,
        total_value=round(float(out.winback_value.sum()), 2),
        model=None if pred is None else str(pred.attrs.get("model")),
        segments=tuple(segments),
        max_p_alive=max_p_alive if by_p else None,
        note=note,
        horizon_months=horizon_months,
    )


@dataclass(frozen=True)
class WinbackTop:
    """The first rows of a win-back list valued from history, and the whole list's size
    and value (:func:`winback_top`; the report's view).

    Attributes
    ----------
    customers : payback.present.Table
        The first rows of :attr:`WinbackResult.customers` (the same columns and values).
    count : int
        Customers on the whole list.
    total_value : float
        Sum of ``winback_value`` over the whole list (:attr:`WinbackResult.total_value`).
    segments : tuple of str
    horizon_months : float
    """

    customers: Table
    count: int
    total_value: float
    segments: tuple[str, ...] = DORMANT
    horizon_months: float = 12.0


def winback_top(
    store: Store,
    members: ir.Table,
    day: dt.date,
    currency: str | None,
    *,
    top: int = 15,
    segments: tuple[str, ...] = DORMANT,
    horizon_months: float = 12.0,
) -> WinbackTop:
    """The ``top`` first rows, the count and the total value of ``winback_from(store,
    members, day, currency, segments=segments, horizon_months=horizon_months,
    predict=False)``, with the same numbers, fetching only about ``top`` customers.

    In the engine, with ``y = 100 x`` the historical rate (:func:`_values`'s formula,
    the same float operations): the list is the rows with ``y >= -0.5`` (``value_if_alive``
    = ``rint(y) / 100`` at least 0, numpy's rounding half to even), its value the sum of
    ``rint(y)`` cents. The rows shown are ranked in pandas by :func:`_values` among those
    within a cent of the ``top``-th largest ``y`` (rounding moves a value by half a cent
    at most, so no row of the first ``top`` is left out).

    >>> from payback.demo import generate_shop
    >>> from payback.segments.rfm import rfm_as_of, rfm_expr
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write(generate_shop(600, seed=3).tables)
    >>> day = rfm_as_of(store)
    >>> full = winback_from(store, rfm_expr(store, as_of=day), day, "EUR", predict=False)
    >>> short = winback_top(store, rfm_expr(store, as_of=day), day, "EUR", top=5)
    >>> short.customers.frame.equals(full.customers.frame.head(5))
    True
    >>> (short.count, short.total_value) == (len(full.customers.frame), full.total_value)
    True
    """
    _check(segments, None, None, horizon_months)
    rows = _rows(store, members, day)
    rows = rows.filter(rows.segment.isin(list(segments)) & rows.monetary.notnull()
                       & rows.tenure_days.notnull())  # fmt: skip
    rate = _history(rows.monetary.cast("float64"), rows.tenure_days.cast("float64"),
                    horizon_months * DAYS_PER_MONTH, ibis.greatest)  # fmt: skip
    rows = rows.mutate(_y=rate * 100.0)
    rows = rows.filter(rows._y >= -0.5)
    # numpy's rint: to the nearest integer, halves to the even one (y - floor(y) is exact)
    low = rows._y.floor().cast("int64")
    frac = rows._y - low
    rows = rows.mutate(_c=ibis.cases((frac > 0.5, low + 1), (frac < 0.5, low), else_=low + low % 2))
    with rows.cache() as once:
        totals = store.execute(once.aggregate(n=once.count(), cents=once._c.sum()))
        count = int(totals["n"].iloc[0])
        first = once.order_by([once._y.desc(), once.customer_id.asc()]).limit(top)
        edge = store.execute(first.aggregate(low=first._y.min()))["low"].iloc[0]
        near = once if pd.isna(edge) else once.filter(once._y >= float(edge) - 1.0)
        frame = store.execute(near.drop("_y", "_c"))
    total = totals["cents"].iloc[0]
    frame["customer_id"] = frame.customer_id.astype(str)
    frame["p_alive"] = frame["predicted_clv"] = np.nan
    out = _ranked(_values(frame, horizon_months), 0.0).head(top)
    return WinbackTop(
        customers=Table(out, UNITS, _reasons(_NO_FIT, None), currency),
        count=count,
        total_value=0.0 if pd.isna(total) else round(int(total) / 100, 2),
        segments=tuple(segments),
        horizon_months=horizon_months,
    )


def _rows(store: Store, members: ir.Table, day: dt.date) -> ir.Table:
    """``members`` with ``tenure_days`` (days from the first confirmed order to ``day``),
    lazily: the columns :func:`_values` reads and the list shows."""
    from payback.metrics.scope import acquisitions

    first = acquisitions(store).select(_cid="customer_id", _first="time")
    rows = members.left_join(first, members.customer_id == first._cid)
    return rows.select(
        "customer_id", "segment", "last_order", "recency_days", "frequency", "monetary",
        tenure_days=ibis.literal(day).delta(rows._first.date(), unit="day"),
    )  # fmt: skip


def _ranked(frame: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The rows of ``frame`` (with :func:`_values`) whose ``value_if_alive`` is at least
    ``threshold``, by ``winback_value`` (then customer id), in :data:`COLUMNS`."""
    out = frame[frame.value_if_alive >= threshold]
    out = out.sort_values(["winback_value", "customer_id"], ascending=[False, True])
    return out[COLUMNS].reset_index(drop=True)


def _reasons(note: str | None, pred: pd.DataFrame | None) -> dict[str, str]:
    """Why ``p_alive`` and ``predicted_clv`` are missing (:class:`payback.present.Table`)."""
    reasons = {}
    if note is not None:
        reasons["p_alive"] = f"P(alive) not used: {note}"
        reasons["predicted_clv"] = "no model value: the value if alive is the historical rate"
    if pred is not None:
        reasons["predicted_clv"] = "no model value for the customer: the historical rate is used"
        reasons.setdefault("p_alive", "no prediction for the customer")
    return reasons


def _predictions(store, day, horizon_months, model) -> tuple[pd.DataFrame | None, str | None]:
    """``(customer_id, p_alive, predicted_clv)`` of :func:`payback.clv.predict_ltv` and
    None, or ``(None, why)`` when it cannot be fitted; ``p_alive`` is NaN (and the
    note says why) when the count model has no drop-out."""
    from payback.clv import predict_ltv

    try:
        pred = predict_ltv(store, horizon_months=horizon_months, model=model, as_of=day)
    except InputError:
        raise
    except PaybackError as e:
        first = (str(e).splitlines() or [type(e).__name__])[0].split(". ")[0]
        return None, f"the CLV models could not be fitted ({first})"
    frame = pred.customers.frame
    out = pd.DataFrame(
        {
            "customer_id": frame.customer_id.astype(str),
            "p_alive": frame.p_alive.astype("float64"),
            "predicted_clv": frame.clv.astype("Float64").astype("float64"),
        }
    )
    out.attrs["model"] = pred.model
    note = None
    if pred.model == "nbd" or bool((out.p_alive >= 1.0).all()):
        note = (
            f"the count model ({pred.model}) has no drop-out: P(alive) is 1 for everyone, "
            f"so the value if alive is the model's predicted CLV"
        )
        out["p_alive"] = np.nan
        out.attrs["no_dropout"] = True
    return out, note


def _values(frame: pd.DataFrame, horizon_months: float) -> pd.DataFrame:
    """``value_if_alive``, ``winback_value`` and ``basis`` of each row (module text)."""
    horizon = horizon_months * DAYS_PER_MONTH
    p = frame.p_alive.to_numpy(dtype="float64")
    clv = frame.predicted_clv.to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        by_p = np.where(p > 0, clv / p, np.nan)  # NaN p (no drop-out): the clv itself
    model = np.where(np.isnan(p), clv, by_p)
    gain = np.where(np.isnan(p), clv, by_p - clv)
    tenure = frame.tenure_days.to_numpy(dtype="float64")
    history = _history(frame.monetary.to_numpy(dtype="float64"), tenure, horizon, np.maximum)
    use = np.isfinite(model)
    return frame.assign(
        value_if_alive=np.where(use, model, history).round(2),
        winback_value=np.where(use, gain, history).round(2),
        basis=np.where(use, "model", "history"),
    )


def _history(monetary: Any, tenure: Any, horizon: float, maximum: Any) -> Any:
    """The historical value rate ``monetary x H / max(tenure_days, H)`` of numpy arrays
    (``maximum=np.maximum``) or engine columns (``ibis.greatest``), the same operations
    in the same order (so the same floats)."""
    return monetary * horizon / maximum(tenure, horizon)
