"""The segments section of the report (and the dashboard's ``/api/segments`` view).

- RFM segments (:func:`payback.segments.rfm`, without predictions: the CLV section has
  them): customers and revenue share per segment, as a chart and a table;
- the strongest cross-sell rules (:func:`payback.segments.pairs`, per order, product
  ids), when the store has order lines;
- the buying patterns (:mod:`payback.segments.patterns_section`) and the ideal customer
  profile, growth levers and win-back (:mod:`payback.segments.value_section`).

Computed on every customer's whole history: the report's period and filters do not
apply (``filtered=False`` in :mod:`payback.capabilities`). ``by`` splits the segments
by acquisition source (``platform``, ``campaign``, ``partner``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from payback.present import Table, format_value, is_missing

#: What the section can be computed by, the report's first.
SOURCE_GRAINS: tuple[str, ...] = ("platform", "campaign", "partner")
TOP_RULES = 15
#: column -> (label, hover formula) of the two tables.
FORMULAS = {
    "segment": ("Segment", "from the RFM scores by the rule table (payback segments rules)"),
    "source": ("Source", "acquisition source: the attribution of the first confirmed order"),
    "customers": ("Customers", "customers in the segment"),
    "customer_share": ("Customer share", "customers / all customers"),
    "revenue": ("Revenue", "revenue of their confirmed orders to date"),
    "revenue_share": ("Revenue share", "revenue / all revenue"),
    "historical_clv": ("Historical CLV", "revenue / customers"),
    "avg_recency_days": ("Days since last order", "mean of as_of - last order day"),
    "avg_orders": ("Orders", "mean orders per customer"),
    "antecedent": ("Bought", "product in the order"),
    "consequent": ("Also bought", "product in the same order"),
    "count": ("Orders with both", "n_ab"),
    "support": ("Support", "n_ab / orders"),
    "confidence": ("Confidence", "n_ab / orders with the first product"),
    "lift": ("Lift", "n_ab x orders / (n_a x n_b); 1 = as often as by chance"),
    "q_value": ("q-value", "Benjamini-Hochberg adjusted one-sided Fisher p-value"),
}


def _table_view(
    table: Table, columns: Sequence[str], id: str, title: str, formulas: Mapping = FORMULAS
) -> Any:
    """A :class:`payback.report.tables.TableView` of ``table``'s ``columns``, the
    formulas (``column -> (label, formula)``) on hover."""
    from payback.report.tables import Cell, Column, TableView

    frame = table.frame
    f = formulas
    cols = tuple(Column(c, f[c][0], table.units.get(c), f"{f[c][0]} = {f[c][1]}") for c in columns)
    rows, totals = [], []
    for rec in frame.to_dict(orient="records"):
        total = bool(rec.get("is_total", False))
        cells = []
        for i, col in enumerate(cols):
            value = rec.get(col.key)
            missing = is_missing(value)
            if col.unit is None:
                text = "" if missing else (f"{value:.2g}" if col.key == "q_value" else str(value))
                text = ("Total" if i == 0 else "") if total else text
                cells.append(Cell(text, text.lower(), col.title))
                continue
            text = format_value(value, col.unit, table.currency)
            sort = "" if missing else repr(float(value))
            cells.append(Cell(text, sort, col.title, missing))
        (totals if total else rows).append(tuple(cells))
    view = TableView(id, title, cols, tuple(rows), tuple(totals))
    return view.with_csv(frame[list(columns)])


def _segments_figure(frame) -> Any:
    import plotly.graph_objects as go

    from payback.report import charts

    rows = frame[~frame["is_total"]].iloc[::-1]
    names = [charts.plotly_text(s) for s in rows["segment"]]
    fig = go.Figure()
    for column, label in (("customer_share", "Customers"), ("revenue_share", "Revenue")):
        fig.add_bar(
            y=names,
            x=[None if is_missing(v) else v for v in rows[column]],
            orientation="h",
            name=label,
            hovertemplate=f"%{{y}}: %{{x:.1%}} of {label.lower()}<extra></extra>",
        )
    return charts.apply_layout(
        fig,
        height=max(260, 60 + 30 * len(rows)),
        barmode="group",
        xaxis={"title": {"text": "share"}, "tickformat": ".0%"},
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": names},
    )


@dataclass(frozen=True)
class SegmentResults:
    """What the section shows: the RFM segments overall and by source, and the
    cross-sell rules (or why there are none)."""

    overall: Table
    by_source: Table
    as_of: dt.date
    pairs: Any  # payback.segments.pairs.PairsResult or None
    pairs_error: str | None = None
    profile: Any = None  # payback.segments.profile.ProfileResult (segments/value_section.py)
    profile_error: str | None = None
    levers: Any = None  # payback.segments.levers.LeversResult
    levers_error: str | None = None
    winback: Any = None  # payback.segments.winback.WinbackTop, or why not (text)


def segment_results(store, by: str = "platform") -> SegmentResults:
    """The section's whole-history results, computed once per store version
    (:func:`payback.cache.per_store_version`): the report starts them in its background
    thread (:func:`payback.report.build._warm_up`), the section then finds or waits for
    them, and the dashboard's ``/api/segments`` finds them too.

    Raises
    ------
    payback.errors.InputError
        No confirmed orders.
    """
    from payback.cache import per_store_version

    return per_store_version(store, ("report.segments", by), lambda: _compute(store, by))


def _compute(store, by: str) -> SegmentResults:
    from payback.errors import InputError
    from payback.segments.pairs import pairs
    from payback.segments.profile import attributes_expr
    from payback.segments.rfm import rfm_as_of, segments_with_sources
    from payback.segments.value_section import value_results, winback_of

    # one per-customer table (one scan of the orders, one join of the acquisitions) for
    # the RFM segments, the win-back list and the profile
    with attributes_expr(store, rfm_as_of(store), by=by).cache() as customers:
        overall, by_source, as_of, back = segments_with_sources(
            store, by, also=winback_of(store), customers=customers
        )
        more = value_results(store, customers=customers)
    try:
        found, error = pairs(store), None
    except InputError as e:
        found, error = None, str(e)
    return SegmentResults(overall, by_source, as_of, found, error, winback=back, **more)


def build_segments_section(
    store,
    start: dt.date | None = None,
    end: dt.date | None = None,
    where: Mapping[str, Sequence[str]] | None = None,
    by: str = "platform",
) -> Any:
    """The segments section; None when there are no confirmed orders. ``start``,
    ``end`` and ``where`` are not used (the whole history)."""
    from payback.errors import InputError
    from payback.report import charts
    from payback.report.build import FigureView, Section
    from payback.segments.patterns_section import add_patterns
    from payback.segments.sources import source_grouping
    from payback.segments.value_section import add_value_views

    source_grouping(by)  # an unknown ``by`` is an error, not a missing section
    try:
        results = segment_results(store, by)
    except InputError:
        return None
    overall = results.overall
    value_columns = ["customers", "customer_share", "revenue_share", "historical_clv",
                     "avg_recency_days", "avg_orders"]  # fmt: skip
    tables = [
        _table_view(
            overall,
            ["segment", *value_columns],
            "table-segments",
            f"RFM segments as of {results.as_of}",
        ),
        _table_view(
            results.by_source,
            ["source", "segment", *value_columns],
            "table-segments-source",
            f"RFM segments by acquisition {by}",
        ),
    ]
    notes = [f"{k}: {v}" for k, v in overall.reasons.items()]
    found = results.pairs
    if found is None:
        notes.append(f"cross-sell: {results.pairs_error}")
    else:
        rules = found.rules
        top = rules.with_frame(rules.frame.head(TOP_RULES))
        tables.append(
            _table_view(
                top,
                ["antecedent", "consequent", "count", "support", "confidence", "lift", "q_value"],
                "table-pairs",
                f"Bought together: the {TOP_RULES} strongest of {len(rules.frame):,} rules "
                f"({found.baskets:,} orders, q <= 0.05)",
            )
        )
    section = Section(
        id="segments",
        title="Customer segments",
        intro=(
            "RFM: recency, frequency and monetary value of each customer's confirmed orders "
            "scored 1-5 (quintiles) and named by the rule table; the value of each segment; "
            "and the products bought together in one order, with lift and a significance "
            "test (Fisher, Benjamini-Hochberg) that drops chance pairs. Computed on every "
            "customer's whole history: the period and filters above do not apply here."
        ),
        figures=(
            FigureView(
                "fig-segments",
                "Share of customers and of revenue per RFM segment",
                charts.figure_json(_segments_figure(overall.frame)),
            ),
        ),
        tables=tuple(tables),
        notes=tuple(dict.fromkeys(notes)),
    )
    section = add_patterns(store, section)  # the buying patterns: segments/patterns_section.py
    return add_value_views(section, results)  # profile, levers, win-back: value_section.py
