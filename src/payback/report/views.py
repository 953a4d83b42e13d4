"""The views the report and the dashboard show, computed by the metric engine.

Each view is a pure function of a store and a query (period, filters) returning a small
frozen dataclass whose fields are plain JSON-ready Python values. The HTML report
renders them once; the dashboard serves them as JSON. No metric is computed here:
every number comes from :func:`payback.metrics.compute_metrics`, and every
explanation from the formula text of :data:`payback.metrics.CATALOGUE`.

Conventions
-----------
- A period is inclusive on both ends (``start`` and ``end`` are days).
- The previous period has the same number of days and ends the day before ``start``.
  Without a period (the whole history), the headline compares the last complete
  calendar month of the data with the month before (:func:`default_comparison`).
- Ratios relating ad spend to orders (CPO, CAC, DRR, ROMI ...) are totalled over paid
  traffic (the rows with ad statistics): the engine's ``paid`` totals row; the rest
  (spend, revenue, orders ...) over everything (its ``all`` row).
- Filters (``where``) are ``{dimension: [values]}``; values are passed to the engine as
  bound literals, never pasted into SQL.
- A value the engine cannot compute (zero denominator) is None, with the engine's reason.

Examples
--------
>>> p = Period(date(2024, 3, 1), date(2024, 3, 31))
>>> p.days, p.previous()
(31, Period(start=datetime.date(2024, 1, 30), end=datetime.date(2024, 2, 29)))
>>> choose_grain(p), choose_grain(Period(date(2023, 1, 1), date(2024, 12, 31)))
('date', 'month')
>>> p.name(), [q.name() for q in default_comparison(Period(date(2024, 1, 1), p.end))]
('Mar 2024', ['Mar 2024', 'Feb 2024'])
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from payback.errors import InputError
from payback.metrics.catalogue import CATALOGUE
from payback.metrics.engine import compute_metrics
from payback.metrics.filters import GRAINS
from payback.present import format_value, is_missing, month_name

#: The headline cards, in display order (a card shows when the catalogue has its metric).
HEADLINE_METRICS: tuple[str, ...] = (
    "cost",
    "revenue",
    "orders",
    "new_customers",
    "cpo",
    "cac",
    "drr",
    "romi",
    "ltv_cac",
)
#: Metrics of the "over time" view and of the platform / campaign comparisons.
TIMESERIES_METRICS: tuple[str, ...] = ("cost", "revenue", "drr")
#: The label of LTV/CAC on predicted revenue LTV (the headline card and the CLV section);
#: the ceilings section's LTV/CAC, on margin, is labelled "LTV/CAC (margin)".
LTV_CAC_LABEL = "LTV/CAC (revenue)"
BREAKDOWN_METRICS: tuple[str, ...] = ("cost", "orders", "new_customers", "cpo", "cac")
#: Columns of the sortable campaign and keyword tables.
TABLE_METRICS: tuple[str, ...] = (
    "impressions",
    "clicks",
    "ctr",
    "cost",
    "cpc",
    "orders",
    "revenue",
    "new_customers",
    "cpo",
    "cac",
    "aov",
    "drr",
    "roas",
    "romi",
)
#: Dimensions the dashboard filters on.
FILTER_DIMENSIONS: tuple[str, ...] = ("platform", "campaign", "partner")


# -- periods -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """An inclusive range of days."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InputError(
                f"the period ends ({self.end}) before it starts ({self.start}): "
                f"give --from on or before --to"
            )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period | None:
        """The period of equal length that ends the day before this one starts.

        None when it would begin before year 1 (no calendar to compare with).

        >>> Period(date(1, 1, 5), date(1, 1, 9)).previous() is None
        True
        """
        try:
            end = self.start - timedelta(days=1)
            return Period(end - timedelta(days=self.days - 1), end)
        except OverflowError:
            return None

    def label(self) -> str:
        """``2024-03-01 – 2024-03-31``."""
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    @property
    def is_month(self) -> bool:
        """True for exactly one calendar month."""
        return self.start.day == 1 and self.end == _month_end(self.start)

    def name(self) -> str:
        """``Mar 2024`` for a calendar month, else :meth:`label`."""
        return month_name(self.start) if self.is_month else self.label()


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def default_comparison(span: Period) -> tuple[Period, Period] | None:
    """The comparison of a report without a period: the last complete calendar month of
    ``span`` (the data's days) and the month before it.

    A month is complete when the data reaches its last day. The month before must hold
    some of the data's days (it may begin before the first day with data: the headline
    then says from which day it has data). None when the data holds no such two months.

    >>> default_comparison(Period(date(2024, 1, 1), date(2024, 12, 31)))[0].name()
    'Dec 2024'
    >>> [p.name() for p in default_comparison(Period(date(2024, 1, 1), date(2024, 12, 30)))]
    ['Nov 2024', 'Oct 2024']
    >>> [p.name() for p in default_comparison(Period(date(2024, 1, 10), date(2024, 2, 29)))]
    ['Feb 2024', 'Jan 2024']
    >>> default_comparison(Period(date(2024, 2, 10), date(2024, 3, 30))) is None
    True
    """
    last = span.end if span.end == _month_end(span.end) else span.end.replace(day=1) - timedelta(1)
    compared = Period(last.replace(day=1), last)
    before = compared.start - timedelta(days=1)
    previous = Period(before.replace(day=1), before)
    if previous.end < span.start:
        return None
    return compared, previous


