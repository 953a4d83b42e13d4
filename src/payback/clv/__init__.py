"""Customer lifetime value: transaction summaries, the buy-till-you-die models, cohort LTV.

Every model is a pure function returning a frozen result with its parameters (in
Hardie's notation), standard errors, log-likelihood and prediction methods:

>>> from payback.clv import fit_sbg
>>> fit = fit_sbg([1000, 631, 468, 382, 326, 289, 262, 241])
>>> round(fit.alpha, 3), round(fit.beta, 3)
(0.704, 1.182)
>>> round(float(fit.survival(8)), 3)
0.22
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from payback._lazy import keep_functions, lazy_exports

if TYPE_CHECKING:  # for type checkers and IDEs; at run time each name loads on first use
    from payback.clv._base import ModelFit
    from payback.clv.bgbb import BGBBFit, fit_bgbb
    from payback.clv.bgnbd import BGNBDFit, fit_bgnbd
    from payback.clv.checks import frequency_fit, holdout_check
    from payback.clv.cohorts import (
        HorizonLTV,
        acquisition_expr,
        cohort_expr,
        cohort_ltv,
        confirmed_orders,
        ltv_at_horizon,
    )
    from payback.clv.compress import compress
    from payback.clv.gamma_gamma import GammaGammaFit, fit_gamma_gamma
    from payback.clv.layouts import MODELS, fit_table, standard_columns
    from payback.clv.mbgnbd import MBGNBDFit, fit_mbgnbd
    from payback.clv.pareto_nbd import ParetoNBDFit, fit_pareto_nbd
    from payback.clv.sbg import SBGFit, fit_sbg, fit_sbg_records
    from payback.clv.sources import LTVPrediction, ltv_by_source, predict_ltv
    from payback.clv.summary import customer_summary, summarize, summary_expr
    from payback.clv.value import customer_lifetime_value, new_customer_value

__all__ = [
    "MODELS",
    "BGBBFit",
    "BGNBDFit",
    "GammaGammaFit",
    "HorizonLTV",
    "LTVPrediction",
    "MBGNBDFit",
    "ModelFit",
    "ParetoNBDFit",
    "SBGFit",
    "acquisition_expr",
    "cohort_expr",
    "cohort_ltv",
    "compress",
    "confirmed_orders",
    "customer_lifetime_value",
    "customer_summary",
    "fit_bgbb",
    "fit_bgnbd",
    "fit_gamma_gamma",
    "fit_mbgnbd",
    "fit_pareto_nbd",
    "fit_sbg",
    "fit_sbg_records",
    "fit_table",
    "frequency_fit",
    "holdout_check",
    "ltv_at_horizon",
    "ltv_by_source",
    "new_customer_value",
    "predict_ltv",
    "standard_columns",
    "summarize",
    "summary_expr",
]

#: Public name -> the module defining it, imported on first use (PEP 562). The modules
#: bind scipy, pandas and ibis lazily (:func:`payback._lazy.lazy_module`), so importing
#: them all would load none of those; but ``payback --help`` imports ``payback.clv.cli``,
#: hence this package, and our own ~20 modules cost ~25 % of its start-up. Once the
#: command modules live in ``payback/cli/``, this becomes plain imports.
_EXPORTS = {
    "ModelFit": "payback.clv._base",
    "BGBBFit": "payback.clv.bgbb",
    "fit_bgbb": "payback.clv.bgbb",
    "BGNBDFit": "payback.clv.bgnbd",
    "fit_bgnbd": "payback.clv.bgnbd",
    "frequency_fit": "payback.clv.checks",
    "holdout_check": "payback.clv.checks",
    "HorizonLTV": "payback.clv.cohorts",
    "acquisition_expr": "payback.clv.cohorts",
    "cohort_expr": "payback.clv.cohorts",
    "cohort_ltv": "payback.clv.cohorts",
    "confirmed_orders": "payback.clv.cohorts",
    "ltv_at_horizon": "payback.clv.cohorts",
    "compress": "payback.clv.compress",
    "GammaGammaFit": "payback.clv.gamma_gamma",
    "MODELS": "payback.clv.layouts",
    "fit_table": "payback.clv.layouts",
    "standard_columns": "payback.clv.layouts",
    "fit_gamma_gamma": "payback.clv.gamma_gamma",
    "MBGNBDFit": "payback.clv.mbgnbd",
    "fit_mbgnbd": "payback.clv.mbgnbd",
    "ParetoNBDFit": "payback.clv.pareto_nbd",
    "fit_pareto_nbd": "payback.clv.pareto_nbd",
    "SBGFit": "payback.clv.sbg",
    "fit_sbg": "payback.clv.sbg",
    "fit_sbg_records": "payback.clv.sbg",
    "LTVPrediction": "payback.clv.sources",
    "ltv_by_source": "payback.clv.sources",
    "predict_ltv": "payback.clv.sources",
    "customer_summary": "payback.clv.summary",
    "summarize": "payback.clv.summary",
    "summary_expr": "payback.clv.summary",
    "customer_lifetime_value": "payback.clv.value",
    "new_customer_value": "payback.clv.value",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
keep_functions(__name__, _EXPORTS)  # `compress`/`ceilings`: the function, not the submodule
