"""The BG/NBD likelihood evaluated per distinct x, T and t_x, and the Newton fit.

The objective (payback.clv._bg_objective) is checked against the per-customer formula
of Fader, Hardie & Lee (2005) written out here, its Hessian against central differences
of its gradient; the fit of a large table (plain Newton steps from a subsample's
estimate, payback.clv._optim.maximize_large: BG/NBD, MBG/NBD, Gamma-Gamma) against the
trust-region fit from the default start, with and without a penalizer.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from payback.clv import compress, fit_bgnbd, fit_gamma_gamma, fit_mbgnbd, gamma_gamma
from payback.clv._inputs import read_rft
from payback.clv._optim import maximize
from payback.clv.bgnbd import _start, bg_objective
from payback.clv.compress import codes
from payback.clv.simulate import simulate_bgnbd, simulate_gamma_gamma


def _per_customer_ll(theta, x, t_x, T, shift):
    """ln L of each customer, straight from the paper's formula (MBG/NBD: shift 1)."""
    r, alpha, a, b = theta
    c = shift
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    alive = special.betaln(a, b + x + c) - special.betaln(a, b) - (r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        dead = (
            special.betaln(a + 1, b + x + c - 1)
            - special.betaln(a, b)
            - (r + x) * np.log(alpha + t_x)
        )
    dead = np.where(x + c > 0, dead, -np.inf)
    return common + np.logaddexp(alive, dead)


def _data(daily: bool):
    sim = simulate_bgnbd(3000, 300.0, r=2.0, alpha=60.0, a=1.2, b=12.0, seed=5)
    x, t_x, T = (sim[k].to_numpy(float) for k in ("frequency", "recency", "T"))
    if daily:  # whole days: few distinct T and t_x
        t_x, T = np.floor(t_x), np.floor(T)
        t_x = np.where(x > 0, np.minimum(t_x, T), 0.0)
    return x, t_x, T


@pytest.mark.parametrize("daily", [True, False])
@pytest.mark.parametrize("shift", [0, 1])
def test_value_gradient_hessian(daily, shift):
    x, t_x, T = _data(daily)
    w = np.arange(x.size) % 3 + 1.0
    objective = bg_objective(x, t_x, T, w, shift)
    # whole days: a short table of recencies; otherwise one entry per distinct recency
    assert (objective.ut.size < x.size // 2) == daily
    theta = np.array([1.7, 55.0, 0.9, 9.0])
    phi = np.log(theta)
    f = objective(phi)[0]
    expected = -float(w @ _per_customer_ll(theta, x, t_x, T, shift)) / w.sum()
    assert f == pytest.approx(expected, rel=1e-13)
    step = 1e-5
    numeric = np.empty((4, 4))
    for i in range(4):
        e = np.zeros(4)
        e[i] = step
        numeric[:, i] = (objective(phi + e)[1] - objective(phi - e)[1]) / (2 * step)
    np.testing.assert_allclose(objective.hessian(phi), numeric, rtol=1e-6, atol=1e-9)
    # the gradient by central differences of the value
    for i in range(4):
        e = np.zeros(4)
        e[i] = step
        slope = (objective(phi + e)[0] - objective(phi - e)[0]) / (2 * step)
        assert objective(phi)[1][i] == pytest.approx(slope, rel=1e-6, abs=1e-10)


def test_codes_number_like_unique():
    rng = np.random.default_rng(1)
    for values in (
        rng.integers(-50, 400, 5000).astype(float),  # whole numbers: by counting
        rng.uniform(0, 10, 500),  # continuous: by sorting
        np.array([3, 3, 1], dtype=np.int64),
        np.array([1e9, 0.0]),  # a span too wide to count
    ):
        u, i = codes(values)
        ref_u, ref_i = np.unique(values, return_inverse=True)
        np.testing.assert_array_equal(u, ref_u)
        np.testing.assert_array_equal(i, ref_i)


def test_large_fit_by_newton_equals_the_trust_region_fit():
    sim = simulate_bgnbd(260_000, 400.0, r=2.0, alpha=60.0, a=1.2, b=12.0, seed=11)
    sim = sim.assign(recency=np.floor(sim.recency), T=np.floor(sim["T"]))
    x, t_x, T = (sim[k].to_numpy(float) for k in ("frequency", "recency", "T"))
    fit = fit_bgnbd(x, t_x, T)  # > 200,000 rows: subsample, then Newton steps
    w = np.ones(x.size)
    names = ["r", "alpha", "a", "b"]
    reference = maximize(
        bg_objective(x, t_x, T, w, 0), _start(x, t_x, T, w), names, n_customers=x.size, model="BG"
    )
    near = np.array(list(reference.params.values())) * [1.03, 0.97, 1.02, 0.98]
    newton = maximize(
        bg_objective(x, t_x, T, w, 0), near, names, n_customers=x.size, model="BG", close_start=True
    )
    assert newton.n_iterations <= 4
    assert newton.params == pytest.approx(reference.params, rel=1e-7)
    for k, v in reference.params.items():
        assert fit.params[k] == pytest.approx(v, rel=1e-7)
    assert fit.log_likelihood == pytest.approx(reference.log_likelihood, rel=1e-12)
    # compressed: the same estimate; and MBG/NBD shares the path
    assert fit_bgnbd(compress(sim)).params == pytest.approx(fit.params, rel=1e-7)
    assert fit_mbgnbd(compress(sim)).params == pytest.approx(fit_mbgnbd(sim).params, rel=1e-7)
    # with a penalizer: the Newton steps take its gradient and curvature too
    penalized = fit_bgnbd(x, t_x, T, penalizer=0.01)
    reference = maximize(
        bg_objective(x, t_x, T, w, 0),
        _start(x, t_x, T, w),
        names,
        n_customers=x.size,
        model="BG",
        penalizer=0.01,
    )
    assert penalized.params == pytest.approx(reference.params, rel=1e-7)
    assert penalized.params["b"] < fit.params["b"] * 0.9  # the penalty did pull


def test_large_gamma_gamma_fit_equals_the_trust_region_fit():
    x = np.random.default_rng(2).integers(1, 12, 240_000).astype(float)
    z = simulate_gamma_gamma(x, p=6.0, q=4.0, v=150.0, seed=3)
    fit = fit_gamma_gamma(x, z)  # > 200,000 rows: subsample, then Newton steps
    w = np.ones(x.size)
    reference = maximize(
        gamma_gamma._objective(x, z, w),
        [1.0, 2.0, float(z.mean())],
        ["p", "q", "v"],
        n_customers=x.size,
        model="GG",
    )
    assert fit.params == pytest.approx(reference.params, rel=1e-6)
    assert fit.log_likelihood == pytest.approx(reference.log_likelihood, rel=1e-12)


def test_input_checks_name_the_row_across_blocks():
    """The checks that round or multiply run block by block (payback.clv._inputs.blockwise):
    a bad row past the first block is still the one named, with the count of the others."""
    from payback.errors import InputError

    n = 70_000  # more than one block of 65,536
    x, t_x, T = np.full(n, 2.0), np.full(n, 5.0), np.full(n, 9.0)
    x[66_000], x[69_999] = 1.5, 3.25
    with pytest.raises(
        InputError, match=r"'frequency', row 66000 \(0-based\) and 1 more: got 1\.5"
    ):
        fit_bgnbd(x, t_x, T)
    x[66_000] = x[69_999] = 2.0
    t_x[69_999] = 9.5
    with pytest.raises(
        InputError, match=r"'recency', row 69999 \(0-based\): got 9\.5, expected recency <= T"
    ):
        fit_bgnbd(x, t_x, T)
    t_x[69_999] = 9.0 * (1 + 1e-13)  # above T by a rounding: accepted, as before
    checked = read_rft("BG/NBD", x, t_x, T, None)
    assert checked[1][69_999] > checked[2][69_999]
    assert checked[3].sum() == n  # default weights: one customer per row
