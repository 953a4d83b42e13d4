"""Plotly figures of the report and the dashboard (one builder per chart, pure functions).

Every builder takes view data (see :mod:`payback.report.views`) and returns a
``plotly.graph_objects.Figure``; :func:`figure_json` turns it into JSON that is safe to
embed in an HTML ``<script>`` element. Text that comes from the data (campaign names ...)
goes through :func:`plotly_text`, so markup in a name shows as text: Plotly renders a
subset of HTML tags in labels and decodes entities, so escaping ``<``, ``>`` and ``&``
makes ``<b>`` show literally.

Hover texts show the formatted value and its explanation (formula and inputs).

Examples
--------
>>> plotly_text("<script>alert(1)</script>")
'&lt;script&gt;alert(1)&lt;/script&gt;'
>>> '</' in figure_json(bar_figure(["</script>"], [1.0], "x"))
False
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from payback.present import NONE_LABEL, dimension_label, format_value, is_missing

#: Series colours (colour-blind safe, Okabe-Ito based).
PALETTE = ("#1f6feb", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#6b7280")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def plotly_text(value: Any, limit: int | None = None) -> str:
    """Data text for a Plotly label: escaped, optionally shortened with an ellipsis.

    >>> plotly_text("Brand & Generic", limit=8)
    'Brand &amp;…'
    """
    text = NONE_LABEL if value is None else str(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return html.escape(text, quote=False)


def figure_json(fig: go.Figure) -> str:
    """The figure as JSON safe inside ``<script>``: ``<``, ``>`` and ``&`` as ``\\u00XX``.

    The escapes are valid JSON (``JSON.parse`` restores the characters), and the text
    can never close the script element or open a comment.
    """
    text = fig.to_json(validate=False, pretty=False, remove_uids=True)
    return safe_json_text(text)


def safe_json_text(text: str) -> str:
    """Escape JSON text for embedding in an HTML ``<script>`` element.

    >>> safe_json_text('{"a": "</script><!--"}')
    '{"a": "\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def to_safe_json(data: Any) -> str:
    """Any JSON-ready data as script-safe JSON text."""
    return safe_json_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")))


def apply_layout(fig: go.Figure, *, height: int = 360, **kw: Any) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        height=height,
        font={"family": FONT, "size": 12, "color": "#1f2933"},
        margin={"l": 10, "r": 10, "t": 36, "b": 10},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "xanchor": "left"},
        hoverlabel={"font": {"family": FONT, "size": 12}, "align": "left"},
        separators=".,",
        colorway=list(PALETTE),
        **kw,
    )
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig


def _hover(labels: Sequence[str], lines: Sequence[Sequence[str]]) -> list[str]:
    return [
        "<b>" + label + "</b><br>" + "<br>".join(plotly_text(x) for x in rows)
        for label, rows in zip(labels, lines, strict=True)
    ]


