"""Ideal customer profile, growth levers and win-back in the segments section of the
report (and the dashboard's ``/api/segments``), after the RFM, cross-sell and patterns
views:

- the **ideal customer profile** (:func:`payback.segments.profile`, the top 20 % of
  customers by revenue to date against the rest): the target list (values
  significantly over-represented, :attr:`payback.segments.profile.ProfileResult.targets`)
  as a table and a line, and the most distinctive values of every attribute;
- the **growth levers** (:func:`payback.segments.levers`) of the latest complete
  quarter against the one before (months when the data hold fewer than two complete
  quarters: :func:`latest_periods`), as a waterfall (revenue before, the customers,
  orders per customer and average order value effects, revenue after) with the LMDI
  formulas on hover, and their table;
- **win-back** (:func:`payback.segments.winback`, the dormant segments hibernating, at
  risk and can't lose, their value if won back from their history: the report fits no
  per-customer CLV model, ``payback segments winback`` does when one fits): the
  :data:`TOP_WINBACK` most valuable and the value of the whole list.

Computed on the whole history with the rest of the section, once per store version
(:func:`payback.segments.report_section.segment_results`): the win-back list reads the
per-customer RFM table the segment tables were summed from.

Examples
--------
>>> import datetime as dt
>>> latest_periods(dt.date(2023, 11, 20), dt.date(2024, 7, 10))
(Period(label='2024-Q1', start=datetime.date(2024, 1, 1), end=datetime.date(2024, 3, 31)), \
Period(label='2024-Q2', start=datetime.date(2024, 4, 1), end=datetime.date(2024, 6, 30)))
>>> [p.label for p in latest_periods(dt.date(2024, 4, 2), dt.date(2024, 7, 10))]
['2024-05', '2024-06']
>>> latest_periods(dt.date(2024, 6, 2), dt.date(2024, 7, 10)) is None
True
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from payback.present import format_value

if TYPE_CHECKING:
    from payback.report.build import Section
    from payback.segments.levers import LeversResult
    from payback.segments.periods import Period
    from payback.segments.report_section import SegmentResults

__all__ = ["FORMULAS", "TOP_PROFILE", "TOP_WINBACK", "add_value_views", "latest_periods"]

#: Rows of the profile and win-back tables.
TOP_PROFILE = 15
TOP_WINBACK = 15
_LMDI = "L(R1, R0) x ln({x}1 / {x}0), L(a, b) = (a - b) / (ln a - ln b) (additive LMDI)"
#: column -> (label, hover formula) of the tables.
FORMULAS = {
    "attribute": ("Attribute", "of the customer's acquisition or of the customers table"),
    "value": ("Value", "the attribute's value ((none): unknown)"),
    "customers": ("Top customers", "a: top customers with the value"),
    "segment_share": ("Share of top", "a / n1 (n1 top customers)"),
    "rest_share": ("Share of the rest", "b / n2 (n2 other customers)"),
    "lift": ("Lift", "(a / n1) / ((a + b) / (n1 + n2)); 1 = as common as among all"),
    "q_value": ("q-value", "Benjamini-Hochberg adjusted two-sided Fisher p-value"),
    "period_from": ("From", "the period before"),
    "period_to": ("To", "the latest period"),
    "revenue_from": ("Revenue before", "R0 = C0 x F0 x A0"),
    "revenue_to": ("Revenue after", "R1 = C1 x F1 x A1"),
    "change": ("Change", "R1 - R0 = the three effects"),
    "customers_effect": ("Customers", _LMDI.format(x="C")),
    "frequency_effect": ("Orders per customer", _LMDI.format(x="F")),
    "aov_effect": ("Average order value", _LMDI.format(x="A")),
    "customer_id": ("Customer", "customer id"),
    "segment": ("Segment", "RFM segment (payback segments rules)"),
    "recency_days": ("Days since last order", "as_of - last order day"),
    "frequency": ("Orders", "confirmed orders to date"),
    "monetary": ("Revenue", "revenue of their confirmed orders to date"),
    "value_if_alive": (
        "Value if won back",
        "revenue x H / max(days since first order, H), H = 12 months: their historical rate",
    ),
}
PROFILE_COLUMNS = ["attribute", "value", "customers", "segment_share", "rest_share", "lift",
                   "q_value"]  # fmt: skip
LEVER_COLUMNS = ["period_from", "period_to", "revenue_from", "revenue_to", "change",
                 "customers_effect", "frequency_effect", "aov_effect"]  # fmt: skip
WINBACK_COLUMNS = ["customer_id", "segment", "recency_days", "frequency", "monetary",
                   "value_if_alive"]  # fmt: skip


def latest_periods(first: dt.date, last: dt.date) -> tuple[Period, Period] | None:
    """The latest complete quarter and the one before, both within ``first .. last``
    (the days of the first and the last confirmed order); else the same of months;
    None when there are not two complete months. A period is complete when it ends on or
    before ``last``."""
    from payback.segments.periods import period_of

    day = dt.timedelta(days=1)
    for unit in ("quarter", "month"):
        latest = period_of(last, unit)
        if latest.end > last:
            latest = period_of(latest.start - day, unit)
        before = period_of(latest.start - day, unit)
        if before.start >= first:
            return before, latest
    return None


def value_results(store, customers: Any = None) -> dict[str, Any]:
    """The profile and the levers (or why not), for :class:`SegmentResults`; the profile
    of the ``customers`` table when given (:func:`payback.segments.profile.profile`)."""
    from payback.errors import InputError
    from payback.segments.levers import _data_range, levers
    from payback.segments.profile import profile

    out: dict[str, Any] = {}
    try:
        out["profile"] = profile(store, "top", customers=customers)
    except InputError as e:
        out["profile_error"] = str(e)
    try:
        first, last = (dt.date.fromisoformat(d) for d in _data_range(store, None, None))
        periods = latest_periods(first, last)
        if periods is None:
            out["levers_error"] = (
                f"the orders ({first} .. {last}) hold fewer than two complete months: "
                f"nothing to compare"
            )
        else:
            out["levers"] = levers(store, periods[0], periods[1])
    except InputError as e:
        out["levers_error"] = str(e)
    return out


def winback_of(store) -> Any:
    """The report's win-back list from a per-customer RFM table (``also`` of
    :func:`payback.segments.rfm.segments_with_sources`): the dormant segments, values
    from history (no CLV fit), its :data:`TOP_WINBACK` first rows, count and total
    (:func:`payback.segments.winback.winback_top`: only those rows are fetched), or the
    error's text."""
    from payback.errors import InputError
    from payback.segments.winback import winback_top

    def of(members, day: dt.date, currency: str | None) -> Any:
        try:
            return winback_top(store, members, day, currency, top=TOP_WINBACK)
        except InputError as e:
            return str(e)

    return of


