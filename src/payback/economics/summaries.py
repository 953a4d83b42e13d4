"""Unit economics as the commands show them: ``payback economics``'s table for people,
and ``payback simulate``'s summary lines, store fits, scenarios side by side,
sensitivity table and JSON document.

Values are formatted by :mod:`payback.present` (the one formatter); these functions
only choose what to show, so a Python user gets the same text as the command.

>>> from payback.economics import simulate
>>> sim = simulate([50_000, 0], cpo=500, price=500, cogs=100)  # 100 customers, kept
>>> print(simulation_text(sim))  # margin 400 a month: 800 over 2 months, 800 / 500 = 1.6
break-even month: 2
payback period: 2 months
CAC: 500.00
cohort LTV over 2 months: revenue 1,000.00, margin 800.00
LTV/CAC: 1.60×
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from payback.economics.scenarios import SUMMARY_ROWS, compare
from payback.present import Table, count_label, format_value, missing_text

if TYPE_CHECKING:
    import pandas as pd

    from payback.economics.ceilings import Ceilings
    from payback.economics.simulator import Simulation

__all__ = [
    "SENSITIVITY_TITLE",
    "TABLE_COLUMNS",
    "TABLE_HEADERS",
    "ceilings_table",
    "ceilings_title",
    "comparison_text",
    "fitted_text",
    "sensitivity_table",
    "simulation_payload",
    "simulation_text",
]

#: Title of :func:`sensitivity_table`.
SENSITIVITY_TITLE = "Profit at the horizon: budget factor (rows) x monthly retention (columns)"


def simulation_text(sim: Simulation) -> str:
    """The summary under the month table: break-even month, payback period, CAC, cohort
    LTV over the horizon and LTV/CAC, each missing value with its reason."""

    def show(value: Any, unit: str, key: str) -> str:
        if value is not None:
            return format_value(value, unit)
        return missing_text(sim.reasons.get(key, "undefined"))

    n = len(sim.months)
    payback = (
        count_label(sim.payback_period_months, "month")
        if sim.payback_period_months is not None
        else show(None, "count", "payback_period_months")
    )
    return "\n".join(
        [
            f"break-even month: {show(sim.break_even_month, 'count', 'break_even_month')}",
            f"payback period: {payback}",
            f"CAC: {show(sim.cac, 'money', 'cac')}",
            f"cohort LTV over {n} months: revenue "
            f"{format_value(sim.cohort_ltv_revenue, 'money')}, margin "
            f"{format_value(sim.cohort_ltv_margin, 'money')}",
            f"LTV/CAC: {show(sim.ltv_cac, 'ratio', 'ltv_cac')}",
        ]
    )


def fitted_text(fitted: Mapping[str, Any]) -> str:
    """The fits of :func:`payback.economics.fit_from_store` as a person reads them.

    >>> print(fitted_text({"retention": {"alpha": 0.704, "beta": 1.182, "subscriptions": 1}}))
    retention fitted on the store: sBG alpha 0.704, beta 1.182 (1 subscription, monthly periods)
    """
    lines = []
    if "response" in fitted:
        r = fitted["response"]
        r2 = "" if r["r_squared"] is None else f", R² {r['r_squared']:.2f}"
        lines.append(
            f"response fitted on the store: new customers = {r['k']:.4g} x budget^"
            f"{r['beta']:.3f} ({count_label(r['months'], 'month')} of ad cost{r2})"
        )
    if "retention" in fitted:
        r = fitted["retention"]
        lines.append(
            f"retention fitted on the store: sBG alpha {r['alpha']:.3f}, beta {r['beta']:.3f} "
            f"({count_label(r['subscriptions'], 'subscription')}, monthly periods)"
        )
    return "\n".join(lines)


def comparison_text(sims: Mapping[str, Simulation]) -> pd.DataFrame:
    """:func:`payback.economics.compare` with every value formatted by its unit: one row
    per summary number, one text column per scenario."""
    frame = compare(sims)
    units = {label: unit for label, _, unit in SUMMARY_ROWS}
    text = frame.apply(lambda row: row.map(lambda v: format_value(v, units[row.name])), axis=1)
    return text.reset_index()


def sensitivity_table(sens: pd.DataFrame) -> pd.DataFrame:
    """:func:`payback.economics.sensitivity` for a table: a ``budget`` column (``x0.5``)
    and one column per monthly retention (``90 %``)."""
    frame = sens.copy()
    frame.columns = [f"{r * 100:g} %" for r in sens.columns]
    frame.insert(0, "budget", [f"x{f:g}" for f in sens.index])
    return frame.reset_index(drop=True)


def simulation_payload(
    sims: Mapping[str, Simulation],
    sens: pd.DataFrame | None = None,
    fitted: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON document of ``payback simulate --json``.

    One scenario: its :meth:`Simulation.to_dict`; several: ``{"scenarios": {name:
    ...}}``. Plus ``sensitivity`` (budget factors, retentions, profit at the horizon)
    and ``fitted_from_store`` when given.
    """
    if len(sims) == 1:
        payload = next(iter(sims.values())).to_dict()
    else:
        payload = {"scenarios": {name: s.to_dict() for name, s in sims.items()}}
    if sens is not None:
        payload["sensitivity"] = {
            "budget_factors": sens.index.tolist(),
            "retention": sens.columns.tolist(),
            "profit_at_horizon": sens.to_numpy().tolist(),
        }
    if fitted:
        payload["fitted_from_store"] = dict(fitted)
    return payload


#: Columns of the ceilings table for people (files get every column), after the grain.
TABLE_COLUMNS = (
    "cost",
    "new_customers",
    "cpo",
    "cac",
    "ltv",
    "ltv_cac",
    "marginal_cpo",
    "headroom",
    "payback_months",
    "verdict",
    "reason",
)
#: Shorter headers of that table.
TABLE_HEADERS = {"new_customers": "new", "marginal_cpo": "ceiling", "payback_months": "payback"}


def ceilings_table(result: Ceilings) -> Table:
    """The ceilings for people: the grain, :data:`TABLE_COLUMNS` under the short headers
    of :data:`TABLE_HEADERS`, and the totals markers; units and reasons follow."""
    grain = ["platform", "campaign"] if result.by == "campaign" else [result.by]
    keep = [*grain, *TABLE_COLUMNS, "is_total"]
    keep += ["total_kind"] if "total_kind" in result.frame else []  # "Total (paid)"/"(all)"
    return result.table.select(keep).rename(TABLE_HEADERS)


def ceilings_title(result: Ceilings) -> str:
    """``Ceilings by campaign (LTV over 12 months)``."""
    return f"Ceilings by {result.by} (LTV over {result.horizon_months} months)"
