"""BG/BB expected purchases against a direct sum over the opportunities, at and around
the drop-out shape ``gamma = 1`` where the closed form's ``delta/(gamma-1)`` is 0/0.

An alive customer transacts with probability ``p`` at each opportunity and is still alive
at opportunity ``t`` with probability ``(1-theta)^t``; averaged over
``theta ~ Beta(gamma, delta)`` that is ``B(gamma, delta+t)/B(gamma, delta)``, so

    E[X(n)] = alpha/(alpha+beta) sum_{t=1..n} B(gamma, delta+t)/B(gamma, delta)

and given a history, with the likelihood ``L`` summed term by term (Fader, Hardie &
Shang 2010, eq. 5) and the posterior of ``p`` and ``theta``,

    E[X(n, n+n*) | x, t_x, n] = B(alpha+x+1, beta+n-x)/B(alpha, beta)
                                sum_{t=n+1..n+n*} B(gamma, delta+t)/B(gamma, delta) / L
"""

from __future__ import annotations

import math

import pytest

from payback.clv import BGBBFit

ALPHA, BETA, DELTA = 1.204, 0.750, 2.783
# at 1, 1 -+ 1e-9, on both sides of the series' range (|gamma - 1| < 2e-4), and far away
GAMMAS = [1.0, 1 - 1e-9, 1 + 1e-9, 1 - 1e-6, 1 + 1.9e-4, 1 - 2.1e-4, 1.01, 0.657, 3.0]


def _beta(a: float, b: float) -> float:
    return math.exp(math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))


def _alive(gamma: float, t: int) -> float:
    return _beta(gamma, DELTA + t) / _beta(gamma, DELTA)


def _expected_new(gamma: float, n: int) -> float:
    return ALPHA / (ALPHA + BETA) * math.fsum(_alive(gamma, t) for t in range(1, n + 1))


def _expected_given(gamma: float, n_future: int, x: int, t_x: int, n: int) -> float:
    a, b, g, d = ALPHA, BETA, gamma, DELTA
    likelihood = _beta(a + x, b + n - x) / _beta(a, b) * _beta(g, d + n) / _beta(g, d)
    likelihood += math.fsum(
        _beta(a + x, b + t_x - x + i) / _beta(a, b) * _beta(g + 1, d + t_x + i) / _beta(g, d)
        for i in range(n - t_x)
    )
    future = math.fsum(_alive(g, t) for t in range(n + 1, n + n_future + 1))
    return _beta(a + x + 1, b + n - x) / _beta(a, b) * future / likelihood


@pytest.mark.parametrize("gamma", GAMMAS)
def test_new_customer_matches_the_direct_sum(gamma):
    m = BGBBFit(alpha=ALPHA, beta=BETA, gamma=gamma, delta=DELTA)
    got = m.expected_purchases_new([1, 6, 30, 100])
    want = [_expected_new(gamma, n) for n in (1, 6, 30, 100)]
    assert got.tolist() == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("gamma", GAMMAS)
def test_conditional_expectation_matches_the_direct_sum(gamma):
    m = BGBBFit(alpha=ALPHA, beta=BETA, gamma=gamma, delta=DELTA)
    histories = [(6, 6, 6), (3, 5, 6), (0, 0, 6), (1, 2, 10)]
    for n_future in (1, 5, 20):
        got = m.expected_purchases(n_future, *(list(col) for col in zip(*histories, strict=True)))
        want = [_expected_given(gamma, n_future, *h) for h in histories]
        assert got.tolist() == pytest.approx(want, rel=1e-9), n_future
