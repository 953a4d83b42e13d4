"""BG/BB: the beta-geometric / beta-Bernoulli model of discrete purchase opportunities.

Fader, Hardie & Shang (2010), "Customer-base analysis in a discrete-time noncontractual
setting", Marketing Science 29(6). At each of ``n`` opportunities (yearly donation
drives, weekly shows ...) an alive customer transacts with probability
``p ~ Beta(alpha, beta)``; before each opportunity they may die with probability
``theta ~ Beta(gamma, delta)``. A history is ``x`` transactions, the last at
opportunity ``t_x``, out of ``n``. Likelihood::

    L = B(alpha+x, beta+n-x)/B(alpha, beta) * B(gamma, delta+n)/B(gamma, delta)
        + sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/B(alpha, beta)
                              * B(gamma+1, delta+t_x+i)/B(gamma, delta)

taken in log space with a log-sum-exp over the ``n - t_x + 1`` terms (vectorised as a
rows x terms array, masked beyond each row's number of terms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from payback._lazy import lazy_module
from payback.clv._base import ModelFit
from payback.clv._inputs import _bad, check_array, check_weights, read_columns
from payback.clv._optim import maximize
from payback.errors import InputError

np = lazy_module("numpy")
special = lazy_module("scipy.special")

__all__ = ["BGBBFit", "fit_bgbb"]


def _terms(al, be, ga, de, x, t_x, n):
    """Log terms of the likelihood, shape (rows, 1 + max(n - t_x)); -inf where absent."""
    k = int(np.max(n - t_x))
    i = np.arange(k)[None, :]
    xs, txs, ns = x[:, None], t_x[:, None], n[:, None]
    lb_ab, lb_gd = special.betaln(al, be), special.betaln(ga, de)
    alive = special.betaln(al + x, be + n - x) - lb_ab + special.betaln(ga, de + n) - lb_gd
    with np.errstate(invalid="ignore"):
        died = (
            special.betaln(al + xs, be + txs - xs + i)
            - lb_ab
            + special.betaln(ga + 1, de + txs + i)
            - lb_gd
        )
    died = np.where(i < ns - txs, died, -np.inf)
    return np.concatenate([alive[:, None], died], axis=1), i


#: below this ``|gamma - 1|`` the drop-out factor uses its Taylor series around 1
_NEAR_ONE = 2e-4


def _alive_opportunities(g, d, m0, m1):
    """Expected opportunities in ``(m0, m1]`` at which a customer alive at ``m0`` is
    still alive: ``sum_{t=m0+1..m1} B(g, d+t)/B(g, d+m0) = (d+m0)/(g-1) [1 - exp(D)]``
    (one ``g = gamma``, ``d = delta``; arrays ``m0 <= m1``) with

    ``D = ln G(1+d+m1) - ln G(g+d+m1) - ln G(1+d+m0) + ln G(g+d+m0)``,

    which is 0 at ``gamma = 1`` (the closed form's 0/0). Near 1 (``|e| < 2e-4``,
    ``e = gamma - 1``) the series ``-(d+m0) (A + e (B + A^2)/2 + e^2 (C + 3AB + A^3)/6)``
    with ``A, B, C`` the first three derivatives of ``D`` at ``gamma = 1``
    (``A = psi(1+d+m0) - psi(1+d+m1)``, so at ``gamma = 1`` the value is
    ``(d+m0) (psi(1+d+m1) - psi(1+d+m0))``); elsewhere ``-(d+m0) expm1(D) / e``. Both are
    accurate to about 1e-10 relative.
    """
    m0, m1 = np.asarray(m0, float), np.asarray(m1, float)
    e = g - 1
    if abs(e) < _NEAR_ONE:
        lo, hi = 1 + d + m0, 1 + d + m1
        A, B, C = (special.polygamma(k, lo) - special.polygamma(k, hi) for k in (0, 1, 2))
        return -(d + m0) * (A + e * (B + A * A) / 2 + e * e * (C + 3 * A * B + A**3) / 6)
    D = (
        special.gammaln(1 + d + m1)
        - special.gammaln(g + d + m1)
        - special.gammaln(1 + d + m0)
        + special.gammaln(g + d + m0)
    )
    return -(d + m0) * np.expm1(D) / e


@dataclass(frozen=True, kw_only=True)
class BGBBFit(ModelFit):
    """A fitted BG/BB model.

    Attributes
    ----------
    alpha, beta : float
        Beta distribution of the transaction probability per opportunity.
    gamma, delta : float
        Beta distribution of the drop-out probability per opportunity.
    """

    param_names: ClassVar[tuple[str, ...]] = ("alpha", "beta", "gamma", "delta")
    model_name: ClassVar[str] = "BG/BB"

    alpha: float
    beta: float
    gamma: float
    delta: float

    def _log_likelihood(self, x, t_x, n):
        x, t_x, n = (np.atleast_1d(v).astype(float) for v in np.broadcast_arrays(x, t_x, n))
        terms, _ = _terms(self.alpha, self.beta, self.gamma, self.delta, x, t_x, n)
        return special.logsumexp(terms, axis=1)

    def p_alive(self, frequency: Any, recency: Any, n_periods: Any) -> np.ndarray:
        """Probability that the customer is alive at opportunity ``n + 1``, in [0, 1].

        ``B(alpha+x, beta+n-x)/B(alpha, beta) B(gamma, delta+n+1)/B(gamma, delta) / L``

        Examples
        --------
        >>> m = BGBBFit(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
        >>> m.p_alive([6, 0], [6, 0], [6, 6]).round(3)
        array([0.93 , 0.108])
        """
        x, t_x, n = self._as(frequency, recency, n_periods)
        shape = np.broadcast(x, t_x, n).shape
        a, b, g, d = self.alpha, self.beta, self.gamma, self.delta
        top = (
            special.betaln(a + x, b + n - x)
            - special.betaln(a, b)
            + special.betaln(g, d + n + 1)
            - special.betaln(g, d)
        )
        return np.exp(top - self._log_likelihood(x, t_x, n)).reshape(shape)

    def expected_purchases_new(self, n: Any) -> np.ndarray:
        """Expected transactions of a new customer in the first ``n`` opportunities.

        ``alpha/(alpha+beta) delta/(gamma-1)
        [1 - G(gamma+delta)/G(gamma+delta+n) G(1+delta+n)/G(1+delta)]``; at ``gamma = 1``
        its limit ``alpha/(alpha+beta) delta (psi(1+delta+n) - psi(1+delta))``.

        Examples
        --------
        >>> m = BGBBFit(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
        >>> m.expected_purchases_new([1, 6]).round(3)
        array([0.498, 2.22 ])
        """
        (n,) = self._as(n)
        a, b = self.alpha, self.beta
        return a / (a + b) * _alive_opportunities(self.gamma, self.delta, 0.0, n)

    def expected_purchases(
        self, n_future: Any, frequency: Any, recency: Any, n_periods: Any
    ) -> np.ndarray:
        """Expected transactions in the next ``n_future`` opportunities given a history.

        ``1/L B(alpha+x+1, beta+n-x)/B(alpha, beta) delta/(gamma-1) G(gamma+delta)/G(1+delta)
        [G(1+delta+n)/G(gamma+delta+n) - G(1+delta+n+n*)/G(gamma+delta+n+n*)]``
        (Fader, Hardie & Shang 2010, eq. 13), taken as
        ``B(alpha+x+1, beta+n-x)/B(alpha, beta) B(gamma, delta+n)/B(gamma, delta) / L``
        times the expected opportunities alive in ``(n, n+n*]`` given alive at ``n``,
        ``(delta+n)/(gamma-1) [1 - G(1+delta+n+n*) G(gamma+delta+n) / (G(gamma+delta+n+n*)
        G(1+delta+n))]``, accurate at and near ``gamma = 1`` (its limit there).

        Examples
        --------
        >>> m = BGBBFit(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
        >>> m.expected_purchases(5, [6, 0], [6, 0], [6, 6]).round(3)
        array([3.752, 0.073])
        """
        ns, x, t_x, n = self._as(n_future, frequency, recency, n_periods)
        shape = np.broadcast(ns, x, t_x, n).shape
        a, b, g, d = self.alpha, self.beta, self.gamma, self.delta
        alive_at_n = (
            special.betaln(a + x + 1, b + n - x)
            - special.betaln(a, b)
            + special.betaln(g, d + n)
            - special.betaln(g, d)
        )
        log_l = self._log_likelihood(x, t_x, n).reshape(shape)
        out = np.exp(alive_at_n - log_l) * _alive_opportunities(g, d, n, n + ns)
        return out.reshape(shape)

    def probability_of_purchases(self, k: Any, n: Any) -> np.ndarray:
        """``P(X(n) = k)``: probability that a new customer transacts ``k`` times in ``n``.

        Fader, Hardie & Shang (2010), eq. 7::

            C(n, k) B(alpha+k, beta+n-k)/B(alpha, beta) B(gamma, delta+n)/B(gamma, delta)
            + sum_{i=k}^{n-1} C(i, k) B(alpha+k, beta+i-k)/B(alpha, beta)
                              B(gamma+1, delta+i)/B(gamma, delta)

        Examples
        --------
        >>> m = BGBBFit(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
        >>> round(float(m.probability_of_purchases(np.arange(7), 6).sum()), 6)
        1.0
        """
        k, n = np.broadcast_arrays(*self._as(k, n))
        a, b, g, d = self.alpha, self.beta, self.gamma, self.delta

        def log_choose(m, j):
            return special.gammaln(m + 1) - special.gammaln(j + 1) - special.gammaln(m - j + 1)

        lb_ab, lb_gd = special.betaln(a, b), special.betaln(g, d)
        out = np.exp(
            log_choose(n, k)
            + special.betaln(a + k, b + n - k)
            - lb_ab
            + special.betaln(g, d + n)
            - lb_gd
        )
        for i in range(int(np.max(n, initial=0))):
            with np.errstate(invalid="ignore"):
                term = np.exp(
                    log_choose(i, k)
                    + special.betaln(a + k, b + i - k)
                    - lb_ab
                    + special.betaln(g + 1, d + i)
                    - lb_gd
                )
            out = out + np.where((i >= k) & (i < n), term, 0.0)
        return out


def _objective(x, t_x, n, w):
    W = w.sum()
    k = int(np.max(n - t_x))
    i = np.arange(k)[None, :]
    xs, txs = x[:, None], t_x[:, None]
    present = np.concatenate([np.ones((x.size, 1), bool), i < (n - t_x)[:, None]], axis=1)

    def objective(phi):
        al, be, ga, de = np.exp(phi)
        terms, _ = _terms(al, be, ga, de, x, t_x, n)
        ll = special.logsumexp(terms, axis=1)
        share = np.where(present, np.exp(terms - ll[:, None]), 0.0)
        s_alive, s_died = share[:, 0], share[:, 1:]
        # d/dparam of each term's log: sums of digamma differences (betaln derivatives)
        psi_ab, psi_gd = special.digamma(al + be), special.digamma(ga + de)
        with np.errstate(invalid="ignore"):
            d_al = (
                (special.digamma(al + x) - special.digamma(al + be + n)) * s_alive
                + ((special.digamma(al + xs) - special.digamma(al + be + txs + i)) * s_died).sum(
                    axis=1
                )
                - (special.digamma(al) - psi_ab)
            )
            d_be = (
                (special.digamma(be + n - x) - special.digamma(al + be + n)) * s_alive
                + np.nansum(
                    (special.digamma(be + txs - xs + i) - special.digamma(al + be + txs + i))
                    * s_died,
                    axis=1,
                )
                - (special.digamma(be) - psi_ab)
            )
            d_ga = (
                (special.digamma(ga) - special.digamma(ga + de + n)) * s_alive
                + ((special.digamma(ga + 1) - special.digamma(ga + de + 1 + txs + i)) * s_died).sum(
                    axis=1
                )
                - (special.digamma(ga) - psi_gd)
            )
            d_de = (
                (special.digamma(de + n) - special.digamma(ga + de + n)) * s_alive
                + (
                    (special.digamma(de + txs + i) - special.digamma(ga + de + 1 + txs + i))
                    * s_died
                ).sum(axis=1)
                - (special.digamma(de) - psi_gd)
            )
        grad = np.array([w @ d_al, w @ d_be, w @ d_ga, w @ d_de]) * np.array([al, be, ga, de])
        return -float(w @ ll) / W, -grad / W

    return objective


def fit_bgbb(
    frequency: Any,
    recency: Any = None,
    n_periods: Any = None,
    weights: Any = None,
    *,
    penalizer: float = 0.0,
) -> BGBBFit:
    """Fit the BG/BB model by maximum likelihood.

    Parameters
    ----------
    frequency : array-like
        Transactions ``x`` in the ``n`` opportunities after the first (or one table with
        columns ``frequency``, ``recency``, ``n_periods`` and optionally ``weights``).
    recency : array-like
        Opportunity ``t_x`` of the last transaction (0 when ``x = 0``).
    n_periods : array-like
        Number of opportunities ``n`` observed.
    weights : array-like, optional
        Customers sharing each history (the donation data come as 22 weighted rows).
    penalizer : float
        L2 penalty on the parameters; 0 by default.

    Returns
    -------
    BGBBFit

    Raises
    ------
    payback.errors.InputError, payback.errors.ModelFitError

    Examples
    --------
    Fader, Hardie & Shang (2010): the 11,104 first-time donors of 1995 over the six
    yearly drives 1996-2001, as 22 distinct histories ``(x, t_x)`` with their counts;
    the paper prints alpha 1.204, beta 0.750, gamma 0.657, delta 2.783, LL -33,225.6:

    >>> x = [0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 6]
    >>> t_x = [0, 1, 2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 3, 4, 5, 6, 4, 5, 6, 5, 6, 6]
    >>> donors = [3464, 1091, 277, 129, 78, 119, 129, 613, 255, 155, 173, 234,
    ...           322, 181, 225, 357, 240, 284, 512, 335, 728, 1203]
    >>> fit = fit_bgbb(x, t_x, [6] * 22, weights=donors)
    >>> published = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    >>> all(abs(fit.params[k] - v) < 1e-3 for k, v in published.items())
    True
    >>> abs(fit.log_likelihood - -33225.6) < 0.05, fit.n_customers
    (True, 11104.0)
    """
    model = "BG/BB"
    f, rec, per, w = read_columns(
        model, "frequency", frequency, recency=recency, n_periods=n_periods, weights=weights
    )
    x = check_array(f, "frequency", model)
    t_x = check_array(rec, "recency", model, n=x.size)
    n = check_array(per, "n_periods", model, n=x.size)
    if x.size == 0:
        raise InputError(f"{model}: no customers to fit (empty input)")
    w = check_weights(w, x.size, model)
    for name, v in (("frequency", x), ("recency", t_x), ("n_periods", n)):
        _bad((v < 0) | (v != np.round(v)), model, name, v, "a whole number >= 0")
    _bad(t_x > n, model, "recency", t_x, "recency <= n_periods")
    _bad(x > t_x, model, "frequency", x, "frequency <= recency (one transaction per period)")
    _bad((x > 0) & (t_x == 0), model, "recency", t_x, "recency >= 1 when frequency > 0")
    res = maximize(
        _objective(x, t_x, n, w),
        [1.0, 1.0, 1.0, 1.0],
        BGBBFit.param_names,
        n_customers=float(w.sum()),
        model=model,
        penalizer=penalizer,
    )
    return BGBBFit.from_mle(res)
