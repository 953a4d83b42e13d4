"""The BG/NBD and MBG/NBD likelihood, with gradient and Hessian, evaluated in one pass.

Split from :mod:`payback.clv.bgnbd` (the models and their predictions). Everything that
depends on ``x`` alone runs per distinct ``x`` (about a hundred values), everything that
depends on ``T`` or ``t_x`` alone (logarithms and reciprocals of ``alpha + T`` and
``alpha + t_x``) per distinct ``T`` and ``t_x`` (with daily periods a few hundred
values each), and only the mixing of the two branches of the likelihood per row: in one
pass over the rows, block by block (:data:`BLOCK` rows), reading the per-value tables
(small enough for the processor's cache) by each row's codes. No row-sized array is made
per evaluation, and the value, the gradient and the Hessian come out of the same pass.
"""

from __future__ import annotations

from payback._lazy import lazy_module
from payback.clv._optim import dot
from payback.clv.compress import codes, whole_offsets

np = lazy_module("numpy")
special = lazy_module("scipy.special")

__all__ = ["bg_objective"]

#: ``exp(d)`` of the mixing term is taken directly below this; above, the exact form
_EXP_SAFE = 700.0
#: rows per block of the pass over the rows: its temporaries (a dozen arrays of 256 KiB)
#: stay in the processor's cache; smaller blocks cost more Python calls per row. Its inner
#: products are :func:`payback.clv._optim.dot` (no BLAS threads, which stall on a busy machine)
BLOCK = 32768


