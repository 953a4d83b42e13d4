"""What the dashboard's JSON views hold: pure functions of a store and a query.

Each view is a *job*: its cache key (the normalised query) and the function that computes
its JSON-ready document from a store. The app runs jobs through its cache.

The dashboard formats nothing itself: every number it shows comes as text made by
:mod:`payback.present` (the rule of the CLI tables and the report) beside the raw value
(``cells[].text`` and ``values``, ``row_count_text``, ``labels``, the cards' ``*_text``,
``compared_name``).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from payback.present import dimension_label, format_value, month_name
from payback.server.params import ViewQuery


# -- JSON --------------------------------------------------------------------------------------
def dumps(data: Any) -> bytes:
    from payback.report.views import jsonable

    return json.dumps(data, default=jsonable, ensure_ascii=False, separators=(",", ":")).encode()


def figure_dict(fig) -> dict[str, Any]:
    return json.loads(fig.to_json(validate=False, remove_uids=True))


def _period_model(period) -> dict[str, str] | None:
    return None if period is None else {"start": period.start, "end": period.end}


# -- jobs: (cache key, store -> JSON-ready data) of the views ----------------------------------
Job = tuple[tuple, Callable[[Any], Any]]


def filters_job() -> Job:
    return ("filters",), _filter_values


def headline_job(v: ViewQuery) -> Job:
    return v.key("headline"), lambda store: headline_payload(store, v.start, v.end, v.where)


def timeseries_job(v: ViewQuery, grain: str | None = None) -> Job:
    return v.key("timeseries", g=grain), lambda store: timeseries_payload(
        store, v.start, v.end, v.where, grain
    )


def table_job(v: ViewQuery, dims: tuple[str, ...], names: tuple[str, ...], limit: int) -> Job:
    return v.key("table", by=dims, metrics=names, n=limit), lambda store: table_payload(
        store, dims, names, v.start, v.end, v.where, limit
    )


def section_job(ext, v: ViewQuery, by: str | None = None) -> Job:
    """A CLV or ceilings view by ``by`` (default its first grain); the period and filters only
    when they apply to it (``ext.filtered``)."""
    by = by or ext.grains[0]
    if not ext.filtered:
        v = ViewQuery(None, None, {})
    return v.key(ext.name, by=by), lambda store: section_payload(
        ext.section(store, v.start, v.end, v.where, by)
    )


#: Rows the drill-down table keeps unless asked otherwise.
TABLE_LIMIT = 300


def default_jobs() -> list[Job]:
    """What the dashboard asks for when it opens (no filters): warmed at start-up."""
    from payback.report.extensions import extensions
    from payback.report.views import TABLE_METRICS, available

    v = ViewQuery(None, None, {})
    return [
        filters_job(),
        headline_job(v),
        timeseries_job(v),
        table_job(v, ("platform",), available(TABLE_METRICS), TABLE_LIMIT),
        *(section_job(ext, v) for ext in extensions()),
    ]


# -- payloads (pure functions of a store and a query) ------------------------------------------
def headline_payload(store, start, end, where) -> dict[str, Any]:
    """The ``/api/headline`` document (:func:`payback.report.cards.headline_document`)."""
    from payback.report.build import headline_ltv
    from payback.report.cards import headline, headline_document

    doc = headline_document(headline(store, start=start, end=end, where=where,
                                     ltv=headline_ltv(store)))  # fmt: skip
    for key in ("compared", "previous"):  # the months the change compares, as text names them
        period = doc.get(f"{key}_period")
        doc[f"{key}_name"] = month_name(period["start"]) if period else ""
    return doc


def timeseries_payload(store, start, end, where, grain=None) -> dict[str, Any]:
    """The ``/api/timeseries`` document (rows and the Plotly figure)."""
    from payback.report import charts
    from payback.report.build import _explanations, _labels
    from payback.report.views import timeseries

    t = timeseries(store, start=start, end=end, where=where, grain=grain)
    fig = charts.timeseries_figure(
        t.rows, t.by[0], _labels(), t.currency, _explanations(t, ("cost", "revenue", "drr"))
    )
    return {
        "grain": t.by[0],
        "currency": t.currency,
        "rows": list(t.rows),
        "total": t.total,
        "figure": figure_dict(fig),
    }


def table_payload(store, by, metrics, start, end, where, limit) -> dict[str, Any]:
    """The ``/api/table`` document: formatted cells with explanations, and the chart."""
    from payback.report import charts
    from payback.report.build import _explanations, _labels
    from payback.report.tables import table_view
    from payback.report.views import available, metric_table

    t = metric_table(store, by, metrics, where=where, start=start, end=end, limit=limit)
    view = table_view(
        t.by, t.metrics, t.rows, t.totals, t.currency,
        row_reasons=t.row_reasons, totals_reasons=t.totals_reasons,
    )  # fmt: skip
    shown = tuple(m for m in available(("cpo", "cac")) if m in t.metrics)
    fig = charts.breakdown_figure(
        t.rows, t.by, shown, _labels(), t.currency, _explanations(t, shown)
    )

    return {
        "by": list(t.by),
        "metrics": list(t.metrics),
        "currency": t.currency,
        "columns": [
            {"key": c.key, "label": c.label, "unit": c.unit, "title": c.title} for c in view.columns
        ],
        "rows": [
            {
                "values": {k: r[k] for k in (*t.by, *t.metrics) if k in r},
                "labels": {d: dimension_label(d, r.get(d)) for d in t.by},
                "cells": _cells(row),
            }
            for r, row in zip(t.rows, view.rows, strict=True)
        ],
        "totals": [_cells(row) for row in view.totals],
        "row_count": t.row_count,
        "row_count_text": format_value(t.row_count, "count"),
        "figure": figure_dict(fig),
    }


def export_bytes(table, fmt: str) -> bytes:
    """A metrics table (:attr:`payback.metrics.MetricsResult.table`) as spreadsheet-safe
    CSV or as Parquet with its units, reasons and currency (via :mod:`payback.output`)."""
    from payback.output import to_csv, write_frame

    if fmt == "csv":
        return to_csv(table.frame, date_formats=table.date_formats).encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "metrics.parquet"
        write_frame(table, "parquet", path)
        return path.read_bytes()


def _filter_values(store) -> dict[str, Any]:
    from payback.report.views import data_period

    def distinct(table: str, column: str) -> list[str]:
        t = store.table(table)
        col = t[column]
        values = store.to_pyarrow(t.filter(col.notnull()).select(col).distinct())
        return [str(v) for v in values[column].to_pylist()]

    period = data_period(store)
    return {
        "period": _period_model(period),
        "currency": store.base_currency,
        "platform": sorted(set(distinct("ad_stats", "platform") + distinct("orders", "platform"))),
        "campaign": sorted(set(distinct("ad_stats", "campaign") + distinct("orders", "campaign"))),
        "partner": sorted(set(distinct("orders", "partner_id"))),
    }


def views_offered() -> list[str]:
    """The views this server offers."""
    from payback.report.extensions import extensions

    base = ["headline", "timeseries", "table", "metrics", "report"]
    return base + [e.name for e in extensions()]


def _cells(row) -> list[dict[str, Any]]:
    return [{"text": c.text, "title": c.title, "sort": c.sort, "missing": c.missing} for c in row]


def table_json(view) -> dict[str, Any]:
    """A :class:`payback.report.tables.TableView` as JSON (columns, formatted cells)."""
    return {
        "id": view.id,
        "title": view.title,
        "note": view.note,
        "columns": [
            {"key": c.key, "label": c.label, "unit": c.unit, "title": c.title} for c in view.columns
        ],
        "rows": [{"cells": _cells(r)} for r in view.rows],
        "totals": [_cells(row) for row in view.totals],
    }


def section_payload(section) -> dict[str, Any]:
    """A report section (CLV, economics) as JSON: figures and formatted tables."""
    if section is None:
        return {"id": "", "title": "", "intro": "Not enough data for this view.",
                "figures": [], "tables": [], "notes": []}  # fmt: skip
    return {
        "id": section.id,
        "title": section.title,
        "intro": section.intro,
        "figures": [
            {"id": f.id, "title": f.title, "caption": f.caption, "figure": json.loads(f.json)}
            for f in section.figures
        ],
        "tables": [table_json(t) for t in section.tables],
        "notes": list(section.notes),
    }
