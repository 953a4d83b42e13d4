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
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from payback.errors import InputError, PaybackError
from payback.report.format import format_value, is_missing

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
    """The days covered by the store's ad statistics and orders, or None when both are empty."""
    ads = store.table("ad_stats")
    orders = store.table("orders")
    found = [
        _as_date(store.execute(ads.date.min())),
        _as_date(store.execute(ads.date.max())),
        _as_date(store.execute(orders.time.min())),
        _as_date(store.execute(orders.time.max())),
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
def _metrics_module():
    try:
        import payback.metrics as metrics
    except ModuleNotFoundError as e:  # pragma: no cover - only before the engine is installed
        raise PaybackError(
            "the metrics engine (payback.metrics) is not installed: reinstall payback"
        ) from e
    return metrics


def catalogue() -> Mapping[str, Any]:
    """The metric catalogue: name -> Metric (label, formula, unit, lower_is_better ...)."""
    return _metrics_module().CATALOGUE


def dimensions() -> tuple[str, ...]:
    """The grains the engine groups by (``date``, ``month``, ``platform``, ``campaign`` ...)."""
    module = _metrics_module()
    for name in ("DIMENSIONS", "GRAINS"):
        found = getattr(module, name, None)
        if found:
            return tuple(found)
    return (
        "date",
        "week",
        "month",
        "platform",
        "campaign",
        "ad_group",
        "keyword",
        "partner",
        "country",
        "device",
    )


def available(names: Iterable[str]) -> tuple[str, ...]:
    """The names the catalogue knows, in the given order (views degrade gracefully)."""
    known = catalogue()
    return tuple(n for n in names if n in known)


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
    total : dict or None
        The totals row (ratios of the summed inputs).
    reasons : dict
        Metric -> why some of its values are missing (the engine's summary).
    row_reasons : tuple of dict
        Per row of ``rows``: metric -> why that value is missing.
    total_reasons : dict
        Metric -> why the total is missing.
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
    total: dict[str, Any] | None
    reasons: dict[str, str]
    row_count: int
    row_reasons: tuple[dict[str, str], ...] = ()
    total_reasons: dict[str, str] = field(default_factory=dict)
    frame: Any = field(default=None, compare=False, repr=False)

    @property
    def truncated(self) -> bool:
        return self.row_count > len(self.rows)


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
    result = _metrics_module().compute_metrics(
        store,
        by=by,
        metrics=(*metrics, *inputs),
        where=normalise_where(where) or None,
        start=start,
        end=end,
        totals=True,
    )
    frame = result.frame
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

    total_dict = None
    if len(total):
        total_dict = {c: jsonable(total.iloc[-1][c]) for c in columns}
    return MetricTable(
        by=by,
        metrics=metrics,
        inputs=inputs,
        currency=getattr(result, "currency", None),
        rows=tuple({k: jsonable(v) for k, v in r.items()} for r in records),
        total=total_dict,
        reasons=_reasons(result),
        row_count=row_count,
        row_reasons=tuple(reasons_of(i) for i in rows_frame.index),
        total_reasons=reasons_of(total.index[-1]) if len(total) else {},
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


# -- headline cards ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CardInput:
    """One input of a headline number (e.g. the spend and the orders behind a CPO)."""

    metric: str
    label: str
    unit: str
    value: Any
    previous: Any


@dataclass(frozen=True)
class Card:
    """A headline number with its change against the previous period and its explanation.

    ``change`` is relative (``(value - previous) / |previous|``) except for rates, where it is
    the difference of the two fractions (shown in percentage points); None when either value
    is missing or the previous one is zero. ``verdict`` is "better", "worse" or None (no
    better direction, or no change).
    """

    metric: str
    label: str
    unit: str
    value: Any
    previous: Any
    change: float | None
    verdict: str | None
    formula: str
    explanation: str
    inputs: tuple[CardInput, ...]
    reason: str | None = None


@dataclass(frozen=True)
class Headline:
    """The headline cards of a period and of the period before it."""

    period: Period | None
    previous_period: Period | None
    currency: str | None
    cards: tuple[Card, ...]

    @property
    def previous_has_data(self) -> bool:
        """False when nothing at all was recorded in the previous period (all sums 0 or missing)."""
        return any(not is_missing(c.previous) and c.previous != 0 for c in self.cards)


def change_between(value: Any, previous: Any, unit: str) -> float | None:
    """The change shown on a card (relative; rates: difference of fractions).

    >>> change_between(110.0, 100.0, "money"), change_between(0.25, 0.2, "rate")
    (0.1, 0.04999999999999999)
    >>> change_between(5.0, 0.0, "count") is None
    True
    """
    if is_missing(value) or is_missing(previous):
        return None
    if unit == "rate":
        return float(value) - float(previous)
    if float(previous) == 0:
        return None
    return (float(value) - float(previous)) / abs(float(previous))


def _verdict(change: float | None, lower_is_better: bool | None) -> str | None:
    if change is None or change == 0 or lower_is_better is None:
        return None
    return "better" if (change < 0) == bool(lower_is_better) else "worse"


def headline(
    store,
    *,
    start: date | None = None,
    end: date | None = None,
    where: Mapping[str, Any] | Sequence[str] | None = None,
    metrics: Sequence[str] = HEADLINE_METRICS,
    ltv: float | None = None,
) -> Headline:
    """The headline cards for a period, each with its change against the previous period.

    The previous period has the same number of days and ends the day before ``start``;
    ``start``/``end`` default to the first/last day with data.

    ``ltv`` (the predicted value of a new customer, from the CLV capability) adds the
    LTV/CAC card: ``ltv / CAC`` of each period.
    """
    period = resolve_period(store, start, end)
    shown = available(metrics)
    if period is None or not shown:
        return Headline(period, None, store.base_currency, ())
    previous = period.previous()
    now = metric_table(store, (), shown, where=where, start=period.start, end=period.end)
    cur, prev = now.total or {}, {}
    if previous is not None:
        before = metric_table(store, (), shown, where=where, start=previous.start, end=previous.end)
        prev = before.total or {}
    known = catalogue()
    cards = []
    for name in shown:
        m = known[name]
        parts = [p for p in (getattr(m, "numerator", None), getattr(m, "denominator", None)) if p]
        inputs = tuple(
            CardInput(p, known[p].label, known[p].unit, cur.get(p), prev.get(p))
            for p in parts
            if p in known
        )
        change = change_between(cur.get(name), prev.get(name), m.unit)
        reason = now.total_reasons.get(name)
        cards.append(
            Card(
                metric=name,
                label=m.label,
                unit=m.unit,
                value=cur.get(name),
                previous=prev.get(name),
                change=change,
                verdict=_verdict(change, m.lower_is_better),
                formula=m.formula,
                explanation=explain(name, cur, now.currency, reason=reason),
                inputs=inputs,
                reason=reason,
            )
        )
    if ltv is not None and "cac" in shown and "ltv_cac" not in shown:
        cards.append(ltv_cac_card(ltv, cur.get("cac"), prev.get("cac"), now.currency))
    return Headline(period, previous, now.currency or store.base_currency, tuple(cards))


def ltv_cac_card(ltv: float, cac: Any, previous_cac: Any, currency: str | None) -> Card:
    """The LTV/CAC card: predicted revenue LTV of a new customer over the CAC of each period.

    ``LTV/CAC (revenue) = predicted LTV / CAC``, the LTV being revenue before cost of
    goods (:func:`payback.report.clv_section.new_customer_ltv`). The card gives no
    verdict: the ceilings section judges each campaign on LTV on margin, a smaller
    number, and its scale / hold / cut are the report's only verdicts. Missing (None,
    with a reason) without a CAC.

    >>> card = ltv_cac_card(50.0, 20.0, 25.0, "EUR")
    >>> card.value, card.previous, card.verdict
    (2.5, 2.0, 'better')
    >>> card.explanation
    'LTV/CAC (revenue) = predicted LTV / CAC = 50.00 EUR / 20.00 EUR = 2.50×, on revenue'
    """

    def ratio(c: Any) -> float | None:
        return None if is_missing(c) or not c else float(ltv) / float(c)

    value, previous = ratio(cac), ratio(previous_cac)
    change = change_between(value, previous, "ratio")
    if value is None:
        text, reason = "missing (no CAC: no new customers or no spend)", "no CAC in the period"
    else:
        text, reason = f"{format_value(value, 'ratio')}, on revenue", None
    explanation = (
        f"{LTV_CAC_LABEL} = predicted LTV / CAC = {format_value(ltv, 'money', currency)} / "
        f"{format_value(cac, 'money', currency)} = {text}"
    )
    return Card(
        metric="ltv_cac",
        label=LTV_CAC_LABEL,
        unit="ratio",
        value=value,
        previous=previous,
        change=change,
        verdict=_verdict(change, False),
        formula=(
            "predicted revenue LTV of a new customer / CAC (revenue before cost of goods; "
            "the ceilings section judges campaigns on LTV on margin)"
        ),
        explanation=explanation,
        inputs=(
            CardInput("ltv", "Predicted LTV", "money", ltv, ltv),
            CardInput("cac", "CAC", "money", cac, previous_cac),
        ),
        reason=reason,
    )


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
