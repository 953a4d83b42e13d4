"""The customer lifetime value section: cohort curves, predicted CLV by source, calibration.

Built from :mod:`payback.clv`:

- cohort LTV curves: cumulative revenue per acquired customer by months since
  acquisition (:func:`payback.clv.cohort_ltv`), one curve per acquisition source;
- predicted CLV by acquisition source (:func:`payback.clv.ltv_by_source`: what a new
  customer brings in the first 12 months, BG/NBD + Gamma-Gamma, undiscounted) next to
  the historical LTV and the CAC of the source (:func:`payback.metrics.compute_metrics`),
  with ``LTV/CAC (revenue) = predicted LTV / CAC``. Its basis is revenue before cost of
  goods, so it reads higher than the margin-based LTV/CAC of the ceilings section, and it
  carries no verdict: scale / hold / cut are the ceilings section's alone;
- a calibration plot: BG/NBD fitted on the first two thirds of the history, predicted
  against actual purchases in the last third, by calibration frequency
  (:func:`payback.clv.holdout_check`).

The models use every customer's whole history: the report's period and filters do not
apply to this section (its introduction says so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import plotly.graph_objects as go

from payback.cache import per_store_version
from payback.metrics.catalogue import CATALOGUE
from payback.metrics.scope import confirmed_orders
from payback.present import NONE_LABEL, format_value, is_missing
from payback.report import charts
from payback.report.tables import Cell, Column, TableView
from payback.report.views import LTV_CAC_LABEL

HORIZON_MONTHS = 12.0
#: Level and draws of the predicted LTV's interval in the source table (parametric
#: bootstrap over the fits' parameter covariance, :mod:`payback.clv.intervals`)
LTV_INTERVAL = 0.9
_INTERVAL_DRAWS = 200
#: Acquisition sources the section can be computed by (the first order's platform,
#: campaign or partner), the report's first: cohorts, fits and CAC all exist at them.
SOURCE_GRAINS: tuple[str, ...] = ("platform", "campaign", "partner")


@dataclass(frozen=True)
class LtvSummary:
    """Predicted LTV per acquired customer over all sources (customer-weighted)."""

    ltv: float | None
    customers: int
    horizon_months: float


def _fmt(value: Any, unit: str, currency: str | None) -> str:
    return format_value(None if is_missing(value) else value, unit, currency)


def source_cohorts(store, by: str = "platform") -> Any:
    """Cohort LTV by acquisition source ``by`` (:func:`payback.clv.cohort_ltv`), every month.

    Computed once per store version and shared with the CLV predictions' historical LTV
    and the ceilings (:func:`payback.clv.cohorts.shared_cohort_ltv`).
    """
    # the capability's public function: a report whose CLV capability is gone (renamed,
    # failing to import) shows the section's error instead of drawing it
    from payback.clv import cohort_ltv  # noqa: F401
    from payback.clv.cohorts import shared_cohort_ltv

    return shared_cohort_ltv(store, by)


def _prediction(store, by: str) -> Any:
    """The section's CLV fit by ``by`` (:func:`payback.clv.predict_ltv` over
    :data:`HORIZON_MONTHS`), once per store version: the headline card, ``/api/ltv`` and
    the ceilings share it (:func:`payback.clv.by_source.shared_prediction`)."""
    from payback.clv.by_source import shared_prediction

    return shared_prediction(store, by=by, horizon_months=HORIZON_MONTHS)


def ltv_table(store, by: str = "platform") -> Any:
    """Historical and predicted LTV per acquisition source ``by`` (one of
    :data:`SOURCE_GRAINS`), joined with its CAC.

    A :class:`payback.present.Table` of the columns of :func:`payback.clv.ltv_by_source`
    (``source, customers, historical_ltv, predicted_ltv, p_alive ...``) plus ``cost,
    new_customers, cac`` and ``ltv_cac = predicted_ltv / cac``; its ``reasons`` hold the
    notes of the sources that use the pooled fit, by source. Built from the shared fit
    (:func:`_prediction`, whose historical LTV comes from the cohort table the section
    draws: the cohort's cumulative revenue per customer at month ``horizon - 1``) and
    computed once per store version.
    """
    return per_store_version(store, ("report.ltv_table", by), lambda: _ltv_table(store, by))


def _ltv_table(store, by: str) -> Any:
    from payback.metrics import compute_metrics

    # a copy of the shared fit's table; its historical LTV is the cohort table's, which
    # the section's cohort chart shares (one cohort query per store version)
    prediction = _prediction(store, by)
    table = prediction.by_source.frame
    cac = compute_metrics(store, by=(by,), metrics=("cost", "new_customers", "cac"))
    groups = cac.frame[~cac.frame["is_total"]]
    if by == "campaign":  # keyed by platform and campaign, as "google / Brand" (clv's key)
        from payback.clv.cohorts import campaign_key

        keys = [campaign_key(p, c) for p, c in zip(groups["platform"], groups[by], strict=True)]
    else:
        keys = list(groups[by])
    groups = groups.set_axis(keys, axis=0)
    for col in ("cost", "new_customers", "cac"):
        table[col] = [
            groups[col].get(s) if s in groups.index and s is not None else None
            for s in table["source"]
        ]
    draws: dict[int, Any] = {}  # sources on the pooled fit share its draws
    bounds = [
        ltv_interval(prediction, s, v, cache=draws)
        for s, v in zip(table["source"], table["predicted_ltv"], strict=True)
    ]
    table["predicted_ltv_low"] = [None if b is None else b[0] for b in bounds]
    table["predicted_ltv_high"] = [None if b is None else b[1] for b in bounds]
    ltv_cac = CATALOGUE["ltv_cac"]
    table["ltv_cac"] = [
        ltv_cac.evaluate({"ltv": None if is_missing(p) else p, "cac": None if is_missing(c) else c})
        for p, c in zip(table["predicted_ltv"], table["cac"], strict=True)
    ]
    return replace(
        prediction.by_source,
        frame=table,
        units={**prediction.by_source.units, **_CAC_UNITS},
        reasons={f"{source}": note for source, note in (prediction.notes or {}).items()},
    )


_CAC_UNITS = {"cost": "money", "new_customers": "count", "cac": "money", "ltv_cac": "ratio"}
_CAC_UNITS.update(predicted_ltv_low="money", predicted_ltv_high="money")


def ltv_interval(
    prediction: Any,
    source: Any,
    predicted_ltv: Any,
    *,
    level: float = LTV_INTERVAL,
    cache: dict[int, Any] | None = None,
) -> tuple[float, float] | None:
    """The ``level`` interval of a source's predicted LTV of a new customer.

    The count and spend fits the source used (``prediction.fits``) are drawn
    :data:`_INTERVAL_DRAWS` times from their log-parameter covariance
    (:func:`payback.clv.intervals.parameter_draws`); each draw's expected repeat value
    over :data:`HORIZON_MONTHS` (:func:`payback.clv.new_customer_value` without the first
    purchase) is added to the first purchase of the point prediction. A few hundred
    evaluations of a closed form per source, no customer rows: cheap. None without a
    prediction, or when the fits have no covariance. ``cache`` keeps each fit's draws
    for the next source on the same fit.
    """
    from payback.clv import new_customer_value
    from payback.clv.intervals import bounds, parameter_draws
    from payback.errors import PaybackError

    label = "(none)" if source is None else str(source)
    pair = (prediction.fits or {}).get(label) or (prediction.fits or {}).get("pooled")
    if pair is None or is_missing(predicted_ltv) or pair[1].mean_spend is None:
        return None
    count_fit, spend_fit = pair

    def repeat_value(count, spend) -> float:
        if spend.mean_spend is None:
            return float("nan")
        return new_customer_value(
            count, spend.mean_spend, horizon_months=HORIZON_MONTHS, first_purchase_value=0.0
        )

    cache = {} if cache is None else cache
    key = id(count_fit)
    if key not in cache:
        try:
            counts = parameter_draws(count_fit, _INTERVAL_DRAWS, seed=0)
            spends = parameter_draws(spend_fit, _INTERVAL_DRAWS, seed=1)
        except PaybackError:
            return None
        drawn = [repeat_value(c, v) for c, v in zip(counts, spends, strict=True)]
        cache[key] = (repeat_value(count_fit, spend_fit), np.asarray(drawn))
    point, drawn = cache[key]
    low, high = bounds(float(predicted_ltv) - point + drawn, level)
    return None if not np.isfinite([low, high]).all() else (float(low), float(high))


def new_customer_ltv(store) -> float | None:
    """Predicted LTV of a new customer over every source (for the LTV/CAC headline card).

    From the shared fit by platform alone (:func:`_prediction`): the card needs neither
    the CAC nor the cohort columns of :func:`ltv_table`."""
    return ltv_summary(_prediction(store, SOURCE_GRAINS[0]).by_source.frame).ltv


def ltv_summary(table) -> LtvSummary:
    """Customer-weighted predicted LTV over every source of :func:`ltv_table`."""
    known = table[table["predicted_ltv"].notna()]
    customers = int(known["customers"].sum())
    if not customers:
        return LtvSummary(None, 0, HORIZON_MONTHS)
    total = float((known["predicted_ltv"] * known["customers"]).sum())
    return LtvSummary(total / customers, customers, HORIZON_MONTHS)


def cohort_figure(frame, currency: str | None) -> go.Figure:
    """Cumulative revenue per acquired customer by months since acquisition, one line a cohort.

    Customers without a source are one cohort, named as every table names a missing
    dimension value (:data:`payback.present.NONE_LABEL`). The cells marked ``small`` by
    :func:`payback.clv.cohort_ltv` (fewer than :data:`payback.clv.cohorts.MIN_CUSTOMERS`
    customers observed that long, the cohort triangle's rule) are drawn dotted, from the
    last cell with a base large enough: the tail of a curve, as the base only shrinks.
    """
    if frame is None or len(frame) == 0:
        return charts.empty_figure("No confirmed orders yet")
    from payback.clv.cohorts import MIN_CUSTOMERS, is_small

    fig = go.Figure()
    labels = [NONE_LABEL if is_missing(c) else str(c) for c in frame["cohort"]]
    frame = frame.assign(_label=labels)
    for i, label in enumerate(dict.fromkeys(labels)):
        part = frame[frame["_label"].eq(label) & (frame["customers"] > 0)]
        part = part.sort_values("months_since_acquisition")
        small = part["small"] if "small" in part else is_small(part["customers"])
        small = small.to_numpy(bool)
        name = charts.plotly_text(label)
        hover = [
            f"<b>{name}</b><br>month {m}: {_fmt(v, 'money', currency)} per customer"
            f"<br>{format_value(n, 'count')} customers observed that long"
            + (f" (fewer than {MIN_CUSTOMERS}: a thin value)" if thin else "")
            for m, v, n, thin in zip(
                part["months_since_acquisition"],
                part["revenue_per_customer"],
                part["customers"],
                small,
                strict=True,
            )
        ]
        color = charts.PALETTE[i % len(charts.PALETTE)]
        x, y = list(part["months_since_acquisition"]), list(part["revenue_per_customer"])
        solid = int((~small).sum()) if small.any() else len(x)  # small cells are a tail
        dotted_from = max(solid - 1, 0)  # joined to the last solid point
        if solid:
            fig.add_scatter(
                x=x[:solid],
                y=y[:solid],
                mode="lines",
                name=name,
                legendgroup=name,
                line={"color": color, "width": 2},
                hovertext=hover[:solid],
                hovertemplate="%{hovertext}<extra></extra>",
            )
        if small.any():
            fig.add_scatter(
                x=x[dotted_from:],
                y=y[dotted_from:],
                mode="lines",
                name=name if not solid else f"{name} (under {MIN_CUSTOMERS} customers)",
                legendgroup=name,
                showlegend=not solid,
                line={"color": color, "width": 2, "dash": "dot"},
                hovertext=hover[dotted_from:],
                hovertemplate="%{hovertext}<extra></extra>",
            )
    money = f" ({currency})" if currency else ""
    return charts.apply_layout(
        fig,
        xaxis={"title": {"text": "months since acquisition"}, "dtick": 3},
        yaxis={"title": {"text": "cumulative revenue per customer" + money}, "tickformat": ",.0f"},
    )


def ltv_by_source_figure(table, currency: str | None) -> go.Figure:
    """Historical LTV, predicted LTV and CAC per acquisition source, side by side."""
    if table is None or len(table) == 0:
        return charts.empty_figure("No customers yet")
    names = [charts.plotly_text(NONE_LABEL if is_missing(s) else s) for s in table["source"]]
    fig = go.Figure()
    series = (
        ("historical_ltv", "Historical LTV", charts.PALETTE[4]),
        ("predicted_ltv", f"Predicted LTV ({HORIZON_MONTHS:.0f} months)", charts.PALETTE[0]),
        ("cac", "CAC", charts.PALETTE[5]),
    )
    for col, label, color in series:
        values = [None if is_missing(v) else float(v) for v in table[col]]
        fig.add_bar(
            x=names,
            y=values,
            name=charts.plotly_text(label),
            marker_color=color,
            hovertext=[
                f"<b>{n}</b><br>{charts.plotly_text(label)}: {_fmt(v, 'money', currency)}"
                for n, v in zip(names, values, strict=True)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    money = f" ({currency})" if currency else ""
    return charts.apply_layout(
        fig,
        barmode="group",
        bargap=0.25,
        yaxis={"title": {"text": "per customer" + money}, "tickformat": ",.0f"},
    )


def calibration_figure(check) -> go.Figure:
    """Mean holdout purchases per customer, actual against predicted, by calibration frequency."""
    rows = check[check["frequency"].astype(str) != "all"]
    if len(rows) == 0:
        return charts.empty_figure("Not enough history for a holdout check")
    x = [str(f) for f in rows["frequency"]]
    fig = go.Figure()
    for col, label, color in (
        ("actual", "Actual", charts.PALETTE[6]),
        ("predicted", "Predicted (BG/NBD)", charts.PALETTE[0]),
    ):
        fig.add_bar(
            x=x,
            y=list(rows[col]),
            name=label,
            marker_color=color,
            customdata=list(rows["customers"]),
            hovertemplate=(
                f"{label}: %{{y:.2f}} purchases per customer<br>"
                "%{customdata:,} customers with %{x} repeat purchases<extra></extra>"
            ),
        )
    return charts.apply_layout(
        fig,
        barmode="group",
        xaxis={"title": {"text": "repeat purchases in the calibration period"}, "type": "category"},
        yaxis={"title": {"text": "purchases per customer in the holdout"}},
    )


#: What the calibration check's fit and holdout comparison read of a customer.
CALIBRATION_HISTORY = ("frequency", "recency", "T", "frequency_holdout", "duration_holdout")


def calibration_check(store) -> tuple[Any, dt.date] | None:
    """BG/NBD fitted on the first two thirds of the order history, checked on the rest.

    It does not depend on the section's ``by``: computed once per store version.
    """
    return per_store_version(store, ("report.calibration_check",), lambda: _calibration(store))


def _calibration(store) -> tuple[Any, dt.date] | None:
    from payback.clv import compress, holdout_check
    from payback.clv.bgnbd_fixed import fit_bgnbd_or_boundary
    from payback.clv.histories import histories_beside

    orders = confirmed_orders(store)
    span = store.execute(orders.aggregate(first=orders.time.min(), last=orders.time.max()))
    first, last = span["first"].iloc[0], span["last"].iloc[0]
    if is_missing(first) or is_missing(last) or (last - first).days < 60:
        return None
    cut = (first + (last - first) * 2 / 3).date()

    # the fit and the check read a customer's history and holdout alone: one row per
    # distinct (history, holdout) with its customers as weights, grouped in the engine
    # (at 1 M customers tens of thousands of rows fetched instead of a million)
    def grouped(rows):
        return rows.group_by(list(CALIBRATION_HISTORY)).aggregate(
            weights=rows.count().cast("float64")
        )

    # the weekly summary to the cut comes from the same join and aggregation of the
    # orders as the daily histories of the CLV fit by platform (the headline card's and
    # the section's), and the cohort cells from the same join, when these are not
    # computed yet
    summary = histories_beside(store, SOURCE_GRAINS[0], "D", ("W", cut), grouped, cells=True)
    if summary.empty:
        return None
    summary = summary.sort_values(list(CALIBRATION_HISTORY), kind="mergesort", ignore_index=True)
    fit, _ = fit_bgnbd_or_boundary(compress(summary))  # the boundary model if a, b run off
    checked = holdout_check(fit, summary)  # its notes name the model checked
    return replace(checked, notes={**checked.notes, "model": fit.model_name}), cut


def _source_table(table, currency: str | None, by: str = "platform") -> TableView:
    columns = (
        Column("source", f"Acquisition {by}", None, ""),
        Column("customers", "Customers", "count", "customers whose first order came from it"),
        Column("historical_ltv", "Historical LTV", "money", "revenue per customer so far"),
        Column(
            "predicted_ltv",
            "Predicted LTV",
            "money",
            f"expected revenue of a new customer in the first {HORIZON_MONTHS:.0f} months "
            f"(BG/NBD x Gamma-Gamma)",
        ),
        Column(
            "ltv_interval",
            f"{LTV_INTERVAL:.0%} interval",
            "",
            "range of the predicted LTV over the models' parameter uncertainty (parametric "
            "bootstrap, 200 draws)",
        ),
        Column("p_alive", "P(alive)", "rate", "mean probability the customer is still active"),
        Column("cac", "CAC", "money", "cost / new customers"),
        Column(
            "ltv_cac",
            LTV_CAC_LABEL,
            "ratio",
            "predicted revenue LTV / CAC (before cost of goods; the verdicts of the ceilings "
            "section use LTV on margin)",
        ),
    )
    rows = []
    for rec in table.to_dict(orient="records"):
        source = NONE_LABEL if is_missing(rec["source"]) else str(rec["source"])
        cells = [Cell(source, source.lower(), source)]
        for col in columns[1:]:
            value = rec.get(col.key)
            if col.key == "ltv_interval":
                cells.append(_interval_cell(rec, currency))
                continue
            missing = is_missing(value)
            title = col.title
            if col.key == "ltv_cac":
                ltv = _fmt(rec["predicted_ltv"], "money", currency)
                cac = _fmt(rec["cac"], "money", currency)
                title = f"{LTV_CAC_LABEL} = predicted LTV / CAC = {ltv} / {cac}"
            cells.append(
                Cell(
                    _fmt(value, col.unit or "", currency),
                    "" if missing else repr(float(value)),
                    title,
                    missing,
                )
            )
        rows.append(tuple(cells))
    title = f"Predicted CLV by acquisition {by}"
    return TableView("table-ltv-source", title, columns, tuple(rows))


def _interval_cell(rec: Mapping[str, Any], currency: str | None) -> Cell:
    low, high = rec.get("predicted_ltv_low"), rec.get("predicted_ltv_high")
    if is_missing(low) or is_missing(high):
        return Cell("–", "", "no interval: no predicted LTV or no parameter uncertainty", True)
    text = f"{_fmt(low, 'money', currency)} – {_fmt(high, 'money', currency)}"
    return Cell(text, repr(float(low)), f"{LTV_INTERVAL:.0%} interval of the predicted LTV")


def _triangle_view(store, currency: str | None) -> Any:
    """The cohort triangle's heatmap (:mod:`payback.report.clv_triangle`)."""
    from payback.clv.triangle import cohort_triangle
    from payback.report.build import FigureView
    from payback.report.clv_triangle import TRIANGLE_MONTHS, triangle_figure

    table = cohort_triangle(store, max_months=TRIANGLE_MONTHS)
    title = "Cohort triangle: cumulative revenue per acquired customer by acquisition month"
    return FigureView(
        "fig-cohort-triangle", title, charts.figure_json(triangle_figure(table, currency))
    )


def build_clv_section(
    store,
    start: dt.date | None = None,
    end: dt.date | None = None,
    where: Mapping[str, Sequence[str]] | None = None,
    by: str = "platform",
) -> Any:
    """The CLV section of the report by acquisition source ``by`` (one of
    :data:`SOURCE_GRAINS`); None when there are no confirmed orders.

    ``start``, ``end`` and ``where`` are not used: the models need every customer's
    whole history (the section's introduction says so).
    """
    # the capability's public function first (:func:`source_cohorts`): a broken CLV
    # capability shows as that error
    from payback.clv import cohort_ltv  # noqa: F401
    from payback.report.build import FigureView, Section

    currency = store.base_currency
    # the check first: its weekly summary, the fit's daily histories and the cohort cells
    # come from one query (:func:`payback.clv.histories.histories_beside`)
    check = calibration_check(store)
    cohorts = source_cohorts(store, by).frame
    if len(cohorts) == 0:
        return None
    by_source = cohorts[cohorts["months_since_acquisition"] <= 24]
    table = ltv_table(store, by)
    figures = [
        FigureView(
            "fig-cohorts-source",
            f"Cohort LTV by acquisition {by}",
            charts.figure_json(cohort_figure(by_source, currency)),
        ),
        _triangle_view(store, currency),
        FigureView(
            "fig-ltv-source",
            f"Predicted CLV and CAC by acquisition {by}",
            charts.figure_json(ltv_by_source_figure(table.frame, currency)),
        ),
    ]
    notes = []
    if by_source["small"].any():
        from payback.clv.cohorts import MIN_CUSTOMERS

        notes.append(
            f"Cohort LTV: dotted where fewer than {MIN_CUSTOMERS} customers have been observed "
            "that long (a handful of customers, not a trend), as in the cohort triangle"
        )
    if check is not None:
        checked, cut = check
        figures.append(
            FigureView(
                "fig-calibration",
                f"Model check: {checked.notes.get('model', 'BG/NBD')} fitted to "
                f"{cut.isoformat()}, predicted vs actual after",
                charts.figure_json(calibration_figure(checked.frame)),
            )
        )
    notes += [f"{k}: {v}" for k, v in table.reasons.items()]
    # the count model the prediction used: BG/NBD, or its boundary (the NBD on UCI)
    count = getattr(_prediction(store, by).fits["pooled"][0], "model_name", "") or "BG/NBD"
    return Section(
        id="ltv",
        title="Customer lifetime value",
        intro=(
            "Cohort LTV = cumulative revenue per acquired customer by months since the first "
            "order. Predicted LTV = what a newly acquired customer is expected to bring in "
            f"their first {HORIZON_MONTHS:.0f} months (first order plus the repeat purchases "
            f"{count} and Gamma-Gamma expect); historical LTV = revenue per customer so far. "
            f"{LTV_CAC_LABEL} = predicted LTV / CAC, on revenue before cost of goods: "
            "higher than the margin-based LTV/CAC behind the verdicts of the ceilings "
            "section. Computed on every customer's whole history: the period and filters "
            "above do not apply here."
        ),
        figures=tuple(figures),
        tables=(_source_table(table.frame, currency, by).with_csv(table.frame),),
        notes=tuple(notes),
    )
