"""What a cohort table tells: the left-censored first cohort, and LTV at a horizon.

Both read a :func:`payback.clv.cohorts.cohort_ltv` table (by default the store's shared
one, :func:`payback.clv.cohorts.shared_cohort_ltv`): :func:`left_censored_cohort` flags
a first acquisition month swollen by customers who bought before the data start, and
:func:`ltv_at_horizon` is the one definition of historical (cohort) LTV at ``h`` months
that the CLV tables, the ceilings and the partners' value use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from payback._lazy import lazy_module
from payback.clv.cohorts import shared_cohort_ltv
from payback.errors import InputError
from payback.metrics.scope import acquisitions
from payback.present import Table
from payback.present.values import fixed

np = lazy_module("numpy")
pd = lazy_module("pandas")

__all__ = [
    "LEFT_CENSORED_RATIO",
    "STEADY_MONTHS",
    "CensoredCohort",
    "HorizonLTV",
    "left_censored_cohort",
    "ltv_at_horizon",
]


#: The first acquisition month is left-censored when it acquired more than this many times
#: as many customers per day as the months after it (:func:`left_censored_cohort`).
LEFT_CENSORED_RATIO = 1.5
#: The months after the first one whose acquisitions per day are its yardstick (median).
STEADY_MONTHS = 3


@dataclass(frozen=True)
class CensoredCohort:
    """The left-censored first cohort of :func:`left_censored_cohort`.

    Attributes
    ----------
    cohort : str
        Its acquisition month, ``YYYY-MM``.
    customers : int
        Its customers (earlier buyers among them).
    per_day, steady_per_day : float or None
        Customers acquired per day of data in that month, and the median of the same in
        the :data:`STEADY_MONTHS` months after it (None: no complete month after it to
        compare with, so the month is taken as censored).
    """

    cohort: str
    customers: int
    per_day: float
    steady_per_day: float | None

    def why(self) -> str:
        """``starts with the data: ...``, what the flag means."""
        rate = (
            f"{fixed(self.per_day, 1)} first orders a day against "
            f"{fixed(self.steady_per_day, 1)} in the months after"
            if self.steady_per_day is not None
            else "no later month to compare its acquisitions with"
        )
        return (
            "starts with the data: customers who bought before the data start are counted "
            f"as new in it (left-censored; {rate})"
        )

    def sentence(self) -> str:
        """``the YYYY-MM cohort (n customers) starts with the data: ...``, for a note."""
        return f"the {self.cohort} cohort ({self.customers:,} customers) {self.why()}"


def _data_start(store) -> Any:
    """Time of the first confirmed order (the first acquisition), once per store version."""
    from payback.cache import per_store_version

    return per_store_version(
        store, ("clv.data_start",), lambda: store.execute(acquisitions(store).time.min())
    )


def left_censored_cohort(store, table: Table | pd.DataFrame | None = None) -> CensoredCohort | None:
    """The first acquisition month when its customers include earlier buyers, else None.

    A store's first month counts as acquisitions the first order in the data of customers
    who bought before the data start. The evidence is the rate: such a month acquires
    more customers per day (from the data's first day to its end) than the months after
    it, as the earlier buyers come back at their own pace. The month is left-censored
    when its rate is over :data:`LEFT_CENSORED_RATIO` times the median rate of the
    :data:`STEADY_MONTHS` complete months after it, or when there is no such month to
    compare with. UCI Online Retail's December 2010: 880 customers, 28.4 a day against
    13.5; CDNOW's January 1997 (every customer's first purchase is in the file): 253 a
    day against 268, not censored.

    Parameters
    ----------
    store : payback.store.Store
    table : payback.present.Table or pandas.DataFrame, optional
        A :func:`cohort_ltv` result by month (default: the store's, shared).

    Examples
    --------
    >>> import pyarrow as pa, datetime as dt
    >>> from payback.store import open_store
    >>> from payback.clv.cohorts import cohort_ltv
    >>> store = open_store(":memory:")
    >>> days = [dt.datetime(2024, 1, d) for d in (2, 3, 4, 5)] + [dt.datetime(2024, 2, 9)]
    >>> _ = store.write({"orders": pa.table({
    ...     "order_id": list("12345"), "customer_id": list("abcde"), "time": days,
    ...     "revenue": [1.0] * 5, "status": ["confirmed"] * 5, "currency": ["EUR"] * 5})})
    >>> first = left_censored_cohort(store, cohort_ltv(store, as_of="2024-02-29"))
    >>> first.cohort, first.customers, round(first.per_day, 3), round(first.steady_per_day, 3)
    ('2024-01', 4, 0.133, 0.034)
    """
    if table is None:
        table = shared_cohort_ltv(store, "month")
    frame = table.frame if isinstance(table, Table) else table
    sizes = frame[frame["months_since_acquisition"] == 0].sort_values("cohort")
    if sizes.empty:
        return None
    months = [pd.Period(c, "M") for c in sizes["cohort"]]
    customers = sizes["customers"].astype("int64").to_list()
    start = pd.Timestamp(_data_start(store)).normalize()
    if pd.Period(start, "M") != months[0]:  # the table does not start with the data
        return None
    first_days = (months[0].end_time.normalize() - start).days + 1
    per_day = customers[0] / first_days
    later = [n / m.days_in_month for n, m in zip(customers[1:], months[1:], strict=True)]
    steady = float(np.median(later[:STEADY_MONTHS])) if later else None
    if steady is not None and per_day <= LEFT_CENSORED_RATIO * steady:
        return None
    return CensoredCohort(str(months[0]), customers[0], per_day, steady)


@dataclass(frozen=True)
class HorizonLTV:
    """Historical (cohort) LTV per acquired customer at a horizon: :func:`ltv_at_horizon`.

    Attributes
    ----------
    horizon_months : int
        The acquisition month and the ``horizon_months - 1`` after it.
    by_cohort : pandas.DataFrame
        Index ``cohort`` (an acquisition month ``YYYY-MM`` or a source value; None for
        customers without one), columns ``customers, historical_ltv,
        historical_margin_ltv``: only the cohorts observed that long; values are floats
        or None (never NaN).
    customers : int
        Customers of all those cohorts.
    historical_ltv, historical_margin_ltv : float or None
        Pooled over the cohorts: cumulative revenue (margin) of their customers over the
        horizon / their number; None with the reason in ``reasons``.
    reasons : mapping of str to str
        Why a value is None, by attribute name.
    """

    horizon_months: int
    by_cohort: pd.DataFrame
    customers: int
    historical_ltv: float | None
    historical_margin_ltv: float | None
    reasons: Mapping[str, str] = field(default_factory=dict)

    def value(self, cohort: Any) -> tuple[float | None, float | None]:
        """``(historical_ltv, historical_margin_ltv)`` of one cohort; ``(None, None)`` for a
        cohort not observed that long."""
        if cohort not in self.by_cohort.index:
            return None, None
        row = self.by_cohort.loc[cohort]
        return row["historical_ltv"], row["historical_margin_ltv"]


def _none_for_nan(values: pd.Series) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in values]


def ltv_at_horizon(table: Table | pd.DataFrame, horizon_months: int) -> HorizonLTV:
    """Historical LTV at a horizon, per cohort and pooled, from a :func:`cohort_ltv` table.

    ``LTV(h) = cumulative revenue of the cohort's customers in months 0 .. h-1 since
    acquisition / customers`` (and the same on gross margin), among the cohorts observed
    for ``h`` complete months; pooled: the same ratio over all of them together (the
    size-weighted mean of the cohorts' values). The one definition the CLV tables
    (:func:`payback.clv.predict_ltv`) and the ceilings (:func:`payback.economics.ceilings`)
    use. Missing values are None with the reason: no cohort old enough, or cost of goods
    missing on some orders (margin only).

    Parameters
    ----------
    table : payback.present.Table or pandas.DataFrame
        A :func:`cohort_ltv` result (or its frame, or some of its rows), by acquisition
        month or by source (the pooled value is the same: the same customers). A
        table's reason for a missing margin is the margin LTV's.
    horizon_months : int
        ``h >= 1``.

    Returns
    -------
    HorizonLTV

    Examples
    --------
    Two January customers with 70 and 95 per customer after one and two months, one
    February customer with 30 after one month (observed one month only):

    >>> import pandas as pd
    >>> table = pd.DataFrame({"cohort": ["2024-01", "2024-01", "2024-02"],
    ...     "months_since_acquisition": [0, 1, 0], "customers": [2, 2, 1],
    ...     "revenue_per_customer": [70.0, 95.0, 30.0],
    ...     "gross_margin_per_customer": [30.0, 40.0, 20.0]})
    >>> one = ltv_at_horizon(table, 1)
    >>> round(one.historical_ltv, 2), round(one.historical_margin_ltv, 2)  # (2 x 70 + 30) / 3
    (56.67, 26.67)
    >>> two = ltv_at_horizon(table, 2)
    >>> two.historical_ltv, two.value("2024-01"), two.value("2024-02")
    (95.0, (95.0, 40.0), (None, None))
    >>> print(ltv_at_horizon(table, 3).reasons["historical_ltv"])
    no cohort has 3 complete months of data since its acquisition month began
    """
    h = int(horizon_months)
    if h < 1 or h != horizon_months:
        raise InputError(f"horizon must be a whole number of months >= 1, got {horizon_months}")
    columns = ["customers", "historical_ltv", "historical_margin_ltv"]
    why_margin = None
    if isinstance(table, Table):
        why_margin, table = table.reasons.get("gross_margin_per_customer"), table.frame
    at = table[table["months_since_acquisition"] == h - 1] if len(table) else table
    reasons: dict[str, str] = {}
    if at.empty:
        too_young = f"no cohort has {h} complete months of data since its acquisition month began"
        reasons = {"historical_ltv": too_young, "historical_margin_ltv": too_young}
        empty = pd.DataFrame(columns=columns, index=pd.Index([], name="cohort", dtype=object))
        return HorizonLTV(h, empty, 0, None, None, reasons)
    customers = at["customers"].astype("int64")
    cohorts = at["cohort"].astype(object).where(at["cohort"].notna(), None)
    revenue = at["revenue_per_customer"].astype(float)
    margin = at["gross_margin_per_customer"].astype(float)
    by_cohort = pd.DataFrame(
        {
            "customers": customers.to_numpy(),
            "historical_ltv": _none_for_nan(revenue),
            "historical_margin_ltv": _none_for_nan(margin),
        },
        index=pd.Index(cohorts.to_list(), name="cohort", dtype=object),
        dtype=object,
    )
    total = int(customers.sum())
    pooled_revenue = float((revenue * customers).sum() / total)
    pooled_margin = None
    if margin.notna().all():
        pooled_margin = float((margin * customers).sum() / total)
    else:
        reasons["historical_margin_ltv"] = why_margin or "cost of goods missing on some orders"
    return HorizonLTV(h, by_cohort, total, pooled_revenue, pooled_margin, reasons)