def empty_figure(message: str) -> go.Figure:
    """A blank chart carrying a message (no data for the period or the filters)."""
    fig = go.Figure()
    fig.add_annotation(
        text=plotly_text(message), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper"
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return apply_layout(fig, height=220)


def bar_figure(labels: Sequence[Any], values: Sequence[float | None], name: str) -> go.Figure:
    """A single horizontal bar series (used by tests and small views)."""
    fig = go.Figure(
        go.Bar(
            y=[plotly_text(v, 32) for v in labels],
            x=[None if is_missing(v) else v for v in values],
            orientation="h",
            name=plotly_text(name),
        )
    )
    return apply_layout(fig)


def timeseries_figure(
    rows: Sequence[Mapping[str, Any]],
    grain: str,
    labels: Mapping[str, str],
    currency: str | None,
    explanations: Mapping[str, Sequence[str]] | None = None,
) -> go.Figure:
    """Spend and revenue as bars (left axis, money) and DRR as a line (right axis, %).

    Parameters
    ----------
    rows : sequence of dict
        One per period with ``grain`` and the metrics ``cost``, ``revenue``, ``drr``
        (any of them may be absent).
    labels : mapping
        Metric name -> label.
    explanations : mapping, optional
        Metric name -> one explanation per row for the hover text.
    """
    if not rows:
        return empty_figure("No data in this period")
    x = [r[grain] for r in rows]
    explanations = explanations or {}
    fig = go.Figure()
    for i, (name, unit) in enumerate((("cost", "money"), ("revenue", "money"))):
        if name not in rows[0]:
            continue
        values = [r.get(name) for r in rows]
        hover = _hover(
            [plotly_text(labels.get(name, name))] * len(rows),
            [
                [f"{d}: {format_value(v, unit, currency)}", *([e] if e else [])]
                for d, v, e in zip(x, values, explanations.get(name, [""] * len(rows)), strict=True)
            ],
        )
        fig.add_bar(
            x=x,
            y=values,
            name=plotly_text(labels.get(name, name)),
            marker_color=PALETTE[i],
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
        )
    if "drr" in rows[0]:
        values = [r.get("drr") for r in rows]
        notes = explanations.get("drr", [""] * len(rows))
        hover = _hover(
            [plotly_text(labels.get("drr", "DRR"))] * len(rows),
            [
                [f"{d}: {format_value(v, 'rate')}", *([e] if e else [])]
                for d, v, e in zip(x, values, notes, strict=True)
            ],
        )
        fig.add_scatter(
            x=x,
            y=values,
            name=plotly_text(labels.get("drr", "DRR")),
            mode="lines+markers",
            yaxis="y2",
            line={"color": PALETTE[5], "width": 2.5},
            marker={"size": 5},
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            connectgaps=False,
        )
    money = f" ({currency})" if currency else ""
    apply_layout(
        fig,
        barmode="group",
        bargap=0.25,
        yaxis={"title": {"text": "Spend and revenue" + money}, "tickformat": ",.0f"},
        yaxis2={
            "title": {"text": "DRR"},
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "tickmode": "auto",
            "nticks": 6,
            "rangemode": "tozero",
            "showgrid": False,
        },
        xaxis={"type": "date"},
    )
    return fig


def group_name(row: Mapping[str, Any], dimensions: str | Sequence[str]) -> str:
    """A group's name on a chart: its key, parents first (``google · Brand``), so that
    two campaigns of the same name on two platforms stay apart.

    >>> group_name({"platform": "google", "campaign": "Brand"}, ("platform", "campaign"))
    'google · Brand'
    >>> group_name({"platform": None, "campaign": None}, ("platform", "campaign"))
    '(none)'
    """
    dims = (dimensions,) if isinstance(dimensions, str) else tuple(dimensions)
    parts = [row.get(d) for d in dims]
    if all(p is None for p in parts):
        return NONE_LABEL
    return " · ".join(dimension_label(d, p) for d, p in zip(dims, parts, strict=True))


def breakdown_figure(
    rows: Sequence[Mapping[str, Any]],
    dimension: str | Sequence[str],
    metrics: Sequence[str],
    labels: Mapping[str, str],
    currency: str | None,
    explanations: Mapping[str, Sequence[str]] | None = None,
    *,
    top: int = 15,
) -> go.Figure:
    """Horizontal grouped bars of money metrics (CPO, CAC ...) per group, largest spend on top.

    ``dimension`` is the grain (a campaign's key is its platform and itself: see
    :func:`group_name`). Names are shortened to 32 characters on the axis; the hover
    shows the full (escaped) name, the value and its explanation.
    """
    rows = list(rows)[:top]
    if not rows:
        return empty_figure("No data in this period")
    names = [group_name(r, dimension) for r in rows][::-1]
    explanations = explanations or {}
    fig = go.Figure()
    for i, metric in enumerate(metrics):
        values = [r.get(metric) for r in rows][::-1]
        expl = list(explanations.get(metric, [""] * len(rows)))[: len(rows)][::-1]
        hover = _hover(
            [plotly_text(n) for n in names],
            [
                [f"{labels.get(metric, metric)}: {format_value(v, 'money', currency)}", e]
                for v, e in zip(values, expl, strict=True)
            ],
        )
        fig.add_bar(
            y=[f"{plotly_text(n, 32)}" for n in names],
            x=[None if is_missing(v) else v for v in values],
            orientation="h",
            name=plotly_text(labels.get(metric, metric)),
            marker_color=PALETTE[i % len(PALETTE)],
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
        )
    money = f" ({currency})" if currency else ""
    height = max(240, 60 + 26 * len(rows) * max(1, len(metrics)) // 1.4)
    apply_layout(
        fig,
        height=int(height),
        barmode="group",
        bargap=0.3,
        xaxis={"title": {"text": "per order / per new customer" + money}, "tickformat": ",.0f"},
        yaxis={"type": "category"},
    )
    return fig
