"""The ceilings section: what a customer may cost per campaign, what it costs, the verdict.

Built from :func:`payback.economics.ceilings` for the report's period and filters, at
campaign grain (or platform, partner: :data:`CEILING_GRAINS`):

- marginal CPO (the break-even acquisition cost) = LTV on revenue - cost of goods per
  customer - other (non-advertising) costs per customer;
- headroom = marginal CPO - CAC; LTV/CAC; payback months from the cohort curves;
- maximum CPA = average check x margin x share;
- a verdict with its reason: scale, hold, cut or not enough data.

The chart sets each campaign's CAC (bar, coloured by verdict) against its ceiling (the
marginal CPO, a diamond): a bar past its diamond loses money on every new customer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from payback.present import dimension_label, format_value, is_missing, total_label
from payback.report import charts
from payback.report.tables import Cell, Column, TableView

VERDICT_COLOURS = {
    "scale": "#0f7b4f",
    "hold": "#e69f00",
    "cut": "#b42318",
    "not enough data": "#9aa5b1",
}
TOP = 15
#: What the section can be computed by, the report's grain first: the dimensions whose
#: slices have their own cohort LTV (:data:`payback.economics.ceilings.COHORT_DIMENSIONS`).
CEILING_GRAINS: tuple[str, ...] = ("campaign", "platform", "partner")
COLUMNS: tuple[tuple[str, str, str | None, str], ...] = (
    ("cost", "Cost", "money", "sum of ad spend"),
    ("new_customers", "New customers", "count", "customers whose first order came from it"),
    ("cac", "CAC", "money", "cost / new customers"),
    ("ltv", "LTV (margin)", "money",
     "gross margin per acquired customer the verdict uses (see LTV source)"),
    ("ltv_cac", "LTV/CAC (margin)", "ratio",
     "LTV on gross margin / CAC, the ratio the verdict uses"),
    ("marginal_cpo", "Marginal CPO", "money",
     "LTV on revenue - cost of goods per customer - other costs per customer"),
    ("headroom", "Headroom", "money", "marginal CPO - CAC"),
    ("max_cpa", "Max CPA", "money", "average check x margin x share"),
    ("payback_months", "Payback (months)", "count",
     "first month the cohort's cumulative margin per customer reaches the CAC"),
    ("verdict", "Verdict", None, "scale, hold, cut or not enough data"),
    ("reason", "Why", None, "the rule that decided the verdict"),
)  # fmt: skip


def _value(v: Any) -> Any:
    return None if is_missing(v) else v


def key_columns(frame, by: str) -> tuple[str, ...]:
    """The columns naming a row of the ceilings: a campaign comes with its platform.

    >>> import pandas as pd
    >>> key_columns(pd.DataFrame(columns=["platform", "campaign", "cost"]), "campaign")
    ('platform', 'campaign')
    >>> key_columns(pd.DataFrame(columns=["partner", "cost"]), "partner")
    ('partner',)
    """
    parents = ("platform",) if by == "campaign" else ()
    return tuple(d for d in (*parents, by) if d in frame.columns)


def ceilings_figure(frame, by: str, currency: str | None) -> go.Figure:
    """CAC (bars, coloured by verdict) against the marginal CPO (diamonds), top by spend."""
    rows = frame[~frame["is_total"]].sort_values("cost", ascending=False, na_position="last")
    rows = rows.head(TOP).iloc[::-1]
    if len(rows) == 0:
        return charts.empty_figure(f"No {by} with spend or customers in this period")
    dims = key_columns(frame, by)
    keys = [charts.group_name(r, dims) for r in rows.to_dict(orient="records")]
    names = [charts.plotly_text(v, 32) for v in keys]
    full = [charts.plotly_text(v) for v in keys]
    fig = go.Figure()
    for verdict, colour in VERDICT_COLOURS.items():
        part = rows["verdict"] == verdict
        if not part.any():
            continue
        sub = rows[part]
        fig.add_bar(
            y=[n for n, keep in zip(names, part, strict=True) if keep],
            x=[_value(v) for v in sub["cac"]],
            orientation="h",
            name=f"CAC: {verdict}",
            marker_color=colour,
            hovertext=[
                f"<b>{f}</b><br>CAC {format_value(_value(c), 'money', currency)}, ceiling "
                f"{format_value(_value(m), 'money', currency)}<br>{verdict}: "
                f"{charts.plotly_text(r)}"
                for f, c, m, r, keep in zip(
                    full, rows["cac"], rows["marginal_cpo"], rows["reason"], part, strict=True
                )
                if keep
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    fig.add_scatter(
        y=names,
        x=[_value(v) for v in rows["marginal_cpo"]],
        mode="markers",
        name="Ceiling (marginal CPO)",
        marker={"symbol": "diamond", "size": 11, "color": "#1f2933"},
        hovertemplate="ceiling %{x:,.2f}<extra></extra>",
    )
    money = f" ({currency})" if currency else ""
    return charts.apply_layout(
        fig,
        height=max(260, 60 + 28 * len(rows)),
        barmode="overlay",
        xaxis={"title": {"text": "per new customer" + money}, "tickformat": ",.0f"},
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": names},
    )


def ceilings_table(frame, by: str, currency: str | None) -> TableView:
    """The ceilings and verdicts as a formatted, sortable table; the totals rows are the
    whole shop, over paid traffic and over everything when the engine gives both."""
    from payback.report.tables import DIMENSION_LABELS

    dims = key_columns(frame, by)
    shown = [Column(key, text, unit, title) for key, text, unit, title in COLUMNS if key in frame]
    columns = (*(Column(d, DIMENSION_LABELS.get(d, d), None, "") for d in dims), *shown)
    body = frame[~frame["is_total"]].sort_values("cost", ascending=False, na_position="last")
    total = frame[frame["is_total"]]

    def cells(rec: Mapping[str, Any], total_label: str | None) -> tuple[Cell, ...]:
        out = []
        for i, d in enumerate(dims):
            if total_label is not None:
                text = total_label if i == 0 else ""
            else:
                text = dimension_label(d, _value(rec[d]))
            out.append(Cell(text, text.lower(), text))
        for col in columns[len(dims) :]:
            value = _value(rec.get(col.key))
            if col.unit is None:
                text = "" if value is None else str(value)
                out.append(Cell(text, text.lower(), text))
                continue
            missing = value is None
            out.append(
                Cell(
                    format_value(value, col.unit, currency),
                    "" if missing else repr(float(value)),
                    f"{col.label} = {col.title}",
                    missing,
                )
            )
        return tuple(out)

    def label(rec: Mapping[str, Any]) -> str:
        return total_label(rec.get("total_kind"), len(total))

    return TableView(
        "table-ceilings",
        f"Ceilings and verdicts by {DIMENSION_LABELS.get(by, by).lower()}",
        columns,
        tuple(cells(r, None) for r in body.to_dict(orient="records")),
        tuple(cells(r, label(r)) for r in total.to_dict(orient="records")),
    )


def build_economics_section(
    store,
    start: dt.date | None = None,
    end: dt.date | None = None,
    where: Mapping[str, Sequence[str]] | None = None,
    by: str = "campaign",
) -> Any:
    """The ceilings section for the report's period and filters, per ``by`` (one of
    :data:`CEILING_GRAINS`; the report's is campaign)."""
    from payback.economics import ceilings
    from payback.report.build import FigureView, Section
    from payback.report.tables import DIMENSION_LABELS

    label = DIMENSION_LABELS.get(by, by)
    result = ceilings(
        store, by, where=dict(where or {}) or None, start=start, end=end, predicted=False
    )
    frame, rules = result.frame, result.rules
    currency = result.currency or store.base_currency
    reasons = result.table.reasons
    # the section shows the historical LTV only: the predicted CLV is `payback economics`'
    hidden = ("predicted_ltv", "predicted_margin_ltv")
    notes = [f"{k}: {v}" for k, v in reasons.items() if k not in hidden]
    notes += [f"{k}: {v}" for k, v in (result.notes or {}).items() if k not in hidden]
    notes = list(dict.fromkeys(notes))
    return Section(
        id="economics",
        title="Ceilings and verdicts",
        intro=(
            f"How much a new customer may cost per {label.lower()}: marginal CPO = LTV - cost of "
            "goods - other costs per customer (the break-even CAC); headroom = marginal CPO - CAC. "
            f"Verdict: cut when CAC is above the ceiling or LTV/CAC (margin) is below "
            f"{rules.cut_below:g}, scale when it is {rules.healthy:g} or more with headroom, "
            "otherwise hold; too few new customers is not enough data. LTV (margin) = gross "
            f"margin per customer over {result.horizon_months} months from the cohort curves "
            "(smaller than the revenue-based LTV of the CLV section)."
        ),
        figures=(
            FigureView(
                "fig-ceilings",
                f"CAC against its ceiling, top {TOP} by spend ({label.lower()})",
                charts.figure_json(ceilings_figure(frame, by, currency)),
            ),
        ),
        tables=(ceilings_table(frame, by, currency).with_csv(frame),),
        notes=tuple(notes),
    )
