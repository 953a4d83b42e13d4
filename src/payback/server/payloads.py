"""What the dashboard's JSON views hold: pure functions of a store and a query.

Each view is a *job*: its cache key (the normalised query) and the *task* that computes
its JSON-ready document from a store: a picklable ``functools.partial`` of a function of
this module, so a worker process can run it (:mod:`payback.server.pool`). The app runs
jobs through its cache and its pool.

The dashboard formats nothing itself: every number it shows comes as text made by
:mod:`payback.present` (the rule of the CLI tables and the report) beside the raw value
(``cells[].text`` and ``values``, ``row_count_text``, ``labels``, the cards' ``*_text``,
``compared_name``).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from functools import partial
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
    return v.key("headline"), partial(headline_payload, start=v.start, end=v.end, where=v.where)


def ltv_cac_job(v: ViewQuery, cac: dict[str, Any] | None) -> Job:
    """The LTV/CAC card of the headline of ``v``, whose CAC (:func:`cac_of_headline`) is
    ``cac``."""
    return v.key("ltv_cac"), partial(ltv_cac_payload, **(cac or {}))


def timeseries_job(v: ViewQuery, grain: str | None = None) -> Job:
    return v.key("timeseries", g=grain), partial(
        timeseries_payload, start=v.start, end=v.end, where=v.where, grain=grain
    )


def table_job(v: ViewQuery, dims: tuple[str, ...], names: tuple[str, ...], limit: int) -> Job:
    return v.key("table", by=dims, metrics=names, n=limit), partial(
        table_payload, by=dims, metrics=names, start=v.start, end=v.end, where=v.where,
        limit=limit,
    )  # fmt: skip


def section_job(ext, v: ViewQuery, by: str | None = None) -> Job:
    """A CLV or ceilings view by ``by`` (default its first grain); the period and filters only
    when they apply to it (``ext.filtered``)."""
    by = by or ext.grains[0]
    if not ext.filtered:
        v = ViewQuery(None, None, {})
    return v.key(ext.name, by=by), partial(
        section_by_name, name=ext.name, start=v.start, end=v.end, where=v.where, by=by
    )


def section_by_name(store, name: str, start, end, where, by: str) -> dict[str, Any]:
    """The JSON of the registered section ``name`` (looked up where it runs)."""
    from payback.report.extensions import extensions

    ext = next(e for e in extensions() if e.name == name)
    return section_payload(ext.section(store, start, end, where, by))


#: Rows the drill-down table keeps unless asked otherwise.
TABLE_LIMIT = 300


def default_jobs() -> list[Job]:
    """What the dashboard asks for when it opens (no filters): warmed at start-up."""
    from payback.report.extensions import extensions
    from payback.report.views import table_metrics

    v = ViewQuery(None, None, {})
    return [
        filters_job(),
        headline_job(v),
        timeseries_job(v),
        table_job(v, ("platform",), table_metrics(), TABLE_LIMIT),
        *(section_job(ext, v) for ext in extensions()),
    ]


# -- payloads (pure functions of a store and a query) ------------------------------------------
def headline_payload(store, start, end, where) -> dict[str, Any]:
    """The ``/api/headline`` document (:func:`payback.report.cards.headline_document`)
    without the LTV/CAC card, which needs the CLV fit: :func:`ltv_cac_payload` gives it."""
    from payback.report.cards import headline, headline_document

    doc = headline_document(headline(store, start=start, end=end, where=where))
    for key in ("compared", "previous"):  # the months the change compares, as text names them
        period = doc.get(f"{key}_period")
        doc[f"{key}_name"] = month_name(period["start"]) if period else ""
    return doc


def cac_of_headline(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The CAC card's values of a ``/api/headline`` document, as :func:`ltv_cac_payload`
    takes them (None without a CAC card).

    >>> cac_of_headline({"currency": "EUR", "cards": [{"metric": "cac", "value": 20.0,
    ...     "current": 25.0, "previous": 30.0, "blended": 10.0, "basis": "paid traffic"}]})
    {'cac': 20.0, 'current_cac': 25.0, 'previous_cac': 30.0, 'blended_cac': 10.0, \
'basis': 'paid traffic', 'currency': 'EUR'}
    """
    card = next((c for c in doc.get("cards", ()) if c.get("metric") == "cac"), None)
    if card is None:
        return None
    return {
        "cac": card["value"],
        "current_cac": card["current"],
        "previous_cac": card["previous"],
        "blended_cac": card["blended"],
        "basis": card["basis"],
        "currency": doc.get("currency"),
    }


def ltv_cac_payload(store, **cac: Any) -> dict[str, Any]:
    """The ``/api/ltv_cac`` document: the headline's LTV/CAC card
    (:func:`payback.report.cards.ltv_cac_card`) from the predicted LTV of a new customer
    (the CLV fit shared with ``/api/ltv``) and the CAC of the headline's periods
    (:func:`cac_of_headline`); ``card`` is None, with a ``note``, when there is no CAC or
    no model can be fitted on the data."""
    from payback.report.build import headline_ltv
    from payback.report.cards import card_document, ltv_cac_card

    if not cac:
        return {"card": None, "note": "no CAC in the headline: no LTV/CAC card"}
    ltv = headline_ltv(store)
    if ltv is None:
        return {"card": None, "note": "no LTV/CAC card: no CLV model fits this data (see the "
                "customer lifetime value section)"}  # fmt: skip
    currency = cac.pop("currency")
    card = ltv_cac_card(ltv, cac.pop("cac"), cac.pop("previous_cac"), currency, **cac)
    return {"card": card_document(card, currency), "note": ""}


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


def metrics_payload(store, by, metrics, start, end, where, limit) -> dict[str, Any]:
    """The ``/api/metrics`` document: raw values, totals and reasons."""
    from payback.report.views import metric_table

    t = metric_table(
        store, by, metrics, where=where, start=start, end=end, limit=limit, explain=False
    )
    return {
        "by": list(t.by),
        "metrics": list(t.metrics),
        "currency": t.currency,
        "rows": list(t.rows),
        "total": t.total,
        "totals": list(t.totals),
        "reasons": t.reasons,
        "row_count": t.row_count,
    }


def export_payload(store, fmt: str, by, metrics, start, end, where) -> bytes:
    """Every row of a metrics query as ``csv`` or ``parquet`` bytes (:func:`export_bytes`)."""
    from payback.metrics import compute_metrics

    result = compute_metrics(
        store, by=by, metrics=metrics, where=where or None, start=start, end=end
    )
    return export_bytes(result.table, fmt)


def report_payload(store, start, end, where) -> bytes:
    """The self-contained HTML report of the period and filters."""
    from payback.report.build import render_report

    return render_report(store, start=start, end=end, where=where).encode()


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

    base = ["headline", "ltv_cac", "timeseries", "table", "metrics", "report"]
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
