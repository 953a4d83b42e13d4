"""MBG/CNBD-k: the MBG/NBD with Erlang-k inter-purchase times (Platzer & Reutterer).

While alive a customer's inter-purchase times are Erlang-k with rate ``lambda`` (mean
``k / lambda``), ``lambda ~ Gamma(r, alpha)``; at the first and after each repeat
purchase they drop out with probability ``p ~ Beta(a, b)``. ``k = 1`` is the MBG/NBD;
``k > 1`` means regular buying (Reutterer, Platzer & Schröder 2020; BTYDplus
``mbgcnbd.*``). For one customer with history
``(x, t_x, T)`` and ``litt`` = the sum of the logs of their inter-purchase times::

    ln L = (k-1) litt - x ln((k-1)!) + ln B(a, b+x+1) - ln B(a, b)
           + ln G(r+kx) - ln G(r) + r ln alpha - (r+kx) ln(alpha+T)
           + ln[ a/(b+x) ((alpha+T)/(alpha+t_x))^(r+kx)
                 + sum_{j<k} G(r+kx+j)/(G(r+kx) j!) ((T-t_x)/(alpha+T))^j ]

The first two terms do not depend on ``(r, alpha, a, b)``: a fit at a given ``k`` needs
only ``(x, t_x, T)``; choosing ``k`` (the largest likelihood over k = 1, 2, ..., as
``mbgcnbd.EstimateParameters``: stop after two successive decreases) needs the total
``sum_i litt_i`` as well (:mod:`payback.clv.regularity`). The conditional expectation is
BTYDplus's: the MBG/NBD formula with ``alpha`` scaled by ``k`` times ``P(alive)`` (exact
for ``k = 1``), and for a whole cohort (:meth:`MBGCNBDFit.expected_purchases_cohort`)
rescaled to the exact unconditional expectation of the cohort (BTYDplus's bias
correction).

On the CDNOW 1/10 sample (39 weeks) the likelihood picks ``k = 1``, as BTYDplus
reports (``demo/cdnow.R``: "k=1 -> no regularity detected for CDNow"): the MBG/NBD fit
r 0.525, alpha 6.183, a 0.891, b 1.614; at k = 2 and 3 the published fits are
r 0.580, alpha 2.288, a 1.135, b 1.585 and r 0.533, alpha 1.258, a 1.289, b 1.845
(BTYDplus ``demos/cdnow.r``, 2014, as CBG/CNBD-k).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from payback._lazy import lazy_module
from payback.clv._base import ModelFit
from payback.clv._inputs import read_rft
from payback.clv._optim import maximize, numeric_gradient
from payback.errors import InputError, ModelFitError

np = lazy_module("numpy")
special = lazy_module("scipy.special")
stats = lazy_module("scipy.stats")

__all__ = ["MBGCNBDFit", "fit_mbgcnbd", "xbgcnbd_log_likelihood"]

#: the largest k tried when choosing it (BTYDplus: 12)
MAX_K = 12


def xbgcnbd_log_likelihood(params, x, t_x, T, litt=0.0, *, shift: int = 1) -> np.ndarray:
    """Per-customer log-likelihood of the (M)BG/CNBD-k, vectorised (the module notes).

    Parameters
    ----------
    params : sequence
        ``(k, r, alpha, a, b)``, ``k`` a positive integer.
    x, t_x, T, litt : array-like
        Repeat purchases, recency, age and sum of log inter-purchase times.
    shift : {1, 0}
        1: MBG/CNBD-k (drop-out also at the first purchase); 0: BG/CNBD-k.

    Examples
    --------
    BTYDplus's C++ test values (``xbgcnbd_ll_cpp``, BG/CNBD-k, k = 3):

    >>> xbgcnbd_log_likelihood((3, 0.5, 2, 0.3, 0.6), [3, 4], 12, 14, 3, shift=0).round(5)
    array([-10.425  , -12.22396])
    """
    k, r, alpha, a, b = params
    k = int(k)
    x, t_x, T, litt = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, t_x, T, litt)))
    c = shift
    rkx = r + k * x
    base = (k - 1) * litt - x * math.lgamma(k) + special.betaln(a, b + x + c) - special.betaln(a, b)
    base = base + special.gammaln(rkx) - special.gammaln(r) + r * np.log(alpha)
    base = base - rkx * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s1 = np.log(a) - np.log(b + x + c - 1) + rkx * (np.log(alpha + T) - np.log(alpha + t_x))
    if not c:
        log_s1 = np.where(x > 0, log_s1, -np.inf)
    terms = [log_s1, np.zeros_like(x)]
    with np.errstate(divide="ignore"):
        log_gap = np.log(T - t_x) - np.log(alpha + T)
    for j in range(1, k):
        term = special.gammaln(rkx + j) - special.gammaln(rkx) - math.lgamma(j + 1) + j * log_gap
        terms.append(np.where(t_x < T, term, -np.inf))
    return base + special.logsumexp(np.stack(terms), axis=0)


def _nb_log_pmf(j: np.ndarray, r: float, alpha: float, t: np.ndarray) -> np.ndarray:
    """``ln P(N(t) = j)`` of the NBD (gamma mixture of Poisson counts), t > 0."""
    return (
        special.gammaln(r + j)
        - special.gammaln(r)
        - special.gammaln(j + 1)
        + r * np.log(alpha / (alpha + t))
        + j * np.log(t / (alpha + t))
    )


@dataclass(frozen=True, kw_only=True)
class MBGCNBDFit(ModelFit):
    """A fitted MBG/CNBD-k model (the module notes).

    Attributes
    ----------
    k : int
        Erlang order of the inter-purchase times (1 = MBG/NBD: exponential).
    r, alpha : float
        Gamma distribution of purchase rates (alpha in the time unit of the data).
    a, b : float
        Beta distribution of the drop-out probability at each purchase.

    Examples
    --------
    >>> m = MBGCNBDFit(k=1, r=0.525, alpha=6.183, a=0.891, b=1.614)  # = MBG/NBD on CDNOW
    >>> m.p_alive([0, 2], [0, 30.43], [38.86, 38.86]).round(3)
    array([0.39 , 0.706])
    """

    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    _shift: ClassVar[int] = 1

    k: int = 1
    r: float
    alpha: float
    a: float
    b: float

    @property
    def model_name(self) -> str:  # type: ignore[override]
        """``MBG/CNBD-k`` with its k: ``MBG/CNBD-2``."""
        return f"MBG/CNBD-{self.k}"

    def _log_odds_dead(self, x, t_x, T):
        """``ln(P(dead) / P(alive))``: ``ln S1 - ln S2`` of the likelihood's bracket."""
        k, r, alpha, a, b = self.k, self.r, self.alpha, self.a, self.b
        rkx = r + k * x
        log_s1 = np.log(a) - np.log(b + x) + rkx * (np.log(alpha + T) - np.log(alpha + t_x))
        terms = [np.zeros_like(log_s1)]
        with np.errstate(divide="ignore"):
            log_gap = np.log(T - t_x) - np.log(alpha + T)
        for j in range(1, k):
            term = special.gammaln(rkx + j) - special.gammaln(rkx) - math.lgamma(j + 1)
            terms.append(np.where(t_x < T, term + j * log_gap, -np.inf))
        return log_s1 - special.logsumexp(np.stack(terms), axis=0)

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """``P(alive | x, t_x, T) = 1 / (1 + S1 / S2)`` (BTYDplus ``mbgcnbd.PAlive``).

        Examples
        --------
        >>> m = MBGCNBDFit(k=2, r=0.580, alpha=2.288, a=1.135, b=1.585)
        >>> m.p_alive([0, 2, 2], [0, 30.43, 10], [38.86, 38.86, 38.86]).round(3)
        array([0.288, 0.682, 0.05 ])
        """
        x, t_x, T = np.broadcast_arrays(*self._as(frequency, recency, T))
        return special.expit(-self._log_odds_dead(x, t_x, T))

    def probability_of_purchases(self, n: Any, t: Any) -> np.ndarray:
        """``P(X(t) = n)`` for a new customer (BTYDplus ``xbgcnbd_pmf_cpp``)::

            B(a, b+n+1)/B(a, b) [ sum_{i=kn}^{kn+k-1} NB(i; t) + a/(b+n) (1 - sum_{i<kn} NB(i; t)) ]

        Examples
        --------
        BTYDplus's C++ test value, k = 3, r = 0.5, alpha = 2, a = 0.3, b = 0.6:

        >>> m = MBGCNBDFit(k=3, r=0.5, alpha=2, a=0.3, b=0.6)
        >>> round(float(m.probability_of_purchases(2, 10)), 5)
        0.04548
        >>> round(float(m.probability_of_purchases(np.arange(400), 10).sum()), 6)
        1.0
        """
        n, t = np.broadcast_arrays(*self._as(n, t))
        k, r, alpha, a, b = self.k, self.r, self.alpha, self.a, self.b
        top = int(k * (n.max(initial=0) + 1))
        j = np.arange(top)
        shape = n.shape
        n, t = n.ravel(), t.ravel()
        safe_t = np.where(t > 0, t, 1.0)
        nb = np.exp(_nb_log_pmf(j[None, :], r, alpha, safe_t[:, None]))
        cdf = np.concatenate([np.zeros((t.size, 1)), np.cumsum(nb, axis=1)], axis=1)
        rows = np.arange(t.size)
        kn = (k * n).astype(int)
        within = cdf[rows, kn + k] - cdf[rows, kn]
        below = cdf[rows, kn]  # P(N(t) <= kn - 1)
        weight = np.exp(special.betaln(a, b + n + 1) - special.betaln(a, b))
        out = weight * (within + a / (b + n) * (1 - below))
        return np.where(t > 0, out, (n == 0).astype(float)).reshape(shape)

    def expected_purchases_new(self, t: Any) -> np.ndarray:
        """``E[X(t)] = sum_n n P(X(t) = n)``, exact (BTYDplus ``mbgcnbd.Expectation``),
        computed once per distinct ``t``.

        Examples
        --------
        At k = 1 it is the MBG/NBD's closed form:

        >>> from payback.clv import MBGNBDFit
        >>> m = MBGCNBDFit(k=1, r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> closed = MBGNBDFit(r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> bool(np.allclose(m.expected_purchases_new([1, 39, 78]),
        ...                  closed.expected_purchases_new([1, 39, 78])))
        True
        """
        (t,) = self._as(t)
        u, inv = np.unique(t.ravel(), return_inverse=True)
        top = max(u.max(initial=0.0), 1.0)
        q = stats.nbinom.ppf(1 - 1e-12, self.r, self.alpha / (self.alpha + top))
        n = np.arange(int(max(100, q / self.k + 50)))
        probs = self.probability_of_purchases(n[None, :], u[:, None])
        return (probs @ n.astype(float))[inv].reshape(t.shape)

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Expected purchases in the next ``t`` given ``(x, t_x, T)`` (BTYDplus's
        approximation, exact for k = 1)::

            (a+b+x)/(a-1) [1 - ((k alpha+T)/(k alpha+T+t))^(r+x)
                           2F1(r+x, b+x+1; a+b+x; t/(k alpha+T+t))] P(alive)

        Examples
        --------
        >>> from payback.clv import MBGNBDFit
        >>> m = MBGCNBDFit(k=1, r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> mbg = MBGNBDFit(r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> bool(np.isclose(m.expected_purchases(39, 2, 30.43, 38.86),
        ...                 mbg.expected_purchases(39, 2, 30.43, 38.86), rtol=1e-12))
        True
        """
        t, x, t_x, T = self._as(t, frequency, recency, T)
        r, a, b = self.r, self.a, self.b
        a = a if abs(a - 1) > 1e-7 else 1 + 1e-7  # removable 0/0 at a = 1
        scale = self.k * self.alpha + T
        z = t / (scale + t)
        bracket = 1 - np.exp((r + x) * np.log(scale / (scale + t))) * special.hyp2f1(
            r + x, b + x + 1, a + b + x, z
        )
        return (a + b + x) / (a - 1) * bracket * self.p_alive(x, t_x, T)

    def expected_purchases_cohort(
        self, t: Any, frequency: Any, recency: Any, T: Any, weights: Any = None
    ) -> np.ndarray:
        """:meth:`expected_purchases` of a whole cohort, rescaled for k > 1 so that their
        total equals the exact unconditional ``sum_i w_i (E[X(T_i+t)] - E[X(T_i)])``
        (BTYDplus's bias correction, applied there to cohorts of 100 or more)."""
        t, x, t_x, T = np.broadcast_arrays(*self._as(t, frequency, recency, T))
        w = np.ones(x.shape) if weights is None else np.asarray(weights, dtype=float)
        out = self.expected_purchases(t, x, t_x, T)
        if self.k == 1:
            return out
        exact = self.expected_purchases_new(T + t) - self.expected_purchases_new(T)
        return out * (float(w.ravel() @ exact.ravel()) / float(w.ravel() @ out.ravel()))


class _Objective:
    """Mean negative log-likelihood at a fixed k in ``phi = log(r, alpha, a, b)``."""

    def __init__(self, k: int, x, t_x, T, w):
        self.k, self.x, self.t_x, self.T, self.w = k, x, t_x, T, w
        self.W = float(w.sum())

    def value(self, phi) -> float:
        params = (self.k, *np.exp(phi))
        ll = xbgcnbd_log_likelihood(params, self.x, self.t_x, self.T)
        return -float(self.w @ ll) / self.W

    def __call__(self, phi):
        return self.value(phi), numeric_gradient(self.value, phi)


def fit_mbgcnbd(
    frequency: Any,
    recency: Any = None,
    T: Any = None,
    weights: Any = None,
    *,
    k: int | None = None,
    litt: Any = None,
    penalizer: float = 0.0,
) -> MBGCNBDFit:
    """Fit the MBG/CNBD-k by maximum likelihood (BTYDplus ``mbgcnbd.EstimateParameters``).

    Parameters
    ----------
    frequency, recency, T : array-like
        Repeat purchases, recency and age per customer (or one table with these
        columns, optionally ``weights`` and ``litt``, as first argument).
    weights : array-like, optional
        Customers sharing each history.
    k : int, optional
        The Erlang order; default: chosen by the likelihood over 1..12, which needs
        ``litt``.
    litt : array-like or float, optional
        Each row's sum of log inter-purchase times (BTYDplus ``elog2cbs``'s ``litt``,
        summed over the customers a row stands for), or their total over all customers.
    penalizer : float
        L2 penalty on the parameters.

    Returns
    -------
    MBGCNBDFit
        ``log_likelihood`` includes the ``litt`` terms when ``litt`` is given.

    Raises
    ------
    payback.errors.InputError
        Neither ``k`` nor ``litt``.
    payback.errors.ModelFitError

    Examples
    --------
    >>> from payback.clv.simulate import simulate_mbgnbd
    >>> sim = simulate_mbgnbd(3000, 39.0, r=0.5, alpha=6.0, a=0.9, b=1.6, seed=7)
    >>> fit = fit_mbgcnbd(sim, k=1)
    >>> fit.k, round(fit.r, 1)
    (1, 0.5)
    """
    model = "MBG/CNBD-k"
    if litt is None and hasattr(frequency, "columns") and "litt" in frequency.columns:
        litt = frequency["litt"].to_numpy(float)
    x, t_x, T_, w = read_rft(model, frequency, recency, T, weights)
    if k is None and litt is None:
        raise InputError(
            f"{model}: choosing k needs the sum of log inter-purchase times (a 'litt' "
            f"column, as BTYDplus's elog2cbs gives, or litt=TOTAL); got neither k nor litt. "
            f"Give k (1 = MBG/NBD), or fit from the store (`payback ltv fit --model "
            f"mbgcnbd`, which reads the purchases) or compare on a transaction file "
            f"(`payback ltv check -t FILE`)"
        )
    litt_total = 0.0 if litt is None else float(np.sum(np.asarray(litt, dtype=float)))
    n_intervals = float(w @ x)
    if k is not None:
        if int(k) != k or k < 1:
            raise InputError(f"{model}: k must be an integer >= 1, got {k!r}")
        return _fit_at(int(k), x, t_x, T_, w, litt_total, n_intervals, penalizer)
    fits: list[MBGCNBDFit] = []
    for kk in range(1, MAX_K + 1):
        try:
            fits.append(_fit_at(kk, x, t_x, T_, w, litt_total, n_intervals, penalizer))
        except ModelFitError:
            break
        lls = [f.log_likelihood for f in fits]
        if kk > 2 and lls[-1] < lls[-2] < lls[-3]:
            break
    if not fits:
        raise ModelFitError(f"{model}: no k from 1 up fits these customers; try mbgnbd")
    return max(fits, key=lambda f: f.log_likelihood)


def _fit_at(k, x, t_x, T, w, litt_total, n_intervals, penalizer) -> MBGCNBDFit:
    mean_x = float(w @ x) / w.sum()
    mean_T = float(w @ T) / w.sum()
    start = [1.0, max(mean_T / max(mean_x, 0.1), 1e-3) / k, 1.0, 1.0]
    res = maximize(
        _Objective(k, x, t_x, T, w),
        start,
        MBGCNBDFit.param_names,
        n_customers=float(w.sum()),
        model=f"MBG/CNBD-{k}",
        penalizer=penalizer,
    )
    erlang = (k - 1) * litt_total - n_intervals * math.lgamma(k)
    return MBGCNBDFit(
        k=k,
        **res.params,
        standard_errors=res.standard_errors,
        log_likelihood=res.log_likelihood + erlang,
        n_customers=res.n_customers,
        penalizer=res.penalizer,
        log_covariance=res.log_covariance,
    )
