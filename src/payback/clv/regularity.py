"""Log inter-purchase times: what the MBG/CNBD-k needs, beyond ``(x, t_x, T)``, to choose k.

Per customer ``litt = sum_j ln(t_j - t_{j-1})`` over their successive purchase periods
(several purchases in one period are one, as in the summary), in the summary's unit,
up to the end of calibration (BTYDplus ``elog2cbs``'s ``litt``). The Erlang-k
likelihood adds ``(k-1) litt - x ln((k-1)!)`` per customer, so the fit needs only the
total over customers (:func:`payback.clv.compress` sums the column per history).

One Ibis expression (:func:`log_intervals_expr`) for the store, a transaction file or a
frame, in the engine like the summary.

:func:`wheat_regularity_expr` asks the same purchase periods how regular the timing is
(Wheat & Morrison 1990, BTYDplus ``estimateRegularity(method = "wheat")``): with
Gamma(k, lambda_i) inter-purchase times, a customer's last two intervals give
``M = g1 / (g1 + g2) ~ Beta(k, k)``, so ``Var(M) = 1 / (4 (2k + 1))`` and

    k = (1 - 4 Var(M)) / (8 Var(M))

over the customers with three or more purchase periods. BTYDplus draws one of the two
orders of (g1, g2) at random; Beta(k, k) is symmetric about 1/2, so here both orders
count and ``Var(M) = mean((M - 1/2)^2) = mean(((g1 - g2) / (2 (g1 + g2)))^2)``, without
randomness. k near 1 is exponential timing (Poisson purchases: the regularity models,
MBG/CNBD-k and Pareto/GGG, have nothing to add); k near 2 or more is regular buying.
"""

from __future__ import annotations

from typing import Any

from payback._lazy import lazy_module
from payback.clv.summary import _UNITS, _period, _period_of, _to_date
from payback.errors import InputError

ibis = lazy_module("ibis")
pd = lazy_module("pandas")

__all__ = [
    "file_log_intervals",
    "log_intervals",
    "log_intervals_expr",
    "wheat_regularity",
    "wheat_regularity_expr",
    "with_log_intervals",
]


def log_intervals_expr(
    transactions: Any,
    *,
    customer_col: str = "customer_id",
    time_col: str = "time",
    freq: str = "D",
    unit: str | None = None,
    calibration_end: Any = None,
) -> Any:
    """Per customer ``litt``: an Ibis expression with columns ``customer, litt`` (one row
    per customer with two or more purchase periods up to ``calibration_end``).

    Parameters
    ----------
    transactions : ibis.Table
        One row per purchase.
    customer_col, time_col : str
        Its columns.
    freq, unit : str
        Summary period and unit of the intervals, as :func:`payback.clv.summary_expr`
        (``freq="D", unit="W"``: days / 7).
    calibration_end : date or str, optional
        Last day counted (inclusive).
    """
    unit = (unit or freq).upper()
    freq = freq.upper()
    if (freq, unit) not in _UNITS:
        raise InputError(f"unit {unit!r} does not go with freq {freq!r}: use unit=freq or D/W")
    gaps = _gaps(transactions, customer_col, time_col, freq, calibration_end)
    scale = _UNITS[(freq, unit)]
    return gaps.group_by("customer").aggregate(litt=(gaps.gap.cast("float64") / scale).ln().sum())


def _gaps(transactions: Any, customer_col: str, time_col: str, freq: str, end: Any) -> Any:
    """One row per purchase period after a customer's first, up to ``end``: ``customer,
    period, gap`` (periods since the customer's previous purchase period)."""
    t = transactions
    when = t[time_col]
    if when.type().is_string():
        when = when.cast("timestamp")
    day = when if when.type().is_date() else when.date()
    rows = t.select(customer=t[customer_col], period=_period(day, freq))
    end = _to_date(end, "calibration_end")
    if end is not None:
        rows = rows.filter(rows.period <= _period_of(end, freq))
    rows = rows.distinct()
    window = ibis.window(group_by="customer", order_by="period")
    gaps = rows.mutate(gap=rows.period - rows.period.lag().over(window))
    return gaps.filter(gaps.gap.notnull())


def wheat_regularity_expr(
    transactions: Any,
    *,
    customer_col: str = "customer_id",
    time_col: str = "time",
    freq: str = "D",
    calibration_end: Any = None,
) -> Any:
    """Wheat & Morrison's regularity of the purchase timing: a one-row Ibis expression
    with ``customers`` (those with three or more purchase periods up to
    ``calibration_end``) and ``variance`` (of M, from both orders of each customer's last
    two intervals); :func:`wheat_regularity` turns it into ``k``.
    """
    gaps = _gaps(transactions, customer_col, time_col, freq.upper(), calibration_end)
    latest = ibis.window(group_by="customer", order_by=ibis.desc("period"))
    gaps = gaps.mutate(rank=ibis.row_number().over(latest))
    last_two = gaps.filter(gaps["rank"] < 2)
    gap = last_two.gap.cast("float64")
    per = last_two.group_by("customer").aggregate(n=gap.count(), total=gap.sum(), top=gap.max())
    per = per.filter(per.n == 2)
    spread = (2 * per.top - per.total) / (2 * per.total)  # M - 1/2 for the larger first
    return per.aggregate(customers=per.customer.count(), variance=(spread * spread).mean())


