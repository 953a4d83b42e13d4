"""BG/NBD with one drop-out probability ``p`` for every customer: the boundary model.

When the data do not identify the *heterogeneity* of drop-out, the BG/NBD's likelihood
keeps rising as ``a, b -> infinity`` with ``a/(a+b) -> p``: the beta distribution of the
drop-out probability collapses onto one value ``p`` (UCI Online Retail: ``a = 3.4e8``,
``b = 5.9e11``, ``a/(a+b) = 5.8e-4``). The supremum is then attained by this nested
model, three parameters ``r, alpha, p`` (``p -> 0`` is the NBD without drop-out). While
alive a customer buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)`` and
drops out after each repeat purchase with probability ``p``.

Likelihood of one customer, with ``A = G(r+x) alpha^r / G(r)``::

    L = A [ (1-p)^x / (alpha+T)^(r+x) + [x > 0] p (1-p)^(x-1) / (alpha+t_x)^(r+x) ]

(the BG/NBD's with ``B(a, b+x)/B(a, b) -> (1-p)^x`` and ``B(a+1, b+x-1)/B(a, b) ->
p (1-p)^(x-1)``), evaluated in log space with ``logaddexp``. Alive at ``T`` with rate
``lambda``, drop-outs arrive at rate ``lambda p``, so ``E[Y(t) | lambda] = (1 -
exp(-lambda p t))/p``; averaged over the posterior ``lambda ~ Gamma(r+x, alpha+T)``::

    E[Y(t) | x, t_x, T] = P(alive) (1/p) [1 - ((alpha+T)/(alpha+T+p t))^(r+x)]
    P(alive) = 1 / (1 + [x > 0] p/(1-p) ((alpha+T)/(alpha+t_x))^(r+x))

and for a new customer ``E[X(t)] = (1/p) [1 - (alpha/(alpha+p t))^r]``. Each is the limit
of the BG/NBD formula at ``a = p K, b = (1-p) K``, ``K -> infinity``
(tests/clv/test_bgnbd_fixed.py checks it to 1e-6 at K = 1e6 .. 1e9).

``p`` is fitted on the log scale like every parameter (:mod:`payback.clv._optim`);
``log(1-p)`` is ``log1p(-p)``, and trial steps to ``p >= 1`` are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from payback._lazy import lazy_module
from payback.clv._base import ModelFit
from payback.clv._inputs import read_rft
from payback.clv._optim import _PHI_LIMIT, dot, maximize

np = lazy_module("numpy")
special = lazy_module("scipy.special")

__all__ = [
    "BGNBDFixedFit",
    "NBDFit",
    "boundary_fit",
    "boundary_instead",
    "boundary_of",
    "fit_bgnbd_fixed",
    "fit_bgnbd_or_boundary",
    "fit_nbd",
    "simulate_bgnbd_fixed",
]

#: What predictions say when they use this model in place of a degenerate BG/NBD.
BOUNDARY_NOTE = (
    "drop-out heterogeneity not identified: fitted BG/NBD with one drop-out probability "
    "p={p:.3g} for every customer (the limit a, b -> infinity)"
)


def _log_p_1mp(p: float) -> tuple[float, float]:
    return (-np.inf if p == 0 else float(np.log(p))), float(np.log1p(-p))


@dataclass(frozen=True, kw_only=True)
class BGNBDFixedFit(ModelFit):
    """A fitted BG/NBD with one drop-out probability ``p`` for every customer.

    Attributes
    ----------
    r, alpha : float
        Gamma distribution of purchase rates (alpha in the time unit of the data).
    p : float
        Probability of dropping out after each repeat purchase, in (0, 1).

    Examples
    --------
    >>> m = BGNBDFixedFit(r=0.826, alpha=68.8, p=5.8e-4)
    >>> m.p_alive([0, 2], [0, 30.0], [300.0, 300.0]).round(4)
    array([1.    , 0.9766])
    """

    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "p")
    model_name: ClassVar[str] = "BG/NBD, one p"

    r: float
    alpha: float
    p: float

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """``1 / (1 + [x>0] p/(1-p) ((alpha+T)/(alpha+t_x))^(r+x))``, in [0, 1]."""
        x, t_x, T = self._as(frequency, recency, T)
        lp, l1p = _log_p_1mp(self.p)
        d = lp - l1p + (self.r + x) * (np.log(self.alpha + T) - np.log(self.alpha + t_x))
        return special.expit(-np.where(x > 0, d, -np.inf))

    def _bracket(self, shape, scale, t):
        """``(1/p) [1 - (scale/(scale + p t))^shape]`` without cancellation at small p;
        ``shape t / scale`` at p = 0."""
        if self.p == 0:
            return shape * t / scale
        return -np.expm1(-shape * np.log1p(self.p * t / scale)) / self.p

    def expected_purchases_new(self, t: Any) -> np.ndarray:
        """Expected repeat purchases of a new customer in ``(0, t]``:
        ``(1/p) [1 - (alpha/(alpha + p t))^r]``.

        Examples
        --------
        >>> BGNBDFixedFit(r=1.0, alpha=10.0, p=0.1).expected_purchases_new([10.0]).round(4)
        array([0.9091])
        """
        (t,) = self._as(t)
        return self._bracket(self.r, self.alpha, t)

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Expected purchases in the next ``t`` of a customer with history ``(x, t_x, T)``:
        ``P(alive) (1/p) [1 - ((alpha+T)/(alpha+T+p t))^(r+x)]``.

        Examples
        --------
        >>> m = BGNBDFixedFit(r=1.0, alpha=10.0, p=0.1)
        >>> round(float(m.expected_purchases(10.0, 0, 0, 10.0)), 4)
        0.4762
        """
        t, x, t_x, T = self._as(t, frequency, recency, T)
        return self.p_alive(x, t_x, T) * self._bracket(self.r + x, self.alpha + T, t)

    def probability_of_purchases(self, n: Any, t: Any) -> np.ndarray:
        """``P(X(t) = n)`` for a new customer::

            (1-p)^n NB(n; t) + [n>0] p (1-p)^(n-1) (1 - sum_{j<n} NB(j; t))

        with ``NB(j; t) = G(r+j)/(G(r) j!) (alpha/(alpha+t))^r (t/(alpha+t))^j``.

        Examples
        --------
        >>> m = BGNBDFixedFit(r=0.5, alpha=5.0, p=0.2)
        >>> round(float(m.probability_of_purchases(np.arange(300), 20.0).sum()), 6)
        1.0
        """
        n, t = np.broadcast_arrays(*self._as(n, t))
        r, alpha = self.r, self.alpha
        lp, l1p = _log_p_1mp(self.p)
        log_q = np.log(alpha / (alpha + t))
        with np.errstate(divide="ignore"):
            log_z = np.log(t / (alpha + t))

        def nb(j):
            with np.errstate(invalid="ignore"):
                power = np.where(j == 0, 0.0, j * log_z)
            return np.exp(
                special.gammaln(r + j)
                - special.gammaln(r)
                - special.gammaln(j + 1)
                + r * log_q
                + power
            )

        below = np.zeros(n.shape)
        acc = np.zeros(n.shape)
        for j in range(int(n.max(initial=0))):
            acc = acc + nb(j)
            below = np.where(n == j + 1, acc, below)
        second = np.where(n > 0, np.exp(lp + (n - 1) * l1p) * (1 - below), 0.0)
        return np.exp(n * l1p) * nb(n) + second


