"""Empirical-Bayes shrinkage against independent recomputation (SciPy's beta-binomial,
a grid search of the likelihood, the conjugate formulas)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from payback.bids.shrinkage import fit_concentration, shrink_rates, shrink_values


def test_concentration_is_the_maximum_of_scipys_beta_binomial_likelihood():
    rng = np.random.default_rng(3)
    p = rng.beta(3, 97, 300)
    n = rng.integers(20, 400, 300)
    x = rng.binomial(n, p)
    m = np.full(300, 0.03)
    kappa = fit_concentration(x, n, m)
    grid = np.exp(np.linspace(np.log(5), np.log(5000), 400))
    loglik = [stats.betabinom.logpmf(x, n, k * m, k * (1 - m)).sum() for k in grid]
    best = grid[int(np.argmax(loglik))]
    assert kappa == pytest.approx(best, rel=0.03)
    assert 60 < kappa < 160  # the truth: 100


def test_children_that_differ_only_by_chance_are_pooled_completely():
    rng = np.random.default_rng(4)
    n = np.full(200, 300)
    x = rng.binomial(n, 0.05)
    assert fit_concentration(x, n, np.full(200, 0.05)) > 1e5  # ~ the bound, 1e7


def test_one_level_posterior_is_the_conjugate_formula():
    x = np.array([0, 20, 2, 9, 30, 1])
    n = np.array([3, 400, 60, 300, 500, 100])
    fit = shrink_rates(x, n, [np.zeros(6, int), np.zeros(6, int), np.zeros(6, int)])
    pooled = x.sum() / n.sum()
    kappa = fit.kappas[-1]
    k = min(kappa, n.sum())  # a prior weighs at most the clicks it stands on
    np.testing.assert_allclose(fit.mean, (x + k * pooled) / (n + k), rtol=1e-3)
    lo, hi = fit.interval(0.9)
    a, b = x + k * pooled, n - x + k * (1 - pooled)
    np.testing.assert_allclose(lo, stats.beta.ppf(0.05, a, b), rtol=1e-3)
    np.testing.assert_allclose(hi, stats.beta.ppf(0.95, a, b), rtol=1e-3)


def test_three_clicks_are_neither_doubled_nor_zeroed():
    # 40 keywords of one ad group at 4 %, one new keyword: 0 of 3 and 3 of 3
    n = np.r_[np.full(40, 500), 3, 3]
    x = np.r_[np.random.default_rng(5).binomial(500, 0.04, 40), 0, 3]
    fit = shrink_rates(x, n, [np.zeros(42, int)] * 3)
    zero, all_three = fit.mean[-2:]
    assert 0.03 < zero < 0.05 and 0.03 < all_three < 0.06


def test_a_keyword_follows_its_own_ad_group_not_the_account():
    # two ad groups at 2 % and 8 %, each with one tiny keyword
    rng = np.random.default_rng(6)
    n = np.r_[np.full(10, 1000), np.full(10, 1000), 5, 5]
    x = np.r_[rng.binomial(1000, 0.02, 10), rng.binomial(1000, 0.08, 10), 0, 0]
    group = np.r_[np.zeros(10, int), np.ones(10, int), 0, 1]
    fit = shrink_rates(x, n, [np.zeros(22, int), np.zeros(22, int), group])
    assert fit.mean[-2] == pytest.approx(0.02, abs=0.004)
    assert fit.mean[-1] == pytest.approx(0.08, abs=0.01)


def test_value_shrinkage_is_the_normal_normal_formula_on_logs():
    rng = np.random.default_rng(7)
    logs = [np.log(rng.lognormal(4.0 + shift, 0.5, k)) for shift, k in
            [(0.0, 40), (0.3, 60), (-0.3, 50), (0.1, 30), (0.0, 2)]]  # fmt: skip
    s = np.array([v.sum() for v in logs])
    ss = np.array([(v**2).sum() for v in logs])
    x = np.array([len(v) for v in logs], float)
    fit = shrink_values(s, ss, x, [np.zeros(5, int)] * 3)
    sigma2 = sum(((v - v.mean()) ** 2).sum() for v in logs) / (x.sum() - 5)
    assert fit.sigma2 == pytest.approx(sigma2)
    grand = s.sum() / x.sum()
    means = s / x
    between = np.sum(x / x.sum() * (means - grand) ** 2) - sigma2 * 5 / x.sum()
    c = sigma2 / between
    assert fit.pseudo[-1] == pytest.approx(c, rel=1e-6)
    mu = (s + c * grand) / (x + c)
    np.testing.assert_allclose(fit.mean, np.exp(mu + sigma2 / 2), rtol=1e-6)
    assert abs(fit.log_mean[-1] - grand) < abs(means[-1] - grand)  # 2 orders: pulled in


def test_nothing_converted_gives_missing_values_not_errors():
    fit = shrink_values(np.zeros(3), np.zeros(3), np.zeros(3), [np.zeros(3, int)])
    assert np.isnan(fit.mean).all()
    rates = shrink_rates(np.zeros(3), np.zeros(3), [np.zeros(3, int)])
    assert rates.pooled == 0.0 and np.isfinite(rates.mean).all()
