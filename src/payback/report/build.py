"""The self-contained HTML report: one file that opens offline, from disk or an e-mail.

The file holds plotly.js once (inlined in one ``<script>``), each chart as JSON drawn
with ``Plotly.newPlot``, a small inline script for sortable tables, and a Content
Security Policy that forbids every network request. All text from the data is escaped
by Jinja2's autoescaping; JSON inside ``<script>`` has ``<``, ``>`` and ``&`` escaped.

Sections
--------
1. Headline cards: spend, revenue, orders, new customers, CPO, CAC, DRR, ROMI (and
   LTV/CAC when a capability provides it), each with its change against the previous
   period of equal length; expanding a card shows its formula and inputs.
2. Spend, revenue and DRR over time (days, weeks or months, by the period's length).
3. CPO and CAC by platform and by campaign.
4. Sortable tables of the metric engine at campaign and keyword grain (``by``).
5. Customer lifetime value, ceilings/verdicts, partners and keyword bids
   (:mod:`payback.report.extensions`).

Examples
--------
>>> import pyarrow as pa, datetime as dt
>>> from payback.store import open_store
>>> store = open_store(":memory:")
>>> _ = store.write({"ad_stats": pa.table({
...     "date": [dt.date(2024, 3, 1)], "platform": ["google"], "campaign": ["<b>Brand</b>"],
...     "impressions": [1000], "clicks": [50], "cost": [200.0], "currency": ["EUR"]})})
>>> html = render_report(store)
>>> html.count("Plotly.newPlot") == 1 and "&lt;b&gt;Brand&lt;/b&gt;" in html
True
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from payback.report import charts, views
from payback.report.tables import TableView, metric_table_view

#: Grains of the sortable tables when ``by`` is not given.
DEFAULT_TABLES: tuple[str, ...] = ("campaign", "keyword")
#: Rows a table keeps in the report (largest spend first); exports hold every row.
TABLE_LIMIT = 300
#: The engine's columns marking the totals rows (kept in CSV downloads).


@dataclass(frozen=True)
class FigureView:
    """A chart: its element id, title, caption and script-safe Plotly JSON."""

    id: str
    title: str
    json: str
    caption: str = ""


@dataclass(frozen=True)
class Section:
    """A report section: a title, an introduction, charts and tables."""

    id: str
    title: str
    intro: str = ""
    figures: tuple[FigureView, ...] = ()
    tables: tuple[TableView, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportQuery:
    """What a report covers: the period, the filters and the table grains."""

    start: dt.date | None = None
    end: dt.date | None = None
    where: Mapping[str, Sequence[str]] = field(default_factory=dict)
    by: tuple[str, ...] = DEFAULT_TABLES


def _labels() -> dict[str, str]:
    return {name: m.label for name, m in views.catalogue().items()}


def _explanations(table: views.MetricTable, metrics: Sequence[str]) -> dict[str, list[str]]:
    return {
        m: [
            views.explain(m, r, table.currency, reason=why.get(m))
            for r, why in zip(table.rows, table.row_reasons, strict=True)
        ]
        for m in metrics
        if m in table.metrics
    }


def headline_cards(headline) -> list[dict[str, Any]]:
    """The cards as template data (:func:`payback.report.cards.card_document`), with the
    verdict class (``neutral`` without one) and the formula line."""
    from payback.report.cards import card_document

    cards = []
    for c in headline.cards:
        doc = card_document(c, headline.currency)
        doc["verdict"] = c.verdict or "neutral"
        doc["formula"] = f"{c.label} = {c.formula}"
        cards.append(doc)
    return cards


def _timeseries_section(store, q: ReportQuery, period: views.Period | None) -> Section:
    table = views.timeseries(store, start=q.start, end=q.end, where=q.where)
    grain = table.by[0]
    fig = charts.timeseries_figure(
        table.rows,
        grain,
        _labels(),
        table.currency,
        _explanations(table, ("cost", "revenue", "drr")),
    )
    unit = {"date": "day", "week": "week", "month": "month"}[grain]
    return Section(
        id="over-time",
        title="Spend, revenue and DRR over time",
        intro=f"Per {unit}. DRR (share of advertising cost) = cost / revenue; lower is better.",
        figures=(FigureView("fig-over-time", "Spend, revenue and DRR", charts.figure_json(fig)),),
    )


def _grain_tables(store, q: ReportQuery, dims: Sequence[str]) -> dict[str, views.MetricTable]:
    """The sortable tables at each grain of ``dims``; the nested ones (platform, campaign,
    keyword) from one scan of the data
    (:func:`payback.metrics.rollup.compute_metrics_at_grains`)."""
    from payback.metrics.rollup import compute_metrics_at_grains

    metrics = views.table_metrics()
    inputs = views.explained_inputs(metrics)
    results = compute_metrics_at_grains(
        store, [(d,) for d in dims], (*metrics, *inputs), q.where or None, q.start, q.end
    )
    return {
        d: views.table_of(r, (d,), metrics, inputs, limit=TABLE_LIMIT)
        for d, r in zip(dims, results, strict=True)
    }


def _breakdown_section(tables: Mapping[str, views.MetricTable]) -> Section:
    labels = _labels()
    shown = views.available(("cpo", "cac"))
    figures = []
    for dim, title in (("platform", "by platform"), ("campaign", "by campaign (top 15 by spend)")):
        table = tables[dim]
        fig = charts.breakdown_figure(
            table.rows, table.by, shown, labels, table.currency, _explanations(table, shown)
        )
        figures.append(
            FigureView(f"fig-cost-per-{dim}", "CPO and CAC " + title, charts.figure_json(fig))
        )
    return Section(
        id="cost-per",
        title="What an order and a new customer cost",
        intro="CPO = cost / confirmed orders; CAC = cost / new customers (first orders only). "
        "Bars are missing where there were no orders or no new customers.",
        figures=tuple(figures),
    )


def _tables_section(tables: Mapping[str, views.MetricTable], by: Sequence[str]) -> Section:
    from payback.report.tables import DIMENSION_LABELS

    views_ = []
    for dim in by:
        label = DIMENSION_LABELS.get(dim, dim)
        views_.append(
            metric_table_view(
                tables[dim], id=f"table-{dim}", title=f"By {label.lower()}", label=label.lower()
            )
        )
    return Section(
        id="tables",
        title="The numbers",
        intro="Click a column header to sort; hover a number for its formula and inputs.",
        tables=tuple(views_),
    )


@functools.cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    # defensive: the bundle must not close the inline <script> element
    return get_plotlyjs().replace("</script", "<\\/script")


@functools.cache
def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("payback.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def asset(name: str) -> str:
    """The text of a template asset (``report.css``, ``report.js``)."""
    return (Path(__file__).parent / "templates" / name).read_text(encoding="utf-8")


def report_context(
    store,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    by: Sequence[str] | None = None,
    where: Mapping[str, Any] | Sequence[str] | None = None,
    title: str = "Marketing performance",
) -> dict[str, Any]:
    """Everything the report template shows, computed by the metric engine."""
    from payback.metrics.filters import parse_by

    by = parse_by(list(by)) if by else DEFAULT_TABLES
    period = views.resolve_period(store, start, end)
    q = ReportQuery(
        start=period.start if period else None,
        end=period.end if period else None,
        where=views.normalise_where(where),
        by=by,
    )
    grains = dict.fromkeys(("platform", "campaign", *by))
    warming = _warm_up(store)
    tables = _grain_tables(store, q, tuple(grains))
    sections = [
        _timeseries_section(store, q, period),
        _breakdown_section(tables),
        _tables_section(tables, by),
    ]
    ltv, extra = optional_parts(store, q)
    sections += extra
    if warming is not None:
        warming.join()
    from payback.report.cards import headline

    # no period asked for: the whole history, compared month on month
    head = headline(store, start=start, end=end, where=q.where, ltv=ltv)
    known = views.catalogue()
    return {
        "title": title,
        "period": period.label() if period else "no data",
        "previous_period": head.previous_period.label() if head.previous_period else "",
        "compared_period": head.compared_period.label() if head.compared_period else "",
        "comparison": head.comparison,
        "whole_history": head.whole_history,
        "note": head.note,
        "headline_intro": head.intro,
        "compared_name": head.compared_period.name() if head.compared_period else "",
        "previous_name": head.previous_period.name() if head.previous_period else "",
        "currency": head.currency or "",
        "filters": [f"{k} = {', '.join(v)}" for k, v in q.where.items()],
        "store": os.path.basename(store.path) if store.path else "",
        "generated": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cards": headline_cards(head),
        "previous_has_data": head.previous_has_data,
        "sections": sections,
        "glossary": [
            {"label": m.label, "formula": m.formula, "description": m.description}
            for m in known.values()
        ],
        "version": _version(),
    }


def _warm_up(store) -> threading.Thread | None:
    """Start the whole-history work (the CLV fit by platform, the calibration check, then
    the partners' value, reconciliation and signals, then the RFM segments and
    cross-sell rules) in a thread, on a second connection
    to the same DuckDB database, while the metric tables are computed: DuckDB runs one
    side's queries while Python compiles, fits and draws the other's, so the two cores are
    both busy. The values are computed once per store version
    (:func:`payback.cache.per_store_version`): the CLV, segments and partners sections and
    the headline card then find them, or wait for them. An error is left for the section to meet and
    report. None (nothing started) for a store that is not a DuckDB file (its values are
    kept while it is open, but it has no second connection to compute them on)."""
    from payback.cache import is_file_version, store_version

    if getattr(store, "engine", None) != "duckdb" or not is_file_version(store_version(store)):
        return None

    other = store.cursor()

    def work() -> None:
        try:
            from payback.report import clv_section

            # the check first: its summary and the fit's histories are one query
            clv_section.calibration_check(other)
            clv_section.new_customer_ltv(other)
            from payback.report import partners_section  # whole history too

            if partners_section.has_claims(other):
                partners_section.partner_results(other)
            from payback.segments.report_section import SOURCE_GRAINS, segment_results

            segment_results(other, SOURCE_GRAINS[0])  # whole history: RFM, cross-sell
        except Exception:  # the section computes it again and shows the error
            return
        finally:
            other.close()

    thread = threading.Thread(target=work, name="payback-report-clv")
    thread.start()
    return thread


def optional_parts(store, q: ReportQuery) -> tuple[float | None, list[Section]]:
    """The LTV of the LTV/CAC card and the CLV and ceilings sections."""
    from payback.report.extensions import extensions

    sections = []
    for ext in extensions():
        section = ext.section(store, q.start, q.end, q.where)
        if section is not None:
            sections.append(section)
    return headline_ltv(store), sections


def headline_ltv(store) -> float | None:
    """Predicted LTV of a new customer (None when no model can be fitted on the data)."""
    from payback.report.clv_section import new_customer_ltv

    try:
        return new_customer_ltv(store)
    except Exception:  # no fit on this data: no card (the CLV section says why)
        return None


def _version() -> str:
    from payback import __version__

    return __version__


def render_report(
    store,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    by: Sequence[str] | None = None,
    where: Mapping[str, Any] | Sequence[str] | None = None,
    title: str = "Marketing performance",
) -> str:
    """The report as one HTML document (text).

    Parameters
    ----------
    store : payback.store.Store
    start, end : datetime.date, optional
        Inclusive period; default: the first and last day with data.
    by : sequence of str, optional
        Grains of the sortable tables (default campaign and keyword).
    where : mapping or list of "dim=value", optional
        Filters applied to every number of the report.
    """
    context = report_context(store, start=start, end=end, by=by, where=where, title=title)
    template = _environment().get_template("report.html.j2")
    return template.render(
        **context,
        css=asset("report.css"),
        script=asset("report.js"),
        plotly_js=_plotly_js(),
    )


def build_report(
    store,
    output: str | os.PathLike[str] = "report.html",
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    by: Sequence[str] | None = None,
    where: Mapping[str, Any] | Sequence[str] | None = None,
    title: str = "Marketing performance",
) -> Path:
    """Write the self-contained HTML report to ``output`` and return its path.

    See :func:`render_report` for the parameters.
    """
    text = render_report(store, start=start, end=end, by=by, where=where, title=title)
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
