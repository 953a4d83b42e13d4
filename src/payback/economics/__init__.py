"""Unit economics: how much may a customer cost, and when does acquisition pay back.

- ceilings per slice (:func:`ceilings`, ``payback economics``): CAC and CPO paid, LTV
  (cohort and predicted), LTV/CAC, marginal CPO, max CPA/CPL, headroom, payback months
  and a verdict (scale, hold, cut, not enough data);
- the subscription simulator (:func:`simulate`, ``payback simulate``): monthly customers,
  revenue, costs and profit of an acquisition plan, break-even month, payback period,
  cohort LTV; scenarios side by side and a sensitivity table;
- fits of its inputs on the store's history (:func:`response_from_store`,
  :func:`retention_from_store`).

>>> from payback.economics import simulate
>>> sim = simulate([50_000, 0], cpo=500, price=500, cogs=100)
>>> [m.cumulative_profit for m in sim.months]
[-10000.0, 30000.0]
"""

from __future__ import annotations

from payback.economics.ceilings import (
    Ceilings,
    NonAdCosts,
    VerdictRules,
    ceilings,
    non_ad_costs_per_customer,
    partner_commissions,
)
from payback.economics.history import (
    fit_response,
    response_from_store,
    retention_from_store,
)
from payback.economics.scenarios import (
    compare,
    cumulative_profit,
    load_scenarios,
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
    "compare",
    "cumulative_profit",
    "fit_response",
    "load_scenarios",
    "non_ad_costs_per_customer",
    "parse_scenario",
    "partner_commissions",
    "response_from_store",
    "retention_from_store",
    "run_scenarios",
    "sensitivity",
    "simulate",
    "simulation_kwargs",
]
