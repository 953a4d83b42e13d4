"""Gamma-Gamma: spend per transaction (Fader & Hardie 2013; Colombo & Jiang 1999).

A customer's transaction values are Gamma(p, nu) with their own scale ``nu``, and
``nu ~ Gamma(q, gamma)`` across customers (``gamma`` is often written ``v``). Fitted on
customers with at least one repeat purchase, from ``x`` (repeat purchases) and ``zbar``
(their mean value). Density of one customer's mean::

    f(zbar | p, q, gamma; x) = G(px+q) / (G(px) G(q)) gamma^q x^(px) zbar^(px-1)
                               / (gamma + x zbar)^(px+q)

Conditional expected spend per transaction (a weighted mean of the population mean
``p gamma/(q-1)`` and the customer's own mean)::

    E[M | x, zbar] = p (gamma + x zbar) / (p x + q - 1)

It is ``p E[1/nu]`` under the posterior ``nu ~ Gamma(p x + q, gamma + x zbar)``, finite
only when ``p x + q > 1``: with ``q <= 1`` the population mean does not exist, and a
customer without repeat purchases (``x = 0``) has no expected spend (null, with the
reason from :meth:`GammaGammaFit.spend_reason`).

The model assumes spend does not depend on purchase frequency; check the correlation
of ``frequency`` and ``monetary_value`` before relying on it.

Repeat buyers without spend
---------------------------
Transaction values are Gamma distributed, so a repeat buyer whose mean repeat spend is
0 (free orders: CDNOW customer 10244 bought for $15.96, then for $0.00) or below has no
density: they are **left out of the fit, counted** (``n_zero_spend`` of the result) and
never block the others. Their expected spend is the same credibility-weighted mean at
their own mean 0 (negative means taken as 0), ``p v/(p x + q - 1)``: the population mean
shrunk by their repeat purchases without spend (:func:`zero_spend`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from payback._lazy import lazy_module
from payback.clv._base import ModelFit
from payback.clv._bg_objective import BLOCK
from payback.clv._inputs import (
    _bad,
    blockwise,
    check_array,
    check_weights,
    read_columns,
    row_ids,
)
from payback.clv._optim import dot, maximize_large
from payback.clv.compress import codes
from payback.errors import InputError

np = lazy_module("numpy")
special = lazy_module("scipy.special")

__all__ = ["GammaGammaFit", "fit_gamma_gamma", "zero_spend", "zero_spend_note"]


def zero_spend(frequency: Any, monetary_value: Any) -> np.ndarray:
    """The repeat buyers without positive spend: ``frequency > 0`` and ``monetary_value <= 0``
    (a missing value of a customer without repeat purchases is not one).

    >>> zero_spend([0, 1, 2, 3], [float("nan"), 0.0, 12.5, -1.0]).tolist()
    [False, True, False, True]
    """
    x = np.asarray(frequency, dtype=float)
    with np.errstate(invalid="ignore"):
        return (x > 0) & (np.asarray(monetary_value, dtype=float) <= 0)


def zero_spend_note(table: Any) -> str | None:
    """Who is left out of the Gamma-Gamma fit for want of spend, in a sentence; None when
    nobody is. ``table`` has ``frequency, monetary_value`` and a customer id column
    (``customer_id``, Hardie's ``ID``, BTYD's ``cust``) or ``weights``.

    >>> import pandas as pd
    >>> print(zero_spend_note(pd.DataFrame({"customer_id": ["10244", "7"],
    ...     "frequency": [1, 2], "monetary_value": [0.0, 12.5]})))  # doctest: +ELLIPSIS
    1 repeat buyer(s) with a mean repeat spend of 0 or less (customer 10244) left out ...
    """
    mask = zero_spend(table["frequency"], table["monetary_value"])
    if not mask.any():
        return None
    ids = row_ids(table)
    n = float(table["weights"].to_numpy(float)[mask].sum()) if "weights" in table else mask.sum()
    listed = ""
    if ids is not None:
        shown = [str(v) for v in ids[mask][:10]]
        listed = f" (customer {', '.join(shown)}{', ...' if mask.sum() > 10 else ''})"
    return (
        f"{n:g} repeat buyer(s) with a mean repeat spend of 0 or less{listed} left out of "
        f"the Gamma-Gamma fit; their expected spend is p v/(p x + q - 1), the population "
        f"mean shrunk by their repeat purchases without spend"
    )


@dataclass(frozen=True, kw_only=True)
class GammaGammaFit(ModelFit):
    """A fitted Gamma-Gamma spend model.

    Attributes
    ----------
    p : float
        Shape of each transaction value's gamma distribution.
    q, v : float
        Shape and scale of the gamma distribution of ``nu`` across customers (``v`` is
        Fader & Hardie's ``gamma``).
    n_zero_spend : float
        Repeat buyers left out of the fit because their mean repeat spend is not
        positive (customers, the sum of their weights); 0 when there were none.
    """

    param_names: ClassVar[tuple[str, ...]] = ("p", "q", "v")
    model_name: ClassVar[str] = "Gamma-Gamma"

    p: float
    q: float
    v: float
    n_zero_spend: float = 0.0

    @property
    def mean_spend(self) -> float | None:
        """Population mean spend per transaction ``p v/(q-1)``; None when ``q <= 1``
        (the mean does not exist; :meth:`spend_reason` says why)."""
        return self.p * self.v / (self.q - 1) if self.q > 1 else None

    def spend_reason(self, frequency: Any) -> str | None:
        """Why the expected spend of customers with these ``frequency`` values is missing
        (some have ``p x + q <= 1``), or None when every one exists.

        Examples
        --------
        >>> GammaGammaFit(p=6.25, q=3.74, v=15.44).spend_reason([0, 3]) is None
        True
        >>> print(GammaGammaFit(p=2.0, q=0.8, v=10.0).spend_reason([0, 3]))  # doctest: +ELLIPSIS
        Gamma-Gamma q = 0.8 <= 1: ... p x + q <= 1 ...
        """
        (x,) = self._as(frequency)
        if np.all(self.p * x + self.q > 1):
            return None
        return (
            f"Gamma-Gamma q = {self.q:.3g} <= 1: the spend distribution has no finite mean, "
            f"so the expected spend p (v + x zbar)/(p x + q - 1) is missing where p x + q <= 1 "
            f"(customers without repeat purchases, whose value is the population mean "
            f"p v/(q - 1)); use the mean order value, or wait for more repeat purchases"
            if self.q <= 1
            else f"Gamma-Gamma p = {self.p:.3g}, q = {self.q:.3g}: the expected spend "
            f"p (v + x zbar)/(p x + q - 1) is missing where p x + q <= 1"
        )

    def expected_spend(self, frequency: Any, monetary_value: Any) -> np.ma.MaskedArray:
        """Conditional expected spend per transaction ``p (v + x zbar)/(p x + q - 1)``.

        Customers without repeat purchases (``x = 0``) get the population mean
        ``p v/(q - 1)``; repeat buyers without positive spend the formula at
        ``zbar = 0`` (see the module notes).

        Returns
        -------
        numpy.ma.MaskedArray
            Money per transaction; **masked** (null: ``tolist()`` gives None) where
            ``p x + q <= 1``, the expectation being infinite (with ``q <= 1``: every
            ``x = 0``). :meth:`spend_reason` gives the reason.

        Examples
        --------
        Fader & Hardie (2013): a customer with x = 2 repeat purchases of mean 35.

        >>> m = GammaGammaFit(p=6.25, q=3.74, v=15.44)
        >>> m.expected_spend([0, 2], [0.0, 35.0]).round(2).tolist()
        [35.22, 35.04]

        With ``q <= 1`` there is no population mean:

        >>> GammaGammaFit(p=2.0, q=0.8, v=10.0).expected_spend([0, 2], [0.0, 35.0]).tolist()
        [None, 42.10526315789474]
        """
        x, z = self._as(frequency, monetary_value)
        x, z = np.broadcast_arrays(x, z)
        z = np.where(zero_spend(x, z), 0.0, z)
        denominator = self.p * x + self.q - 1
        defined = denominator > 0
        value = self.p * (self.v + x * z) / np.where(defined, denominator, 1.0)
        return np.ma.masked_array(np.where(defined, value, np.nan), mask=~defined)


class _objective:
    """Mean negative log-likelihood with analytic gradient and Hessian in log-parameters.

    The gamma functions run once per distinct ``x``; per customer there remain one log,
    one division and a few inner products. With ``L = ln(v + x z)``, ``u = 1/(v + x z)``:
    ``d2/dp2 = x^2 (psi1(px+q) - psi1(px))``, ``d2/dp dq = x psi1(px+q)``,
    ``d2/dp dv = -x u``, ``d2/dq2 = psi1(px+q) - psi1(q)``, ``d2/dq dv = 1/v - u``,
    ``d2/dv2 = -q/v^2 + (px+q) u^2``.
    """

    def __init__(self, x, z, w):
        self.W = w.sum()
        lo, hi = float(x.min()), float(x.max())  # whole numbers >= 1 (checked by the fit)
        if hi - lo <= 4 * x.size + 1024:  # every count of the range (weight 0 if absent),
            size = int(hi - lo) + 1  # counted block by block: no row-sized code array
            self.ux = lo + np.arange(size, dtype=float)
            self.w_x = np.zeros(size)
            for start in range(0, x.size, BLOCK):
                block = slice(start, start + BLOCK)
                offsets = x[block].astype(np.intp) - int(lo)
                self.w_x += np.bincount(offsets, weights=w[block], minlength=size)
        else:
            self.ux, ix = codes(x)
            self.w_x = np.bincount(ix, weights=w, minlength=self.ux.size)
        self.x, self.z, self.w = x, z, w
        self.sum_wx_logz = self.sum_w_logz = 0.0
        for start in range(0, x.size, BLOCK):  # no row-sized array kept or made
            block = slice(start, start + BLOCK)
            log_z, w_b = np.log(z[block]), w[block]
            self.sum_wx_logz += dot(w_b * x[block], log_z)
            self.sum_w_logz += dot(w_b, log_z)
        self.log_ux = np.log(self.ux)
        self._key: bytes | None = None
        self._cache: tuple = ()

    def __call__(self, phi):
        return self._evaluate(phi)[:2]

    def hessian(self, phi):
        return self._evaluate(phi)[2]

    def _evaluate(self, phi):
        key = np.asarray(phi, dtype=float).tobytes()
        if key != self._key:
            self._key, self._cache = key, self._compute(np.asarray(phi, dtype=float))
        return self._cache

    def _rows(self, v: float) -> np.ndarray:
        """Inner products of ``w x`` and ``w`` with ``L``, ``u`` and ``u^2`` per customer,
        block by block (:data:`payback.clv._bg_objective.BLOCK` rows: no row-sized array
        per evaluation)."""
        n = self.x.size
        sums = np.zeros(6)
        m = min(BLOCK, n)
        log_buf, inv_buf, wx_buf = np.empty(m), np.empty(m), np.empty(m)
        for start in range(0, n, BLOCK):
            stop = min(start + BLOCK, n)
            log_vxz, inv, wx = (b[: stop - start] for b in (log_buf, inv_buf, wx_buf))
            x, w = self.x[start:stop], self.w[start:stop]
            np.multiply(w, x, out=wx)
            np.multiply(x, self.z[start:stop], out=log_vxz)
            log_vxz += v
            np.divide(1.0, log_vxz, out=inv)
            np.log(log_vxz, out=log_vxz)
            sums[0] += dot(wx, log_vxz)
            sums[1] += dot(w, log_vxz)
            sums[2] += dot(wx, inv)
            sums[3] += dot(w, inv)
            inv *= inv
            sums[4] += dot(wx, inv)
            sums[5] += dot(w, inv)
        return sums

    def _compute(self, phi):
        W, ux, w_x, log_ux = self.W, self.ux, self.w_x, self.log_ux
        p, q, v = np.exp(phi)
        pu = p * ux
        s_wx_l, s_w_l, s_wx_u, s_w_u, s_wx_u2, s_w_u2 = self._rows(v)
        ll = (
            w_x @ (special.gammaln(pu + q) - special.gammaln(pu) + pu * log_ux)
            + W * (q * np.log(v) - special.gammaln(q))
            + p * self.sum_wx_logz
            - self.sum_w_logz
            - p * s_wx_l
            - q * s_w_l
        )
        psi_puq = special.digamma(pu + q)
        g = np.array(
            [
                w_x @ (ux * (psi_puq - special.digamma(pu) + log_ux)) + self.sum_wx_logz - s_wx_l,
                w_x @ psi_puq + W * (np.log(v) - special.digamma(q)) - s_w_l,
                W * q / v - p * s_wx_u - q * s_w_u,
            ]
        )
        t_puq = special.polygamma(1, pu + q)
        h = np.empty((3, 3))
        h[0, 0] = w_x @ (ux**2 * (t_puq - special.polygamma(1, pu)))
        h[0, 1] = h[1, 0] = w_x @ (ux * t_puq)
        h[0, 2] = h[2, 0] = -s_wx_u
        h[1, 1] = w_x @ t_puq - W * special.polygamma(1, q)
        h[1, 2] = h[2, 1] = W / v - s_w_u
        h[2, 2] = -W * q / v**2 + p * s_wx_u2 + q * s_w_u2
        theta = np.array([p, q, v])
        grad_phi = g * theta
        hess_phi = -(h * np.outer(theta, theta) + np.diag(grad_phi)) / W
        return -float(ll) / W, -grad_phi / W, hess_phi


def fit_gamma_gamma(
    frequency: Any,
    monetary_value: Any = None,
    weights: Any = None,
    *,
    penalizer: float = 0.0,
) -> GammaGammaFit:
    """Fit the Gamma-Gamma spend model on repeat buyers.

    Parameters
    ----------
    frequency : array-like
        Repeat purchases ``x`` of each customer (or one table with columns
        ``frequency``, ``monetary_value`` and optionally ``weights``).
    monetary_value : array-like
        Mean value of the repeat purchases ``zbar`` (> 0 where ``x > 0``).
    weights : array-like, optional
        Customers sharing each row.
    penalizer : float
        L2 penalty on the parameters; 0 by default.

    Customers with ``x = 0`` carry no spend information and are left out of the fit
    (``n_customers`` of the result counts the repeat buyers fitted). Repeat buyers with
    ``monetary_value <= 0`` are left out too and counted in ``n_zero_spend`` (the
    caller reports them: :func:`zero_spend` finds them).

    Returns
    -------
    GammaGammaFit

    Raises
    ------
    payback.errors.InputError
        No repeat buyer with a positive spend; a missing or infinite value (naming the
        customer when the table has a ``customer_id`` column).
    payback.errors.ModelFitError

    Examples
    --------
    Repeat buyers simulated with known parameters; the fit recovers each within three
    standard errors:

    >>> import numpy as np
    >>> from payback.clv.simulate import simulate_gamma_gamma
    >>> true = {"p": 6.0, "q": 4.0, "v": 15.0}
    >>> x = np.random.default_rng(0).integers(1, 8, 3000)
    >>> zbar = simulate_gamma_gamma(x, **true, seed=1)
    >>> fit = fit_gamma_gamma(x, zbar)
    >>> all(abs(fit.params[k] - v) < 3 * fit.standard_errors[k] for k, v in true.items())
    True

    A repeat buyer whose purchases were free is counted and left out:

    >>> with_free = fit_gamma_gamma(np.r_[x, 2], np.r_[zbar, 0.0])
    >>> with_free.n_zero_spend, with_free.params == fit.params
    (1.0, True)
    """
    model = "Gamma-Gamma"
    f, m, w = read_columns(
        model, "frequency", frequency, monetary_value=monetary_value, weights=weights
    )
    ids = row_ids(frequency)
    x = check_array(f, "frequency", model, ids=ids)
    if w is not None:
        w = check_weights(w, x.size, model, ids)
    fraction = blockwise(lambda v: (v < 0) | (v != np.round(v)), x)
    _bad(fraction, model, "frequency", x, "a whole number >= 0", ids)
    if m is None or m.shape != x.shape:
        check_array(m, "monetary_value", model, n=x.size, ids=ids)  # raises
    # a customer without repeat purchase has no mean: only the repeat buyers' must be finite
    missing = blockwise(lambda xs, ms: (xs > 0) & ~np.isfinite(ms), x, m)
    _bad(missing, model, "monetary_value", m, "a finite number (no missing values)", ids)
    z = m
    fitted = blockwise(lambda xs, zs: (xs > 0) & (zs > 0), x, z)
    no_spend = zero_spend(x, z)
    n_zero = float(no_spend.sum() if w is None else w[no_spend].sum())
    if not fitted.any():
        without = f" ({n_zero:g} of them without spend)" if n_zero else ""
        raise InputError(
            f"{model}: no customer has a repeat purchase (frequency > 0) with a positive "
            f"spend{without}, so there is no spend to model; collect a longer history or "
            f"use the mean order value"
        )
    if not fitted.all():  # (a summary of repeat buyers only: no copy)
        x, z = x[fitted], z[fitted]
        w = None if w is None else w[fitted]
    if w is None:  # one customer per row, made after the cut (fresh memory costs here)
        w = np.ones(x.size)
    res = maximize_large(
        _objective,
        (x, z, w),
        [1.0, 2.0, float(w @ z) / w.sum()],
        GammaGammaFit.param_names,
        model=model,
        penalizer=penalizer,
    )
    fit = GammaGammaFit.from_mle(res)
    return dataclasses.replace(fit, n_zero_spend=n_zero) if n_zero else fit
