"""Pareto/NBD's fit objective: the likelihood's integral by quadrature, with its gradient.

Recomputed independently: the value against the closed form with the Gauss
hypergeometric function (payback.clv.pareto_nbd._log_terms, scipy.special.hyp2f1) and
against scipy.integrate.quad; the gradient against central differences of the closed form.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from payback.clv import compress
from payback.clv._optim import numeric_gradient
from payback.clv.pareto_nbd import _log_dead, _log_terms, _objective

PARAMS = [
    (0.5533, 10.5777, 0.6062, 11.6687),  # the published CDNOW fit (weeks)
    (0.827, 69.1, 0.000454, 9.88e4),  # UCI's degenerate end (days): slow 2F1
    (2.0, 3.0, 0.1, 50.0),
    (0.05, 400.0, 5.0, 0.3),
]


@pytest.fixture(scope="module", params=["cdnow", "uci"])
def histories(request, public_data):
    path = {
        "cdnow": public_data / "cdnow" / "cdnowSummary_cbs.csv",
        "uci": public_data / "online_retail" / "online_retail_customer_summary.csv.gz",
    }[request.param]
    frame = pd.read_csv(path).rename(columns={"x": "frequency", "t.x": "recency", "T.cal": "T"})
    table = compress(frame[["frequency", "recency", "T"]])
    return tuple(table[c].to_numpy(float) for c in ("frequency", "recency", "T", "weights"))


@pytest.mark.parametrize("params", PARAMS, ids=str)
def test_dead_term_equals_the_hypergeometric_form(histories, params):
    x, t_x, T, _ = histories
    _, _, closed = _log_terms(*params, x, t_x, T)
    quadrature, _ = _log_dead(*params, x, t_x, T)
    finite = np.isfinite(closed)
    assert (np.isfinite(quadrature) == finite).all()  # -inf where t_x == T
    assert quadrature[finite] == pytest.approx(closed[finite], abs=1e-9, rel=1e-11)


def test_dead_term_equals_scipy_quad_for_a_frequent_buyer():
    r, alpha, s, beta = PARAMS[0]
    x, t_x, T = 21.0, 4.714285714285714, 29.285714285714285  # steep: 22 purchases early on

    def integrand(tau):
        return s * (alpha + tau) ** (-(r + x)) * (beta + tau) ** (-(s + 1))

    value, _ = integrate.quad(integrand, t_x, T, epsabs=0, epsrel=1e-13, limit=500)
    got, _ = _log_dead(r, alpha, s, beta, np.array([x]), np.array([t_x]), np.array([T]))
    assert got[0] == pytest.approx(np.log(value), abs=1e-11)
    assert got[0] == pytest.approx(-64.1411051446634, abs=1e-9)


@pytest.mark.parametrize("params", PARAMS[:3], ids=str)
def test_gradient_equals_central_differences_of_the_closed_form(histories, params):
    x, t_x, T, w = histories

    def closed(phi):
        common, alive, dead = _log_terms(*np.exp(phi), x, t_x, T)
        return -float(w @ (common + np.logaddexp(alive, dead))) / w.sum()

    phi = np.log(params)
    value, gradient = _objective(x, t_x, T, w)(phi)
    assert value == pytest.approx(closed(phi), rel=1e-12)
    assert gradient == pytest.approx(numeric_gradient(closed, phi, step=1e-5), abs=1e-8)
