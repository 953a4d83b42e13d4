"""Pareto/GGG: Pareto/NBD with gamma inter-purchase times (Platzer & Reutterer 2016).

While alive a customer's inter-purchase times are ``Gamma(k, k lambda)`` (mean
``1 / lambda`` whatever the regularity ``k``; ``k = 1``: exponential, the Pareto/NBD),
their lifetime ``tau`` is ``Exponential(mu)``, and across customers::

    k ~ Gamma(t, gamma)      lambda ~ Gamma(r, alpha)      mu ~ Gamma(s, beta)

For one customer with history ``(x, t_x, T)`` and ``litt`` = the sum of the logs of the
inter-purchase times, given ``tau``, the likelihood is::

    ln L = x k ln(k lambda) - x ln G(k) + (k-1) litt - k lambda t_x
           + ln[1 - F_k,klambda(min(T, tau) - t_x)] - mu tau + ln mu [tau < T]

(``F`` the gamma CDF). There is no closed form for the marginal likelihood; the model
is fitted as BTYDplus's ``pggg.mcmc.DrawParameters`` does: Gibbs sampling over the
customer parameters ``(k, lambda, mu, tau)`` and the cohort parameters ``(t, gamma, r,
alpha, s, beta)``:

- ``k`` and ``lambda``: slice sampling (Neal 2003) of the terms above, 3 steps, as
  BTYDplus's C++, vectorised over customers here;
- ``mu | tau ~ Gamma(s + 1, beta + tau)``;
- alive at ``T`` with ``P = S(T - t_x) e^(-mu T) / (S(T - t_x) e^(-mu T)
  + mu int_t_x^T S(y - t_x) e^(-mu y) dy)`` (Simpson's 3/8 rule on 12 intervals, ``S =
  1 - F``); then ``tau = T + Exponential(mu)``, otherwise ``tau`` in ``(t_x, T)`` by slice
  sampling of ``-mu tau + ln S(tau - t_x)``;
- each gamma pair, e.g. ``(r, alpha)`` given the customers' ``lambda``: BTYDplus slices
  ``(ln r, ln alpha)`` jointly with ``Gamma(0.001, 0.001)`` priors on both (without the
  log's Jacobian). Here the same target is drawn in two exact blocks, which mixes much
  faster than 200 scalar slice steps in Python: ``ln r`` by slice sampling of its
  marginal (``alpha`` integrated out) and then ``alpha | r ~ Gamma(n r - 0.999,
  sum lambda + 0.001)``.

Forecasts use the kept draws as BTYDplus's ``mcmc.DrawFutureTransactions``: for each
draw, a customer alive at ``T`` (``tau > T``) makes a first purchase after a gamma time
left-truncated at ``T - t_x`` and renews until ``min(T + t*, tau)``; ``P(alive)`` is the
share of draws with ``tau > T`` (``mcmc.PAlive``).

Published fit: BTYDplus's vignette, grocery (1,525 customers, calibration 2006, weeks):
medians t 1.695, gamma 0.373, r 0.948, alpha 5.243, s 0.432, beta 4.348; the holdout
forecast 3,815 against 3,389 actual.
"""

from __future__ import annotations

import contextlib
import math
import sys
from dataclasses import dataclass, field
from typing import Any, ClassVar

from payback._lazy import lazy_module
from payback.clv._base import ModelFit
from payback.clv._inputs import read_rft
from payback.errors import InputError, PaybackError

np = lazy_module("numpy")
special = lazy_module("scipy.special")

__all__ = ["QUICK", "ParetoGGGFit", "fit_pggg", "pggg_p_alive_given"]

#: Shorter chains than BTYDplus's 2 x 3,000 steps, for ``payback ltv fit`` and ``ltv
#: check``: one chain of 600 steps, 400 kept (on grocery and CDNOW the cohort medians
#: settle within 100-200 steps; about 0.1 s a step for 2,000 customers).
QUICK = {"mcmc": 400, "burnin": 200, "thin": 2, "chains": 1}

#: Gamma(0.001, 0.001) hyperpriors on all six cohort parameters (BTYDplus)
_HYPER = 0.001
_NAMES = ("t", "gamma", "r", "alpha", "s", "beta")


def _log_sf(q, k, rate):
    """``ln P(Gamma(k, rate) > q)`` (0 for q <= 0)."""
    with np.errstate(divide="ignore"):
        return np.log(special.gammaincc(k, np.maximum(q, 0.0) * rate))


