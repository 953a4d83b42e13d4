"""Pareto/NBD P(alive) and conditional expected purchases against a direct numerical
integration over the purchase rate ``lambda ~ Gamma(r, alpha)`` and the drop-out rate
``mu ~ Gamma(s, beta)``, on both sides of the closed form's branch (``alpha < beta`` and
``alpha >= beta`` take different hypergeometric functions).

For one customer with rates ``(lambda, mu)`` (Fader & Hardie 2005, "A note on deriving
the Pareto/NBD model"), the likelihood of ``(x, t_x, T)`` is

    L(lambda, mu) = lambda^x e^{-(lambda+mu) T}                       (alive at T)
                    + lambda^x mu/(lambda+mu) [e^{-(lambda+mu) t_x} - e^{-(lambda+mu) T}]

so, integrating over the gamma mixing distributions g,

    P(alive)        = int lambda^x e^{-(lambda+mu) T} g g / int L g g
    E[Y(t) | hist]  = int lambda^x e^{-(lambda+mu) T} lambda/mu (1 - e^{-mu t}) g g / int L g g

(alive at T, a customer buys at rate lambda until an exponential lifetime of rate mu).
The integrals run over log-rates (no singularity of the gamma density at 0) by
Simpson's rule (scipy.integrate.simpson) on a fine grid.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy.special import gammaln

from payback.clv import ParetoNBDFit

HISTORIES = [(0, 0.0, 38.86), (2, 30.43, 38.86), (5, 10.0, 38.86), (1, 38.0, 38.86)]
PARAMS = [
    {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669},  # CDNOW: alpha < beta
    {"r": 0.9, "alpha": 12.0, "s": 1.3, "beta": 8.0},  # alpha > beta
    {"r": 0.7, "alpha": 9.0, "s": 0.8, "beta": 9.0},  # alpha = beta
]


#: log-rates (per week) from e^-60 to e^6: the gamma densities' mass, with margin
GRID = np.linspace(-60.0, 6.0, 801)


def _log_prior(u, shape, rate):
    """Log density of log(rate) when the rate is Gamma(shape, rate): Jacobian included."""
    return shape * np.log(rate) - gammaln(shape) + shape * u - rate * np.exp(u)


def _integrals(p, x, t_x, T, t):
    """``(int L g g, int alive-part g g, int alive-part x future purchases g g)`` by
    Simpson's rule on a fine grid of (log lambda, log mu), the integrands vectorised."""
    u, v = GRID[:, None], GRID[None, :]  # log lambda, log mu
    lam, mu = np.exp(u), np.exp(v)
    base = _log_prior(u, p["r"], p["alpha"]) + _log_prior(v, p["s"], p["beta"]) + x * u
    alive = np.exp(base - (lam + mu) * T)  # lambda^x e^{-(lambda+mu) T} g g
    # died unobserved in (t_x, T]: mu/(lam+mu) [e^{-(lam+mu) t_x} - e^{-(lam+mu) T}] g g
    died = mu / (lam + mu) * np.exp(base - (lam + mu) * t_x) * -np.expm1(-(lam + mu) * (T - t_x))
    future = alive * lam / mu * -np.expm1(-mu * t)
    return [
        integrate.simpson(integrate.simpson(f, x=GRID, axis=1), x=GRID)
        for f in (alive + died, alive, future)
    ]


@pytest.mark.parametrize("params", PARAMS, ids=["alpha<beta", "alpha>beta", "alpha=beta"])
def test_p_alive_and_expected_purchases_by_integration(params):
    m = ParetoNBDFit(**params)
    for x, t_x, T in HISTORIES:
        total, alive, future = _integrals(params, x, t_x, T, t=39.0)
        assert float(m.p_alive(x, t_x, T)) == pytest.approx(alive / total, rel=1e-9), (x, t_x)
        assert float(m.expected_purchases(39.0, x, t_x, T)) == pytest.approx(
            future / total, rel=1e-9
        ), (x, t_x)


def test_the_integral_is_the_likelihood():
    """The denominator is the model's own likelihood, computed independently here."""
    from payback.clv.pareto_nbd import _log_terms

    p = PARAMS[0]
    for x, t_x, T in HISTORIES:
        total, _, _ = _integrals(p, x, t_x, T, t=1.0)
        common, alive, dead = _log_terms(*p.values(), np.float64(x), t_x, T)
        assert math.log(total) == pytest.approx(float(common + np.logaddexp(alive, dead)))