def _mix(d: np.ndarray, e: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> float:
    """``sum w softplus(d)`` (``softplus(d) = log(1 + exp(d))``; w None: 1) returned and
    ``expit(d) = 1/(1 + exp(-d))`` written into ``p``, from one exponential (``e`` a
    scratch array). ``log(1 + e)`` rather than ``log1p(e)``: a third of the time, and off by
    at most one rounding of ``1 + e`` (1e-16 of a row's log-likelihood) where ``e`` is tiny.
    Above ``d = 700`` the exact form."""
    if d.size and d.max() > _EXP_SAFE:
        np.exp(-np.abs(d), out=e)  # in [0, 1]: never overflows
        softplus = np.maximum(d, 0) + np.log1p(e)
        np.divide(np.where(d >= 0, 1, e), 1 + e, out=p)
    else:
        np.exp(d, out=e)
        np.add(e, 1, out=p)
        softplus = np.log(p, out=d)
        np.divide(e, p, out=p)
    return float(softplus.sum()) if w is None else dot(w, softplus)


def _dense_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values and each row's index into them: whole numbers over a short range by their
    offset from the lowest, in 32 bits (every value of the range listed, present or not:
    :func:`payback.clv.compress.whole_offsets`), other values by :func:`codes`."""
    dense = whole_offsets(values, 4 * values.size + 1024, compact=True)
    if dense is None:
        return codes(values)
    lo, size, offset = dense
    return lo + np.arange(size, dtype=float), offset


class bg_objective:
    """Mean negative log-likelihood of BG/NBD (shift 0) or MBG/NBD (shift 1), with its
    gradient and Hessian in log-parameters, all analytic.

    Calling it with ``phi = log(r, alpha, a, b)`` gives ``(value, gradient)``;
    :meth:`hessian` the Hessian at the same point and :meth:`gradient_hessian` both,
    from the same pass over the rows (made once per point). Terms in ``x`` alone are
    computed per distinct x, terms in ``T`` or ``t_x`` alone (the logs and reciprocals of
    ``alpha + T`` and ``alpha + t_x``) per distinct value, and sums that do not involve
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
        self.c = shift
        self.ux, self.ix = _dense_codes(x)
        self.uT, self.iT = _dense_codes(T)
        self.ut, self.it = _dense_codes(t_x)
        self.unit = bool(np.all(w == 1))  # every customer its own row: no weights to apply
        self.w = None if self.unit else w
        weights = None if self.unit else w
        self.w_x = np.bincount(self.ix, weights=weights, minlength=self.ux.size)  # per x
        self.w_T = np.bincount(self.iT, weights=weights, minlength=self.uT.size)  # per T
        self.xw_T = np.bincount(self.iT, weights=x if self.unit else w * x, minlength=self.uT.size)
        self.W = float(w.sum())
        self.can_die = (self.ux + shift) > 0  # BG/NBD: no drop-out before a repeat purchase
        self._key: bytes | None = None
        self._f = self._g = self._H = None

    def __call__(self, phi):
        self._at(phi)
        return self._f, self._g

    def hessian(self, phi):
        return self.gradient_hessian(phi)[1]

    def gradient_hessian(self, phi):
        """Gradient and Hessian (the value comes from the same pass)."""
        self._at(phi)
        return self._g, self._H

    def _at(self, phi):
        """Value, gradient and Hessian at ``phi`` unless already there."""
        phi = np.asarray(phi, dtype=float)
        key = phi.tobytes()
        if key != self._key:
            self._f, self._g, self._H = self._compute(phi)
            self._key = key

    def _compute(self, phi):
        c, ux, W, w_x, w_T = self.c, self.ux, self.W, self.w_x, self.w_T
        r, alpha, a, b = theta = np.exp(phi)
        # per distinct T and t_x
        inv_T, inv_t = 1 / (alpha + self.uT), 1 / (alpha + self.ut)
        log_T, log_t = np.log(alpha + self.uT), np.log(alpha + self.ut)
        weight_T = r * w_T + self.xw_T  # sum of w (r + x) per T
        # per distinct x
        with np.errstate(divide="ignore", invalid="ignore"):
            e_x = np.where(self.can_die, -1 / (b + ux + c - 1), 0.0)  # d(d)/db per x
            log_ratio = np.where(self.can_die, np.log(a) - np.log(b + ux + c - 1), -np.inf)
        rx_x = ux + r
        # per row, block by block
        soft, s3, q_x, qg_x, qr_x, sums = self._rows(log_ratio, rx_x, log_T, log_t, inv_T, inv_t)
        wp_gap, wp_rxd, q_gap2, q_gap_rxd, wp_delta, q_rxd2, wp_rx_d2 = sums

        a1 = special.gammaln(r + ux) - special.gammaln(r) + r * np.log(alpha)
        a2x = special.betaln(a, b + ux + c) - special.betaln(a, b)
        f = -(w_x @ (a1 + a2x) - weight_T @ log_T + soft) / W
        psi_ab, psi_abx = special.digamma(a + b), special.digamma(a + b + ux + c)
        g = np.array(
            [
                w_x @ (special.digamma(r + ux) - special.digamma(r) + np.log(alpha))
                - w_T @ log_T
                + wp_gap,
                r / alpha * W - weight_T @ inv_T + wp_rxd,
                w_x @ (psi_ab - psi_abx) + s3.sum() / a,
                w_x @ (special.digamma(b + ux + c) - special.digamma(b) + psi_ab - psi_abx)
                + s3 @ e_x,
            ]
        )
        grad_phi = g * theta
        t1_ab, t1_abx = special.polygamma(1, a + b), special.polygamma(1, a + b + ux + c)
        h = np.zeros((4, 4))
        h[0, 0] = w_x @ (special.polygamma(1, r + ux) - special.polygamma(1, r)) + q_gap2
        h[0, 1] = W / alpha - w_T @ inv_T + q_gap_rxd + wp_delta
        h[0, 2] = qg_x.sum() / a
        h[0, 3] = qg_x @ e_x
        h[1, 1] = -r * W / alpha**2 + weight_T @ inv_T**2 + q_rxd2 + wp_rx_d2
        h[1, 2] = qr_x.sum() / a
        h[1, 3] = qr_x @ e_x
        h[2, 2] = w_x @ (t1_ab - t1_abx) + (q_x.sum() - s3.sum()) / a**2
        h[2, 3] = w_x @ (t1_ab - t1_abx) + (q_x @ e_x) / a
        h[3, 3] = (
            w_x @ (special.polygamma(1, b + ux + c) - special.polygamma(1, b) + t1_ab - t1_abx)
            + q_x @ e_x**2
            + s3 @ e_x**2
        )
        h = np.triu(h) + np.triu(h, 1).T
        H = -(h * np.outer(theta, theta) + np.diag(grad_phi)) / W
        return float(f), -grad_phi / W, H

    def _rows(self, log_ratio, rx_x, log_T, log_t, inv_T, inv_t):
        """The sums over rows that involve the mixing ``p = expit(d)``, block by block.

        Per row ``gap = ln(alpha+T) - ln(alpha+t_x)``, ``delta = d(gap)/d(alpha)`` and
        ``d2 = d2(gap)/d(alpha)2`` from the per-value tables. Returns
        ``sum w softplus(d)``; per x ``sum w p``, ``sum q``, ``sum q gap`` and
        ``sum q (r+x) delta`` (``q = w p (1-p)``); and the seven inner products of the
        gradient and Hessian (``w p gap``, ``w p (r+x) delta``, ``q gap^2``,
        ``q gap (r+x) delta``, ``w p delta``, ``q ((r+x) delta)^2``, ``w p (r+x) d2``).
        """
        n, nx = self.ix.size, self.ux.size
        s3, q_x, qg_x, qr_x = (np.zeros(nx) for _ in range(4))
        sums = np.zeros(7)
        soft = 0.0
        m = min(BLOCK, n)
        d, rx, e, p, wp, q, gap, delta, u, v = (np.empty(m) for _ in range(10))
        codes = [np.empty(m, dtype=np.intp) for _ in range(3)]
        for start in range(0, n, BLOCK):
            stop = min(start + BLOCK, n)
            k = stop - start
            if k < m:  # the last block
                d, rx, e, p, wp, q, gap, delta, u, v = (
                    b[:k] for b in (d, rx, e, p, wp, q, gap, delta, u, v)
                )
                codes = [b[:k] for b in codes]
            ix, iT, it = codes
            np.copyto(ix, self.ix[start:stop])  # as intp: numpy's indexing takes no other
            np.copyto(iT, self.iT[start:stop])
            np.copyto(it, self.it[start:stop])
            np.take(log_T, iT, out=gap, mode="wrap")
            gap -= np.take(log_t, it, out=u, mode="wrap")  # ln((alpha+T)/(alpha+t_x))
            np.take(inv_T, iT, out=v, mode="wrap")
            np.take(inv_t, it, out=u, mode="wrap")
            np.subtract(v, u, out=delta)  # d(gap)/d(alpha) = 1/(alpha+T) - 1/(alpha+t_x)
            np.take(log_ratio, ix, out=d, mode="wrap")
            np.take(rx_x, ix, out=rx, mode="wrap")
            np.multiply(rx, gap, out=e)
            d += e  # ln P(dropped out) - ln P(alive)
            w = None if self.unit else self.w[start:stop]
            soft += _mix(d, e, p, w)
            wp = p if w is None else np.multiply(w, p, out=wp)
            s3 += np.bincount(ix, weights=wp, minlength=nx)
            sums[0] += dot(wp, gap)
            sums[4] += dot(wp, delta)
            np.multiply(wp, p, out=q)
            np.subtract(wp, q, out=q)  # w p (1 - p): curvature of the softplus
            q_x += np.bincount(ix, weights=q, minlength=nx)
            # d2(gap)/d(alpha)2 = 1/(alpha+t_x)^2 - 1/(alpha+T)^2 = -delta (u + v)
            u += v
            u *= delta
            np.multiply(wp, rx, out=v)
            sums[6] -= dot(v, u)
            delta_rx = np.multiply(delta, rx, out=e)  # (r+x) d(gap)/d(alpha)
            sums[1] += dot(wp, delta_rx)
            tmp = np.multiply(q, gap, out=d)  # q gap
            qg_x += np.bincount(ix, weights=tmp, minlength=nx)
            sums[2] += dot(tmp, gap)
            sums[3] += dot(tmp, delta_rx)
            np.multiply(q, delta_rx, out=d)
            qr_x += np.bincount(ix, weights=d, minlength=nx)
            sums[5] += dot(d, delta_rx)
        return soft, s3, q_x, qg_x, qr_x, sums
