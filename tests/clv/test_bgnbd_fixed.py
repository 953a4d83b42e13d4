"""The boundary model: BG/NBD with one drop-out probability p (a, b -> infinity), the NBD
(p -> 0) after it, and predict_ltv using them when BG/NBD's drop-out heterogeneity runs off.

UCI Online Retail (tests/data/online_retail/online_retail_customer_summary.csv.gz, the
whole file's 4,339 customers): BG/NBD stops at a = 3.4e8, b = 5.9e11 (a/(a+b) = 5.8e-4);
the one-p model's likelihood is flat in p from 0 to about 1e-3 (its maximum at
p = 1.9e-5, se(p)/p = 28), so p is not identified either and the NBD (p = 0) is fitted:
r = 0.8275, alpha = 69.08 days, the same r and alpha as every degenerate fit's.
"""

from __future__ import annotations

import numpy as np
import pytest

from payback.clv import BGNBDFit, compress, fit_table, predict_ltv
from payback.clv.bgnbd_fixed import (
    BGNBDFixedFit,
    NBDFit,
    boundary_fit,
    boundary_instead,
    fit_bgnbd_fixed,
    fit_nbd,
    simulate_bgnbd_fixed,
)
from payback.errors import DegenerateFitError

X = np.array([0.0, 1, 2, 5, 10])
TX = np.array([0.0, 30, 100, 200, 300])
T = np.full(5, 350.0)


@pytest.mark.parametrize("K", [1e6, 1e7, 1e8, 1e9])
def test_the_bgnbd_formulas_tend_to_the_closed_forms(K):
    p = 0.02
    fixed = BGNBDFixedFit(r=0.8, alpha=60.0, p=p)
    limit = BGNBDFit(r=0.8, alpha=60.0, a=p * K, b=(1 - p) * K)
    tol = 3e-6  # the BG/NBD's own distance to the limit is O(1/K); its rounding ~1e-7
    assert np.abs(limit.p_alive(X, TX, T) - fixed.p_alive(X, TX, T)).max() < tol
    got, want = fixed.expected_purchases(90, X, TX, T), limit.expected_purchases(90, X, TX, T)
    assert np.abs(got - want).max() < tol
    ts = np.array([10.0, 100, 365])
    assert np.abs(fixed.expected_purchases_new(ts) - limit.expected_purchases_new(ts)).max() < tol
    n = np.arange(8)
    assert (
        np.abs(
            fixed.probability_of_purchases(n, 100.0) - limit.probability_of_purchases(n, 100.0)
        ).max()
        < 1e-6
    )


def test_closed_forms_by_hand():
    m = BGNBDFixedFit(r=1.0, alpha=10.0, p=0.1)
    # new customer: (1/p)(1 - (alpha/(alpha + p t))^r) = 10 (1 - 10/11)
    assert float(m.expected_purchases_new(10.0)) == pytest.approx(10 * (1 - 10 / 11))
    # x = 2, t_x = 5, T = 10: P(alive) = 1/(1 + (0.1/0.9) (20/15)^3)
    alive = 1 / (1 + (0.1 / 0.9) * (20 / 15) ** 3)
    assert float(m.p_alive(2, 5.0, 10.0)) == pytest.approx(alive)
    want = alive * 10 * (1 - (20 / 21) ** 3)
    assert float(m.expected_purchases(10.0, 2, 5.0, 10.0)) == pytest.approx(want)
    # the NBD is the p -> 0 limit
    nbd = NBDFit(r=1.0, alpha=10.0)
    small = BGNBDFixedFit(r=1.0, alpha=10.0, p=1e-9)
    assert float(nbd.expected_purchases(10.0, 2, 5.0, 10.0)) == pytest.approx(3 * 10 / 20)
    assert float(small.expected_purchases(10.0, 2, 5.0, 10.0)) == pytest.approx(1.5, rel=1e-7)
    assert float(nbd.p_alive(2, 5.0, 10.0)) == 1.0


def test_a_simulation_with_one_p_is_recovered():
    true = {"r": 0.5, "alpha": 6.0, "p": 0.15}
    sim = simulate_bgnbd_fixed(20000, 52.0, **true, seed=1)
    fit = fit_bgnbd_fixed(compress(sim))  # distinct histories with weights
    assert fit.n_customers == 20000
    for k, v in true.items():
        assert abs(fit.params[k] - v) < 3 * fit.standard_errors[k]
    assert fit.params == pytest.approx({"r": 0.4985, "alpha": 5.893, "p": 0.1534}, rel=1e-3)
    assert len(fit.log_covariance) == 3  # intervals draw from it
    # BG/NBD on the same customers runs off to the boundary this model sits on
    with pytest.raises(DegenerateFitError) as e:
        fit_table(sim, "bgnbd")
    a, b = e.value.params["a"], e.value.params["b"]
    assert a / (a + b) == pytest.approx(0.1534, abs=0.005)


def test_on_uci_p_is_not_identified_and_the_nbd_is_fitted(uci):
    with pytest.raises(DegenerateFitError) as e:
        fit_bgnbd_fixed(uci)
    assert "se(p)/p = 28.4" in e.value.reason
    assert e.value.params["p"] == pytest.approx(1.89e-5, rel=0.05)
    fit, note = boundary_fit(compress(uci), 5.76e-4)
    assert isinstance(fit, NBDFit) and fit.p == 0
    assert fit.r == pytest.approx(0.8275, abs=1e-4)
    assert fit.alpha == pytest.approx(69.08, abs=0.01)
    assert fit.log_likelihood == pytest.approx(-61829.705, abs=1e-3)
    assert "p is not identified either" in note and "NBD without drop-out" in note
    assert fit_nbd(uci).params == pytest.approx(fit.params, rel=1e-6)


