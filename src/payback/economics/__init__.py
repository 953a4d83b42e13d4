"""Unit economics: how much may a customer cost, and when does acquisition pay back.

- ceilings per slice (:func:`ceilings`, ``payback economics``): CAC and CPO paid, LTV
  (cohort and predicted), LTV/CAC, marginal CPO, max CPA/CPL, headroom, payback months
  and a verdict (scale, hold, cut, not enough data);
- the subscription simulator (:func:`simulate`, ``payback simulate``): monthly customers,
  revenue, costs and profit of an acquisition plan, break-even month, payback period,
  cohort LTV; scenarios side by side and a sensitivity table (shown as the command
  shows them by :mod:`payback.economics.summaries`);
- fits of its inputs on the store's history (:func:`response_from_store`,
  :func:`retention_from_store`).

>>> from payback.economics import simulate
>>> sim = simulate([50_000, 0], cpo=500, price=500, cogs=100)
>>> [m.cumulative_profit for m in sim.months]
[-10000.0, 30000.0]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from payback._lazy import keep_functions
from payback._util import lazy_exports

if TYPE_CHECKING:  # for type checkers and IDEs; at run time each name loads on first use
    from payback.economics.ceilings import (
        Ceilings,
        NonAdCosts,
        VerdictRules,
        ceilings,
        non_ad_costs_per_customer,
        partner_commissions,
    )
    from payback.economics.history import (
        fit_from_store,
        fit_response,
        response_from_store,
        retention_from_store,
    )
    from payback.economics.scenarios import (
        compare,
        cumulative_profit,
        load_scenarios,
        merge_scenarios,
        parse_scenario,
        run_scenarios,
        sensitivity,
        simulation_kwargs,
    )
    from payback.economics.simulator import (
        ConstantCPO,
        ConstantRetention,
        CurveRetention,
        PowerResponse,
        Simulation,
        SimulationMonth,
        simulate,
    )
    from payback.economics.summaries import (
        ceilings_table,
        comparison_text,
        fitted_text,
        sensitivity_table,
        simulation_payload,
        simulation_text,
    )

__all__ = [
    "Ceilings",
    "ConstantCPO",
    "ConstantRetention",
    "CurveRetention",
    "NonAdCosts",
    "PowerResponse",
    "Simulation",
    "SimulationMonth",
    "VerdictRules",
    "ceilings",
    "ceilings_table",
    "compare",
    "comparison_text",
    "cumulative_profit",
    "fit_from_store",
    "fit_response",
    "fitted_text",
    "load_scenarios",
    "merge_scenarios",
    "non_ad_costs_per_customer",
    "parse_scenario",
    "partner_commissions",
    "response_from_store",
    "retention_from_store",
    "run_scenarios",
    "sensitivity",
    "sensitivity_table",
    "simulate",
    "simulation_kwargs",
    "simulation_payload",
    "simulation_text",
]

#: Public name -> the module defining it, imported on first use (PEP 562), so that
#: ``import payback.economics`` (and ``payback --help``) does not load pandas, scipy and ibis.
_EXPORTS = {
    "Ceilings": "payback.economics.ceilings",
    "NonAdCosts": "payback.economics.ceilings",
    "VerdictRules": "payback.economics.ceilings",
    "ceilings": "payback.economics.ceilings",
    "non_ad_costs_per_customer": "payback.economics.ceilings",
    "partner_commissions": "payback.economics.ceilings",
    "fit_from_store": "payback.economics.history",
    "fit_response": "payback.economics.history",
    "response_from_store": "payback.economics.history",
    "retention_from_store": "payback.economics.history",
    "compare": "payback.economics.scenarios",
    "cumulative_profit": "payback.economics.scenarios",
    "load_scenarios": "payback.economics.scenarios",
    "merge_scenarios": "payback.economics.scenarios",
    "parse_scenario": "payback.economics.scenarios",
    "run_scenarios": "payback.economics.scenarios",
    "sensitivity": "payback.economics.scenarios",
    "simulation_kwargs": "payback.economics.scenarios",
    "ceilings_table": "payback.economics.summaries",
    "comparison_text": "payback.economics.summaries",
    "fitted_text": "payback.economics.summaries",
    "sensitivity_table": "payback.economics.summaries",
    "simulation_payload": "payback.economics.summaries",
    "simulation_text": "payback.economics.summaries",
    "ConstantCPO": "payback.economics.simulator",
    "ConstantRetention": "payback.economics.simulator",
    "CurveRetention": "payback.economics.simulator",
    "PowerResponse": "payback.economics.simulator",
    "Simulation": "payback.economics.simulator",
    "SimulationMonth": "payback.economics.simulator",
    "simulate": "payback.economics.simulator",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
keep_functions(__name__, _EXPORTS)  # `compress`/`ceilings`: the function, not the submodule
