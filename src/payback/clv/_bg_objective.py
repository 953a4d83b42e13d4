"""The BG/NBD and MBG/NBD likelihood, with gradient and Hessian, evaluated in few passes.

Split from :mod:`payback.clv.bgnbd` (the models and their predictions). The work per
evaluation is a handful of passes over the rows; everything that depends on ``x`` alone
runs per distinct ``x`` (about a hundred values), everything that depends on
``(T, t_x)`` alone per distinct pair (with daily periods 192,000 pairs for 1 M
customers), and only the mixing of the two branches of the likelihood per row.
"""

from __future__ import annotations

from payback._lazy import lazy_module
from payback.clv._optim import dot
from payback.clv.compress import codes

np = lazy_module("numpy")
special = lazy_module("scipy.special")

__all__ = ["bg_objective"]

#: ``exp(d)`` of the mixing term is taken directly below this; above, the exact form
_EXP_SAFE = 700.0


def _softplus_expit(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(log(1 + exp(d)), 1/(1 + exp(-d)))`` from one exponential, exact for large |d|."""
    e = np.exp(-np.abs(d))  # in [0, 1]: never overflows; 0 at d = -inf
    one_e = 1 + e
    softplus = np.maximum(d, 0) + np.log1p(e)
    expit_d = np.where(d >= 0, 1, e) / one_e
    return softplus, expit_d


def _expit(d: np.ndarray) -> np.ndarray:
    """``1/(1 + exp(-d))`` from ``e = exp(d)`` when ``d <= 700`` everywhere (two passes)."""
    if d.size and d.max() > _EXP_SAFE:
        return _softplus_expit(d)[1]
    e = np.exp(d)
    return np.divide(e, e + 1, out=e)


def _softplus(d: np.ndarray) -> np.ndarray:
    """``log(1 + exp(d))``, directly when ``d <= 700`` everywhere."""
    if d.size and d.max() > _EXP_SAFE:
        return _softplus_expit(d)[0]
    return np.log1p(np.exp(d))


class bg_objective:
    """Mean negative log-likelihood of BG/NBD (shift 0) or MBG/NBD (shift 1), with its
    gradient and Hessian in log-parameters, all analytic.

    Calling it with ``phi = log(r, alpha, a, b)`` gives ``(value, gradient)``;
    :meth:`hessian` the Hessian at the same point, from the per-row terms the call
    kept (so a value, gradient and Hessian cost one pass); :meth:`gradient_hessian`
    both without the value (whose logarithms are a fifth of the work). Terms in ``x`` alone are
    computed per distinct x, terms in ``(T, t_x)`` alone (the logs and reciprocals of
    ``alpha + T`` and ``alpha + t_x``) per distinct pair, and sums that do not involve
    the mixing of the two branches on those distinct values with pre-aggregated weights.

    Per customer ``ll = a1(x) + a2(x) - (r+x) ln(alpha+T) + softplus(d)`` with
    ``d = ln(a/(b+x+c-1)) + (r+x) ln((alpha+T)/(alpha+t_x))``; so the gradient is
    ``grad(base) + p grad(d)`` and the Hessian
    ``hess(base) + p (1-p) grad(d) grad(d)' + p hess(d)`` with ``p = expit(d)``.

    Examples
    --------
    The value is the mean of the per-customer log-likelihoods, negated (three customers
    at Fader, Hardie & Lee 2005's estimates):

    >>> x, t_x, T = np.array([0.0, 2, 1]), np.array([0.0, 30.43, 1.71]), np.full(3, 38.86)
    >>> objective = bg_objective(x, t_x, T, np.ones(3), 0)
    >>> f, g = objective(np.log([0.243, 4.414, 0.793, 2.426]))
    >>> round(f, 6)
    4.827471
    >>> objective.hessian(np.log([0.243, 4.414, 0.793, 2.426])).shape
    (4, 4)
    """

    def __init__(self, x, t_x, T, w, shift: int):
        self.c = c = shift
        self.ux, self.ix = codes(x)
        uT, iT = codes(T)
        ut, it = codes(t_x)
        pairs, ip = codes(iT.astype(np.int64) * ut.size + it)
        if pairs.size > x.size // 2:  # ages and recencies mostly distinct: per row
            self.ip, self.pT, self.pt = None, iT, it
            self.w_p, self.xw_p = w, w * x
        else:
            self.ip, self.pT, self.pt = ip, pairs // ut.size, pairs % ut.size
            self.w_p = np.bincount(ip, weights=w, minlength=pairs.size)
            self.xw_p = np.bincount(ip, weights=w * x, minlength=pairs.size)
        self.uT, self.ut = uT, ut
        self.unit = bool(np.all(w == 1))  # every customer its own row: no weights to apply
        self.w, self.x = w, x
        self.w_x = np.bincount(self.ix, weights=w, minlength=self.ux.size)  # customers per x
        self.W = float(w.sum())
        self.can_die = (self.ux + c) > 0  # BG/NBD: no drop-out before a repeat purchase
        self._key: bytes | None = None
        self._f = self._H = self._base = self._g = None
        self._kept: tuple = ()

    def __call__(self, phi):
        phi = self._at(phi)
        if self._f is None:  # the value: the softplus of the mixing term, summed
            softplus = _softplus(self._kept[-1])
            total = float(softplus.sum()) if self.unit else dot(self.w, softplus)
            self._f = -float(self._base + total) / self.W
        return self._f, self._g

    def hessian(self, phi):
        return self.gradient_hessian(phi)[1]

    def gradient_hessian(self, phi):
        """Gradient and Hessian without the value (Newton steps do without it)."""
        self._at(phi)
        if self._H is None:
            self._H = self._hessian(*self._kept[:-1])
        return self._g, self._H

    def _at(self, phi):
        """Compute the per-row terms and the gradient at ``phi`` unless already there."""
        phi = np.asarray(phi, dtype=float)
        key = phi.tobytes()
        if key != self._key:
            self._base, self._g, self._kept = self._compute(phi)
            self._f = self._H = None
            self._key = key
        return phi

    def _per_pair(self, v: np.ndarray) -> np.ndarray:
        """A per-pair array spread to the rows."""
        return v if self.ip is None else v[self.ip]

    def _compute(self, phi):
        c, ux, ix, W, w_x = self.c, self.ux, self.ix, self.W, self.w_x
        r, alpha, a, b = np.exp(phi)
        inv_T, inv_t = 1 / (alpha + self.uT), 1 / (alpha + self.ut)
        log_T = np.log(alpha + self.uT)
        lT_p = log_T[self.pT]
        gap_p = lT_p - np.log(alpha + self.ut)[self.pt]
        delta_p = inv_T[self.pT] - inv_t[self.pt]  # d(gap)/d(alpha)
        weight_p = r * self.w_p + self.xw_p  # sum of w (r + x) per pair
        with np.errstate(divide="ignore", invalid="ignore"):
            e_x = np.where(self.can_die, -1 / (b + ux + c - 1), 0.0)  # d(d)/db per x
            log_ratio = np.where(self.can_die, np.log(a) - np.log(b + ux + c - 1), -np.inf)
        gap = self._per_pair(gap_p)
        rx = self.x + r
        d = log_ratio[ix]
        d += rx * gap  # ln P(dropped out) - ln P(alive), per row
        p = _expit(d)
        wp = p if self.unit else self.w * p
        s3 = np.bincount(ix, weights=wp, minlength=ux.size)  # per x: posterior mass "dead"
        delta = self._per_pair(delta_p)
        rx_delta = rx * delta
        a1 = special.gammaln(r + ux) - special.gammaln(r) + r * np.log(alpha)
        a2x = special.betaln(a, b + ux + c) - special.betaln(a, b)
        base = w_x @ (a1 + a2x) - dot(weight_p, lT_p)  # ll but the softplus of d
        psi_ab, psi_abx = special.digamma(a + b), special.digamma(a + b + ux + c)
        g = np.array(
            [
                w_x @ (special.digamma(r + ux) - special.digamma(r) + np.log(alpha))
                - dot(self.w_p, lT_p)
                + dot(wp, gap),
                r / alpha * W - dot(weight_p, inv_T[self.pT]) + dot(wp, rx_delta),
                w_x @ (psi_ab - psi_abx) + s3.sum() / a,
                w_x @ (special.digamma(b + ux + c) - special.digamma(b) + psi_ab - psi_abx)
                + s3 @ e_x,
            ]
        )
        theta = np.array([r, alpha, a, b])
        grad_phi = g * theta
        kept = (theta, grad_phi, p, wp, s3, gap, rx, delta, rx_delta, e_x, inv_T, inv_t, d)
        return base, -grad_phi / W, kept

    def _hessian(self, theta, grad_phi, p, wp, s3, gap, rx, delta, rx_delta, e_x, inv_T, inv_t):
        c, ux, ix, W, w_x = self.c, self.ux, self.ix, self.W, self.w_x
        r, alpha, a, b = theta
        q = wp * (1 - p)  # w p (1 - p): curvature of the softplus
        q_gap = q * gap
        q_rxd = q * rx_delta
        q_x = np.bincount(ix, weights=q, minlength=ux.size)
        q_gap_x = np.bincount(ix, weights=q_gap, minlength=ux.size)
        q_rxd_x = np.bincount(ix, weights=q_rxd, minlength=ux.size)
        t1_ab, t1_abx = special.polygamma(1, a + b), special.polygamma(1, a + b + ux + c)
        sq_T = inv_T**2
        d2_alpha = self._per_pair(inv_t[self.pt] ** 2 - sq_T[self.pT])  # d2(gap)/d(alpha)2
        h = np.zeros((4, 4))
        h[0, 0] = w_x @ (special.polygamma(1, r + ux) - special.polygamma(1, r)) + dot(q_gap, gap)
        h[0, 1] = W / alpha - dot(self.w_p, inv_T[self.pT]) + dot(q_gap, rx_delta) + dot(wp, delta)
        h[0, 2] = q_gap_x.sum() / a
        h[0, 3] = q_gap_x @ e_x
        h[1, 1] = (
            -r * W / alpha**2
            + dot(r * self.w_p + self.xw_p, sq_T[self.pT])
            + dot(q_rxd, rx_delta)
            + dot(wp * rx, d2_alpha)
        )
        h[1, 2] = q_rxd_x.sum() / a
        h[1, 3] = q_rxd_x @ e_x
        h[2, 2] = w_x @ (t1_ab - t1_abx) + (q_x.sum() - s3.sum()) / a**2
        h[2, 3] = w_x @ (t1_ab - t1_abx) + (q_x @ e_x) / a
        h[3, 3] = (
            w_x @ (special.polygamma(1, b + ux + c) - special.polygamma(1, b) + t1_ab - t1_abx)
            + q_x @ e_x**2
            + s3 @ e_x**2
        )
        h = np.triu(h) + np.triu(h, 1).T
        return -(h * np.outer(theta, theta) + np.diag(grad_phi)) / W
