"""The report's cohort triangle: a heatmap of :func:`payback.clv.cohort_triangle`.

One row per acquisition month, one column per month since acquisition, the colour the
cumulative revenue per acquired customer. Cohorts flagged ``small`` (fewer than
:data:`payback.clv.triangle.MIN_CUSTOMERS` customers) are left blank rather than drawn,
and the left-censored first cohort is named so on its axis label.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from payback.present import format_value
from payback.report import charts

#: months since acquisition the report's heatmap shows
TRIANGLE_MONTHS = 24


def triangle_figure(table: Any, currency: str | None) -> go.Figure:
    """Heatmap of a cohort triangle (a :class:`payback.present.Table` from
    :func:`payback.clv.cohort_triangle`): its cohort rows, small cohorts blank."""
    frame = table.frame
    rows = frame[~frame["cohort"].isin(["all", "observed share"])]
    if len(rows) == 0:
        return charts.empty_figure("No complete month of a cohort yet")
    months = [c for c in frame.columns if c.startswith("m") and c[1:].isdigit()]
    shown = rows[months].astype(float).where(~rows["flag"].str.contains("small"), None)
    if shown.isna().all().all():
        return charts.empty_figure(
            "Every acquisition month is too small to show (see the table's flags)"
        )
    labels = [
        f"{c} ({'first month: includes earlier buyers' if 'left-censored' in f else f'{n:,}'})"
        for c, n, f in zip(rows["cohort"], rows["customers"], rows["flag"], strict=True)
    ]
    hover = [
        [
            f"<b>{label}</b><br>month {m[1:]}: "
            + (
                format_value(v, "money", currency) + " per acquired customer"
                if v == v and v is not None
                else ("not observed yet" if "small" not in f else "cohort too small to show")
            )
            for m, v in zip(months, values, strict=True)
        ]
        for label, values, f in zip(
            labels, shown.to_numpy(float).tolist(), rows["flag"], strict=True
        )
    ]
    fig = go.Figure(
        go.Heatmap(
            z=shown.to_numpy(float).tolist(),
            x=[int(m[1:]) for m in months],
            y=labels,
            colorscale="Blues",
            hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>",
            colorbar={"title": {"text": currency or ""}},
        )
    )
    return charts.apply_layout(
        fig,
        height=max(300, 22 * len(rows) + 120),
        xaxis={"title": {"text": "months since acquisition"}, "dtick": 3},
        yaxis={"autorange": "reversed", "type": "category"},
    )