def pggg_p_alive_given(x, t_x, T, k, lam, mu) -> np.ndarray:
    """``P(tau > T | x, t_x, T, k, lambda, mu)`` (BTYDplus ``pggg_palive``, Simpson 3/8).

    Examples
    --------
    At ``k = 1`` it is the Pareto/NBD's, ``1 / (1 + mu/(lambda+mu) (e^((lambda+mu)(T-t_x))
    - 1))``:

    >>> p = pggg_p_alive_given(1, 45.0, 52.0, 1.0, 0.3, 0.1)
    >>> exact = 1 / (1 + 0.1 / 0.4 * (math.exp(0.4 * 7) - 1))
    >>> bool(abs(p - exact) < 1e-4)
    True
    """
    del x  # the count enters through k and lambda only
    t_x, T, k, lam, mu = np.broadcast_arrays(*(np.asarray(v, float) for v in (t_x, T, k, lam, mu)))
    gap = T - t_x
    # both terms scaled by e^(mu t_x): no underflow for long lives
    numer = special.gammaincc(k, gap * k * lam) * np.exp(-mu * gap)
    nodes = np.linspace(0.0, 1.0, 13)
    coef = np.array([1, 3, 3, 2, 3, 3, 2, 3, 3, 2, 3, 3, 1], float) * (3 / 8) / 12
    y = gap[..., None] * nodes
    f = special.gammaincc(k[..., None], y * (k * lam)[..., None]) * np.exp(-mu[..., None] * y)
    integral = gap * (f @ coef)
    denom = numer + mu * integral
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, numer / denom, 0.0)


def _slice(logf, x0, w, lower, upper, steps, rng):
    """Neal's (2003) slice sampler with stepping out, one chain per element of ``x0``.

    ``logf(values, idx)`` is the log density of the customers ``idx`` at ``values``.
    """
    x = np.array(x0, float)
    n = x.size
    w = np.broadcast_to(np.asarray(w, float), (n,)).copy()
    lower = np.broadcast_to(np.asarray(lower, float), (n,))
    upper = np.broadcast_to(np.asarray(upper, float), (n,))
    every = np.arange(n)
    ly = logf(x, every)
    for _ in range(steps):
        logz = ly - rng.exponential(size=n)
        u = rng.uniform(size=n) * w
        ends = []
        for sign, start in ((-1.0, x - u), (1.0, x + w - u)):
            end = start.copy()
            bound = lower if sign < 0 else upper
            idx = every[(end > bound) if sign < 0 else (end < bound)]
            for _ in range(1000):
                if not idx.size:
                    break
                idx = idx[logf(end[idx], idx) > logz[idx]]
                end[idx] += sign * w[idx]
                idx = idx[(end[idx] > bound[idx]) if sign < 0 else (end[idx] < bound[idx])]
            ends.append(end)
        r0, r1 = np.maximum(ends[0], lower), np.minimum(ends[1], upper)
        idx = every
        for _ in range(200):  # shrinkage; a point stuck by rounding keeps its value
            if not idx.size:
                break
            xs = rng.uniform(r0[idx], r1[idx])
            lys = logf(xs, idx)
            ok = lys > logz[idx]
            x[idx[ok]], ly[idx[ok]] = xs[ok], lys[ok]
            idx, xs = idx[~ok], xs[~ok]
            left = xs < x[idx]
            r0[idx[left]] = xs[left]
            r1[idx[~left]] = xs[~left]
    return x


def _gamma_pair(values, shape, rng, steps: int = 10):
    """Draw a gamma distribution's ``(shape, rate)`` given draws ``values`` from it.

    The target is BTYDplus's ``slice_sample_gamma_parameters`` (density of ``(shape,
    rate)`` with Gamma(0.001, 0.001) priors, sampled over their logs without Jacobian):
    ``ln shape`` from its marginal, then ``rate | shape ~ Gamma(n shape - 0.999, sum +
    0.001)``.
    """
    n, total, total_log = values.size, float(values.sum()), float(np.log(values).sum())
    b = total + _HYPER

    def marginal(theta, _idx):
        s = np.exp(theta)
        a = n * s + _HYPER - 1
        return (
            -n * special.gammaln(s)
            + (s - 1) * total_log
            + (_HYPER - 1) * theta
            - s * _HYPER
            + special.gammaln(a)
            - a * math.log(b)
        )

    floor = math.log((1 - _HYPER) / n)  # rate | shape is proper: n shape > 0.999
    start = max(math.log(shape), floor + 1e-9)
    theta = _slice(marginal, [start], 0.1, floor, np.inf, steps, rng)[0]
    s = math.exp(theta)
    return s, max(rng.gamma(n * s + _HYPER - 1) / b, 1e-12)  # tiny cohorts: never 0