@dataclass(frozen=True, kw_only=True)
class NBDFit(BGNBDFixedFit):
    """The NBD: purchase rates ``lambda ~ Gamma(r, alpha)`` and no drop-out (``p = 0``),
    the limit of :class:`BGNBDFixedFit` as ``p -> 0``: ``P(alive) = 1``,
    ``E[Y(t) | x, t_x, T] = (r+x) t / (alpha+T)``, ``E[X(t)] = r t / alpha``.

    Examples
    --------
    >>> m = NBDFit(r=1.0, alpha=10.0)
    >>> float(m.expected_purchases(10.0, 1, 5.0, 10.0)), float(m.p_alive(1, 5.0, 10.0))
    (1.0, 1.0)
    """

    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha")
    model_name: ClassVar[str] = "NBD"

    p: float = 0.0


def _nbd_objective(x, T, w):
    """Mean negative log-likelihood of the NBD in ``log(r, alpha)`` and its gradient."""
    W = float(w.sum())

    def objective(phi):
        r, alpha = np.exp(np.asarray(phi, dtype=float))
        lT = np.log(alpha + T)
        ll = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) - (r + x) * lT
        g_r = r * (special.digamma(r + x) - special.digamma(r) + np.log(alpha) - lT)
        g_a = r - alpha * (r + x) / (alpha + T)
        return -dot(w, ll) / W, -np.array([dot(w, g_r), dot(w, g_a)]) / W

    return objective