def wheat_regularity(
    customer: Any = None,
    time: Any = None,
    *,
    freq: str = "D",
    calibration_end: Any = None,
    result: Any = None,
) -> tuple[float | None, int]:
    """Wheat & Morrison's ``k`` and the number of customers it rests on.

    Either the purchases ``(customer, time)`` (arrays or columns) or ``result``, the
    executed :func:`wheat_regularity_expr` (a one-row frame). ``k`` is None when fewer
    than two customers have three purchase periods, or when every customer's last two
    intervals are equal (``Var(M) = 0``: perfectly regular, k unbounded).

    Examples
    --------
    Intervals (7, 7) and (2, 6) days: M - 1/2 is 0 and 1/4, Var(M) = 1/32, k = 3.5.

    >>> wheat_regularity(["a"] * 3 + ["b"] * 3,
    ...     ["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-01", "2024-01-03", "2024-01-09"])
    (3.5, 2)
    """
    if result is None:
        purchases = _purchases(customer, time)
        result = wheat_regularity_expr(
            purchases, customer_col="customer", freq=freq, calibration_end=calibration_end
        ).execute()
    customers = int(result["customers"].iloc[0] or 0)
    variance = result["variance"].iloc[0]
    if customers < 2 or variance is None or pd.isna(variance) or variance <= 0:
        return None, customers
    return float((1 - 4 * variance) / (8 * variance)), customers


def _purchases(customer: Any, time: Any) -> Any:
    """The purchases ``(customer, time)`` (arrays or columns) as an Ibis table."""
    frame = pd.DataFrame({"customer": list(customer), "time": pd.to_datetime(list(time))})
    return ibis.memtable(frame)


def log_intervals(
    customer: Any,
    time: Any,
    *,
    freq: str = "D",
    unit: str | None = None,
    calibration_end: Any = None,
) -> float:
    """The total ``litt`` of the purchases ``(customer, time)`` (arrays or columns).

    Examples
    --------
    Intervals of 7 and 14 days, in weeks: ln 1 + ln 2.

    >>> round(log_intervals(["a", "a", "a", "a", "b"], ["2024-01-01", "2024-01-08",
    ...       "2024-01-08", "2024-01-22", "2024-01-03"], unit="W"), 6)
    0.693147
    """
    expr = log_intervals_expr(
        _purchases(customer, time),
        customer_col="customer",
        time_col="time",
        freq=freq,
        unit=unit,
        calibration_end=calibration_end,
    )
    return float(expr.litt.sum().execute() or 0.0)


def with_log_intervals(
    store, frame: Any, *, freq: str = "D", as_of: Any = None, calibration_end: Any = None
) -> Any:
    """``frame`` (one row per ``customer_id``) with the customers' ``litt`` from the
    store's confirmed orders (0 for fewer than two purchase periods)."""
    from payback.clv.cohorts import confirmed_orders

    orders = confirmed_orders(store)
    end = calibration_end if calibration_end is not None else as_of
    per = store.execute(log_intervals_expr(orders, freq=freq, calibration_end=end))
    per = per.rename(columns={"customer": "customer_id"})
    out = frame.drop(columns=["litt"], errors="ignore").merge(per, on="customer_id", how="left")
    out["litt"] = out["litt"].fillna(0.0)
    return out


def file_log_intervals(
    summary: Any,
    transactions: Any,
    *,
    mapping: Any = None,
    date_format: str | None = None,
    freq: str = "D",
    unit: str | None = None,
    observation_end: Any = None,
) -> Any:
    """``summary`` (from :func:`payback.clv.summary_from_transactions` on the same file)
    with each customer's ``litt`` from the file's purchases up to ``observation_end``."""
    from payback.clv.transactions import read_transactions

    table, cols = read_transactions(transactions, mapping=mapping, date_format=date_format)
    customer = cols["customer_id"]
    expr = log_intervals_expr(
        table,
        customer_col=customer,
        time_col=cols["time"],
        freq=freq,
        unit=unit,
        calibration_end=observation_end,
    )
    per = expr.execute().rename(columns={"customer": customer})
    per[customer] = per[customer].astype(summary[customer].dtype)
    out = summary.drop(columns=["litt"], errors="ignore").merge(per, on=customer, how="left")
    out["litt"] = out["litt"].fillna(0.0)
    return out
