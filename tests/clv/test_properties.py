"""Invariants of the models: gradients, weights, probabilities, recovery of known parameters,
and the closed-form predictions against Monte Carlo simulations of the same models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payback.clv import (
    BGBBFit,
    BGNBDFit,
    MBGNBDFit,
    ParetoNBDFit,
    bgbb,
    compress,
    fit_bgbb,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_mbgnbd,
    fit_pareto_nbd,
    gamma_gamma,
    sbg,
)
from payback.clv._optim import numeric_gradient
from payback.clv.bgnbd import bg_objective
from payback.clv.simulate import (
    simulate_bgbb,
    simulate_bgnbd,
    simulate_gamma_gamma,
    simulate_mbgnbd,
    simulate_pareto_nbd,
)

positive = st.floats(0.05, 20.0)


@pytest.fixture(scope="module")
def sample():
    rng = np.random.default_rng(3)
    sim = simulate_bgnbd(400, rng.uniform(5, 40, 400), r=0.6, alpha=5.0, a=0.9, b=2.0, seed=4)
    return [sim[c].to_numpy(float) for c in ("frequency", "recency", "T")]


@settings(max_examples=30, deadline=None)
@given(theta=st.tuples(positive, positive, positive, positive), shift=st.sampled_from([0, 1]))
def test_bg_analytic_gradient_matches_central_differences(sample, theta, shift):
    x, t_x, T = sample
    objective = bg_objective(x, t_x, T, np.ones(x.size), shift)
    phi = np.log(theta)
    analytic = objective(phi)[1]
    numeric = numeric_gradient(lambda p: objective(p)[0], phi, step=1e-6)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-7)


@settings(max_examples=20, deadline=None)
@given(theta=st.tuples(positive, positive, positive, positive))
def test_bgbb_analytic_gradient_matches_central_differences(theta):
    sim = simulate_bgbb(300, 6, alpha=1.2, beta=0.8, gamma=0.7, delta=2.5, seed=1)
    c = compress(sim, ["frequency", "recency", "n_periods"])
    args = [c[k].to_numpy(float) for k in ("frequency", "recency", "n_periods", "weights")]
    objective = bgbb._objective(*args)
    phi = np.log(theta)
    numeric = numeric_gradient(lambda p: objective(p)[0], phi, step=1e-6)
    np.testing.assert_allclose(objective(phi)[1], numeric, rtol=1e-4, atol=1e-7)


@settings(max_examples=20, deadline=None)
@given(theta=st.tuples(positive, positive, positive), alpha_beta=st.tuples(positive, positive))
def test_gamma_gamma_and_sbg_gradients(theta, alpha_beta):
    x = np.array([1.0, 2, 3, 5, 1, 8])
    z = np.array([20.0, 35.5, 18.0, 60.0, 25.0, 30.0])
    objective = gamma_gamma._objective(x, z, np.ones(6))
    phi = np.log(theta)
    numeric = numeric_gradient(lambda p: objective(p)[0], phi, step=1e-6)
    np.testing.assert_allclose(objective(phi)[1], numeric, rtol=1e-4, atol=1e-7)
    lost_at, lost_w = np.array([1.0, 2, 3]), np.array([30.0, 20, 10])
    objective = sbg._objective(lost_at, lost_w, np.array([3.0]), np.array([40.0]))
    phi = np.log(alpha_beta)
    numeric = numeric_gradient(lambda p: objective(p)[0], phi, step=1e-6)
    np.testing.assert_allclose(objective(phi)[1], numeric, rtol=1e-4, atol=1e-7)


histories = st.tuples(st.integers(0, 60), st.floats(0.0, 1.0), st.floats(0.01, 500.0)).map(
    lambda h: (float(h[0]), (h[1] * h[2]) if h[0] > 0 else 0.0, h[2])
)


@settings(max_examples=200, deadline=None)
@given(theta=st.tuples(positive, positive, positive, positive), history=histories)
def test_p_alive_is_a_probability(theta, history):
    x, t_x, T = history
    r, alpha, a, b = theta
    for model in (
        BGNBDFit(r=r, alpha=alpha, a=a, b=b),
        MBGNBDFit(r=r, alpha=alpha, a=a, b=b),
        ParetoNBDFit(r=r, alpha=alpha, s=a, beta=b),
    ):
        p = float(model.p_alive(x, t_x, T))
        assert 0.0 <= p <= 1.0, (model, history, p)
        future = float(model.expected_purchases(10.0, x, t_x, T))
        assert np.isfinite(future) and future >= 0.0


@settings(max_examples=100, deadline=None)
@given(
    theta=st.tuples(positive, positive, positive, positive),
    n=st.integers(1, 12),
    data=st.data(),
)
def test_bgbb_p_alive_is_a_probability(theta, n, data):
    t_x = data.draw(st.integers(0, n))
    x = data.draw(st.integers(1, t_x)) if t_x > 0 else 0
    model = BGBBFit(alpha=theta[0], beta=theta[1], gamma=theta[2], delta=theta[3])
    p = float(model.p_alive(x, t_x, n))
    assert 0.0 <= p <= 1.0


@pytest.mark.parametrize(
    ("fitter", "simulate", "params"),
    [
        (fit_bgnbd, simulate_bgnbd, {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 2.5}),
        (fit_mbgnbd, simulate_mbgnbd, {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 2.5}),
        (fit_pareto_nbd, simulate_pareto_nbd, {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7}),
    ],
)
def test_weighted_compressed_fit_equals_expanded_fit(fitter, simulate, params):
    rng = np.random.default_rng(8)
    T = rng.integers(10, 40, 3000).astype(float)
    sim = simulate(3000, T, **params, seed=9)
    sim["recency"] = np.round(sim.recency)  # whole weeks: many equal histories
    expanded = fitter(sim)
    compressed = compress(sim)
    assert len(compressed) < len(sim) / 2
    weighted = fitter(compressed)
    assert weighted.n_customers == expanded.n_customers == 3000
    for name, value in expanded.params.items():
        assert weighted.params[name] == pytest.approx(value, rel=1e-5)
        se = expanded.standard_errors[name]
        # SEs come from a finite-difference Hessian (of a finite-difference gradient for
        # Pareto/NBD): equal to well under 1 %
        assert weighted.standard_errors[name] == pytest.approx(se, rel=5e-3)
    assert weighted.log_likelihood == pytest.approx(expanded.log_likelihood, rel=1e-9)


def test_weighted_bgbb_and_gamma_gamma_equal_expanded():
    sim = simulate_bgbb(4000, 6, alpha=1.2, beta=0.75, gamma=0.66, delta=2.8, seed=2)
    c = compress(sim, ["frequency", "recency", "n_periods"])
    a, b = fit_bgbb(sim), fit_bgbb(c)
    assert b.params == pytest.approx(a.params, rel=1e-5)
    x = np.repeat([1.0, 2.0, 3.0, 4.0], 50)
    z = np.tile(simulate_gamma_gamma(np.array([1.0, 2, 3, 4] * 50), p=6, q=4, v=15, seed=3), 1)
    frame = pd.DataFrame({"frequency": x, "monetary_value": z})
    unique = frame.groupby(["frequency", "monetary_value"]).size().reset_index(name="weights")
    doubled = pd.concat([frame, frame])
    g1 = fit_gamma_gamma(doubled)
    g2 = fit_gamma_gamma(unique.assign(weights=unique.weights * 2))
    assert g2.params == pytest.approx(g1.params, rel=1e-5)


@pytest.mark.slow
def test_bgnbd_recovers_known_parameters_on_a_million_customers():
    truth = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    rng = np.random.default_rng(0)
    T = rng.integers(1, 53, 1_000_000).astype(float)
    sim = simulate_bgnbd(1_000_000, T, **truth, seed=11)
    fit = fit_bgnbd(sim)
    for name, value in truth.items():
        z = (fit.params[name] - value) / fit.standard_errors[name]
        assert abs(z) < 3, (name, fit.params[name], fit.standard_errors[name])


# -- closed forms against simulation --------------------------------------------------------


def _law_of_total_expectation(model, sim, t):
    """E over histories of E[Y(t) | history at T] = E[X(T + t)] - E[X(T)]."""
    x, t_x, T = (sim[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    conditional = model.expected_purchases(t, x, t_x, T).mean()
    unconditional = (model.expected_purchases_new(T + t) - model.expected_purchases_new(T)).mean()
    return conditional, unconditional


@pytest.mark.parametrize(
    ("model", "simulate"),
    [
        (BGNBDFit(r=0.243, alpha=4.414, a=0.793, b=2.426), simulate_bgnbd),
        (MBGNBDFit(r=0.525, alpha=6.183, a=0.891, b=1.614), simulate_mbgnbd),
        (ParetoNBDFit(r=0.553, alpha=10.578, s=0.606, beta=11.669), simulate_pareto_nbd),
    ],
)
def test_predictions_agree_with_simulation(model, simulate):
    n = 200_000
    sim = simulate(n, 39.0, **model.params, seed=5)
    # new-customer expectation vs the simulated mean purchases by T = 39
    mean = sim.frequency.mean()
    se = sim.frequency.std() / np.sqrt(n)
    assert float(model.expected_purchases_new(39.0)) == pytest.approx(mean, abs=4 * se)
    # conditional expectations average to the unconditional increment
    conditional, unconditional = _law_of_total_expectation(model, sim, 39.0)
    assert conditional == pytest.approx(unconditional, rel=0.02)
    # the frequency distribution (where the model has one)
    if hasattr(model, "probability_of_purchases"):
        expected = model.probability_of_purchases(np.arange(5), 39.0)
        observed = np.bincount(sim.frequency.astype(int), minlength=5)[:5] / n
        np.testing.assert_allclose(observed, expected, atol=4 * np.sqrt(0.25 / n))


def test_bgbb_predictions_agree_with_simulation():
    model = BGBBFit(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
    n = 200_000
    sim = simulate_bgbb(n, 11, **model.params, seed=6)
    assert float(model.expected_purchases_new(11)) == pytest.approx(
        sim.frequency.mean(), abs=4 * sim.frequency.std() / np.sqrt(n)
    )
    expected = model.probability_of_purchases(np.arange(12), 11)
    observed = np.bincount(sim.frequency.astype(int), minlength=12) / n
    np.testing.assert_allclose(observed, expected, atol=4 * np.sqrt(0.25 / n))
    # conditional expectation: first 6 periods as calibration, 5 more as holdout
    cal = simulate_bgbb(n, 6, **model.params, seed=7)
    x, t_x = cal.frequency.to_numpy(), cal.recency.to_numpy()
    conditional = model.expected_purchases(5, x, t_x, 6).mean()
    increment = float(model.expected_purchases_new(11) - model.expected_purchases_new(6))
    assert conditional == pytest.approx(increment, rel=0.02)