def fit_nbd(
    frequency: Any, recency: Any = None, T: Any = None, weights: Any = None, *, penalizer=0.0
) -> NBDFit:
    """Fit the NBD (no drop-out) by maximum likelihood; ``recency`` is not used.

    >>> sim = simulate_bgnbd_fixed(4000, 39.0, r=0.5, alpha=6.0, p=1e-9, seed=3)
    >>> fit = fit_nbd(sim)
    >>> abs(fit.r - 0.5) < 3 * fit.standard_errors["r"]
    True
    """
    x, _, T_, w = read_rft(NBDFit.model_name, frequency, recency, T, weights)
    start = (1.0, max(float(np.average(T_, weights=w)) / 4, 1e-3))
    res = maximize(
        _nbd_objective(x, T_, w),
        start,
        NBDFit.param_names,
        n_customers=float(w.sum()),
        model=NBDFit.model_name,
        penalizer=penalizer,
    )
    return NBDFit.from_mle(res)


class _Objective:
    """Mean negative log-likelihood in ``phi = log(r, alpha, p)`` and its gradient.

    Per customer ``ll = ln A + logaddexp(u1, u2)`` with ``u1 = x ln(1-p) - (r+x)
    ln(alpha+T)`` and ``u2 = ln p + (x-1) ln(1-p) - (r+x) ln(alpha+t_x)`` (x > 0 only);
    with ``w = expit(u2 - u1)`` the weight of the second branch, the gradient is that of
    each branch mixed by ``1-w`` and ``w``.
    """

    def __init__(self, x, t_x, T, w):
        self.x, self.t_x, self.T, self.w = x, t_x, T, w
        self.W = float(w.sum())
        self.rep = x > 0

    def __call__(self, phi):
        r, alpha, p = np.exp(np.asarray(phi, dtype=float))
        if not p < 1:
            return np.inf, np.zeros(3)
        x, w, W = self.x, self.w, self.W
        lT, lt = np.log(alpha + self.T), np.log(alpha + self.t_x)
        lp, l1p = np.log(p), np.log1p(-p)
        u1 = x * l1p - (r + x) * lT
        u2 = np.where(self.rep, lp + (x - 1) * l1p - (r + x) * lt, -np.inf)
        ll = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        ll = ll + np.logaddexp(u1, u2)
        v = special.expit(u2 - u1)  # weight of the "dropped out at t_x" branch
        g_r = r * (
            special.digamma(r + x) - special.digamma(r) + np.log(alpha) - (1 - v) * lT - v * lt
        )
        g_a = r - alpha * (r + x) * ((1 - v) / (alpha + self.T) + v / (alpha + self.t_x))
        odds = p / (1 - p)
        g_p = (1 - v) * (-x * odds) + v * (1 - (x - 1) * odds)
        grad = np.array([dot(w, g_r), dot(w, g_a), dot(w, g_p)])
        return -dot(w, ll) / W, -grad / W


