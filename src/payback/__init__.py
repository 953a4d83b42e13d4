"""payback: what customers cost and what they are worth.

The public API of every capability is reachable from here, loaded on first use so that
``import payback`` stays cheap:

>>> import payback
>>> payback.calc.cpo(cost=200, orders=40).value           # DOMAIN.md: a banner, 40 orders
5.0
>>> payback.CATALOGUE["drr"].formula
'cost / revenue'

Capabilities: ``payback.ingest`` (imports), ``payback.metrics`` (CPO/CPA/DRR/ROMI at any
grain), ``payback.calc`` (formulas from plain numbers), ``payback.clv`` (summaries,
BG/NBD, Pareto/NBD, MBG/NBD, BG/BB, Gamma-Gamma, sBG, cohort LTV), ``payback.economics``
(ceilings, verdicts, the subscription simulator), ``payback.report`` and
``payback.server`` (HTML report, dashboard), ``payback.demo`` (a synthetic shop).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from payback._util import lazy_exports
from payback.errors import (
    CurrencyError,
    DataError,
    InputError,
    ModelFitError,
    PaybackError,
    ValidationErrors,
)
from payback.store import Store, open_store

if TYPE_CHECKING:
    from payback import calc, clv, demo, economics, ingest, metrics, report, server
    from payback.clv import (
        cohort_ltv,
        fit_bgbb,
        fit_bgnbd,
        fit_gamma_gamma,
        fit_mbgnbd,
        fit_pareto_nbd,
        fit_sbg,
        ltv_by_source,
        predict_ltv,
        summarize,
    )
    from payback.demo import generate_shop, run_demo, write_shop
    from payback.economics import ceilings, run_scenarios, simulate
    from payback.ingest import import_file
    from payback.metrics import CATALOGUE, compute_metrics, metrics_expr
    from payback.report import build_report

__version__ = "0.1.0"

_SUBPACKAGES = ("calc", "clv", "demo", "economics", "ingest", "metrics", "report", "server")

_EXPORTS = {
    "import_file": "payback.ingest",
    "CATALOGUE": "payback.metrics",
    "compute_metrics": "payback.metrics",
    "metrics_expr": "payback.metrics",
    "summarize": "payback.clv",
    "fit_bgnbd": "payback.clv",
    "fit_mbgnbd": "payback.clv",
    "fit_pareto_nbd": "payback.clv",
    "fit_bgbb": "payback.clv",
    "fit_gamma_gamma": "payback.clv",
    "fit_sbg": "payback.clv",
    "cohort_ltv": "payback.clv",
    "ltv_by_source": "payback.clv",
    "predict_ltv": "payback.clv",
    "ceilings": "payback.economics",
    "simulate": "payback.economics",
    "run_scenarios": "payback.economics",
    "build_report": "payback.report",
    "generate_shop": "payback.demo",
    "write_shop": "payback.demo",
    "run_demo": "payback.demo",
}

__all__ = [  # noqa: RUF022 (grouped: errors and store, capabilities, their main functions)
    "CurrencyError",
    "DataError",
    "InputError",
    "ModelFitError",
    "PaybackError",
    "Store",
    "ValidationErrors",
    "__version__",
    "open_store",
    "calc",
    "clv",
    "demo",
    "economics",
    "ingest",
    "metrics",
    "report",
    "server",
    "import_file",
    "CATALOGUE",
    "compute_metrics",
    "metrics_expr",
    "summarize",
    "fit_bgnbd",
    "fit_mbgnbd",
    "fit_pareto_nbd",
    "fit_bgbb",
    "fit_gamma_gamma",
    "fit_sbg",
    "cohort_ltv",
    "ltv_by_source",
    "predict_ltv",
    "ceilings",
    "simulate",
    "run_scenarios",
    "build_report",
    "generate_shop",
    "write_shop",
    "run_demo",
]

_getattr, __dir__ = lazy_exports(__name__, _EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"payback.{name}")
    return _getattr(name)
