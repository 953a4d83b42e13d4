"""Empirical-Bayes shrinkage of sparse keyword rates and values down a hierarchy.

A keyword with 3 clicks says almost nothing about its conversion rate; its ad group,
campaign and platform say more. Each level's rate is pulled towards its parent's in
proportion to how little data it has, with a strength fitted from the data itself
(Yuan et al., "Dynamic Hierarchical Empirical Bayes", AdKDD 2018; the beta-binomial
pooling of proportions):

- **conversion rate** (beta-binomial): under a parent with rate ``m``, a child's rate is
  ``Beta(kappa m, kappa (1 - m))``; ``x`` conversions in ``n`` clicks give the posterior
  ``Beta(x + kappa m, n - x + kappa (1 - m))``, mean ``(x + kappa m) / (n + kappa)``.
  ``kappa`` (one per level: platform, campaign, ad group, keyword) maximises the
  beta-binomial marginal likelihood of the level's children, searched in ``log kappa``
  from the method-of-moments start; the top is the pooled rate of everything;
- **value per conversion** (log-normal): a child's mean log value is pulled to its
  parent's with ``c`` pseudo-conversions, ``(sum log v + c mu) / (x + c)``;
  ``c = sigma2 / tau2`` (within-child variance of the log values over the
  between-children variance of their means, method of moments with the sampling noise
  ``sigma2 / x`` taken out); the value is ``exp(mu + sigma2 / 2)``.

The parent's posterior is the prior of its children (top-down), so every level's data
counts once at its own level and once in its parent: the usual approximation of
empirical Bayes on a tree (Agarwal et al., KDD 2007). A prior never weighs more than
the clicks its mean stands on (``kappa`` is capped by the parent's ``alpha + beta``), so
when the keywords do not differ beyond chance (``kappa`` at its bound) a keyword's
interval is its parent's, not a point.
All of it is vectorised NumPy / SciPy: thousands of keywords take milliseconds.

Examples
--------
Six keywords in two ad groups; the first has 0 conversions in 3 clicks. It is neither
zeroed nor trusted: it stays near the pooled 4.5 % (the groups do not differ beyond
chance, so their concentration is at its bound; the keywords' is about 480 clicks).

>>> import numpy as np
>>> fit = shrink_rates(np.array([0, 20, 2, 9, 30, 1]), np.array([3, 400, 60, 300, 500, 100]),
...                    [np.array([0, 0, 0, 1, 1, 1])])
>>> [round(float(r), 4) for r in fit.mean]
[0.0457, 0.0478, 0.0446, 0.0393, 0.0527, 0.039]
>>> round(fit.kappas[-1])
482
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, special, stats

__all__ = [
    "RateFit",
    "ValueFit",
    "fit_concentration",
    "hierarchy_codes",
    "shrink_rates",
    "shrink_values",
]

#: a keyword's ancestors, parent first: the levels of the shrinkage
ANCESTORS = ("platform", "campaign", "ad_group")

#: bounds of the concentration (prior clicks): 1 click to 10 million
KAPPA_BOUNDS = (1.0, 1e7)


def fit_concentration(x: np.ndarray, n: np.ndarray, m: np.ndarray) -> float:
    """The beta-binomial concentration ``kappa`` of children with prior means ``m``.

    Maximises ``sum log B(x + kappa m, n - x + kappa (1 - m)) - log B(kappa m,
    kappa (1 - m))`` over ``log kappa`` (bounded search), starting from the method of
    moments: ``kappa = m (1 - m) / tau2 - 1`` with ``tau2`` the between-children variance
    of ``x / n`` less the binomial noise.

    Parameters
    ----------
    x, n : numpy.ndarray
        Conversions and clicks of each child (children without clicks carry nothing).
    m : numpy.ndarray
        Each child's prior mean (its parent's rate), in (0, 1).

    Returns
    -------
    float
        ``kappa`` in :data:`KAPPA_BOUNDS` (the upper bound: the children do not differ
        beyond chance).

    Examples
    --------
    Rates drawn from ``Beta(2, 98)`` (``kappa = 100``) are recovered roughly:

    >>> rng = np.random.default_rng(1)
    >>> p = rng.beta(2, 98, 4000); n = np.full(4000, 500); x = rng.binomial(n, p)
    >>> 70 < fit_concentration(x, n, np.full(4000, 0.02)) < 140
    True
    """
    keep = n > 0
    x, n, m = x[keep].astype(float), n[keep].astype(float), np.clip(m[keep], 1e-9, 1 - 1e-9)
    if len(x) < 2:
        return KAPPA_BOUNDS[1]

    def loss(log_kappa: float) -> float:
        k = np.exp(log_kappa)
        a, b = k * m, k * (1 - m)
        return -float(np.sum(special.betaln(x + a, n - x + b) - special.betaln(a, b)))

    lo, hi = np.log(KAPPA_BOUNDS[0]), np.log(KAPPA_BOUNDS[1])
    best = optimize.minimize_scalar(loss, bounds=(lo, hi), method="bounded")
    start = _moments_kappa(x, n, m)
    candidates = [best.x, hi]
    if start is not None:
        local = optimize.minimize_scalar(
            loss, bounds=(max(lo, np.log(start) - 3), min(hi, np.log(start) + 3)), method="bounded"
        )
        candidates.append(local.x)
    return float(np.exp(min(candidates, key=loss)))


def _moments_kappa(x: np.ndarray, n: np.ndarray, m: np.ndarray) -> float | None:
    rate = x / n
    w = n / n.sum()
    mean = float(np.sum(w * m))
    between = float(np.sum(w * (rate - m) ** 2)) - float(np.mean(m * (1 - m) / n))
    if between <= 0 or not 0 < mean < 1:
        return None
    return float(np.clip(mean * (1 - mean) / between - 1, *KAPPA_BOUNDS))


@dataclass(frozen=True)
class RateFit:
    """Shrunk rates of the leaves (keywords) and the fitted strength per level.

    Attributes
    ----------
    mean : numpy.ndarray
        Posterior mean rate of each leaf.
    alpha, beta : numpy.ndarray
        Posterior ``Beta(alpha, beta)`` of each leaf.
    parent_mean : numpy.ndarray
        The prior mean of each leaf: its parent's posterior rate.
    kappas : tuple of float
        Fitted concentration per level, top (under the pooled rate) to leaves.
    pooled : float
        The rate of all leaves together.
    """

    mean: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    parent_mean: np.ndarray
    kappas: tuple[float, ...]
    pooled: float

    def interval(self, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        """Equal-tailed credible interval of each leaf's rate."""
        tail = (1 - level) / 2
        return stats.beta.ppf(tail, self.alpha, self.beta), stats.beta.ppf(
            1 - tail, self.alpha, self.beta
        )