def fit_bgnbd_fixed(
    frequency: Any,
    recency: Any = None,
    T: Any = None,
    weights: Any = None,
    *,
    penalizer: float = 0.0,
    start: tuple[float, float, float] | None = None,
) -> BGNBDFixedFit:
    """Fit the BG/NBD with one drop-out probability ``p`` by maximum likelihood.

    Parameters
    ----------
    frequency, recency, T : array-like
        Repeat purchases, time of the last purchase and age of each customer (or one
        table with these columns and optionally ``weights``, as first argument).
    weights : array-like, optional
        Customers sharing each history (see :func:`payback.clv.compress`).
    penalizer : float
        L2 penalty on the parameters; 0 by default.
    start : (r, alpha, p), optional
        Starting values (default: 1, the mean age / 4 ... see the code, and 0.1).

    Returns
    -------
    BGNBDFixedFit
        With standard errors and the log-parameters' covariance (intervals); degenerate
        fits (``p`` to 0: no drop-out at all) are refused by :mod:`payback.clv._optim`.

    Examples
    --------
    Customers simulated with one drop-out probability; the fit recovers each parameter
    within three standard errors:

    >>> true = {"r": 0.5, "alpha": 6.0, "p": 0.15}
    >>> sim = simulate_bgnbd_fixed(5000, 39.0, **true, seed=7)
    >>> fit = fit_bgnbd_fixed(sim)
    >>> all(abs(fit.params[k] - v) < 3 * fit.standard_errors[k] for k, v in true.items())
    True
    """
    model = BGNBDFixedFit.model_name
    x, t_x, T_, w = read_rft(model, frequency, recency, T, weights)
    if start is None:
        start = (1.0, max(float(np.average(T_, weights=w)) / 4, 1e-3), 0.1)
    res = maximize(
        _Objective(x, t_x, T_, w),
        start,
        BGNBDFixedFit.param_names,
        n_customers=float(w.sum()),
        model=model,
        penalizer=penalizer,
    )
    return BGNBDFixedFit.from_mle(res)


#: Half the 95 % point of chi-square with one degree of freedom: a boundary model whose
#: log-likelihood is within this of the degenerate BG/NBD's is not worse by a
#: likelihood-ratio test, so it replaces it (it is conservative on the boundary).
BOUNDARY_LR = 1.92


def boundary_of(error: Any) -> float | None:
    """``p = a/(a+b)`` when a BG/NBD fit was refused for its drop-out parameters alone
    (``a`` and/or ``b`` ran off or have near-singular information, ``r`` and ``alpha``
    identified): the drop-out heterogeneity is not identified, and the boundary model
    (every customer the same ``p``) is the candidate; else None. The beta distribution
    of ``p`` tends to one point as ``a, b -> infinity`` (at ``a/(a+b)``), ``a -> 0``
    (at 0) or ``b -> 0`` (at 1), not when both go to 0 (two points).

    Examples
    --------
    >>> from payback.errors import DegenerateFitError
    >>> e = DegenerateFitError("", model="BG/NBD", reason="a, b ran off to 0 or infinity",
    ...     params={"r": 0.8, "alpha": 69.0, "a": 3.42e8, "b": 5.94e11},
    ...     unidentified=("a", "b"))
    >>> round(boundary_of(e), 7)
    0.0005753
    >>> e = DegenerateFitError("", model="BG/NBD", reason="near-singular information",
    ...     params={"r": 0.8, "alpha": 69.0, "a": 0.0034, "b": 5.9},
    ...     unidentified=("a",))
    >>> round(boundary_of(e), 6)
    0.000576
    >>> e = DegenerateFitError("", model="BG/NBD", reason="near-singular information",
    ...     params={"r": 1e-9, "alpha": 66.0, "a": 0.5, "b": 0.26},
    ...     unidentified=("r",))
    >>> boundary_of(e) is None
    True
    """
    params = getattr(error, "params", {})
    loose = set(getattr(error, "unidentified", ()))
    if getattr(error, "model", None) != "BG/NBD" or not {"a", "b"} <= set(params):
        return None
    if not loose or not loose <= {"a", "b"}:
        return None
    a, b = params["a"], params["b"]
    if max(a, b) < float(np.exp(-_PHI_LIMIT)):
        return None  # a, b -> 0 together: two masses, at p = 0 and p = 1, not one p
    return a / (a + b)


