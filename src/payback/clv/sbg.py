"""sBG: the shifted-beta-geometric model of contractual retention.

Fader & Hardie (2007), "How to project customer retention", Journal of Interactive
Marketing 21(1). Each customer renews at the end of each period (a subscription
month or year) unless they churn, with a churn probability ``theta ~ Beta(alpha, beta)``
that stays fixed for them. With ``T`` the period in which a customer churns::

    P(T = t)  = B(alpha+1, beta+t-1) / B(alpha, beta)       (t = 1, 2, ...)
    S(t)      = P(T > t) = B(alpha, beta+t) / B(alpha, beta)
    r_t       = S(t)/S(t-1) = (beta+t-1) / (alpha+beta+t-1)  (retention rises with t)

computed recursively from ``P(T=1) = alpha/(alpha+beta)`` and
``P(T=t) = (beta+t-2)/(alpha+beta+t-1) P(T=t-1)``, in log space. A cohort observed for
``n`` periods, with ``n_t`` customers lost in period ``t`` and ``S_n`` still active,
contributes ``sum_t n_t ln P(T=t) + S_n ln S(n)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from payback._lazy import lazy_module
from payback.clv._base import ModelFit
from payback.clv._inputs import _bad, check_array, check_weights
from payback.clv._optim import maximize
from payback.errors import InputError

np = lazy_module("numpy")
special = lazy_module("scipy.special")

__all__ = ["SBGFit", "fit_sbg", "fit_sbg_records"]


@dataclass(frozen=True, kw_only=True)
class SBGFit(ModelFit):
    """A fitted shifted-beta-geometric retention model.

    Attributes
    ----------
    alpha, beta : float
        Beta distribution of the per-period churn probability across customers.
    """

    param_names: ClassVar[tuple[str, ...]] = ("alpha", "beta")
    model_name: ClassVar[str] = "sBG"

    alpha: float
    beta: float

    def churn_probability(self, t: Any) -> np.ndarray:
        """``P(T = t)``: share of a new cohort lost in period ``t`` (t >= 1).

        Examples
        --------
        >>> SBGFit(alpha=1.0, beta=1.0).churn_probability([1, 2, 3]).round(4)
        array([0.5   , 0.1667, 0.0833])
        """
        (t,) = self._as(t)
        return np.exp(
            special.betaln(self.alpha + 1, self.beta + t - 1)
            - special.betaln(self.alpha, self.beta)
        )

    def survival(self, t: Any) -> np.ndarray:
        """``S(t)``: share of a new cohort still active after ``t`` periods (S(0) = 1).

        Examples
        --------
        Fader & Hardie (2007), "regular" segment: about 63 % renew after the first year.

        >>> SBGFit(alpha=0.704, beta=1.182).survival([0, 1, 7]).round(3)
        array([1.   , 0.627, 0.239])
        """
        (t,) = self._as(t)
        return np.exp(
            special.betaln(self.alpha, self.beta + t) - special.betaln(self.alpha, self.beta)
        )

    def retention(self, t: Any) -> np.ndarray:
        """Retention rate of period ``t``: ``r_t = (beta+t-1)/(alpha+beta+t-1)`` (t >= 1).

        Examples
        --------
        >>> SBGFit(alpha=0.704, beta=1.182).retention([1, 2, 5]).round(3)
        array([0.627, 0.756, 0.88 ])
        """
        (t,) = self._as(t)
        return (self.beta + t - 1) / (self.alpha + self.beta + t - 1)

    def expected_lifetime_value(
        self,
        value_per_period: float,
        *,
        period_discount_rate: float = 0.0,
        horizon: int | None = None,
    ) -> float | None:
        """Discounted expected value of a customer just acquired, paying at each period's start.

        ``value * DEL`` with ``DEL = sum_{t>=0} S(t)/(1+d)^t``, the discounted expected
        lifetime; without a horizon ``DEL = 2F1(1, beta; alpha+beta; 1/(1+d))`` (Fader &
        Hardie 2010, "Customer-base valuation in a contractual setting"). With
        ``d = 0`` and no horizon the sum is infinite when ``alpha <= 1``: None is returned.

        Parameters
        ----------
        value_per_period : float
            Margin (or revenue) per period.
        period_discount_rate : float
            Discount rate **per period** of the model (a fraction: 0.1 = 10 % a period; with
            monthly periods, a yearly 10 % is ``1.1 ** (1/12) - 1``). Unlike the
            ``annual_discount_rate`` of :mod:`payback.clv.value`.
        horizon : int, optional
            Number of payments counted (the first one included); default: lifetime.

        Examples
        --------
        >>> m = SBGFit(alpha=0.704, beta=1.182)
        >>> round(m.expected_lifetime_value(100.0, period_discount_rate=0.1), 2)
        369.51
        >>> round(m.expected_lifetime_value(100.0, period_discount_rate=0.1, horizon=3), 2)
        196.14
        """
        d = period_discount_rate
        if d < 0:
            raise InputError(f"period_discount_rate must be >= 0, got {d}")
        if horizon is not None:
            t = np.arange(int(horizon))
            return float(value_per_period * np.sum(self.survival(t) / (1 + d) ** t))
        if d == 0 and self.alpha <= 1:
            return None
        return float(
            value_per_period * special.hyp2f1(1.0, self.beta, self.alpha + self.beta, 1 / (1 + d))
        )


def _objective(lost_at, lost_w, alive_at, alive_w):
    """lost_at: period of churn (>= 1); alive_at: periods survived by censored customers."""
    W = lost_w.sum() + alive_w.sum()

    def objective(phi):
        al, be = np.exp(phi)
        lb = special.betaln(al, be)
        ll_lost = special.betaln(al + 1, be + lost_at - 1) - lb
        ll_alive = special.betaln(al, be + alive_at) - lb
        psi_ab = special.digamma(al + be)
        d_lb_al, d_lb_be = special.digamma(al) - psi_ab, special.digamma(be) - psi_ab
        g_al = lost_w @ (
            special.digamma(al + 1) - special.digamma(al + be + lost_at) - d_lb_al
        ) + alive_w @ (special.digamma(al) - special.digamma(al + be + alive_at) - d_lb_al)
        g_be = lost_w @ (
            special.digamma(be + lost_at - 1) - special.digamma(al + be + lost_at) - d_lb_be
        ) + (
            alive_w
            @ (special.digamma(be + alive_at) - special.digamma(al + be + alive_at) - d_lb_be)
        )
        ll = float(lost_w @ ll_lost + alive_w @ ll_alive)
        return -ll / W, -np.array([g_al * al, g_be * be]) / W

    return objective


def _fit(lost_at, lost_w, alive_at, alive_w, penalizer):
    n = float(lost_w.sum() + alive_w.sum())
    res = maximize(
        _objective(lost_at, lost_w, alive_at, alive_w),
        [1.0, 1.0],
        SBGFit.param_names,
        n_customers=n,
        model="sBG",
        penalizer=penalizer,
    )
    return SBGFit.from_mle(res)


def fit_sbg(survivors: Any, *, penalizer: float = 0.0) -> SBGFit:
    """Fit the sBG model on a cohort's survivor counts.

    Parameters
    ----------
    survivors : array-like
        Customers still active at the start of each period; the first value is the
        cohort size, e.g. ``[1000, 869, 743, 653, 593, 551, 517, 491]``. Must not increase.
    penalizer : float
        L2 penalty on ``alpha, beta``; 0 by default.

    Returns
    -------
    SBGFit

    Raises
    ------
    payback.errors.InputError
        Fewer than two values, a negative or increasing count.
    payback.errors.ModelFitError

    Examples
    --------
    Fader & Hardie (2007), "high end" customers, years 0-7:

    >>> fit = fit_sbg([1000, 869, 743, 653, 593, 551, 517, 491])
    >>> round(fit.alpha, 3), round(fit.beta, 3)
    (0.668, 3.806)
    """
    s = check_array(np.atleast_1d(np.asarray(survivors, dtype=float)), "survivors", "sBG")
    if s.size < 2:
        raise InputError(
            f"sBG: survivors needs the cohort size and at least one later count, got {s.tolist()}"
        )
    _bad((s < 0) | (s != np.round(s)), "sBG", "survivors", s, "whole numbers >= 0")
    lost = -np.diff(s)
    _bad(np.r_[False, lost < 0], "sBG", "survivors", s, "counts that never increase")
    if s[0] == 0:
        raise InputError("sBG: the cohort is empty (first survivor count is 0)")
    periods = np.arange(1, s.size, dtype=float)
    keep = lost > 0
    alive_at = np.array([s.size - 1.0])
    alive_w = np.array([s[-1]])
    return _fit(periods[keep], lost[keep], alive_at, alive_w, penalizer)


def fit_sbg_records(
    periods: Any, churned: Any, weights: Any = None, *, penalizer: float = 0.0
) -> SBGFit:
    """Fit the sBG model on per-customer subscription records, with right-censoring.

    Parameters
    ----------
    periods : array-like of int
        For a churned customer the period in which they churned (1 = did not renew after
        the first period); for an active customer the number of periods they have
        completed so far (right-censored). Cohorts may differ in age.
    churned : array-like of bool
        True when the customer has churned.
    weights : array-like, optional
        Customers sharing each record.
    penalizer : float
        L2 penalty on ``alpha, beta``; 0 by default.

    Returns
    -------
    SBGFit

    Examples
    --------
    Three customers lost in periods 1, 1 and 3, two still active after 4 periods: the
    same cohort as the survivor counts 5, 3, 3, 2, 2, so the same fit:

    >>> fit = fit_sbg_records([1, 1, 3, 4, 4], [True, True, True, False, False])
    >>> fit.n_customers
    5.0
    >>> counts = fit_sbg([5, 3, 3, 2, 2])
    >>> all(abs(fit.params[k] - v) < 1e-6 for k, v in counts.params.items())
    True
    """
    model = "sBG"
    t = check_array(np.atleast_1d(np.asarray(periods, dtype=float)), "periods", model)
    c = np.atleast_1d(np.asarray(churned))
    if c.shape != t.shape:
        raise InputError(f"{model}: churned has {c.size} values but periods has {t.size}")
    if c.dtype != bool:
        raise InputError(f"{model}: churned must be True/False values, got dtype {c.dtype}")
    if t.size == 0:
        raise InputError(f"{model}: no customers to fit (empty input)")
    w = check_weights(None if weights is None else np.asarray(weights, float), t.size, model)
    _bad(t != np.round(t), model, "periods", t, "a whole number of periods")
    _bad(c & (t < 1), model, "periods", t, "the churn period, >= 1")
    _bad(~c & (t < 0), model, "periods", t, "periods completed, >= 0")
    return _fit(t[c], w[c], t[~c], w[~c], penalizer)