def _view(table, columns, id: str, title: str) -> Any:
    from payback.segments.report_section import _table_view

    return _table_view(table, columns, id, title, formulas=FORMULAS)


def _waterfall_figure(result: LeversResult) -> Any:
    import plotly.graph_objects as go

    from payback.report import charts
    from payback.segments.levers import waterfall

    row = result.frame.iloc[0]
    steps = waterfall(result).frame
    money = lambda v: format_value(v, "money", result.table.currency)  # noqa: E731
    p0, p1 = row.period_from, row.period_to
    factors = (
        ("customers", "C", "customers_from", "customers_to", "count"),
        ("orders per customer", "F", "orders_per_customer_from", "orders_per_customer_to",
         "decimal"),
        ("average order value", "A", "aov_from", "aov_to", "money"),
    )  # fmt: skip
    hover = [
        f"revenue {p0} = C0 x F0 x A0 = {money(row.revenue_from)}",
        *(
            f"{words}: {x}0 = {format_value(row[a], unit, result.table.currency)} -> {x}1 = "
            f"{format_value(row[b], unit, result.table.currency)}<br>effect = "
            f"{_LMDI.format(x=x)}<br>= {money(amount)}"
            for (words, x, a, b, unit), amount in zip(factors, steps.amount[1:4], strict=True)
        ),
        f"revenue {p1} = C1 x F1 x A1 = {money(row.revenue_to)}<br>change "
        f"{money(row.change)} = the sum of the three effects",
    ]
    fig = go.Figure(
        go.Waterfall(
            x=[charts.plotly_text(s) for s in steps.step],
            y=list(steps.amount),
            measure=["absolute", "relative", "relative", "relative", "total"],
            hovertext=hover,
            hoverinfo="text",
            connector={"line": {"color": "#9aa5b1"}},
        )
    )
    return charts.apply_layout(fig, height=340, yaxis={"title": {"text": "revenue"}})


def add_value_views(section: Section, results: SegmentResults) -> Section:
    """``section`` with the profile, levers and win-back views added (a note for each
    that cannot be computed)."""
    from payback.report import charts
    from payback.report.build import FigureView

    tables, figures, notes = [], [], []
    found = results.profile
    if found is None:
        notes.append(f"ideal customer profile: {results.profile_error}")
    else:
        title = (f"Ideal customer profile: the top {found.segment_customers:,} customers by "
                 f"revenue (20 %) against the other {found.other_customers:,}")  # fmt: skip
        tables.append(
            _view(
                found.targets,
                PROFILE_COLUMNS,
                "table-profile-targets",
                f"{title}: the values to target (q <= {found.fdr:g}, lift > 1)",
            )
        )
        top = found.table.with_frame(found.table.frame.head(TOP_PROFILE))
        tables.append(
            _view(
                top,
                PROFILE_COLUMNS,
                "table-profile",
                f"Ideal customer profile: the {TOP_PROFILE} most distinctive values",
            )
        )
        notes += [found.target_text(), *found.notes]  # fmt: skip
    moved = results.levers
    if moved is None:
        notes.append(f"growth levers: {results.levers_error}")
    else:
        p0, p1 = moved.steps[0]
        figures.append(FigureView(
            "fig-levers", f"Growth levers: revenue {p0.label} -> {p1.label}",
            charts.figure_json(_waterfall_figure(moved)),
        ))  # fmt: skip
        tables.append(_view(moved.table, LEVER_COLUMNS, "table-levers",
                            f"Growth levers {p0.label} -> {p1.label}: revenue = customers x "
                            f"orders per customer x average order value"))  # fmt: skip
    back = results.winback
    if isinstance(back, str) or back is None:
        notes.append(f"win-back: {back or 'not computed'}")
    else:
        rows = back.customers
        title = (f"Win back: the {len(rows.frame)} most valuable of "
                 f"{back.count:,} customers in {', '.join(back.segments)}; value if all "
                 f"won back {format_value(back.total_value, 'money', rows.currency)} over 12 "
                 f"months")  # fmt: skip
        tables.append(_view(rows, WINBACK_COLUMNS, "table-winback", title))
        notes.append(
            "win-back: the value if won back is each customer's historical rate (revenue per "
            "12 months of their life as a customer); `payback segments winback` values them "
            "by the CLV model when it fits"
        )
    return replace(
        section,
        figures=(*section.figures, *figures),
        tables=(*section.tables, *tables),
        notes=(*section.notes, *notes),
    )
