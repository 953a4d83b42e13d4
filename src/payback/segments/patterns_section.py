"""Buying patterns in the segments section of the report (and ``/api/segments``).

From :func:`payback.segments.patterns` (one call, the whole history like the rest of the
section), added after the RFM and cross-sell views:

- a chart of the seasonality index by month and by weekday (``index = orders_i x
  categories / orders``, 1 = an average month or weekday);
- the days between purchases per RFM segment (mean and quartiles);
- the customers per next-purchase status (``ahead``, ``due``, ``overdue`` of their
  window ``last order + expected gap x [q25, q75] / mean``);
- the most frequent first product -> second product transitions.

Examples
--------
>>> import datetime as dt, pyarrow as pa
>>> from payback.store import open_store
>>> from payback.report.build import Section
>>> store = open_store(":memory:")
>>> rows = [("a", 0), ("a", 10), ("a", 30), ("b", 5), ("b", 25), ("c", 40)]
>>> _ = store.write({"orders": pa.table({
...     "order_id": [str(i) for i in range(len(rows))],
...     "customer_id": [r[0] for r in rows],
...     "time": [dt.datetime(2024, 1, 1) + dt.timedelta(r[1]) for r in rows],
...     "revenue": [10.0] * len(rows), "status": ["confirmed"] * len(rows),
...     "currency": ["EUR"] * len(rows)})})
>>> section = add_patterns(store, Section(id="segments", title="Customer segments"))
>>> [t.id for t in section.tables], section.figures[0].id
(['table-gaps', 'table-next-purchase'], 'fig-seasonality')
>>> [(r[0].text, r[1].text) for r in section.tables[1].rows]
[('ahead', '3')]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from payback._lazy import lazy_module
from payback.present import Table

if TYPE_CHECKING:
    from payback.report.build import Section
    from payback.store import Store
pd = lazy_module("pandas")

__all__ = ["FORMULAS", "TOP_TRANSITIONS", "add_patterns"]

#: The first -> second transitions shown.
TOP_TRANSITIONS = 10
#: Above this many confirmed orders the section shows only the seasonality (two
#: group-bys): ``patterns()`` costs about 30 s of CPU at 4.4 M orders (its per-customer
#: window over every order), more than the rest of the report's segments section.
MAX_ORDERS = 1_000_000
#: The order in which the next-purchase statuses are listed.
STATUSES = ("ahead", "due", "overdue")
#: column -> (label, hover formula) of the pattern tables.
FORMULAS = {
    "value": ("Segment", "the RFM segment (payback segments rules)"),
    "status": ("Status", "where today falls: before, in or after the next-purchase window"),
    "customers": ("Customers", "customers of the group"),
    "customer_share": ("Customer share", "customers / all customers"),
    "repeat_customers": ("Repeat customers", "customers with two orders or more"),
    "gaps": ("Gaps", "repeat orders: time - the customer's previous order"),
    "mean_days": ("Mean days", "mean of the gaps, in days"),
    "p25_days": ("25 %", "first quartile of the gaps (days)"),
    "median_days": ("Median", "median gap (days)"),
    "p75_days": ("75 %", "third quartile of the gaps (days)"),
    "expected_gap_days": (
        "Expected gap",
        "mean of (k g_c + 2 g_s) / (k + 2): own mean gap shrunk to the segment's (days)",
    ),
    "antecedent": ("First order", "product in the customer's first order"),
    "consequent": ("Second order", "product in their second order"),
    "count": ("Customers", "customers with both"),
    "confidence": ("Confidence", "customers with both / customers with the first"),
    "lift": ("Lift", "count x customers / (n_first x n_second); 1 = as often as by chance"),
    "q_value": ("q-value", "Benjamini-Hochberg adjusted one-sided Fisher p-value"),
}


def _status_table(customers: Table) -> Table:
    """Customers per next-purchase status, with their mean expected gap."""
    frame = customers.frame
    known = frame[frame.status.notna()]
    grouped = known.groupby("status").agg(
        customers=("customer_id", "size"), expected_gap_days=("expected_gap_days", "mean")
    )
    grouped = grouped.reindex([s for s in STATUSES if s in grouped.index])
    grouped["customer_share"] = grouped.customers / len(frame)
    out = grouped.reset_index()[["status", "customers", "customer_share", "expected_gap_days"]]
    units = {"customers": "count", "customer_share": "rate", "expected_gap_days": "decimal"}
    return Table(out, units)


def _seasonality_figure(season: Table) -> Any:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from payback.report import charts

    frame = season.frame
    fig = make_subplots(rows=1, cols=2, subplot_titles=("By month", "By weekday"))
    for col, period in ((1, "month"), (2, "weekday")):
        rows = frame[frame.period == period]
        fig.add_trace(
            go.Bar(
                x=[charts.plotly_text(v) for v in rows.value],
                y=list(rows["index"]),
                name=period,
                showlegend=False,
                hovertemplate="%{x}: index %{y:.2f} (orders x categories / orders)<extra></extra>",
            ),
            row=1,
            col=col,
        )
        fig.update_xaxes(type="category", row=1, col=col)
    fig.add_hline(y=1.0, line_dash="dot")
    return charts.apply_layout(fig, height=320, yaxis={"title": {"text": "index (1 = average)"}})


def add_patterns(store: Store, section: Section) -> Section:
    """``section`` with the buying patterns' chart and tables added (a note instead when
    they cannot be computed)."""
    from dataclasses import replace

    from payback.errors import InputError
    from payback.metrics.scope import confirmed_orders
    from payback.segments.patterns import patterns
    from payback.segments.report_section import _table_view

    count = int(store.execute(confirmed_orders(store).count()))
    if count > MAX_ORDERS:
        return _seasonality_only(store, section, count)
    try:
        found = patterns(store, top=TOP_TRANSITIONS)
    except InputError as e:
        return replace(section, notes=(*section.notes, f"buying patterns: {e}"))
    gaps = found.gaps.with_frame(found.gaps.frame[found.gaps.frame.group == "segment"])
    gap_columns = [
        "value",
        "customers",
        "repeat_customers",
        "gaps",
        "mean_days",
        "p25_days",
        "median_days",
        "p75_days",
    ]
    tables = [
        _table_view(
            gaps, gap_columns, "table-gaps", "Days between purchases per segment", formulas=FORMULAS
        ),
        _table_view(
            _status_table(found.customers),
            ["status", "customers", "customer_share", "expected_gap_days"],
            "table-next-purchase",
            f"Next purchase as of {found.as_of}: ahead of, in or past the window",
            formulas=FORMULAS,
        ),
    ]
    if found.transitions is not None and len(found.transitions.frame):
        tables.append(
            _table_view(
                found.transitions,
                ["antecedent", "consequent", "count", "confidence", "lift", "q_value"],
                "table-first-second",
                f"First order -> second order: the {TOP_TRANSITIONS} most frequent",
                formulas=FORMULAS,
            )
        )
    return replace(
        section,
        figures=(*section.figures, _seasonality_view(found.seasonality)),
        tables=(*section.tables, *tables),
    )


def _seasonality_view(season: Table) -> Any:
    from payback.report import charts
    from payback.report.build import FigureView

    return FigureView(
        "fig-seasonality",
        "Seasonality: orders per month and weekday (index, 1 = average)",
        charts.figure_json(_seasonality_figure(season)),
    )


def _seasonality_only(store: Store, section: Section, count: int) -> Section:
    """Above :data:`MAX_ORDERS`: the seasonality chart and a note on the rest."""
    from dataclasses import replace

    from payback.metrics.scope import confirmed_orders, in_period
    from payback.segments.patterns import _seasonality
    from payback.segments.rfm import rfm_as_of

    day = rfm_as_of(store, None)
    orders = confirmed_orders(store)
    season = _seasonality(store, orders.filter(in_period(orders, "time", None, day)), day)
    note = (
        f"buying patterns: {count:,} confirmed orders (over {MAX_ORDERS:,}): only the "
        f"seasonality here; the gaps, next-purchase windows and first -> second products "
        f"with `payback segments patterns`"
    )
    return replace(
        section,
        figures=(*section.figures, _seasonality_view(season)),
        notes=(*section.notes, note),
    )