def choose_grain(period: Period) -> str:
    """The time grain of an over-time chart: days up to ~2 months, weeks up to a year, months."""
    if period.days <= 62:
        return "date"
    if period.days <= 370:
        return "week"
    return "month"


def _as_date(value: Any) -> date | None:
    if value is None or is_missing(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime().date()
    return date.fromisoformat(str(value)[:10])


def data_period(store) -> Period | None:
    """The days covered by the store's ad statistics and orders, or None when both are
    empty (two queries, once per store version)."""
    from payback.cache import per_store_version

    return per_store_version(store, ("report.data_period",), lambda: _data_period(store))


def _data_period(store) -> Period | None:
    ads = store.table("ad_stats")
    orders = store.table("orders")
    found = [
        _as_date(value)
        for table, column in ((ads, ads.date), (orders, orders.time))
        for value in store.execute(table.aggregate(lo=column.min(), hi=column.max())).iloc[0]
    ]
    days = [d for d in found if d is not None]
    if not days:
        return None
    return Period(min(days), max(days))


def resolve_period(store, start: date | None = None, end: date | None = None) -> Period | None:
    """The period asked for, the missing ends filled from the data; None for an empty store."""
    if start is not None and end is not None:
        return Period(start, end)
    span = data_period(store)
    if span is None:
        return None if start is None and end is None else Period(start or end, end or start)
    return Period(start or span.start, end or span.end)


# -- the engine --------------------------------------------------------------------------------
def catalogue() -> Mapping[str, Any]:
    """The metric catalogue: name -> Metric (label, formula, unit, lower_is_better ...)."""
    return CATALOGUE


def dimensions() -> tuple[str, ...]:
    """The grains the engine groups by (``date``, ``month``, ``platform``, ``campaign`` ...)."""
    return tuple(GRAINS)


def table_metrics() -> tuple[str, ...]:
    """The columns of the sortable tables: :data:`TABLE_METRICS` and the metrics of the
    metrics file in use (:mod:`payback.metrics.custom`), those the engine computes."""
    from payback.metrics.custom import custom_metric_names

    return available((*TABLE_METRICS, *custom_metric_names()))


def available(names: Iterable[str]) -> tuple[str, ...]:
    """The names the engine computes at a grain, in the given order (LTV/CAC and the
    other analysis metrics come from their own sections).

    >>> available(("cpo", "ltv_cac", "cac"))
    ('cpo', 'cac')
    """
    known = catalogue()
    return tuple(n for n in names if n in known and known[n].at_grain)


def explained_inputs(metrics: Sequence[str]) -> tuple[str, ...]:
    """The numerators and denominators the ratio metrics are computed from (not in ``metrics``)."""
    known = catalogue()
    extra: list[str] = []
    for name in metrics:
        metric = known[name]
        for part in (getattr(metric, "numerator", None), getattr(metric, "denominator", None)):
            if part and part in known and part not in metrics and part not in extra:
                extra.append(part)
    return tuple(extra)


def normalise_where(where: Mapping[str, Any] | Sequence[str] | None) -> dict[str, list[str]]:
    """``{"platform": "google"}`` or ``["platform=google"]`` -> ``{"platform": ["google"]}``.

    >>> normalise_where(["platform=google", "platform=meta", "campaign=Brand = x"])
    {'campaign': ['Brand = x'], 'platform': ['google', 'meta']}
    """
    if not where:
        return {}
    pairs: list[tuple[str, str]] = []
    if isinstance(where, Mapping):
        for dim, values in where.items():
            single = isinstance(values, str) or not isinstance(values, Iterable)
            vals = [values] if single else values
            pairs += [(str(dim), str(v)) for v in vals]
    else:
        for item in where:
            dim, sep, value = str(item).partition("=")
            if not sep or not dim.strip():
                raise InputError(
                    f"filter {item!r} is not dimension=value: write e.g. platform=google"
                )
            pairs.append((dim.strip(), value))
    out: dict[str, list[str]] = {}
    for dim, value in pairs:
        if value not in out.setdefault(dim, []):
            out[dim].append(value)
    return {k: sorted(v) for k, v in sorted(out.items())}


# -- JSON-ready values -------------------------------------------------------------------------
def jsonable(value: Any) -> Any:
    """A plain Python value: numpy scalars unwrapped, NaN -> None, timestamps -> ISO dates."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        with contextlib.suppress(ValueError, TypeError):
            value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if is_missing(value):
        return None
    if isinstance(value, datetime) or hasattr(value, "to_pydatetime"):
        ts = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
        if (ts.hour, ts.minute, ts.second, ts.microsecond) == (0, 0, 0, 0):
            return ts.date().isoformat()
        return ts.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


# -- tables ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MetricTable:
    """Metric values at one grain.

    Attributes
    ----------
    by, metrics : tuple of str
        The dimensions and the metrics shown.
    inputs : tuple of str
        Extra metrics held in each row to explain the ratios (numerators, denominators).
    rows : tuple of dict
        One dict per group (dimensions, metrics and inputs), JSON-ready, largest spend first.
    totals : tuple of dict
        The engine's totals rows, each with its ``total_kind``: ``"paid"`` (the rows with
        ad statistics: the honest CPO, CAC, DRR, ROMI ...) first when there is one, then
        ``"all"`` (every row: spend, revenue, orders ...; ad ratios missing there).
    reasons : dict
        Metric -> why some of its values are missing (the engine's summary).
    row_reasons : tuple of dict
        Per row of ``rows``: metric -> why that value is missing.
    totals_reasons : tuple of dict
        Per row of ``totals``: metric -> why that total is missing.
    row_count : int
        Groups before ``limit`` cut the table.
    frame : pandas.DataFrame
        The engine's full frame (every group and the totals), for exports.
    """

    by: tuple[str, ...]
    metrics: tuple[str, ...]
    inputs: tuple[str, ...]
    currency: str | None
    rows: tuple[dict[str, Any], ...]
    totals: tuple[dict[str, Any], ...]
    reasons: dict[str, str]
    row_count: int
    row_reasons: tuple[dict[str, str], ...] = ()
    totals_reasons: tuple[dict[str, str], ...] = ()
    frame: Any = field(default=None, compare=False, repr=False)

    @property
    def truncated(self) -> bool:
        return self.row_count > len(self.rows)

    def total_of(self, kind: str) -> dict[str, Any] | None:
        """The ``"paid"`` or ``"all"`` totals row (None when the result has none)."""
        return next((t for t in self.totals if t.get("total_kind") == kind), None)

    def _merged(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
        if not self.totals:
            return None
        kinds = [t.get("total_kind") for t in self.totals]
        out = dict(rows[kinds.index("all")] if "all" in kinds else rows[-1])
        if "paid" in kinds:
            paid = rows[kinds.index("paid")]
            out.update({m: paid.get(m) for m in self.metrics if is_paid_only(m)})
        return out

    @property
    def total(self) -> dict[str, Any] | None:
        """Each metric's total: the ad ratios (CPO, DRR ...) over paid traffic, the
        rest over everything (``MetricsResult.totals`` of the engine)."""
        return self._merged(self.totals)

    @property
    def total_reasons(self) -> dict[str, str]:
        """Why each value of :attr:`total` is missing."""
        return self._merged(self.totals_reasons) or {}


def is_paid_only(metric: str) -> bool:
    """True for ratios relating ad statistics to orders or leads (CPO, CAC, DRR, ROMI ...):
    their totals cover paid traffic only (:attr:`payback.metrics.catalogue.Metric.paid_only`).

    >>> is_paid_only("cpo"), is_paid_only("revenue"), is_paid_only("ctr")
    (True, False, False)
    """
    return bool(getattr(catalogue().get(metric), "paid_only", False))


def blended_value(metric: str, row: Mapping[str, Any]) -> float | None:
    """A metric's one formula (:meth:`payback.metrics.catalogue.Metric.evaluate`) on the
    sums of *every* row (the ``all`` totals row): the blended figure, organic and partner
    orders included (blended CPO = all ad cost / all confirmed orders). None when an
    input is missing or the denominator is 0.

    >>> blended_value("cpo", {"cost": 600.0, "orders": 8})
    75.0
    >>> blended_value("romi", {"gross_profit": 900.0, "cost": 600.0})
    0.5
    >>> blended_value("cpo", {"cost": 600.0, "orders": 0}) is None
    True
    """
    known = catalogue()
    # the paid-only ratios of the all row are empty by design: recompute them from sums
    values = {
        k: None if is_missing(v) else v
        for k, v in row.items()
        if not (k in known and known[k].paid_only)
    }
    try:
        return known[metric].evaluate(values)
    except InputError:  # an input the row does not hold
        return None


def _reasons(result) -> dict[str, str]:
    return {str(k): str(v) for k, v in (getattr(result, "reasons", None) or {}).items()}


def _cell_reasons(result, frame):
    """Per-cell reasons aligned with ``frame`` (the engine gives a frame or per-metric tuples)."""
    import pandas as pd

    cell = getattr(result, "cell_reasons", None)
    if cell is None or len(cell) == 0:
        return pd.DataFrame(index=frame.index)
    if isinstance(cell, pd.DataFrame):
        out = cell.astype(object)
        out.index = frame.index
        return out
    return pd.DataFrame({m: list(v) for m, v in cell.items()}, index=frame.index, dtype=object)


def metric_table(
    store,
    by: Sequence[str] = ("campaign",),
    metrics: Sequence[str] = ("cost", "orders", "cpo"),
    *,
    where: Mapping[str, Any] | Sequence[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int | None = None,
    sort_by: str | None = None,
    explain: bool = True,
) -> MetricTable:
    """Metrics at a grain, from :func:`payback.metrics.compute_metrics`.

    Parameters
    ----------
    by : sequence of str
        Dimensions (grain); time grains (``date``, ``week``, ``month``) sort in time order.
    metrics : sequence of str
        Catalogue names.
    where, start, end
        Filters and the inclusive period, passed to the engine.
    limit : int, optional
        Keep the ``limit`` groups with the largest ``sort_by`` (default: spend).
    explain : bool
        Also fetch the numerators and denominators of ratio metrics (for tooltips).

    Raises
    ------
    payback.errors.InputError
        Unknown metric or dimension (the message lists the valid names).
    """
    by, metrics = tuple(by), tuple(metrics)
    inputs = explained_inputs(metrics) if explain else ()
    result = compute_metrics(
        store,
        by=by,
        metrics=(*metrics, *inputs),
        where=normalise_where(where) or None,
        start=start,
        end=end,
        totals=True,
    )
    return table_of(result, by, metrics, inputs, limit=limit, sort_by=sort_by)


def table_of(
    result, by: tuple[str, ...], metrics: tuple[str, ...], inputs: tuple[str, ...], *,
    limit: int | None, sort_by: str | None = None,
) -> MetricTable:  # fmt: skip
    """The :class:`MetricTable` of an engine result (``by``: the grain asked, ``inputs``:
    :func:`explained_inputs`): rows sorted (time, or largest ``sort_by`` first) and cut
    to ``limit``, JSON-ready, with the reason of each gap."""
    frame = result.frame
    by = tuple(getattr(result, "by", by))  # a campaign comes with its platform
    why = _cell_reasons(result, frame)
    is_total = frame["is_total"].astype(bool)
    rows_frame, total = frame[~is_total], frame[is_total]
    time_dims = [d for d in by if d in ("date", "week", "month")]
    key = sort_by or ("cost" if "cost" in (*metrics, *inputs) else None)
    if time_dims:
        rows_frame = rows_frame.sort_values(time_dims, kind="stable")
    elif key is not None and key in rows_frame.columns:
        rows_frame = rows_frame.sort_values(key, ascending=False, kind="stable", na_position="last")
    row_count = len(rows_frame)
    if limit is not None:
        rows_frame = rows_frame.head(limit)
    columns = [c for c in (*by, *metrics, *inputs) if c in rows_frame.columns]
    records = rows_frame[columns].to_dict(orient="records")

    def reasons_of(index) -> dict[str, str]:
        return {m: r for m, r in why.loc[index].items() if isinstance(r, str)}

    kinds = total["total_kind"] if "total_kind" in total.columns else [None] * len(total)
    totals = tuple(
        {**{c: jsonable(total.loc[i, c]) for c in columns}, "total_kind": k or "all"}
        for i, k in zip(total.index, kinds, strict=True)
    )
    return MetricTable(
        by=by,
        metrics=metrics,
        inputs=inputs,
        currency=getattr(result, "currency", None),
        rows=tuple({k: jsonable(v) for k, v in r.items()} for r in records),
        totals=totals,
        reasons=_reasons(result),
        row_count=row_count,
        row_reasons=tuple(reasons_of(i) for i in rows_frame.index),
        totals_reasons=tuple(reasons_of(i) for i in total.index),
        frame=frame,
    )


def explain(
    metric: str,
    row: Mapping[str, Any],
    currency: str | None = None,
    *,
    known: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> str:
    """A one-line explanation of a value: its formula and, for a ratio, its inputs.

    >>> from types import SimpleNamespace as M
    >>> cat = {"cost": M(label="Cost", formula="sum of cost", unit="money"),
    ...        "orders": M(label="Orders", formula="confirmed orders", unit="count"),
    ...        "cpo": M(label="CPO", formula="cost / confirmed orders", unit="money",
    ...                 numerator="cost", denominator="orders")}
    >>> explain("cpo", {"cpo": 5.0, "cost": 200.0, "orders": 40}, "EUR", known=cat)
    'CPO = cost / confirmed orders = 200.00 EUR / 40 = 5.00 EUR'
    >>> cat["romi"] = M(label="ROMI", formula="(gross profit - cost) / cost", unit="rate",
    ...                 numerator="gross", denominator="cost", kind="ratio", offset=-1.0)
    >>> cat["gross"] = M(label="Gross profit", formula="revenue - cogs", unit="money")
    >>> explain("romi", {"romi": 0.5, "gross": 300.0, "cost": 200.0}, "EUR", known=cat)
    'ROMI = (gross profit - cost) / cost where gross profit = 300.00 EUR, cost = 200.00 EUR: 50.0 %'
    >>> explain("cpo", {"cpo": None, "cost": 200.0, "orders": 0}, "EUR", known=cat,
    ...         reason="no confirmed orders")
    'CPO = cost / confirmed orders = 200.00 EUR / 0: missing (no confirmed orders)'
    """
    known = known if known is not None else catalogue()
    m = known[metric]
    text = f"{m.label} = {m.formula}"
    num, den = getattr(m, "numerator", None), getattr(m, "denominator", None)
    if num in row and den in row and num in known and den in known:
        a = format_value(row[num], known[num].unit, currency)
        b = format_value(row[den], known[den].unit, currency)
        kind = getattr(m, "kind", "ratio")
        plain = getattr(m, "scale", 1.0) == 1.0 and getattr(m, "offset", 0.0) == 0.0
        if kind == "difference":
            text += f" = {a} - {b}"
        elif plain:
            text += f" = {a} / {b}"
        else:
            text += f" where {known[num].label.lower()} = {a}, {known[den].label.lower()} = {b}"
    value = row.get(metric)
    if is_missing(value):
        return text + (f": missing ({reason})" if reason else ": missing")
    joiner = ": " if " where " in text else " = "
    return text + joiner + format_value(value, m.unit, currency)


def timeseries(
    store,
    *,
    start: date | None = None,
    end: date | None = None,
    where: Mapping[str, Any] | Sequence[str] | None = None,
    grain: str | None = None,
    metrics: Sequence[str] = TIMESERIES_METRICS,
) -> MetricTable:
    """Spend, revenue and DRR (by default) per day, week or month of the period."""
    period = resolve_period(store, start, end)
    if grain is None:
        grain = choose_grain(period) if period is not None else "month"
    return metric_table(
        store,
        (grain,),
        available(metrics),
        where=where,
        start=period.start if period else None,
        end=period.end if period else None,
    )