class _Chain:
    """State of one Gibbs chain: customer parameters and cohort parameters."""

    def __init__(self, x, t_x, T, litt, init: dict[str, float], rng, k: float | None = None):
        self.x, self.t_x, self.T, self.litt, self.rng = x, t_x, T, litt, rng
        self.p = dict(init)
        self.fixed_k = k
        lam = x.mean() / np.where(t_x == 0, T, t_x).mean()
        self.k = np.full(x.size, 1.0 if k is None else float(k))
        self.lam = np.full(x.size, lam)
        self.tau = t_x + 0.5 / lam
        self.mu = 1 / self.tau

    def step(self, *, cohort: bool = True) -> None:
        x, t_x, T, litt, rng, p = self.x, self.t_x, self.T, self.litt, self.rng, self.p
        span = np.minimum(T, self.tau) - t_x

        def post_k(k, i):
            lam = self.lam[i]
            return (
                (p["t"] - 1) * np.log(k)
                - k * p["gamma"]
                + k * x[i] * np.log(k * lam)
                - x[i] * special.gammaln(k)
                - k * lam * t_x[i]
                + (k - 1) * litt[i]
                + _log_sf(span[i], k, k * lam)
            )

        if self.fixed_k is None:
            w = 3 * math.sqrt(p["t"]) / p["gamma"]
            self.k = _slice(post_k, self.k, w, 0.1, 1e3, 3, rng)

        def post_lambda(lam, i):
            k = self.k[i]
            return (
                (p["r"] - 1) * np.log(lam)
                - lam * p["alpha"]
                + k * x[i] * np.log(lam)
                - k * lam * t_x[i]
                + _log_sf(span[i], k, k * lam)
            )

        w = 3 * math.sqrt(p["r"]) / p["alpha"]
        self.lam = _slice(post_lambda, self.lam, w, 1e-30, 1e5, 3, rng)
        self.mu = np.maximum(rng.gamma(p["s"] + 1, 1 / (p["beta"] + self.tau)), math.exp(-30))
        self._draw_tau()
        if cohort and self.fixed_k is None:
            p["t"], p["gamma"] = _gamma_pair(self.k, p["t"], rng)
        if cohort:
            p["r"], p["alpha"] = _gamma_pair(self.lam, p["r"], rng)
            p["s"], p["beta"] = _gamma_pair(self.mu, p["s"], rng)

    def _draw_tau(self) -> None:
        x, t_x, T, rng = self.x, self.t_x, self.T, self.rng
        k, lam, mu = self.k, self.lam, self.mu
        alive = pggg_p_alive_given(x, t_x, T, k, lam, mu) > rng.uniform(size=x.size)
        tau = np.empty(x.size)
        tau[alive] = T[alive] + rng.exponential(1 / mu[alive])
        dead = np.flatnonzero(~alive)
        gap = T[dead] - t_x[dead]
        kd, ld, md = k[dead], lam[dead], mu[dead]

        def post_tau(rel, i):
            return -md[i] * rel + _log_sf(rel, kd[i], kd[i] * ld[i])

        start = np.minimum(gap, rng.gamma(kd, 1 / (kd * ld))) / 2
        tau[dead] = t_x[dead] + _slice(post_tau, start, gap / 2, 0.0, gap, 6, rng)
        self.tau = tau


