"""Per-customer RFM summaries (frequency, recency, T, monetary value) computed in the engine.

Conventions of the literature (Fader, Hardie & Lee 2005; the ``lifetimes`` and ``BTYD``
packages):

- time is cut into periods (``freq``: ``"D"`` day, ``"W"`` ISO week starting Monday,
  ``"M"`` calendar month); several purchases in one period count as **one** purchase
  whose value is their sum;
- ``frequency`` = number of *repeat* purchase periods (periods with a purchase, minus
  the first one);
- ``recency`` = time from the first to the last purchase period; ``T`` = time from the
  first purchase period to the end of observation (or of calibration);
- ``monetary_value`` = mean value of the repeat purchase periods: the first purchase is
  left out; null (missing) for customers with no repeat purchase, whose mean repeat
  spend does not exist;
- durations are in ``unit``: the period (``freq``) itself, or weeks of 7 days when
  ``freq="D", unit="W"`` (Fader & Hardie's CDNOW convention: 38.86 weeks = 272 days).

With ``calibration_end`` the summary describes the calibration period (purchases up to
and including that date, customers whose first purchase falls in it), and holdout
columns describe the rest until ``observation_end``: ``frequency_holdout`` (purchase
periods, 0 when none), ``monetary_value_holdout`` (their mean value, null when none) and
``duration_holdout``.

Everything is one Ibis expression (:func:`summary_expr`), so it runs in DuckDB or
Spark; only the resulting one-row-per-customer table comes back to Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal

from payback._lazy import lazy_module
from payback.clv.cohorts import confirmed_orders
from payback.clv.summary_onepass import Periods, onepass_expr, onepass_of, runs_on_duckdb
from payback.errors import InputError

ibis = lazy_module("ibis")
ir = lazy_module("ibis.expr.types")

__all__ = ["customer_summary", "subscription_records", "summarize", "summary_expr"]

Freq = Literal["D", "W", "M"]

_UNITS = {("D", "D"): 1.0, ("D", "W"): 7.0, ("W", "W"): 1.0, ("M", "M"): 1.0}


def _to_date(value: Any, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        import pandas as pd

        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        raise InputError(
            f"{name}: could not read {value!r} as a date; expected YYYY-MM-DD"
        ) from None


def _period(day: ir.DateValue, freq: Freq) -> ir.IntegerValue:
    """Integer index of the period containing ``day``."""
    if freq == "D":
        return day.epoch_days()
    if freq == "W":  # 1970-01-01 was a Thursday: shift so weeks start on Monday
        return ((day.epoch_days() + 3) / 7).floor().cast("int64")
    return (day.year() * 12 + day.month() - 1).cast("int64")


def _period_of(value: dt.date, freq: Freq) -> int:
    days = (value - dt.date(1970, 1, 1)).days
    if freq == "D":
        return days
    if freq == "W":
        return (days + 3) // 7
    return value.year * 12 + value.month - 1


def summary_expr(
    transactions: ir.Table,
    *,
    customer_col: str = "customer_id",
    time_col: str = "time",
    value_col: str | None = "revenue",
    freq: Freq = "D",
    unit: str | None = None,
    observation_end: Any = None,
    calibration_end: Any = None,
) -> ir.Table:
    """The per-customer summary of a transaction table, as a lazy Ibis expression.

    Parameters
    ----------
    transactions : ibis.Table
        One row per transaction (already filtered to the ones that count).
    customer_col, time_col, value_col : str
        Column names; ``value_col=None`` leaves out the monetary columns.
    freq : {"D", "W", "M"}
        Period in which purchases are merged (see the module notes).
    unit : {"D", "W", "M"}, optional
        Unit of recency and T; defaults to ``freq``; ``freq="D", unit="W"`` gives weeks
        of 7 days.
    observation_end : date, optional
        Last day observed (inclusive); later transactions are ignored. Default: the day
        of the last transaction.
    calibration_end : date, optional
        Last day of the calibration period (inclusive); adds the holdout columns.

    Returns
    -------
    ibis.Table
        Columns ``customer_id, first_purchase, frequency, recency, T`` (+
        ``monetary_value``) (+ ``frequency_holdout, monetary_value_holdout,
        duration_holdout``). ``customer_id`` keeps the name ``customer_col``.

    Examples
    --------
    >>> import ibis
    >>> tx = ibis.memtable({"customer_id": ["a", "a", "a", "b"],
    ...                     "time": ["2024-01-01 10:00", "2024-01-01 18:00",
    ...                              "2024-01-05 09:00", "2024-01-03 12:00"],
    ...                     "revenue": [10.0, 5.0, 20.0, 7.0]})
    >>> expr = summary_expr(tx, observation_end="2024-01-10")
    >>> expr.order_by("customer_id").execute()[["customer_id", "frequency", "recency", "T",
    ...                                         "monetary_value"]]
      customer_id  frequency  recency    T  monetary_value
    0           a        1.0      4.0  9.0            20.0
    1           b        0.0      0.0  7.0             NaN
    """
    return _summary_expr(
        transactions,
        customer_col=customer_col,
        time_col=time_col,
        value_col=value_col,
        freq=freq,
        unit=unit,
        observation_end=observation_end,
        calibration_end=calibration_end,
    )


def _scale(freq: Freq, unit: str | None) -> float:
    """Periods per unit of recency and T, for a checked ``freq`` and ``unit``."""
    if freq not in ("D", "W", "M"):
        raise InputError(f"freq must be 'D', 'W' or 'M', got {freq!r}")
    unit = unit or freq
    if (freq, unit) not in _UNITS:
        raise InputError(
            f"unit {unit!r} does not go with freq {freq!r}: use unit=freq, or freq='D' "
            f"with unit='W' for weeks of 7 days"
        )
    return _UNITS[(freq, unit)]


def _calibration_end(obs_end: dt.date | None, calibration_end: Any) -> dt.date | None:
    cal_end = _to_date(calibration_end, "calibration_end")
    if obs_end is not None and cal_end is not None and cal_end >= obs_end:
        raise InputError(
            f"calibration_end {cal_end} must be before observation_end {obs_end}: the "
            f"holdout period is what lies between them"
        )
    return cal_end


def _rows(transactions, customer_col, time_col, value_col, obs_end) -> ir.Table:
    """``customer, day, value`` of each transaction up to ``obs_end``."""
    for col in (customer_col, time_col, value_col):
        if col is not None and col not in transactions.columns:
            raise InputError(
                f"the transactions have no column {col!r}; they have "
                f"{', '.join(transactions.columns)}"
            )
    t = transactions
    when = t[time_col]
    if when.type().is_string():
        when = when.cast("timestamp")
    day = when if when.type().is_date() else when.date()
    rows = t.select(
        customer=t[customer_col],
        day=day,
        value=(t[value_col].cast("float64") if value_col else ibis.literal(0.0)),
    )
    return rows if obs_end is None else rows.filter(rows.day <= obs_end)


def _periods(freq: Freq, scale: float, obs_end: Any, cal_end: Any) -> Periods:
    """The periods of a summary at ``freq`` (:class:`payback.clv.summary_onepass.Periods`)."""
    return Periods(
        period=lambda day: _period(day, freq),
        scale=scale,
        end_period=None if obs_end is None else _period_of(obs_end, freq),
        cut_period=None if cal_end is None else _period_of(cal_end, freq),
    )


def _summary_expr(
    transactions: ir.Table,
    *,
    customer_col: str,
    time_col: str,
    value_col: str | None,
    freq: Freq,
    unit: str | None,
    observation_end: Any,
    calibration_end: Any,
    firsts: Any = None,
) -> ir.Table:
    """:func:`summary_expr`; ``firsts``, given, is each customer's first purchase day
    (``customer, first_day``) from a table kept by the store (DuckDB only)."""
    scale = _scale(freq, unit)
    obs_end = _to_date(observation_end, "observation_end")
    cal_end = _calibration_end(obs_end, calibration_end)
    rows = _rows(transactions, customer_col, time_col, value_col, obs_end)
    if runs_on_duckdb(transactions):  # one aggregation by customer (summary_onepass)
        return onepass_expr(
            rows,
            firsts,
            customer_col=customer_col,
            with_value=value_col is not None,
            periods=_periods(freq, scale, obs_end, cal_end),
        )
    rows = rows.mutate(period=_period(rows.day, freq))
    end_period = (
        ibis.literal(_period_of(obs_end, freq)) if obs_end is not None else rows.period.max()
    )
    # one row per customer and period: several purchases in a period are one purchase
    per = rows.group_by(["customer", "period"]).aggregate(
        value=rows.value.sum(), day=rows.day.min()
    )
    cut = ibis.literal(_period_of(cal_end, freq)) if cal_end is not None else end_period
    cal = per.filter(per.period <= cut) if cal_end is not None else per
    # customers whose first purchase is after the cut have no calibration row: left out
    summary = cal.group_by("customer").aggregate(
        first_purchase=cal.day.min(),
        first_period=cal.period.min(),
        n_periods=cal.count(),
        last_period=cal.period.max(),
        total_value=cal.value.sum(),
        first_value=cal.value.argmin(cal.period),  # the first purchase's value
    )
    repeat_mean = (summary.total_value - summary.first_value) / (summary.n_periods - 1)
    summary = summary.mutate(
        monetary_value=(summary.n_periods > 1).ifelse(repeat_mean, ibis.null("float64"))
    )
    summary = summary.mutate(
        frequency=(summary.n_periods - 1).cast("float64"),
        recency=(summary.last_period - summary.first_period).cast("float64") / scale,
        T=(cut - summary.first_period).cast("float64") / scale,
        duration_holdout=(end_period - cut).cast("float64") / scale,
    )
    cols = [
        summary.customer.name(customer_col),
        summary.first_purchase,
        summary.frequency,
        summary.recency,
        summary.T,
    ]
    if value_col:
        cols.append(summary.monetary_value)
    if cal_end is None:
        return summary.select(*cols)

    hold = per.filter(per.period > cut)
    hold = hold.group_by("customer").aggregate(
        frequency_holdout=hold.count().cast("float64"),
        monetary_value_holdout=hold.value.mean(),
    )
    out = summary.left_join(hold, summary.customer == hold.customer)
    extra = [
        out.frequency_holdout.coalesce(0.0).name("frequency_holdout"),
        out.duration_holdout,
    ]
    if value_col:
        extra.insert(1, out.monetary_value_holdout)
    return out.select(
        out.customer.name(customer_col),
        out.first_purchase,
        out.frequency,
        out.recency,
        out.T,
        *([out.monetary_value] if value_col else []),
        *extra,
    )


def customer_summary(
    store,
    *,
    freq: Freq = "D",
    unit: str | None = None,
    observation_end: Any = None,
    calibration_end: Any = None,
    where: Any = None,
) -> ir.Table:
    """The summary of the store's confirmed orders, per customer (lazy Ibis expression).

    Only orders with status ``confirmed`` count (cancelled, returned and pending orders
    are not purchases); value is the order ``revenue`` in the store's base currency.

    Parameters
    ----------
    store : payback.store.Store
    freq, unit, observation_end, calibration_end
        As in :func:`summary_expr`.
    where : callable, optional
        ``where(orders) -> boolean expression`` to restrict the orders further.

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write({"orders": pa.table({
    ...     "order_id": ["1", "2", "3"], "customer_id": ["a", "a", "b"],
    ...     "time": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 8), dt.datetime(2024, 1, 2)],
    ...     "revenue": [10.0, 30.0, 5.0], "status": ["confirmed", "confirmed", "cancelled"],
    ...     "currency": ["EUR"] * 3})})
    >>> store.execute(customer_summary(store, observation_end="2024-01-15"))[
    ...     ["customer_id", "frequency", "recency", "T", "monetary_value"]]
      customer_id  frequency  recency     T  monetary_value
    0           a        1.0      7.0  14.0            30.0
    """
    orders = confirmed_orders(store)
    firsts = None
    if where is not None:
        orders = orders.filter(where(orders))
    elif _keeps_first_orders(store):
        firsts = _first_days(store)  # the first orders kept per store version
    return _summary_expr(
        orders,
        customer_col="customer_id",
        time_col="time",
        value_col="revenue",
        freq=freq,
        unit=unit,
        observation_end=observation_end,
        calibration_end=calibration_end,
        firsts=firsts,
    )


def summary_with_first_orders(
    store, carry: Any, *, freq: Freq = "D", observation_end: Any = None
) -> ir.Table | None:
    """:func:`customer_summary` with ``carry(first) -> {name: column}``, columns of each
    customer's first confirmed order (:func:`payback.metrics.scope.acquisitions`), added
    after its columns, from its one join of the orders with the first orders; None when
    the store keeps no first orders (Spark, or DuckDB before they are kept): join them
    to :func:`customer_summary` then."""
    both = summaries_with_first_orders(
        store, carry, [(freq, None)], observation_end=observation_end
    )
    return None if both is None else both[0]


def summaries_with_first_orders(
    store, carry: Any, splits: Sequence[tuple[Freq, Any]], *, observation_end: Any = None
) -> list[ir.Table] | None:
    """:func:`summary_with_first_orders` at several ``(freq, calibration_end)`` at once (as
    :func:`customer_summary` with those arguments): the summaries of **one** join and
    aggregation of the orders (:func:`payback.clv.summary_onepass.onepass_exprs`), so an
    expression asking for several of them (a union of their groupings) scans, joins and
    aggregates the orders once. None when the store keeps no first orders.

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write({"orders": pa.table({
    ...     "order_id": ["1", "2", "3"], "customer_id": ["a", "a", "b"],
    ...     "time": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 9), dt.datetime(2024, 1, 2)],
    ...     "revenue": [10.0, 30.0, 5.0], "status": ["confirmed"] * 3,
    ...     "currency": ["EUR"] * 3})})
    >>> days, weeks = summaries_with_first_orders(
    ...     store, lambda first: {"first_order": first.revenue},
    ...     [("D", None), ("W", "2024-01-07")])
    >>> store.execute(days.order_by("customer_id"))[["customer_id", "frequency", "T",
    ...                                             "first_order"]]
      customer_id  frequency    T  first_order
    0           a        1.0  8.0         10.0
    1           b        0.0  7.0          5.0
    >>> store.execute(weeks.order_by("customer_id"))[["customer_id", "frequency",
    ...                                              "frequency_holdout"]]
      customer_id  frequency  frequency_holdout
    0           a        0.0                1.0
    1           b        0.0                0.0
    """
    if not _keeps_first_orders(store):
        return None
    obs_end = _to_date(observation_end, "observation_end")
    summaries = [
        _periods(freq, _scale(freq, None), obs_end, _calibration_end(obs_end, cal_end))
        for freq, cal_end in splits
    ]
    from payback.clv.cohorts import orders_with_first

    # the orders' one join with the first orders, which the cohort cells share; ``carry``
    # reads the first order's columns of it (its own names)
    both = orders_with_first(store)
    if obs_end is not None:
        both = both.filter(both.time.date() <= obs_end)
    day = both.time.date()
    return onepass_of(
        both, customer=both.customer_id, day=day, value=both.value.cast("float64"),
        first_day=both.time_first.date(), carried=carry(both), last_day=day.max(),
        customer_col="customer_id", with_value=True, summaries=summaries,
    )  # fmt: skip


def _keeps_first_orders(store) -> bool:
    return store.engine == "duckdb" and store._derived_current("acquisitions")


def _first_days(store, carry: Any = None) -> ir.Table:
    """``(customer, first_day, *carry)`` of every customer, from the store's first
    confirmed orders (:func:`payback.metrics.scope.acquisitions`): the first order is on
    their first purchase day."""
    from payback.metrics.scope import acquisitions

    first = acquisitions(store)
    return first.select(
        customer=first.customer_id, first_day=first.time.date(),
        **({} if carry is None else carry(first)),
    )  # fmt: skip


def summarize(
    transactions: Any,
    *,
    customer_col: str,
    time_col: str,
    value_col: str | None = None,
    freq: Freq = "D",
    unit: str | None = None,
    observation_end: Any = None,
    calibration_end: Any = None,
):
    """Summarise any transaction table in hand (pandas, pyarrow or Ibis) per customer.

    The computation is :func:`summary_expr` run on DuckDB (or on the Ibis table's own
    backend). Rows with a missing customer, time or value are refused, not dropped.

    Parameters
    ----------
    transactions : pandas.DataFrame, pyarrow.Table or ibis.Table
    customer_col, time_col : str
        Customer id and transaction time (datetime, date or ISO text) columns.
    value_col : str, optional
        Transaction value; adds ``monetary_value`` (mean repeat spend).
    freq, unit, observation_end, calibration_end
        See :func:`summary_expr`.

    Returns
    -------
    pandas.DataFrame
        One row per customer, sorted by customer: ``frequency, recency, T`` (+
        ``monetary_value``) (+ holdout columns), plus ``first_purchase``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"cust": [1, 1, 1, 2], "day": pd.to_datetime(
    ...     ["2024-01-01", "2024-01-15", "2024-02-01", "2024-01-20"]),
    ...     "amount": [10.0, 20.0, 40.0, 5.0]})
    >>> summarize(tx, customer_col="cust", time_col="day", value_col="amount",
    ...           freq="D", unit="W", observation_end="2024-03-01")[
    ...     ["cust", "frequency", "recency", "T", "monetary_value"]].round(2)
       cust  frequency  recency     T  monetary_value
    0     1        2.0     4.43  8.57            30.0
    1     2        0.0     0.00  5.86             NaN
    """
    if isinstance(transactions, ir.Table):
        table = transactions
    else:
        frame = transactions
        if hasattr(frame, "to_pandas") and not hasattr(frame, "iloc"):
            frame = frame.to_pandas()
        for col in (customer_col, time_col, value_col):
            if col is None:
                continue
            if col not in frame.columns:
                raise InputError(
                    f"the transactions have no column {col!r}; they have {list(frame.columns)}"
                )
            missing = frame[col].isna().to_numpy()
            if missing.any():
                row = int(missing.argmax())
                raise InputError(
                    f"column {col!r}, row {row} (0-based) and {int(missing.sum()) - 1} more: "
                    f"missing value; every transaction needs a customer, a time"
                    f"{' and a value' if value_col else ''}. Fill or remove these rows"
                )
        table = ibis.memtable(frame)
    expr = summary_expr(
        table,
        customer_col=customer_col,
        time_col=time_col,
        value_col=value_col,
        freq=freq,
        unit=unit,
        observation_end=observation_end,
        calibration_end=calibration_end,
    ).order_by(customer_col)
    return expr.execute()


def subscription_records(store, *, period_days: float | None = None, as_of: Any = None):
    """Per-subscription sBG records from the store: ``periods`` and ``churned`` (lazy).

    Billing periods are calendar months (``period_days=None``) or ``period_days`` days.
    A cancelled subscription (``end`` set, on or before ``as_of``) churned in the period
    its end falls in (at least 1: ``start`` to ``end`` spanning 1 month and 15 days is
    period 2); an active one has completed the whole periods from ``start`` to
    ``as_of`` (right-censored). ``as_of`` defaults to the latest start or end date in
    the table. Subscriptions starting after ``as_of`` are left out.

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> d = dt.date
    >>> _ = store.write({"subscriptions": pa.table({
    ...     "subscription_id": ["s1", "s2", "s3"], "customer_id": ["a", "b", "c"],
    ...     "start": [d(2024, 1, 1), d(2024, 1, 1), d(2024, 3, 10)],
    ...     "end": [d(2024, 2, 15), None, d(2024, 4, 10)],
    ...     "price": [10.0] * 3, "currency": ["EUR"] * 3})})
    >>> store.execute(subscription_records(store, as_of="2024-06-01"))
      subscription_id  periods  churned
    0              s1        2     True
    1              s2        5    False
    2              s3        1     True
    """
    subs = store.table("subscriptions")
    cut = _to_date(as_of, "as_of")
    if cut is not None:
        end = ibis.literal(cut)
        subs = subs.filter(subs.start <= cut)
    else:
        end = ibis.greatest(subs.start.max(), subs.end.max())
    churned = subs.end.notnull() & (subs.end <= end)
    stop = churned.ifelse(subs.end, end)
    if period_days is None:
        months = (stop.year() - subs.start.year()) * 12 + stop.month() - subs.start.month()
        full = months - (stop.day() < subs.start.day()).cast("int64")
        started = full + (stop.day() != subs.start.day()).cast("int64")
    else:
        if not period_days > 0:
            raise InputError(f"period_days must be > 0, got {period_days}")
        days = (stop.epoch_days() - subs.start.epoch_days()).cast("float64")
        full = (days / period_days).floor()
        started = (days / period_days).ceil()
    periods = churned.ifelse(ibis.greatest(started, 1), full)
    return subs.select("subscription_id", periods=periods.cast("int64"), churned=churned).order_by(
        "subscription_id"
    )