def boundary_instead(error: Any, table: Any, *, penalizer: float = 0.0) -> tuple[Any, str] | None:
    """The boundary model in place of a degenerate BG/NBD, and the sentence that says
    so, or None when it does not apply: the BG/NBD was refused for ``a, b`` alone
    (:func:`boundary_of`) and the boundary fit (:func:`boundary_fit`) is not worse by a
    likelihood-ratio test, ``LL(boundary) >= LL(BG/NBD where it stopped) - 1.92``
    (:data:`BOUNDARY_LR`; when ``a, b`` run off the boundary is the supremum itself).
    A boundary model that is itself degenerate raises, as :func:`boundary_fit`.
    """
    p = boundary_of(error)
    if p is None:
        return None
    fit, note = boundary_fit(table, p, penalizer=penalizer)
    stopped = getattr(error, "log_likelihood", None)
    if stopped is not None and fit.log_likelihood < stopped - BOUNDARY_LR:
        return None
    return fit, f"{note}; BG/NBD itself is degenerate ({error.reason})"


def fit_bgnbd_or_boundary(table: Any, *, penalizer: float = 0.0) -> tuple[Any, str | None]:
    """BG/NBD, or its boundary model when its drop-out heterogeneity is not identified
    (:func:`boundary_instead`): ``(fit, None)`` or ``(boundary fit, why)``; other
    degenerate fits raise as :func:`payback.clv.fit_bgnbd` does."""
    from payback.clv.bgnbd import fit_bgnbd
    from payback.errors import DegenerateFitError

    try:
        return fit_bgnbd(table, penalizer=penalizer), None
    except DegenerateFitError as e:
        instead = boundary_instead(e, table, penalizer=penalizer)
        if instead is None:
            raise
        return instead


def simulate_bgnbd_fixed(
    n_customers: int, T: Any, *, r: float, alpha: float, p: float, seed: int | None = None
):
    """Simulate histories ``(frequency, recency, T)`` with one drop-out probability ``p``.

    >>> simulate_bgnbd_fixed(3, 10.0, r=1.0, alpha=1.0, p=0.2, seed=0).shape
    (3, 3)
    """
    from payback.clv.simulate import _ages, _frame, _last_purchase

    rng = np.random.default_rng(seed)
    T = _ages(n_customers, T)
    lam = rng.gamma(r, 1 / alpha, n_customers)
    last = rng.geometric(p, n_customers)  # repeat purchases before dropping out
    n_arrivals = rng.poisson(lam * T)
    x = np.minimum(n_arrivals, last)
    return _frame(x, _last_purchase(rng, x, n_arrivals, T), T)


def boundary_fit(table: Any, p: float, *, penalizer: float = 0.0) -> tuple[BGNBDFixedFit, str]:
    """The boundary model of a BG/NBD whose ``a, b`` ran off with ``a/(a+b) -> p``, and the
    sentence that says so: the one-``p`` model started at ``p``; when its own ``p`` is
    not identified either (degenerate in ``p`` alone: the likelihood flat from ``p = 0``
    on), the next boundary, the NBD without drop-out (``p = 0``).

    Raises
    ------
    payback.errors.DegenerateFitError
        When the NBD is degenerate too (then nothing in the family is identified).
    """
    from payback.errors import DegenerateFitError

    try:
        fit = fit_bgnbd_fixed(table, penalizer=penalizer, start=(1.0, 10.0, min(max(p, 1e-6), 0.5)))
        return fit, BOUNDARY_NOTE.format(p=fit.p)
    except DegenerateFitError as e:
        if not ("se(p)" in e.reason or "p ran off" in e.reason) or "se(r)" in e.reason:
            raise
        why = e.reason
    nbd = fit_nbd(table, penalizer=penalizer)
    return nbd, (
        f"drop-out not identified: BG/NBD's beta distribution of p collapsed (a + b ran off to "
        f"infinity, a/(a+b) = {p:.3g}) and "
        f"with one drop-out probability for every customer p is not identified either "
        f"({why}): fitted the NBD without drop-out (p = 0, the limit of both), so every "
        f"customer counts as alive"
    )
