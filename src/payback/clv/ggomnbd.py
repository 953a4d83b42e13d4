"""Gamma/Gompertz/NBD: Bemmaor & Glady (2012), "Modeling purchasing behavior with sudden
'death': a flexible customer lifetime model", Management Science 58(5).

While alive, a customer buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``
(as in the Pareto/NBD); the lifetime ``tau`` is Gompertz with scale ``b`` and a
customer's own ``eta ~ Gamma(s, beta)``: ``P(tau > y | eta) = exp(-eta (e^{b y} - 1))``,
so over customers

    S(y) = P(tau > y) = (beta / (beta + e^{b y} - 1))^s.

``b > 0`` lets the drop-out hazard grow with age; as ``b -> 0`` with ``beta / b`` fixed
the lifetime is exponential with a Gamma(s, beta / b) rate, the Pareto/NBD (which the
model nests at that boundary). Likelihood of one history ``(x, t_x, T)``, as BTYDplus's
``ggnbd.LL`` (mplatzer/BTYDplus before commit e7be738, 2016)::

    L = G(r+x) alpha^r / G(r) * [ (alpha+T)^-(r+x) S(T)
        + int_{t_x}^{T} (alpha+y)^-(r+x) f(y) dy ],
    f(y) = b s beta^s e^{b y} (beta + e^{b y} - 1)^-(s+1)     (the lifetime density).

The integral has no closed form; it is taken by Gauss-Legendre quadrature on panels
(:func:`payback.clv.pareto_nbd._panels`), in log space, vectorised over the distinct
histories, with the analytic gradient (the integral of the integrand's log-derivatives).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from payback._lazy import lazy_module
from payback.clv._base import ModelFit
from payback.clv._inputs import read_rft
from payback.clv._optim import maximize
from payback.clv.pareto_nbd import _panels, fit_pareto_nbd
from payback.errors import DegenerateFitError, PaybackError

np = lazy_module("numpy")
special = lazy_module("scipy.special")

__all__ = ["GammaGompertzNBDFit", "fit_ggomnbd"]


def _log_aging(b, beta, y):
    """``log(beta + e^{b y} - 1)`` without overflow (``expm1`` for small ``b y``)."""
    by = b * np.asarray(y, dtype=float)
    with np.errstate(over="ignore"):
        small = np.log(beta + np.expm1(np.minimum(by, 50.0)))
    big = by + np.log1p((beta - 1.0) * np.exp(-np.maximum(by, 50.0)))
    return np.where(by < 50.0, small, big)


def _log_dead(r, alpha, b, s, beta, x, t_x, T):
    """``log D`` and its gradient in ``(r, alpha, b, s, beta)``, per history.

    ``D = int_{t_x}^{T} b s beta^s e^{b y} (beta + e^{b y} - 1)^-(s+1) (alpha + y)^-(r+x) dy``
    (die at ``y`` after the last purchase, none between): Gauss-Legendre on panels cut where
    the integrand falls by ``e^-1/4 .. e^-64`` from its heavy end; ``d log D = E_D[d log g]``.
    """
    p = (r + x)[:, None]
    span = T - t_x

    def log_integrand(y):
        aging = _log_aging(b, beta, y)
        g = np.log(b * s) + s * np.log(beta) + b * y - (s + 1) * aging - p * np.log(alpha + y)
        return g, aging

    start = t_x[:, None]
    g0, aging0 = log_integrand(start)
    # minus the log-derivative at t_x: the decay rate the panels follow
    k = (p / (alpha + start) + (s + 1) * b * np.exp(b * start - aging0) - b)[:, 0]
    u, weights = _panels(k, span)
    y = start + u
    g, aging = log_integrand(y)
    c = g - g0
    top = c.max(axis=1, keepdims=True)
    mass = weights * np.exp(c - top)
    total = mass.sum(axis=1)
    with np.errstate(divide="ignore"):
        dead = np.where(span > 0, g0[:, 0] + top[:, 0] + np.log(total), -np.inf)
    share = mass / np.where(total > 0, total, 1.0)[:, None]
    grow = np.exp(b * y - aging)  # e^{b y} / (beta + e^{b y} - 1)
    grad = np.stack(
        [
            -(share * np.log(alpha + y)).sum(axis=1),
            -(share * p / (alpha + y)).sum(axis=1),
            1 / b + (share * y * (1 - (s + 1) * grow)).sum(axis=1),
            1 / s + np.log(beta) - (share * aging).sum(axis=1),
            s / beta - (share * (s + 1) * np.exp(-aging)).sum(axis=1),
        ]
    )
    return dead, grad


def _log_alive(r, alpha, b, s, beta, x, T):
    """``log[(alpha+T)^-(r+x) S(T)]`` and its gradient in ``(r, alpha, b, s, beta)``."""
    aging = _log_aging(b, beta, T)
    alive = -(r + x) * np.log(alpha + T) + s * (np.log(beta) - aging)
    grad = [
        -np.log(alpha + T),
        -(r + x) / (alpha + T),
        -s * T * np.exp(b * T - aging),
        np.log(beta) - aging,
        s / beta - s * np.exp(-aging),
    ]
    return alive, grad


def _objective(x, t_x, T, w):
    """Mean negative log-likelihood and its gradient in ``phi = log(theta)``."""
    W = w.sum()

    def objective(phi):
        r, alpha, b, s, beta = theta = np.exp(phi)
        common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        alive, d_alive = _log_alive(r, alpha, b, s, beta, x, T)
        dead, d_dead = _log_dead(r, alpha, b, s, beta, x, t_x, T)
        both = np.logaddexp(alive, dead)
        p_alive = np.exp(alive - both)
        p_dead = np.where(np.isfinite(dead), 1.0 - p_alive, 0.0)
        d_dead = np.where(p_dead > 0, d_dead, 0.0)
        d_common = [special.digamma(r + x) - special.digamma(r) + np.log(alpha), r / alpha]
        d_common += [0.0, 0.0, 0.0]
        grad = np.array(
            [float(w @ (d_common[i] + p_alive * d_alive[i] + p_dead * d_dead[i])) for i in range(5)]
        )
        return -float(w @ (common + both)) / W, -grad / W * theta

    return objective


@dataclass(frozen=True, kw_only=True)
class GammaGompertzNBDFit(ModelFit):
    """A fitted Gamma/Gompertz/NBD model (Bemmaor & Glady 2012).

    Attributes
    ----------
    r, alpha : float
        Gamma distribution of purchase rates (alpha in the time unit of the data).
    b : float
        Gompertz scale (per time unit): the drop-out hazard grows as ``e^{b y}`` with age.
    s, beta : float
        Gamma distribution of the customers' drop-out propensities ``eta``.
    """

    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "b", "s", "beta")
    model_name: ClassVar[str] = "Gamma/Gompertz/NBD"

    r: float
    alpha: float
    b: float
    s: float
    beta: float

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Probability that a customer with history ``(x, t_x, T)`` is still alive.

        ``P(alive) = (alpha+T)^-(r+x) S(T) / [(alpha+T)^-(r+x) S(T) + D]`` with ``D`` the
        "died unobserved" integral of the module notes.

        Examples
        --------
        BTYDplus's published CDNOW fit (the Pareto/NBD limit, ``beta / b`` = 11.4):

        >>> m = GammaGompertzNBDFit(r=0.55259, alpha=10.56802, b=0.00013, s=0.60828,
        ...                         beta=0.00148)
        >>> m.p_alive([0, 2, 2], [0, 30.43, 38.86], [38.86, 38.86, 38.86]).round(3)
        array([0.289, 0.868, 1.   ])
        """
        x, t_x, T = (a.ravel() for a in np.broadcast_arrays(*self._as(frequency, recency, T)))
        shape = np.broadcast_shapes(*(np.shape(v) for v in (frequency, recency, T)))
        p = self.params
        alive, _ = _log_alive(p["r"], p["alpha"], p["b"], p["s"], p["beta"], x, T)
        dead, _ = _log_dead(p["r"], p["alpha"], p["b"], p["s"], p["beta"], x, t_x, T)
        return np.exp(alive - np.logaddexp(alive, dead)).reshape(shape)

    def _life(self, T: np.ndarray, t: np.ndarray) -> np.ndarray:
        """``E[min(tau - T, t) | tau > T]``: ``int_0^t (beta* / (beta* + e^{bT}(e^{bu}-1)))^s du``
        with ``beta* = beta + e^{bT} - 1`` (the propensity's posterior given survival to T)."""
        b, s = self.b, self.s
        log_star = _log_aging(b, self.beta, T)
        with np.errstate(divide="ignore"):
            k = s * b * np.exp(b * T - log_star)  # initial decay rate of the residual survival
            u, weights = _panels(np.maximum(k, 1e-300), t)
        log_grow = (b * T - log_star)[:, None] + np.log(np.expm1(b * u) + 1e-300)
        survival = np.exp(-s * np.logaddexp(0.0, log_grow))
        return (weights * survival).sum(axis=1)

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Expected purchases in the next ``t`` of a customer with history ``(x, t_x, T)``.

        ``E[Y(t) | x, t_x, T] = (r+x)/(alpha+T) P(alive)
        int_0^t (beta* / (beta* + e^{bT}(e^{bu} - 1)))^s du``, ``beta* = beta + e^{bT} - 1``:
        given alive at ``T`` the purchase rate is Gamma(r+x, alpha+T) and ``eta`` is
        Gamma(s, beta*). (BTYDplus's ``ggnbd.ConditionalExpectedTransactions``, disabled in
        2016 as "far too high", wrote ``beta* + e^{bu} - 1``, dropping the ``e^{bT}``.)

        Examples
        --------
        >>> m = GammaGompertzNBDFit(r=0.55259, alpha=10.56802, b=0.00013, s=0.60828,
        ...                         beta=0.00148)
        >>> round(float(m.expected_purchases(39, 2, 30.43, 38.86)), 3)
        1.449
        """
        t, x, t_x, T = np.broadcast_arrays(*self._as(t, frequency, recency, T))
        shape = t.shape
        t, x, t_x, T = (a.ravel() for a in (t, x, t_x, T))
        rate = (self.r + x) / (self.alpha + T)
        return (rate * self._life(T, t) * self.p_alive(x, t_x, T)).reshape(shape)

    def expected_purchases_new(self, t: Any) -> np.ndarray:
        """Expected purchases of a new customer in ``(0, t]``: ``r/alpha int_0^t S(u) du``.

        Examples
        --------
        >>> m = GammaGompertzNBDFit(r=0.55259, alpha=10.56802, b=0.00013, s=0.60828,
        ...                         beta=0.00148)
        >>> m.expected_purchases_new([39, 78]).round(3)
        array([1.201, 1.885])
        """
        (t,) = self._as(t)
        flat = t.ravel()
        return (self.r / self.alpha * self._life(np.zeros_like(flat), flat)).reshape(t.shape)


def fit_ggomnbd(
    frequency: Any,
    recency: Any = None,
    T: Any = None,
    weights: Any = None,
    *,
    penalizer: float = 0.0,
) -> GammaGompertzNBDFit:
    """Fit the Gamma/Gompertz/NBD model by maximum likelihood.

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
    GammaGompertzNBDFit

    Raises
    ------
    payback.errors.InputError, payback.errors.ModelFitError
    payback.errors.DegenerateFitError
        When the likelihood runs to the Pareto/NBD boundary (``b``, ``beta -> 0``).

    Notes
    -----
    Compress the data first (:func:`payback.clv.compress`): the cost is one quadrature
    (about 100 points) per distinct history and optimiser step. The likelihood can have
    more than one local maximum; the fit is started twice and keeps the higher: from
    ``r = s = beta = 1``, ``b = 3 / T_max``, and from the Pareto/NBD fit (``r, alpha, s``,
    ``beta_P``) at ``b = 0.1 / T_max``, ``beta = b beta_P``, close to the Pareto/NBD the
    model nests. When ``b`` runs off to 0 the error says so: it is the Pareto/NBD.

    Examples
    --------
    >>> from payback.clv.simulate import simulate_ggomnbd
    >>> true = {"r": 0.85, "alpha": 4.45, "b": 0.12, "s": 0.75, "beta": 9.55}
    >>> sim = simulate_ggomnbd(4000, 32.0, **true, seed=1)
    >>> sim["recency"] = sim.recency.round()  # whole weeks: few distinct histories
    >>> from payback.clv import compress
    >>> fit = fit_ggomnbd(compress(sim))
    >>> all(abs(fit.params[k] - v) < 3 * fit.standard_errors[k] for k, v in true.items())
    True
    """
    model = "Gamma/Gompertz/NBD"
    x, t_x, T_, w = read_rft(model, frequency, recency, T, weights)
    span = max(float(T_.max()), 1e-6)
    mean_x, mean_T = float(w @ x) / w.sum(), float(w @ T_) / w.sum()
    starts = [[1.0, max(mean_T / max(mean_x, 0.1), 1e-3), 3.0 / span, 1.0, 1.0]]
    try:  # the Pareto/NBD the model nests, at a small b
        pareto = fit_pareto_nbd(x, t_x, T_, w).params
        b0 = 0.1 / span
        starts.append([pareto["r"], pareto["alpha"], b0, pareto["s"], b0 * pareto["beta"]])
    except PaybackError:
        pass
    found, failed = [], []
    for start in starts:
        try:
            found.append(
                maximize(
                    _objective(x, t_x, T_, w),
                    start,
                    GammaGompertzNBDFit.param_names,
                    n_customers=float(w.sum()),
                    model=model,
                    penalizer=penalizer,
                )
            )
        except DegenerateFitError as e:
            failed.append(_pareto_limit(e))
    if not found:
        raise min(failed, key=lambda e: "Pareto/NBD limit" not in e.reason)
    return GammaGompertzNBDFit.from_mle(max(found, key=lambda res: res.log_likelihood))


def _pareto_limit(error: DegenerateFitError) -> DegenerateFitError:
    """``error`` named for what it is when ``b`` ran off to 0: the Pareto/NBD limit
    (``b, beta -> 0``, ``beta / b`` = the Pareto/NBD's ``beta``), which model ``pareto`` fits."""
    p = error.params
    if "b" not in error.unidentified or p["b"] > 1e-6:
        return error
    ratio = p["beta"] / p["b"]
    reason = f"{error.reason}: the Pareto/NBD limit, beta/b = {ratio:.4g}; fit model pareto"
    return DegenerateFitError(
        f"{error} (b -> 0 is the Pareto/NBD with beta = beta/b = {ratio:.4g}: use model pareto)",
        model=error.model,
        params=p,
        reason=reason,
        unidentified=error.unidentified,
        log_likelihood=error.log_likelihood,
    )
