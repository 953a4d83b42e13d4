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

# Plain imports: these modules bind scipy, pandas and ibis with payback._lazy.lazy_module,
# so ``import payback.clv`` loads none of those (tests/test_cli_startup.py).
from payback.clv._base import ModelFit
from payback.clv.bgbb import BGBBFit, fit_bgbb
from payback.clv.bgnbd import BGNBDFit, fit_bgnbd
from payback.clv.bgnbd_fixed import BGNBDFixedFit, NBDFit, fit_bgnbd_fixed, fit_nbd
from payback.clv.by_source import ltv_by_source
from payback.clv.checks import frequency_fit, holdout_check
from payback.clv.cohort_values import HorizonLTV, ltv_at_horizon
from payback.clv.cohorts import acquisition_expr, cohort_expr, cohort_ltv, confirmed_orders
from payback.clv.compare import COMPARED, ModelComparison, compare_models, holdout_comparison
from payback.clv.compress import compress
from payback.clv.fits import (
    calibration_fit,
    default_freq,
    fit_segments,
    model_table,
    rate_period,
    read_summary_file,
    rows_for_model,
    segment_summaries,
)
from payback.clv.gamma_gamma import GammaGammaFit, fit_gamma_gamma, zero_spend_note
from payback.clv.ggomnbd import GammaGompertzNBDFit, fit_ggomnbd
from payback.clv.horizon import parse_horizon
from payback.clv.layouts import MODELS, fit_table, standard_columns
from payback.clv.mbgcnbd import MBGCNBDFit, fit_mbgcnbd
from payback.clv.mbgnbd import MBGNBDFit, fit_mbgnbd
from payback.clv.pareto_nbd import ParetoNBDFit, fit_pareto_nbd
from payback.clv.pggg import ParetoGGGFit, fit_pggg
from payback.clv.sbg import SBGFit, fit_sbg, fit_sbg_records
from payback.clv.selection import ModelChoice, choose_model
from payback.clv.sources import LTVPrediction, predict_ltv
from payback.clv.summary import customer_summary, summarize, summary_expr
from payback.clv.transactions import (
    read_transactions,
    summary_from_transactions,
    transaction_summary,
)
from payback.clv.triangle import cohort_triangle
from payback.clv.value import customer_lifetime_value, new_customer_value

__all__ = [
    "COMPARED",
    "MODELS",
    "BGBBFit",
    "BGNBDFit",
    "BGNBDFixedFit",
    "GammaGammaFit",
    "GammaGompertzNBDFit",
    "HorizonLTV",
    "LTVPrediction",
    "MBGCNBDFit",
    "MBGNBDFit",
    "ModelChoice",
    "ModelComparison",
    "ModelFit",
    "NBDFit",
    "ParetoGGGFit",
    "ParetoNBDFit",
    "SBGFit",
    "acquisition_expr",
    "calibration_fit",
    "choose_model",
    "cohort_expr",
    "cohort_ltv",
    "cohort_triangle",
    "compare_models",
    "compress",
    "confirmed_orders",
    "customer_lifetime_value",
    "customer_summary",
    "default_freq",
    "fit_bgbb",
    "fit_bgnbd",
    "fit_bgnbd_fixed",
    "fit_gamma_gamma",
    "fit_ggomnbd",
    "fit_mbgcnbd",
    "fit_mbgnbd",
    "fit_nbd",
    "fit_pareto_nbd",
    "fit_pggg",
    "fit_sbg",
    "fit_sbg_records",
    "fit_segments",
    "fit_table",
    "frequency_fit",
    "holdout_check",
    "holdout_comparison",
    "ltv_at_horizon",
    "ltv_by_source",
    "model_table",
    "new_customer_value",
    "parse_horizon",
    "predict_ltv",
    "rate_period",
    "read_summary_file",
    "read_transactions",
    "rows_for_model",
    "segment_summaries",
    "standard_columns",
    "summarize",
    "summary_expr",
    "summary_from_transactions",
    "transaction_summary",
    "zero_spend_note",
]
