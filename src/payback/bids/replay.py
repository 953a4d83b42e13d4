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
  window at their optimum;
- with a target DRR instead, each conversion is worth a log-normal value of mean
  ``value`` (the truth's column; log standard deviation ``VALUE_SIGMA`` = 0.8), ``b* =
  target DRR x cr x value``, and each strategy estimates the revenue per click: the
  shrunk CR x the shrunk value (:func:`payback.bids.shrinkage.shrink_values`), the
  cascade's revenue / clicks of the first level with 3 conversions, the raw revenue /
  clicks, and the fixed rule cuts while the DRR is above the target.

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
from payback.bids.shrinkage import hierarchy_codes, shrink_rates, shrink_values
from payback.errors import InputError
from payback.present import Table

__all__ = ["STRATEGIES", "Backtest", "backtest"]

STRATEGIES = ("shrinkage", "cascade", "raw", "fixed")
TRUTH_COLUMNS = ("platform", "campaign", "ad_group", "keyword", "cr", "cpc", "weekly_clicks")
FIXED_CUT = 0.15
CASCADE_MIN = 3
#: log standard deviation of a simulated order value (DRR targets)
VALUE_SIGMA = 0.8


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
    kind : {"cpa", "drr"}
    target : float
        The target CPA or DRR.
    keywords, small : int
        Keywords replayed, and how many are small.
    """

    table: Table
    weekly: Table
    kind: str
    target: float
    keywords: int
    small: int
    weeks: int
    window: int
    runs: int

    @property
    def frame(self) -> pd.DataFrame:
        """The rows of :attr:`table`."""
        return self.table.frame


def _cascade_rate(
    x: np.ndarray, n: np.ndarray, levels: list[np.ndarray], num: np.ndarray | None = None
) -> np.ndarray:
    """K50: ``num / n`` (CR by default, revenue per click with ``num`` = revenue) of the
    keyword from 3 conversions, else of the nearest level above with 3."""
    num = x if num is None else num
    rate = np.full(len(x), np.nan)
    chosen = x >= CASCADE_MIN
    rate[chosen] = num[chosen] / n[chosen]
    for codes in [*reversed(levels), np.zeros(len(x), np.int64)]:
        gx, gn, gv = np.bincount(codes, x), np.bincount(codes, n), np.bincount(codes, num)
        ok = ~chosen & (gx[codes] >= CASCADE_MIN)
        rate[ok] = gv[codes][ok] / gn[codes][ok]
        chosen |= ok
    total = n.sum()
    rate[~chosen] = num.sum() / total if total > 0 else np.nan
    return rate


def _decide(
    name: str,
    bids: np.ndarray,
    sums: np.ndarray,
    levels: list[np.ndarray],
    target: float,
    drr: bool,
    rules: BidRules,
) -> tuple[np.ndarray, np.ndarray]:
    """New bids and the keywords to pause, for one strategy, from the window's sums
    (clicks, conversions, cost, revenue, sum and sum of squares of the log values)."""
    n, x, cost, revenue, log_sum, log_sumsq = sums
    never = np.zeros(len(x))
    if name == "fixed":
        spent = revenue if drr else x
        limit = cost / np.maximum(revenue, 1e-9) if drr else cost / np.maximum(x, 1)
        over = np.where(spent > 0, limit > target, cost > (0 if drr else target))
        new = np.where(over & (n > 0), np.maximum(bids * (1 - FIXED_CUT), rules.min_bid), bids)
        return np.round(new, 2), np.zeros(len(x), bool)
    if name == "raw":
        rate = np.where(n > 0, (revenue if drr else x) / np.maximum(n, 1), np.nan)
        d = decide(bids, target * rate, clicks=n, conversions=x, parent_rate=never, rules=rules)
        return d.bid, np.zeros(len(x), bool)
    if name == "cascade":
        rate = _cascade_rate(x, n, levels)
        worth = _cascade_rate(x, n, levels, revenue) if drr else rate
        d = decide(bids, target * worth, clicks=n, conversions=x, parent_rate=never, rules=rules)
        ineffective = (x == 0) & (n > 2 / np.maximum(rate, 1e-9))
        return d.bid, ineffective
    fit = shrink_rates(x, n, levels)
    worth = fit.mean
    if drr:
        worth = worth * shrink_values(log_sum, log_sumsq, x, levels).mean
    d = decide(
        bids, target * worth, clicks=n, conversions=x, parent_rate=fit.parent_mean, rules=rules
    )
    return d.bid, d.action == "pause"


def backtest(
    truth: pd.DataFrame | None = None,
    *,
    target_cpa: float | None = None,
    target_drr: float | None = None,
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
    target_cpa, target_drr : float
        One of them: the allowed cost of a conversion, or share of revenue (then the
        truth needs a ``value`` column).
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
    if (target_cpa is None) == (target_drr is None):
        raise InputError(
            f"give exactly one of {{target_cpa}} and {{target_drr}}; got "
            f"{target_cpa!r} and {target_drr!r}"
        )
    drr = target_drr is not None
    target = float(target_drr if drr else target_cpa)
    missing = [c for c in (*TRUTH_COLUMNS, *(("value",) if drr else ())) if c not in truth]
    if missing:
        raise InputError(
            f"the truth frame lacks {', '.join(missing)}: expected columns "
            f"{', '.join(TRUTH_COLUMNS)}"
        )
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown or not 0 < target <= (1 if drr else np.inf) or weeks < 2 or window < 1 or runs < 1:
        raise InputError(
            f"expected a positive target (a DRR up to 100 %), weeks >= 2, window >= 1, runs >= 1 "
            f"and strategies among {', '.join(STRATEGIES)}; got target {target!r}, weeks "
            f"{weeks}, window {window}, runs {runs}, strategies {', '.join(strategies)}"
        )
    rules = rules or BidRules()
    truth = truth.reset_index(drop=True)
    cr = truth["cr"].to_numpy(float)
    base = truth["cpc"].to_numpy(float)
    volume = truth["weekly_clicks"].to_numpy(float) * traffic
    value = truth["value"].to_numpy(float) if drr else np.ones(len(truth))
    best = np.maximum(target * cr * value, rules.min_bid)
    clicks_at_best = volume * response(best / base, rules.elasticity)[0]
    is_small = clicks_at_best * cr * window < small
    levels = hierarchy_codes(truth)
    names = ("optimum", *strategies)
    late = np.arange(weeks) >= weeks // 2
    rows: list[dict] = []
    for run in range(runs):
        for name in names:
            rows += _replay(
                name, run + seed, base, best, cr, value if drr else None, volume, levels,
                is_small, target, weeks, window, rules,
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
        **({"revenue": ("revenue", "mean")} if drr else {}),
    )
    sums = part.groupby("strategy", sort=False)[["conversions", "cost", "revenue"]].sum()
    ratio, per = ("drr", "revenue") if drr else ("cpa", "conversions")
    summary[ratio] = (sums["cost"] / sums[per].where(sums[per] > 0)).astype(float)
    summary = summary.reset_index()
    per_week[ratio] = per_week["cost"] / per_week[per].where(per_week[per] > 0)
    if not drr:
        per_week = per_week.drop(columns="revenue")
    units = {
        "distance": "rate", "distance_small": "rate", "paused": "rate",
        "conversions": "decimal", "cost": "money", "revenue": "money", "cpa": "money",
        "drr": "rate",
    }  # fmt: skip
    reasons = {ratio: f"no {per}"}
    return Backtest(
        Table(summary, units={k: v for k, v in units.items() if k in summary}, reasons=reasons),
        Table(per_week, units={k: v for k, v in units.items() if k in per_week}, reasons=reasons),
        "drr" if drr else "cpa", target, len(truth), int(is_small.sum()), weeks, window, runs,
    )  # fmt: skip


def _replay(
    name: str,
    seed: int,
    base: np.ndarray,
    best: np.ndarray,
    cr: np.ndarray,
    value: np.ndarray | None,
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
    hist = np.zeros((6, weeks, k))  # clicks, conversions, cost, revenue, log sums
    out = []
    for week in range(weeks):
        lam = np.where(paused, 0.0, volume * response(bids / base, rules.elasticity)[0])
        clicks = rng.poisson(lam)
        conv = rng.binomial(clicks, cr)
        hist[:3, week] = clicks, conv, clicks * bids
        if value is not None:  # drawn after the CPA replay's draws: its numbers stay
            owner = np.repeat(np.arange(k), conv)
            logs = rng.normal(np.log(value[owner]) - VALUE_SIGMA**2 / 2, VALUE_SIGMA)
            hist[3:, week] = (
                np.bincount(owner, np.exp(logs), k),
                np.bincount(owner, logs, k),
                np.bincount(owner, logs**2, k),
            )
        gap = np.where(paused, 1.0, np.abs(bids - best) / best)
        out.append({
            "strategy": name, "run": seed, "week": week + 1, "distance": gap.mean(),
            "distance_small": gap[is_small].mean() if is_small.any() else np.nan,
            "paused": paused.mean(), "conversions": conv.sum(), "cost": (clicks * bids).sum(),
            "revenue": hist[3, week].sum(),
        })  # fmt: skip
        if name == "optimum":
            continue
        sums = hist[:, max(0, week + 1 - window) : week + 1].sum(axis=1)
        new, pause = _decide(name, bids, sums, levels, target, value is not None, rules)
        bids = np.where(paused, bids, new)
        paused |= pause
    return out
