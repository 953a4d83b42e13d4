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
from payback.capabilities import CAPABILITIES, root_exports
from payback.errors import (
    CurrencyError,
    DataError,
    InputError,
    ModelFitError,
    PaybackError,
    ValidationErrors,
)
from payback.store import Store, open_store

if TYPE_CHECKING:  # explicit re-exports for type checkers; tests/test_api.py checks them
    # against payback.capabilities (and prints the lines to add)
    from payback import calc as calc
    from payback import clv as clv
    from payback import demo as demo
    from payback import economics as economics
    from payback import ingest as ingest
    from payback import metrics as metrics
    from payback import partners as partners
    from payback import report as report
    from payback import segments as segments
    from payback import server as server
    from payback.clv import cohort_ltv as cohort_ltv
    from payback.clv import fit_bgbb as fit_bgbb
    from payback.clv import fit_bgnbd as fit_bgnbd
    from payback.clv import fit_gamma_gamma as fit_gamma_gamma
    from payback.clv import fit_mbgnbd as fit_mbgnbd
    from payback.clv import fit_pareto_nbd as fit_pareto_nbd
    from payback.clv import fit_sbg as fit_sbg
    from payback.clv import fit_table as fit_table
    from payback.clv import ltv_by_source as ltv_by_source
    from payback.clv import predict_ltv as predict_ltv
    from payback.clv import summarize as summarize
    from payback.demo import generate_shop as generate_shop
    from payback.demo import run_demo as run_demo
    from payback.demo import write_shop as write_shop
    from payback.economics import ceilings as ceilings
    from payback.economics import run_scenarios as run_scenarios
    from payback.economics import simulate as simulate
    from payback.ingest import import_file as import_file
    from payback.metrics import CATALOGUE as CATALOGUE
    from payback.metrics import compute_metrics as compute_metrics
    from payback.metrics import metrics_expr as metrics_expr
    from payback.report import build_report as build_report

__version__ = "0.1.0"

#: The capability packages (``payback.clv`` ...), from :mod:`payback.capabilities`.
_SUBPACKAGES = tuple(c.name for c in CAPABILITIES)

#: Their re-exported names -> the package defining each, from :mod:`payback.capabilities`.
_EXPORTS = root_exports()

__all__ = [
    "CurrencyError",
    "DataError",
    "InputError",
    "ModelFitError",
    "PaybackError",
    "Store",
    "ValidationErrors",
    "__version__",
    "open_store",
    *_SUBPACKAGES,
    *_EXPORTS,
]

_getattr, __dir__ = lazy_exports(__name__, _EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"payback.{name}")
    return _getattr(name)