def hierarchy_codes(rows: Any) -> list[np.ndarray]:
    """Integer codes of each row's platform, (platform, campaign) and (platform, campaign,
    ad group): the ``levels`` of :func:`shrink_rates` for a frame of keywords.

    >>> import pandas as pd
    >>> rows = pd.DataFrame({"platform": ["g", "g", "m"], "campaign": ["A", "B", "A"],
    ...                      "ad_group": ["x", "x", "x"]})
    >>> [c.tolist() for c in hierarchy_codes(rows)]
    [[0, 0, 1], [0, 1, 2], [0, 1, 2]]
    """
    import pandas as pd

    return [
        pd.factorize(pd.Series(list(zip(*(rows[k] for k in ANCESTORS[: i + 1]), strict=True))))[0]
        for i in range(len(ANCESTORS))
    ]


def _groups(levels: Sequence[np.ndarray], size: int) -> list[np.ndarray]:
    """Group ids per level (top first), each level nested in the ones above, then leaves."""
    out: list[np.ndarray] = []
    key = np.zeros(size, np.int64)
    for level in levels:
        _, key = np.unique(np.stack([key, np.asarray(level)]), axis=1, return_inverse=True)
        out.append(key.ravel())
    out.append(np.arange(size))
    return out


def shrink_rates(x: np.ndarray, n: np.ndarray, levels: Sequence[np.ndarray]) -> RateFit:
    """Hierarchical beta-binomial shrinkage of leaf rates ``x / n``.

    Parameters
    ----------
    x, n : numpy.ndarray
        Successes (conversions) and trials (clicks) per leaf.
    levels : sequence of numpy.ndarray
        Integer (or any sortable) codes of each leaf's ancestors, top first (platform,
        campaign, ad group); the leaf itself is the last level.

    Returns
    -------
    RateFit
    """
    x, n = np.asarray(x, float), np.asarray(n, float)
    total = n.sum()
    pooled = float(x.sum() / total) if total > 0 else 0.0
    prior = np.full(len(x), min(max(pooled, 1e-6), 1 - 1e-6))
    strength = np.full(len(x), max(total, 1.0))  # the prior's own clicks
    kappas: list[float] = []
    alpha = beta = prior
    for codes in _groups(levels, len(x)):
        gx = np.bincount(codes, x)
        gn = np.bincount(codes, n)
        gm, gs = np.zeros(len(gx)), np.zeros(len(gx))
        gm[codes], gs[codes] = prior, strength  # nested: one prior per group
        kappa = fit_concentration(gx, gn, gm)
        kappas.append(kappa)
        k = np.minimum(kappa, gs)
        alpha_g, beta_g = gx + k * gm, gn - gx + k * (1 - gm)
        parent = prior
        prior = (alpha_g / (alpha_g + beta_g))[codes]
        strength = (alpha_g + beta_g)[codes]
        alpha, beta = alpha_g[codes], beta_g[codes]
    return RateFit(prior, alpha, beta, parent, tuple(kappas), pooled)


