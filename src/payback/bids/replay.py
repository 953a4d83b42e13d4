"""Back-test: replay bid rules week by week on keywords whose truth is known.

Bids are not in the store (the exports hold what a click cost, not what was bid), so
the replay simulates the auction of each keyword from its true conversion rate ``cr``,
value, click price ``cpc`` and weekly clicks (by default the demo's hidden truth,
:func:`payback.demo.keywords.keyword_truth`; any frame with those columns will do):

- a week at bid ``b`` brings ``Poisson(weekly_clicks x traffic x (b / cpc) ** e)``
  clicks (:func:`payback.bids.policy.response`, elasticity ``e`` = 0.6), each costing
  ``b``; each click converts with probability ``cr``;
- every strategy starts at ``b = cpc`` and, after each week, sets its bids from the last
  ``window`` weeks of its own history, moved by the same rules (step cap, min bid,
  tolerance: :func:`payback.bids.policy.decide`), aiming at the same max CPC, target CPA
  x its estimate of CR:

  * ``shrinkage``: the empirical-Bayes CR (:func:`payback.bids.shrinkage.shrink_rates`)
    and the binomial-tail pause;
  * ``cascade`` (K50): the keyword's own CR from 3 conversions on, else the ad group's,
    campaign's or account's (the first with 3); a keyword without conversions whose
    clicks exceed 2 / CR of that level is ineffective and paused;
  * ``raw``: conversions / clicks of the keyword alone (0 conversions: down to the
    minimum bid);
  * ``fixed``: cut the bid 15 % a week while the window's CPA is above the target (no
    conversion and a cost above it counts as above), never raise;

- the true optimum of a keyword is ``b* = target CPA x cr`` (the max CPC with the true
  CR: its CPA is then exactly the target); the distance of a bid is ``|b - b*| / b*``
  (a paused keyword: 1). **Small** keywords expect fewer than ``small`` conversions in a
  window at their optimum.

The replay is repeated ``runs`` times with seeds ``seed, seed + 1, ...`` (every
strategy sees the same seed in a run) and averaged over the second half of the weeks.

Examples
--------
Four keywords of one ad group, CR 2-3 %, bids starting at 0.50 against optima of
0.80-1.20 (target CPA 40); two of them are small:

>>> import pandas as pd
>>> truth = pd.DataFrame({"platform": "google", "campaign": "C", "ad_group": ["G"] * 4,
...     "keyword": list("abcd"), "cr": [0.02, 0.025, 0.03, 0.02], "cpc": 0.5,
...     "weekly_clicks": [40.0, 20, 10, 5]})
>>> bt = backtest(truth, target_cpa=40, weeks=20, runs=3)
>>> bt.small, bt.frame[["strategy", "distance", "distance_small"]].round(2)
(2,     strategy  distance  distance_small
0    optimum      0.00            0.00
1  shrinkage      0.21            0.23
2    cascade      0.31            0.40
3        raw      0.49            0.57
4      fixed      0.52            0.49)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from payback.bids.policy import BidRules, decide, response
from payback.bids.shrinkage import shrink_rates
from payback.errors import InputError
from payback.present import Table

__all__ = ["STRATEGIES", "Backtest", "backtest"]

STRATEGIES = ("shrinkage", "cascade", "raw", "fixed")
TRUTH_COLUMNS = ("platform", "campaign", "ad_group", "keyword", "cr", "cpc", "weekly_clicks")
FIXED_CUT = 0.15
CASCADE_MIN = 3


@dataclass(frozen=True)
class Backtest:
    """Result of :func:`backtest`.

    Attributes
    ----------
    table : payback.present.Table
        One row per strategy (and ``optimum``: every bid at its ``b*``), over the second
        half of the weeks, averaged over the runs: ``distance`` and ``distance_small``
        (mean ``|b - b*| / b*`` of all and of the small keywords), ``paused`` (share of
        keywords), ``conversions`` and ``cost`` per week, ``cpa``.
    weekly : payback.present.Table
        ``strategy, week, distance, distance_small, conversions, cpa`` per week.
    target_cpa : float
    keywords, small : int
        Keywords replayed, and how many are small.
    """

    table: Table
    weekly: Table
    target_cpa: float
    keywords: int
    small: int
    weeks: int
    window: int
    runs: int

    @property
    def frame(self) -> pd.DataFrame:
        """The rows of :attr:`table`."""
        return self.table.frame


def _levels(truth: pd.DataFrame) -> list[np.ndarray]:
    keys = ["platform", "campaign", "ad_group"]
    return [
        pd.factorize(pd.Series(list(zip(*(truth[k] for k in keys[: i + 1]), strict=True))))[0]
        for i in range(3)
    ]


def _cascade_rate(x: np.ndarray, n: np.ndarray, levels: list[np.ndarray]) -> np.ndarray:
    """K50: own CR from 3 conversions, else the nearest level above with 3."""
    rate = np.full(len(x), np.nan)
    chosen = x >= CASCADE_MIN
    rate[chosen] = x[chosen] / n[chosen]
    for codes in [*reversed(levels), np.zeros(len(x), np.int64)]:
        gx, gn = np.bincount(codes, x), np.bincount(codes, n)
        ok = ~chosen & (gx[codes] >= CASCADE_MIN)
        rate[ok] = gx[codes][ok] / gn[codes][ok]
        chosen |= ok
    total = n.sum()
    rate[~chosen] = x.sum() / total if total > 0 else np.nan
    return rate


def _decide(
    name: str,
    bids: np.ndarray,
    x: np.ndarray,
    n: np.ndarray,
    cost: np.ndarray,
    levels: list[np.ndarray],
    target: float,
    rules: BidRules,
) -> tuple[np.ndarray, np.ndarray]:
    """New bids and the keywords to pause, for one strategy."""
    never = np.zeros(len(x))
    if name == "fixed":
        over = np.where(x > 0, cost / np.maximum(x, 1) > target, cost > target)
        new = np.where(over & (n > 0), np.maximum(bids * (1 - FIXED_CUT), rules.min_bid), bids)
        return np.round(new, 2), np.zeros(len(x), bool)
    if name == "raw":
        rate = np.where(n > 0, x / np.maximum(n, 1), np.nan)
        d = decide(bids, target * rate, clicks=n, conversions=x, parent_rate=never, rules=rules)
        return d.bid, np.zeros(len(x), bool)
    if name == "cascade":
        rate = _cascade_rate(x, n, levels)
        d = decide(bids, target * rate, clicks=n, conversions=x, parent_rate=never, rules=rules)
        ineffective = (x == 0) & (n > 2 / np.maximum(rate, 1e-9))
        return d.bid, ineffective
    fit = shrink_rates(x, n, levels)
    d = decide(
        bids, target * fit.mean, clicks=n, conversions=x, parent_rate=fit.parent_mean, rules=rules
    )
    return d.bid, d.action == "pause"


def backtest(
    truth: pd.DataFrame | None = None,
    *,
    target_cpa: float,
    weeks: int = 26,
    window: int = 8,
    runs: int = 10,
    seed: int = 0,
    traffic: float = 1.0,
    small: float = 5.0,
    rules: BidRules | None = None,
    strategies: tuple[str, ...] = STRATEGIES,
) -> Backtest:
    """Replay the strategies on simulated weeks (see the module docstring).

    Parameters
    ----------
    truth : pandas.DataFrame, optional
        ``platform, campaign, ad_group, keyword, cr, cpc, weekly_clicks`` per keyword;
        default the demo's (:func:`payback.demo.keywords.keyword_truth`).
    target_cpa : float
        The allowed cost of a conversion.
    weeks, window, runs, seed
        Weeks replayed, weeks of history each decision reads, repetitions and the first
        seed.
    traffic : float
        Multiplies every keyword's weekly clicks (0.25: a shop a quarter the size).
    small : float
        Keywords expecting fewer conversions than this in a window at their optimum are
        small.
    rules : BidRules, optional
    strategies : tuple of str

    Returns
    -------
    Backtest

    Raises
    ------
    InputError
        A truth frame without its columns, a non-positive target or an unknown strategy.
    """
    if truth is None:
        from payback.demo.keywords import keyword_truth

        truth = keyword_truth()
    missing = [c for c in TRUTH_COLUMNS if c not in truth]
    if missing:
        raise InputError(
            f"the truth frame lacks {', '.join(missing)}: expected columns "
            f"{', '.join(TRUTH_COLUMNS)}"
        )
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown or not target_cpa > 0 or weeks < 2 or window < 1 or runs < 1:
        raise InputError(
            f"expected a positive target CPA, weeks >= 2, window >= 1, runs >= 1 and "
            f"strategies among {', '.join(STRATEGIES)}; got target {target_cpa!r}, weeks "
            f"{weeks}, window {window}, runs {runs}, strategies {', '.join(strategies)}"
        )
    rules = rules or BidRules()
    truth = truth.reset_index(drop=True)
    cr = truth["cr"].to_numpy(float)
    base = truth["cpc"].to_numpy(float)
    volume = truth["weekly_clicks"].to_numpy(float) * traffic
    best = np.maximum(target_cpa * cr, rules.min_bid)
    clicks_at_best = volume * response(best / base, rules.elasticity)[0]
    is_small = clicks_at_best * cr * window < small
    levels = _levels(truth)
    names = ("optimum", *strategies)
    late = np.arange(weeks) >= weeks // 2
    rows: list[dict] = []
    for run in range(runs):
        for name in names:
            rows += _replay(
                name, run + seed, base, best, cr, volume, levels, is_small, target_cpa,
                weeks, window, rules,
            )  # fmt: skip
    weekly = pd.DataFrame(rows)
    per_week = weekly.groupby(["strategy", "week"], sort=False).mean(numeric_only=True)
    per_week = per_week.drop(columns="run").reset_index()
    part = weekly[late[weekly["week"].to_numpy() - 1]]
    summary = part.groupby("strategy", sort=False).agg(
        distance=("distance", "mean"),
        distance_small=("distance_small", "mean"),
        paused=("paused", "mean"),
        conversions=("conversions", "mean"),
        cost=("cost", "mean"),
    )
    total_conv = part.groupby("strategy", sort=False)["conversions"].sum()
    total_cost = part.groupby("strategy", sort=False)["cost"].sum()
    summary["cpa"] = (total_cost / total_conv.where(total_conv > 0)).astype(float)
    summary = summary.reset_index()
    per_week["cpa"] = per_week["cost"] / per_week["conversions"].where(per_week["conversions"] > 0)
    units = {
        "distance": "rate", "distance_small": "rate", "paused": "rate",
        "conversions": "decimal", "cost": "money", "cpa": "money",
    }  # fmt: skip
    return Backtest(
        Table(summary, units=units, reasons={"cpa": "no conversions"}),
        Table(per_week, units=units, reasons={"cpa": "no conversions"}),
        float(target_cpa), len(truth), int(is_small.sum()), weeks, window, runs,
    )  # fmt: skip


def _replay(
    name: str,
    seed: int,
    base: np.ndarray,
    best: np.ndarray,
    cr: np.ndarray,
    volume: np.ndarray,
    levels: list[np.ndarray],
    is_small: np.ndarray,
    target: float,
    weeks: int,
    window: int,
    rules: BidRules,
) -> list[dict]:
    rng = np.random.default_rng(seed)
    k = len(base)
    bids = best.copy() if name == "optimum" else base.copy()
    paused = np.zeros(k, bool)
    hist = np.zeros((3, weeks, k))  # clicks, conversions, cost
    out = []
    for week in range(weeks):
        lam = np.where(paused, 0.0, volume * response(bids / base, rules.elasticity)[0])
        clicks = rng.poisson(lam)
        conv = rng.binomial(clicks, cr)
        hist[:, week] = clicks, conv, clicks * bids
        gap = np.where(paused, 1.0, np.abs(bids - best) / best)
        out.append({
            "strategy": name, "run": seed, "week": week + 1, "distance": gap.mean(),
            "distance_small": gap[is_small].mean() if is_small.any() else np.nan,
            "paused": paused.mean(), "conversions": conv.sum(), "cost": (clicks * bids).sum(),
        })  # fmt: skip
        if name == "optimum":
            continue
        n, x, cost = hist[:, max(0, week + 1 - window) : week + 1].sum(axis=1)
        new, pause = _decide(name, bids, x, n, cost, levels, target, rules)
        bids = np.where(paused, bids, new)
        paused |= pause
    return out