def test_a_boundary_with_identified_p_keeps_it():
    sim = simulate_bgnbd_fixed(20000, 52.0, r=0.5, alpha=6.0, p=0.15, seed=1)
    fit, note = boundary_fit(compress(sim), 0.15)
    assert isinstance(fit, BGNBDFixedFit) and not isinstance(fit, NBDFit)
    assert note.startswith("drop-out heterogeneity not identified: fitted BG/NBD with one ")
    assert "p=0.153 for every customer (the limit a, b -> infinity)" in note


def test_predict_uses_the_boundary_model_and_says_so(uci, uci_db):
    from payback.store import open_store

    with open_store(uci_db, read_only=True) as store:
        result = predict_ltv(store)
    count_fit = result.fits["pooled"][0]
    assert isinstance(count_fit, NBDFit)
    assert result.model == "nbd"  # the model used, in the title and the JSON
    assert count_fit.r == pytest.approx(0.8275, abs=1e-4)
    (warning,) = [w for w in result.warnings if "drop-out" in w]
    # the likelihood is so flat that rounding picks where BG/NBD stops (test_degenerate.py)
    assert "BG/NBD itself is degenerate (" in warning
    assert "a, b ran off to 0 or infinity" in warning or "near-singular" in warning
    row = result.by_source.frame.iloc[0]
    # recomputed: E[Y(t)] = (r+x) t/(alpha+T), t = 12 months = 365.25 days
    r, alpha = count_fit.r, count_fit.alpha
    want = ((r + uci.frequency) * 365.25 / (alpha + uci["T"])).mean()
    assert row.expected_purchases_per_customer == pytest.approx(want, rel=1e-9)
    assert row.expected_purchases_per_customer == pytest.approx(4.3751, abs=1e-4)
    assert row.p_alive == 1.0
    assert np.isfinite(result.customers.frame.clv.astype(float)).all()


def test_the_report_calibration_check_computes_on_uci(uci_db):
    # the report's CLV section fits BG/NBD by week on the first two thirds: on these
    # customers it runs off, and the boundary model is checked instead of failing
    from payback.report.clv_section import calibration_check
    from payback.store import open_store

    with open_store(uci_db, read_only=True) as store:
        check, _cut = calibration_check(store)
    total = check.frame.iloc[-1]
    assert total.frequency == "all" and total.customers > 3000
    assert np.isfinite(float(total.predicted_total)) and float(total.predicted_total) > 0


def _interior_stop(uci):
    """BG/NBD on UCI stopped inside, at a = 0.0034 (near-singular): one of the two places
    the optimiser ends on that flat likelihood, reached here from a start beside it."""
    from payback.clv._bg_objective import bg_objective
    from payback.clv._inputs import read_rft
    from payback.clv._optim import maximize

    table = compress(uci)
    x, t_x, T_, w = read_rft("BG/NBD", table, None, None, None)
    with pytest.raises(DegenerateFitError) as e:
        maximize(
            bg_objective(x, t_x, T_, w, 0),
            [0.83, 69.0, 0.0034, 5.9],
            BGNBDFit.param_names,
            n_customers=float(w.sum()),
            model="BG/NBD",
        )
    return table, e.value


def test_a_near_singular_stop_in_a_b_is_replaced_when_the_boundary_fits_as_well(uci):
    table, error = _interior_stop(uci)
    assert error.unidentified == ("a", "b") and "near-singular" in error.reason
    assert error.params["a"] == pytest.approx(0.00344, rel=0.02)
    # log-likelihood there and at the NBD: 0.12 apart, far under the test's 1.92
    assert error.log_likelihood == pytest.approx(-61829.585, abs=1e-2)
    # the same by Fader, Hardie & Lee (2005) eq. 6, written out here with scipy
    from scipy.special import betaln, gammaln

    r, alpha, a, b = (error.params[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T_ = (uci[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
    dropped = np.where(
        x > 0,
        np.log(a / np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    by_hand = np.sum(base + np.logaddexp(-(r + x) * np.log(alpha + T_), dropped))
    assert error.log_likelihood == pytest.approx(by_hand, rel=1e-9)
    fit, note = boundary_instead(error, table)
    assert isinstance(fit, NBDFit)
    assert error.log_likelihood - fit.log_likelihood == pytest.approx(0.12, abs=0.01)
    assert "BG/NBD itself is degenerate (near-singular information, se(a)/a = 3" in note


def test_a_boundary_that_fits_worse_is_not_used(uci):
    table, error = _interior_stop(uci)
    # the same stop with a log-likelihood 2 above the boundary's: the likelihood-ratio
    # test prefers the heterogeneous model, so the degenerate fit is not replaced
    worse = DegenerateFitError(
        str(error),
        model=error.model,
        params=error.params,
        reason=error.reason,
        unidentified=error.unidentified,
        log_likelihood=-61829.705 + 2.0,
    )
    assert boundary_instead(worse, table) is None
    # nor is a fit whose purchase process (r, alpha) is the unidentified part
    other = DegenerateFitError(
        "", model="BG/NBD", params=error.params, reason="x", unidentified=("r", "a")
    )
    assert boundary_instead(other, table) is None
