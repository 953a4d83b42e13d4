"""Pareto/NBD: Schmittlein, Morrison & Colombo (1987), in Fader & Hardie's notation.

While alive, a customer buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``;
their lifetime is exponential with rate ``mu ~ Gamma(s, beta)``. Likelihood of one
customer with history ``(x, t_x, T)`` (Fader & Hardie 2005, "A note on deriving the
Pareto/NBD model and related expressions")::

    L = G(r+x) alpha^r beta^s / G(r)
        * [ 1/((alpha+T)^(r+x) (beta+T)^s) + s/(r+s+x) * A0 ]

    A0 = F(t_x) - F(T),   F(y) = 2F1(r+s+x, c; r+s+x+1; |alpha-beta|/(m+y)) / (m+y)^(r+s+x)

with ``m = max(alpha, beta)`` and ``c = s+1`` when ``alpha >= beta``, ``c = r+x``
otherwise: the Gauss hypergeometric argument then lies in [0, 1), where the series
converges. Both terms and the difference ``F(t_x) - F(T)`` are taken in log space
(``log F(t_x) + log1p(-exp(log F(T) - log F(t_x)))``), so nothing under- or overflows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, ClassVar

from payback._lazy import lazy_module
from payback.clv._base import ModelFit
from payback.clv._inputs import read_rft
from payback.clv._optim import maximize

np = lazy_module("numpy")
special = lazy_module("scipy.special")

__all__ = ["ParetoNBDFit", "fit_pareto_nbd"]


def _log_terms(r, alpha, s, beta, x, t_x, T):
    """``(common, alive, dead)`` log terms: ``LL = common + logaddexp(alive, dead)``."""
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    rsx = r + s + x
    if alpha >= beta:
        m, c = alpha, s + 1.0
    else:
        m, c = beta, r + x
    gap = abs(alpha - beta)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_f_tx = np.log(special.hyp2f1(rsx, c, rsx + 1, gap / (m + t_x))) - rsx * np.log(m + t_x)
        log_f_T = np.log(special.hyp2f1(rsx, c, rsx + 1, gap / (m + T))) - rsx * np.log(m + T)
        diff = log_f_T - log_f_tx
        dead = np.log(s) - np.log(rsx) + log_f_tx + np.log1p(-np.exp(np.minimum(diff, 0.0)))
    dead = np.where(diff >= 0, -np.inf, dead)  # t_x == T: no time to die unobserved
    return common, alive, dead


@dataclass(frozen=True, kw_only=True)
class ParetoNBDFit(ModelFit):
    """A fitted Pareto/NBD model.

    Attributes
    ----------
    r, alpha : float
        Gamma distribution of purchase rates (alpha in the time unit of the data).
    s, beta : float
        Gamma distribution of drop-out rates (beta in the time unit of the data).
    """

    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "s", "beta")
    model_name: ClassVar[str] = "Pareto/NBD"

    r: float
    alpha: float
    s: float
    beta: float

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Probability that a customer with history ``(x, t_x, T)`` is still alive.

        ``P(alive) = 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0)``, in [0, 1].

        Examples
        --------
        >>> m = ParetoNBDFit(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> m.p_alive([0, 2, 2], [0, 30.43, 38.86], [38.86, 38.86, 38.86]).round(3)
        array([0.295, 0.869, 1.   ])
        """
        x, t_x, T = np.broadcast_arrays(*self._as(frequency, recency, T))
        _, alive, dead = _log_terms(self.r, self.alpha, self.s, self.beta, x, t_x, T)
        return np.exp(alive - np.logaddexp(alive, dead))

    def expected_purchases_new(self, t: Any) -> np.ndarray:
        """Expected purchases of a new customer in ``(0, t]``.

        ``E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]``
        (``r beta/alpha ln(1 + t/beta)`` when ``s = 1``).

        Examples
        --------
        >>> m = ParetoNBDFit(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> m.expected_purchases_new([39, 78]).round(3)
        array([1.213, 1.909])
        """
        (t,) = self._as(t)
        return self.r / self.alpha * _life_integral(self.s, self.beta, t)

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Expected purchases in the next ``t`` of a customer with history ``(x, t_x, T)``.

        ``E[Y(t) | x, t_x, T] = (r+x)(beta+T) / ((alpha+T)(s-1))
        [1 - ((beta+T)/(beta+T+t))^(s-1)] P(alive)``.

        Examples
        --------
        >>> m = ParetoNBDFit(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> round(float(m.expected_purchases(39, 2, 30.43, 38.86)), 3)
        1.455
        """
        t, x, t_x, T = self._as(t, frequency, recency, T)
        rate = (self.r + x) / (self.alpha + T)
        return rate * _life_integral(self.s, self.beta + T, t) * self.p_alive(x, t_x, T)


def _life_integral(s, beta, t):
    """``E[min(lifetime, t)]`` of an exponential lifetime with a Gamma(s, beta) rate."""
    if abs(s - 1) < 1e-9:
        return beta * np.log1p(t / beta)
    return beta / (s - 1) * -np.expm1((s - 1) * np.log(beta / (beta + t)))


#: panel ends, in multiples of 1/|k| from the end where the integrand is heaviest
_STEPS = (0.25, 0.5, 1, 2, 4, 8, 16, 32, 64)


@functools.cache
def _gauss_legendre(n: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights of one panel, on [0, 1] (made on first use: importing
    payback.clv loads no NumPy)."""
    nodes, weights = np.polynomial.legendre.leggauss(n)
    return (nodes + 1) / 2, weights / 2


def _panels(k: np.ndarray, span: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points ``u`` in [0, span] and weights, per row: Gauss-Legendre (8 points) on panels
    cut at the quarters of the span and at 0.25, 0.5, ..., 64 times 1/|k| from the end
    where ``exp(-k u)`` is largest (so a steep integrand gets small panels where it lives)."""
    with np.errstate(divide="ignore"):
        geo = np.minimum(np.asarray(_STEPS)[None, :] / np.abs(k)[:, None], span[:, None])
    geo = np.where(k[:, None] >= 0, geo, span[:, None] - geo)
    quarters = span[:, None] * np.linspace(0, 1, 5)[None, :]
    cuts = np.sort(np.concatenate([quarters, geo], axis=1), axis=1)
    a, b = cuts[:, :-1, None], cuts[:, 1:, None]
    nodes, node_weights = _gauss_legendre()
    u = (a + (b - a) * nodes).reshape(len(span), -1)
    weights = ((b - a) * node_weights).reshape(len(span), -1)
    return u, weights


def _log_dead(r, alpha, s, beta, x, t_x, T):
    """The "died unobserved" log term and its gradient in ``(r, alpha, s, beta)``.

    ``dead = log D``, ``D = int_{t_x}^{T} s (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau``
    (= ``s/(r+s+x) A0`` of the module notes: die at tau after the last purchase, none
    between). On ``v = log(min(alpha, beta) + tau)`` the integrand is a product of
    near-exponentials; it is integrated by Gauss-Legendre on panels (:func:`_panels`)
    in log space (relative error under 1e-10 against 2F1 on CDNOW and UCI Online Retail,
    over parameters from 0.0025 to 8,000), and its derivatives are the integrals of the
    integrand's log-derivatives with the same points: ``d dead = E_D[d log integrand]``.
    """
    low = min(alpha, beta)
    p_a, p_b = (r + x)[:, None], s + 1.0
    start = np.log(low + t_x)
    span = np.log(low + T) - start

    def log_integrand(v):
        tau = np.exp(v) - low
        return np.log(s) + v - p_a * np.log(alpha + tau) - p_b * np.log(beta + tau), tau

    g0, tau0 = log_integrand(start[:, None])
    k = (p_a * (low + tau0) / (alpha + tau0) + p_b * (low + tau0) / (beta + tau0) - 1)[:, 0]
    u, weights = _panels(k, span)
    g, tau = log_integrand(start[:, None] + u)
    c = g - g0
    top = c.max(axis=1, keepdims=True)
    mass = weights * np.exp(c - top)
    total = mass.sum(axis=1)
    with np.errstate(divide="ignore"):
        dead = np.where(span > 0, g0[:, 0] + top[:, 0] + np.log(total), -np.inf)
    share = mass / np.where(total > 0, total, 1.0)[:, None]
    grad = np.stack(
        [
            -(share * np.log(alpha + tau)).sum(axis=1),
            -(share * p_a / (alpha + tau)).sum(axis=1),
            1 / s - (share * np.log(beta + tau)).sum(axis=1),
            -(share * p_b / (beta + tau)).sum(axis=1),
        ]
    )
    return dead, grad


def _objective(x, t_x, T, w):
    """Mean negative log-likelihood and its analytic gradient in ``phi = log(theta)``,
    vectorised over the (compressed) histories: the closed-form terms differentiated by
    hand, the "dead" term by :func:`_log_dead` (no hypergeometric function, no finite
    differences: one evaluation per optimiser step instead of nine with two 2F1 each)."""
    W = w.sum()

    def objective(phi):
        r, alpha, s, beta = theta = np.exp(phi)
        common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        common = common + s * np.log(beta)
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        dead, d_dead = _log_dead(r, alpha, s, beta, x, t_x, T)
        both = np.logaddexp(alive, dead)
        p_alive = np.exp(alive - both)
        p_dead = np.where(np.isfinite(dead), 1.0 - p_alive, 0.0)
        d_dead = np.where(p_dead > 0, d_dead, 0.0)
        d_common = [
            special.digamma(r + x) - special.digamma(r) + np.log(alpha),
            r / alpha,
            np.log(beta),
            s / beta,
        ]
        d_alive = [-np.log(alpha + T), -(r + x) / (alpha + T), -np.log(beta + T), -s / (beta + T)]
        grad = np.array(
            [float(w @ (d_common[i] + p_alive * d_alive[i] + p_dead * d_dead[i])) for i in range(4)]
        )
        return -float(w @ (common + both)) / W, -grad / W * theta

    return objective


def fit_pareto_nbd(
    frequency: Any,
    recency: Any = None,
    T: Any = None,
    weights: Any = None,
    *,
    penalizer: float = 0.0,
) -> ParetoNBDFit:
    """Fit the Pareto/NBD model by maximum likelihood.

    Parameters
    ----------
    frequency, recency, T : array-like
        Repeat purchases, time of the last purchase and age of each customer (or one
        table with these columns and optionally ``weights``, as first argument).
    weights : array-like, optional
        Customers sharing each history (see :func:`payback.clv.compress`).
    penalizer : float
        L2 penalty on the parameters; 0 by default.

    Returns
    -------
    ParetoNBDFit

    Raises
    ------
    payback.errors.InputError, payback.errors.ModelFitError

    Notes
    -----
    The likelihood is maximised with its analytic gradient: the integral behind ``A0``
    by Gauss-Legendre quadrature (:func:`_log_dead`), vectorised over the histories;
    compress the data first (:func:`payback.clv.compress`) to keep them few. The
    predictions (``p_alive``, ``expected_purchases``) use the closed form with 2F1.

    Examples
    --------
    Customers simulated with known parameters; the fit recovers each within three
    standard errors:

    >>> from payback.clv.simulate import simulate_pareto_nbd
    >>> true = {"r": 0.55, "alpha": 10.6, "s": 0.6, "beta": 11.7}
    >>> sim = simulate_pareto_nbd(5000, 39.0, **true, seed=7)
    >>> fit = fit_pareto_nbd(sim.frequency, sim.recency, sim["T"])
    >>> all(abs(fit.params[k] - v) < 3 * fit.standard_errors[k] for k, v in true.items())
    True
    """
    model = "Pareto/NBD"
    x, t_x, T_, w = read_rft(model, frequency, recency, T, weights)
    mean_x = float(w @ x) / w.sum()
    mean_T = float(w @ T_) / w.sum()
    start = [1.0, max(mean_T / max(mean_x, 0.1), 1e-3), 1.0, max(mean_T, 1e-3)]
    res = maximize(
        _objective(x, t_x, T_, w),
        start,
        ParetoNBDFit.param_names,
        n_customers=float(w.sum()),
        model=model,
        penalizer=penalizer,
    )
    return ParetoNBDFit.from_mle(res)