@dataclass(frozen=True, kw_only=True)
class ParetoGGGFit(ModelFit):
    """A Pareto/GGG fitted by MCMC (the module notes); the parameters are the medians of
    the kept cohort draws.

    Attributes
    ----------
    t, gamma : float
        Gamma distribution of the regularity ``k`` (mean ``t / gamma``).
    r, alpha : float
        Gamma distribution of the purchase rates ``lambda``.
    s, beta : float
        Gamma distribution of the drop-out rates ``mu``.
    cohort_draws : numpy.ndarray
        Kept draws of ``(t, gamma, r, alpha, s, beta)``, one row per draw (chains
        stacked).
    customer_draws : numpy.ndarray
        Kept draws of ``(k, lambda, mu, tau)`` per customer: shape ``(draws, 4,
        customers)``, customers in the order fitted.
    history : numpy.ndarray
        ``(x, t_x, T)`` of the customers fitted, shape ``(3, customers)``.
    seed : int
        Seed of the chains (forecasts are seeded from it too).
    """

    param_names: ClassVar[tuple[str, ...]] = _NAMES
    model_name: ClassVar[str] = "Pareto/GGG"

    t: float
    gamma: float
    r: float
    alpha: float
    s: float
    beta: float
    cohort_draws: Any = field(default=None, repr=False, compare=False)
    customer_draws: Any = field(default=None, repr=False, compare=False)
    history: Any = field(default=None, repr=False, compare=False)
    seed: int = 0

    def summary(self):
        """A pandas DataFrame: parameter, estimate (the median of the draws), standard
        error (their standard deviation) and the 95 % credible interval (their 2.5 and
        97.5 % quantiles)."""
        import pandas as pd

        low, high = np.quantile(self.cohort_draws, [0.025, 0.975], axis=0)
        rows = [
            (n, getattr(self, n), self.standard_errors[n], low[j], high[j])
            for j, n in enumerate(self.param_names)
        ]
        return pd.DataFrame(
            rows, columns=["parameter", "estimate", "std_error", "lower95", "upper95"]
        )

    def _draws_for(self, frequency, recency, T):
        x, t_x, T_ = (np.asarray(v, float).ravel() for v in (frequency, recency, T))
        fitted = self.history
        if (
            fitted is None
            or fitted.shape[1] != x.size
            or not (np.allclose(fitted, np.stack([x, t_x, T_])))
        ):
            raise InputError(
                "Pareto/GGG: forecasts are for the customers it was fitted on, in the same "
                "order (its customer-level draws); fit it on these customers first"
            )
        return x, t_x, T_, self.customer_draws

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Share of the draws with ``tau > T`` (BTYDplus ``mcmc.PAlive``)."""
        _, _, T_, d = self._draws_for(frequency, recency, T)
        return (d[:, 3, :] > T_).mean(axis=0)

    def expected_purchases(
        self, t: Any, frequency: Any, recency: Any, T: Any, *, simulations: int = 2000
    ) -> np.ndarray:
        """Mean of the simulated purchases in ``(T, T + t]`` over about ``simulations``
        per customer, cycling through the kept draws (BTYDplus
        ``mcmc.DrawFutureTransactions``, one per draw, averaged)."""
        x, t_x, T_, d = self._draws_for(frequency, recency, T)
        t = np.broadcast_to(np.asarray(t, float).ravel(), x.shape)
        rng = np.random.default_rng([self.seed, 1])
        samples = max(1, -(-simulations // d.shape[0]))
        total = np.zeros(x.size)
        for _ in range(samples):  # one pass over the draws at a time: bounded memory
            k, lam, tau = d[:, 0, :], d[:, 1, :], d[:, 3, :]
            total += _future_counts(t, t_x, T_, k, lam, tau, rng).sum(axis=0)
        return total / (samples * d.shape[0])


def _future_counts(t, t_x, T, k, lam, tau, rng) -> np.ndarray:
    """Purchases in ``(T, T + t]`` per draw (rows) and customer (columns)."""
    shape = k.shape
    t, t_x, T = (np.broadcast_to(v, shape) for v in (t, t_x, T))
    end = np.minimum(T + t, tau) - t_x  # time after the last purchase that counts
    rate = k * lam
    low = special.gammainc(k, (T - t_x) * rate)
    u = low + rng.uniform(size=shape) * (1 - low)
    with np.errstate(over="ignore"):
        since = special.gammaincinv(k, u) / rate  # left-truncated at T - t_x
    counts = np.zeros(shape)
    idx = np.flatnonzero((tau > T) & (since < end))
    since, k_, rate_, end_ = since.ravel()[idx], k.ravel()[idx], rate.ravel()[idx], end.ravel()[idx]
    flat = counts.ravel()
    while idx.size:
        flat[idx] += 1
        since = since + rng.gamma(k_) / rate_
        keep = since < end_
        idx, since, k_, rate_, end_ = idx[keep], since[keep], k_[keep], rate_[keep], end_[keep]
    return flat.reshape(shape)


def fit_pggg(
    frequency: Any,
    recency: Any = None,
    T: Any = None,
    litt: Any = None,
    *,
    mcmc: int = 2500,
    burnin: int = 500,
    thin: int = 50,
    chains: int = 2,
    seed: int = 0,
    init: dict[str, float] | None = None,
    k: float | None = None,
    trace: int = 0,
    penalizer: float = 0.0,
) -> ParetoGGGFit:
    """Fit the Pareto/GGG by MCMC (BTYDplus ``pggg.mcmc.DrawParameters``, its defaults).

    Parameters
    ----------
    frequency, recency, T : array-like
        Repeat purchases, recency and age per customer (or one table with these columns
        and ``litt``, one row per customer, as first argument).
    litt : array-like
        Each customer's sum of log inter-purchase times (BTYDplus ``elog2cbs``'s
        ``litt``; :mod:`payback.clv.regularity`).
    mcmc, burnin, thin, chains : int
        Steps kept after ``burnin``, every ``thin``-th of them, per chain.
    seed : int
        Seed of NumPy's generator (one stream per chain).
    init : dict, optional
        Start of the cohort parameters; default BTYDplus's: ``t = gamma = 1`` and a
        Pareto/NBD maximum-likelihood fit (all 1 when that fit is degenerate).
    k : float, optional
        Fix every customer's regularity at ``k`` (``k = 1``: the Pareto/NBD fitted by
        MCMC, BTYDplus's ``pnbd.mcmc.DrawParameters``); ``t`` and ``gamma`` then stay
        at their start.
    trace : int
        Print progress to stderr every ``trace`` steps (0: silent).
    penalizer : float
        Only 0 (a Bayesian fit has no L2 penalty); here for the common fit signature.

    Returns
    -------
    ParetoGGGFit

    Examples
    --------
    A short chain on simulated exponential (k = 1) buyers:

    >>> from payback.clv.simulate import simulate_pareto_nbd
    >>> sim = simulate_pareto_nbd(300, 39.0, r=0.55, alpha=10.6, s=0.6, beta=11.7, seed=3)
    >>> fit = fit_pggg(sim, litt=0.0, mcmc=40, burnin=20, thin=4, chains=1, seed=1)
    >>> fit.cohort_draws.shape, fit.customer_draws.shape
    ((10, 6), (10, 4, 300))
    >>> history = sim.frequency, sim.recency, sim["T"]
    >>> bool(0 < fit.p_alive(*history).mean() < 1)
    True
    >>> fit.expected_purchases(39.0, *history, simulations=20).shape
    (300,)
    """
    model = "Pareto/GGG"
    if penalizer:
        raise InputError(f"{model}: no penalizer (it is fitted by MCMC); got {penalizer}")
    if litt is None and hasattr(frequency, "columns") and "litt" in frequency.columns:
        litt = frequency["litt"].to_numpy(float)
    if hasattr(frequency, "columns") and "weights" in frequency.columns:
        raise InputError(
            f"{model}: needs one row per customer (each has its own litt); got a table "
            "with 'weights' (distinct histories)"
        )
    x, t_x, T_, _ = read_rft(model, frequency, recency, T, None)
    if litt is None:
        raise InputError(
            f"{model}: needs each customer's sum of log inter-purchase times (a 'litt' "
            "column, as BTYDplus's elog2cbs gives); fit from the store or a transaction "
            "file (`payback ltv check -t FILE`)"
        )
    litt = np.broadcast_to(np.asarray(litt, float), x.shape)
    if init is None:
        import pandas as pd

        from payback.clv.compress import compress
        from payback.clv.pareto_nbd import fit_pareto_nbd

        frame = pd.DataFrame({"frequency": x, "recency": t_x, "T": T_})
        init = dict.fromkeys(_NAMES, 1.0)  # BTYDplus's fallback
        with contextlib.suppress(PaybackError):
            init.update(fit_pareto_nbd(compress(frame)).params)
    kept = (mcmc - 1) // thin + 1
    cohort = np.empty((chains, kept, 6))
    customer = np.empty((chains, kept, 4, x.size))
    streams = np.random.SeedSequence(seed).spawn(chains)
    for c, stream in enumerate(streams):
        chain = _Chain(x, t_x, T_, litt, init, np.random.default_rng(stream), k)
        for step in range(1, burnin + mcmc + 1):
            if trace and step % trace == 0:
                print(f"Pareto/GGG chain {c + 1}: step {step} of {burnin + mcmc}", file=sys.stderr)
            chain.step()
            done = step - burnin
            if done > 0 and (done - 1) % thin == 0:
                j = (done - 1) // thin
                cohort[c, j] = [chain.p[n] for n in _NAMES]
                customer[c, j] = np.stack([chain.k, chain.lam, chain.mu, chain.tau])
    cohort = cohort.reshape(-1, 6)
    medians = dict(zip(_NAMES, np.median(cohort, axis=0).tolist(), strict=True))
    spread = dict(zip(_NAMES, np.std(cohort, axis=0, ddof=1).tolist(), strict=True))
    return ParetoGGGFit(
        **medians,
        standard_errors=spread,
        n_customers=float(x.size),
        cohort_draws=cohort,
        customer_draws=customer.reshape(-1, 4, x.size),
        history=np.stack([x, t_x, T_]),
        seed=seed,
    )
