"""The partners section: what each partner's customers are worth, what its claims owe, and
the partners whose claims look wrong.

Built from :mod:`payback.partners` on every claim and order of the store (the
reconciliation judges each claim against the shop's whole order history, so neither the
period nor the filters apply):

- the value ranking (:func:`payback.partners.value`): partners ranked by the 12-month
  margin LTV of the customers they brought, beside the rank their order count would give
  them; commission is the reconciled one (what is owed, not what was claimed),
  ``ltv_cpo = LTV / CPO``, ``net_value = new customers x LTV - commission``;
- the reconciliation per partner (:func:`payback.partners.reconcile`): claims, claimed
  and owed commission, the reversal, the count per status and ``discrepancy_rate =
  discrepancies / claims``;
- the flagged signals (:func:`payback.partners.signals`): partners with claims on orders
  claimed twice, claims without their click, stuffed clicks, or cancel and return rates
  beyond chance.

A store without partner claims gets the section with a note saying so. The three results
share one reconciliation (:func:`payback.partners.reconcile.shared_reconcile`) and are
computed once per store version (:func:`payback.cache.per_store_version`): the report
and the dashboard's ``/api/partners`` ask for the same whole-history numbers. They are
shared: the section only reads them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from payback.cache import per_store_version
from payback.present import format_value, is_missing
from payback.report import charts, extensions
from payback.report.frame_table import frame_table

#: The section has one grain: the partner.
PARTNER_GRAINS: tuple[str, ...] = ("partner",)
VALUE_COLUMNS = (
    ("rank_by_orders", "Rank by orders", "count", "where order count would rank it"),
    ("orders", "Orders", "count", "confirmed orders attributed to the partner"),
    ("new_customers", "New customers", "count", "customers whose first order came through it"),
    ("commission", "Commission (owed)", "money", "reconciled commission: owed, not claimed"),
    ("cpo", "CPO", "money", "commission / orders"),
    ("ltv", "LTV (margin)", "money", "12-month cohort margin per customer it brought"),
    ("ltv_cpo", "LTV/CPO", "ratio", "LTV (margin) / CPO"),
    ("net_value", "Net value", "money", "new customers x LTV - commission"),
    ("repeat_rate", "Repeat rate", "rate", "new customers with a second order / new customers"),
    ("cancel_rate", "Cancel rate", "rate", "cancelled orders / its orders"),
    ("return_rate", "Return rate", "rate", "returned orders / its orders"),
    ("existing_customer_share", "Existing customers", "rate",
     "claims on existing customers / its claims"),
)  # fmt: skip
RECONCILE_COLUMNS = (
    ("claims", "Claims", "count", "claims in the store"),
    ("claimed_commission", "Claimed", "money", "commission the partner claimed"),
    ("owed_commission", "Owed", "money", "confirmed claims' commission, scaled if amounts differ"),
    ("reversal", "Reversal", "money", "claimed - owed on the discrepancies"),
    ("discrepancies", "Discrepancies", "count", "claims with a discrepancy status"),
    ("discrepancy_rate", "Discrepancy rate", "rate", "discrepancies / claims"),
)  # fmt: skip
SIGNAL_COLUMNS = (
    ("claims", "Claims", "count", "its claims"),
    ("duplicate_order_claims", "Order claimed twice", "count",
     "claims on an order claimed again (by it or another partner)"),
    ("unattributed_claims", "No click of it", "count", "claims the shop attributes elsewhere"),
    ("stuffed_clicks", "Stuffed clicks", "count",
     "claims on existing customers clicked shortly before buying"),
    ("orders", "Orders", "count", "its orders, every status"),
    ("loss_rate", "Cancel + return rate", "rate", "cancelled or returned / its orders"),
    ("shop_loss_rate", "Rest of the shop", "rate", "the same rate on every other order"),
    ("p_value", "p-value", "decimal", "P(as many losses or more by chance)"),
    ("high_loss", "Losses beyond chance", None, "p-value < alpha / partners"),
)  # fmt: skip
FLAGS = ("duplicate_order_claims", "unattributed_claims", "stuffed_clicks")


def has_claims(store) -> bool:
    """Whether the store holds any partner claim."""
    return store.row_count("partner_claims") > 0


def flagged(signals_frame):
    """The partners with at least one signal: a claim counted by :data:`FLAGS` or losses
    beyond chance (``high_loss``)."""
    hit = signals_frame["high_loss"].astype(bool)
    for col in FLAGS:
        hit |= signals_frame[col] > 0
    return signals_frame[hit]


def partner_results(store) -> tuple[Any, Any, Any]:
    """``(value, reconciliation, signals)`` of the store's partners, computed once per
    store version (the report starts them in its background thread,
    :func:`payback.report.build._warm_up`; the section then finds or waits for them)."""
    from payback.partners import signals, value
    from payback.partners.reconcile import shared_reconcile

    return per_store_version(
        store,
        ("report.partners",),
        # the cohort LTV alone: a model fit per partner would double the report's time at
        # a million customers (`payback partners value` has the predicted CLV)
        lambda: (value(store, predicted=False), shared_reconcile(store), signals(store)),
    )


def value_figure(frame, currency: str | None) -> go.Figure:
    """LTV per customer (bars) against CPO (diamonds) per partner, in the value ranking."""
    if frame.empty:
        return charts.empty_figure("No partner with orders or claims")
    names = [charts.plotly_text(p, 32) for p in frame["partner"]]

    def values(col):
        return [None if is_missing(v) else float(v) for v in frame[col]]

    fig = go.Figure()
    fig.add_bar(x=names, y=values("ltv"), name="LTV (margin) per new customer",
                marker_color="#0f7b4f")  # fmt: skip
    fig.add_scatter(
        x=names,
        y=values("cpo"),
        mode="markers",
        name="CPO (owed commission / orders)",
        marker={"symbol": "diamond", "size": 11, "color": "#1f2933"},
    )
    money = f" ({currency})" if currency else ""
    return charts.apply_layout(
        fig,
        height=320,
        yaxis={"title": {"text": "per customer / order" + money}, "tickformat": ",.0f"},
        xaxis={"type": "category", "categoryorder": "array", "categoryarray": names},
    )


def skipped(reason: str) -> Any:
    """The section when it cannot be computed on this store, saying why."""
    return extensions.skipped("partners", "Partners", reason)


def build_partners_section(
    store,
    start: dt.date | None = None,
    end: dt.date | None = None,
    where: Mapping[str, Sequence[str]] | None = None,
    by: str = "partner",
) -> Any:
    """The partners section (module docstring); ``start``, ``end`` and ``where`` do not
    apply (the registry marks it whole-history)."""
    from payback.partners import PRECEDENCE
    from payback.report.build import FigureView, Section

    if not has_claims(store):
        return skipped(
            "No partner claims in the store: the section needs a partner network's claims "
            "(payback import FILE --table partner-claims, e.g. an impact.com, Awin, "
            "Tapfiliate or Everflow export) to reconcile them against the orders."
        )
    ranked, rec, sig = partner_results(store)
    currency = ranked.currency or rec.partners.currency or store.base_currency
    vf = ranked.frame
    by_ltv = ", ".join(str(p) for p in vf["partner"])
    by_orders = ", ".join(str(p) for p in vf.sort_values("rank_by_orders")["partner"])
    per = rec.partners.frame
    body, total = per[~per["is_total"]], per[per["is_total"]]
    statuses = [s for s in PRECEDENCE if s in per and body[s].sum() > 0]
    status_spec = tuple((s, s.replace("_", " "), "count", f"claims with status {s}")
                        for s in statuses)  # fmt: skip
    bad = flagged(sig.frame)
    bad = bad.assign(high_loss=bad["high_loss"].map({True: "yes", False: "no"}))
    tables = (
        frame_table(
            "table-partner-value",
            "Partners ranked by value (LTV of the customers they bring)",
            vf,
            ("partner",),
            VALUE_COLUMNS,
            currency,
            reasons=ranked.reasons,
        ).with_csv(vf),
        frame_table(
            "table-partner-reconciliation",
            f"Claims reconciled against the orders (window {rec.window_days} days)",
            body.rename(columns={"partner_id": "partner"}),
            ("partner",),
            (*RECONCILE_COLUMNS, *status_spec),
            currency,
            reasons=rec.partners.reasons,
            totals=total,
        ).with_csv(per),
        frame_table(
            "table-partner-signals",
            "Partners flagged by fraud and quality signals",
            bad,
            ("partner",),
            SIGNAL_COLUMNS,
            currency,
            reasons=sig.reasons,
            note="" if len(bad) else "No partner is flagged.",
        ).with_csv(sig.frame),
    )
    owed = float(total["owed_commission"].sum())
    claimed = float(total["claimed_commission"].sum())
    rate = total["discrepancy_rate"].iloc[0] if len(total) else None
    return Section(
        id="partners",
        title="Partners",
        intro=(
            f"Ranked by the value of the customers they bring (LTV on margin): {by_ltv}; by "
            f"order count: {by_orders}. Of {int(total['claims'].sum()):,} claims, "
            f"{format_value(rate, 'rate')} have a discrepancy: owed "
            f"{format_value(owed, 'money', currency)} of "
            f"{format_value(claimed, 'money', currency)} claimed. Every claim and order "
            "of the store (no period or filters)."
        ),
        figures=(
            FigureView(
                "fig-partner-value",
                "LTV per new customer against CPO, by partner (value ranking)",
                charts.figure_json(value_figure(vf, currency)),
            ),
        ),
        tables=tables,
        notes=tuple(
            f"{k}: missing for some partners ({ranked.reasons[k]})"
            for k in ("ltv",)
            if vf[k].isna().any()
        ),
    )