@dataclass(frozen=True)
class ValueFit:
    """Shrunk value per conversion of the leaves (log-normal).

    Attributes
    ----------
    mean : numpy.ndarray
        Posterior mean value per conversion ``exp(mu + sigma2 / 2)`` (NaN only when
        nothing converted at all).
    log_mean : numpy.ndarray
        Posterior mean of the log value ``mu`` of each leaf.
    sigma2 : float
        Pooled within-leaf variance of the log values.
    pseudo : tuple of float
        Pseudo-conversions ``c`` per level, top to leaves.
    """

    mean: np.ndarray
    log_mean: np.ndarray
    sigma2: float
    pseudo: tuple[float, ...]


def shrink_values(
    log_sum: np.ndarray, log_sumsq: np.ndarray, x: np.ndarray, levels: Sequence[np.ndarray]
) -> ValueFit:
    """Hierarchical log-normal shrinkage of the value per conversion.

    Order values are log-normal with a leaf's own ``mu``; ``mu`` is normal around its
    parent's: the posterior ``mu = (x mean_log + c mu_parent) / (x + c)`` with
    ``c = sigma2 / tau2`` (within-leaf over between-leaf variance of the log values,
    method of moments: ``tau2`` = weighted variance of the leaf means less the noise
    ``sigma2 / x``). The value per conversion is ``exp(mu + sigma2 / 2)``. On logs a
    single 500 order among orders of 40 moves its keyword's value a little, not tenfold.

    Parameters
    ----------
    log_sum, log_sumsq, x : numpy.ndarray
        Sum of the log values, of their squares, and the count of conversions per leaf.
    levels : sequence of numpy.ndarray
        As for :func:`shrink_rates`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> logs = [np.log([500.0])] + [np.log(rng.gamma(2, 20, k)) for k in (30, 40, 25)]
    >>> fit = shrink_values(np.array([v.sum() for v in logs]),
    ...                     np.array([(v**2).sum() for v in logs]),
    ...                     np.array([len(v) for v in logs]), [np.zeros(4, int)])
    >>> [round(float(v)) for v in fit.mean]
    [53, 39, 43, 40]
    """
    log_sum, log_sumsq, x = (np.asarray(v, float) for v in (log_sum, log_sumsq, x))
    total = x.sum()
    if total <= 0:
        return ValueFit(np.full(len(x), np.nan), np.full(len(x), np.nan), float("nan"), ())
    has = x > 0
    leaves = int(has.sum())
    within_ss = float(log_sumsq.sum() - np.sum(log_sum[has] ** 2 / x[has]))
    sigma2 = max(within_ss / (total - leaves), 1e-6) if total > leaves else 0.25
    prior = np.full(len(x), float(log_sum.sum() / total))
    pseudo: list[float] = []
    for codes in _groups(levels, len(x)):
        gs, gx = np.bincount(codes, log_sum), np.bincount(codes, x)
        gm = np.zeros(len(gs))
        gm[codes] = prior
        ok = gx > 0
        c = 1e9
        if ok.sum() >= 2:
            w = gx[ok] / gx[ok].sum()
            spread = float(np.sum(w * (gs[ok] / gx[ok] - gm[ok]) ** 2))
            between = spread - sigma2 * ok.sum() / gx[ok].sum()
            if between > 0:
                c = float(np.clip(sigma2 / between, 0.5, 1e9))
        pseudo.append(c)
        prior = ((gs + c * gm) / (gx + c))[codes]
    return ValueFit(np.exp(prior + sigma2 / 2), prior, sigma2, tuple(pseudo))
