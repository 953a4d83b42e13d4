"""The bid rules: from an estimated max CPC to a new bid, an action and its reason.

Pure NumPy over arrays of keywords, used by :func:`payback.bids.recommend` on a store and
by :func:`payback.bids.backtest` on simulated weeks, so both apply the very same rules:

1. **no clicks** in the window: the bid is kept (``hold``), nothing is known;
2. **pause**: no conversion in ``n`` clicks although the parent's (ad group's) rate
   ``p`` makes that unlikely, ``P(X = 0 | n, p) = (1 - p)^n < pause_alpha`` (binomial
   tail; K50's "ineffective after twice 1 / CR clicks" is ``pause_alpha = e^-2``); the
   bid is kept and the keyword paused;
3. otherwise the **target bid** is the max CPC (target CPA x CR or target DRR x revenue
   per click, from :mod:`payback.metrics.catalogue`), moved at most ``step`` (30 %) from
   the current bid, then kept within ``[min_bid, max_bid]``; within ``tolerance`` (5 %)
   of the current bid it is a ``hold``, else ``raise`` or ``lower``; a new bid is in whole
   cents, rounded towards the current bid.

The expected change over a period like the window follows the response curve of
:func:`response`: clicks scale as ``(new / old) ** elasticity`` and the price of a click
with the bid, so cost scales as ``(new / old) ** (1 + elasticity)``; conversions are
clicks x the estimated CR.

Examples
--------
>>> import numpy as np
>>> d = decide(np.array([1.0, 1.0, 1.0, 1.0]), np.array([2.0, 1.02, 0.5, 1.0]),
...            clicks=np.array([400, 50, 30, 0]), conversions=np.array([20, 2, 1, 0]),
...            parent_rate=np.full(4, 0.04), rules=BidRules())
>>> d.bid.tolist(), d.action.tolist()
([1.3, 1.0, 0.7, 1.0], ['raise', 'hold', 'lower', 'hold'])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from payback.errors import InputError

__all__ = ["BidRules", "Decision", "decide", "response"]

ACTIONS = ("raise", "lower", "hold", "pause")


@dataclass(frozen=True)
class BidRules:
    """How far and when a bid moves.

    Attributes
    ----------
    step : float
        Largest change per recommendation, as a share of the current bid (0.30: ±30 %).
    min_bid, max_bid : float
        The bid is kept within them (``max_bid`` None: no ceiling).
    tolerance : float
        A change smaller than this share is a ``hold``.
    pause_alpha : float
        Pause a keyword without conversions when chance at its parent's rate explains
        its clicks with less than this probability.
    level : float
        Mass of the credible interval (0.9: 5 % and 95 % quantiles).
    elasticity : float
        Clicks scale as ``bid ** elasticity`` (:func:`response`).
    """

    step: float = 0.30
    min_bid: float = 0.01
    max_bid: float | None = None
    tolerance: float = 0.05
    pause_alpha: float = 0.01
    level: float = 0.90
    elasticity: float = 0.6

    def __post_init__(self) -> None:
        checks = {
            "step": (0 < self.step < 1, "between 0 and 100 %, e.g. 30%"),
            "min_bid": (self.min_bid > 0, "a positive amount, e.g. 0.01"),
            "tolerance": (
                0 <= self.tolerance < self.step,
                f"0 or more, below the step {self.step:g}",
            ),
            "pause_alpha": (0 < self.pause_alpha < 1, "between 0 and 100 %, e.g. 1%"),
            "level": (0 < self.level < 1, "between 0 and 100 %, e.g. 90%"),
            "elasticity": (self.elasticity >= 0, "0 or more, e.g. 0.6"),
        }
        for name, (ok, expected) in checks.items():
            if not ok:
                raise InputError(
                    f"{{{name}}} out of range: got {getattr(self, name)!r}; expected {expected}"
                )
        if self.max_bid is not None and self.max_bid < self.min_bid:
            raise InputError(
                f"{{max_bid}} {self.max_bid:g} is below {{min_bid}} {self.min_bid:g}: "
                f"give a maximum at least the minimum"
            )


def response(ratio: np.ndarray, elasticity: float) -> tuple[np.ndarray, np.ndarray]:
    """Clicks and cost multipliers when the bid is multiplied by ``ratio``.

    ``clicks x ratio ** elasticity`` and ``cost x ratio ** (1 + elasticity)`` (the price
    of a click follows the bid). Elasticity 0.6 is a mid value of the published
    bid-landscape slopes; the back-test's simulator uses the same curve.

    >>> [round(float(v), 3) for v in response(np.array([1.3]), 0.6)[0]]
    [1.17]
    """
    ratio = np.asarray(ratio, float)
    return ratio**elasticity, ratio ** (1 + elasticity)


@dataclass(frozen=True)
class Decision:
    """New bid, action and the evidence per keyword (arrays of one length).

    Attributes
    ----------
    bid : numpy.ndarray
        New bid (the current one for hold and pause).
    action : numpy.ndarray
        ``raise``, ``lower``, ``hold`` or ``pause``.
    capped : numpy.ndarray
        True where the step cap or the min/max bid cut the move short.
    pause_p : numpy.ndarray
        ``(1 - p)^n``: the chance of no conversion in the clicks at the parent's rate.
    """

    bid: np.ndarray
    action: np.ndarray
    capped: np.ndarray
    pause_p: np.ndarray


def decide(
    current: np.ndarray,
    target_bid: np.ndarray,
    *,
    clicks: np.ndarray,
    conversions: np.ndarray,
    parent_rate: np.ndarray,
    rules: BidRules,
) -> Decision:
    """Apply the rules of the module docstring.

    Parameters
    ----------
    current : numpy.ndarray
        Current bids (positive).
    target_bid : numpy.ndarray
        Max CPC estimated for each keyword (NaN: unknown, the bid is kept).
    clicks, conversions : numpy.ndarray
        In the window.
    parent_rate : numpy.ndarray
        The parent's (ad group's) estimated rate, for the pause test.
    rules : BidRules

    Returns
    -------
    Decision
    """
    current = np.asarray(current, float)
    target = np.asarray(target_bid, float)
    clicks, conversions = np.asarray(clicks, float), np.asarray(conversions, float)
    lo_cap, hi_cap = current * (1 - rules.step), current * (1 + rules.step)
    known = np.isfinite(target) & (clicks > 0)
    wanted = np.where(known, target, current)
    moved = np.clip(wanted, lo_cap, hi_cap)
    ceiling = np.inf if rules.max_bid is None else rules.max_bid
    bounded = np.clip(moved, rules.min_bid, ceiling)
    capped = known & (bounded != wanted)
    hold = ~known | (np.abs(bounded / current - 1) <= rules.tolerance + 1e-12)
    # whole cents, rounded towards the current bid: never past the step cap or a bound
    cents = np.where(
        bounded > current, np.floor(bounded * 100 + 1e-9), np.ceil(bounded * 100 - 1e-9)
    )
    rounded = np.clip(cents / 100, rules.min_bid, ceiling)
    hold |= ((rounded > current) != (bounded > current)) | (rounded == current)
    new = np.where(hold, current, rounded)
    with np.errstate(divide="ignore"):
        pause_p = np.exp(clicks * np.log1p(-np.clip(parent_rate, 0, 1 - 1e-12)))
    pause = (clicks > 0) & (conversions == 0) & (pause_p < rules.pause_alpha)
    action = np.where(hold, "hold", np.where(new > current, "raise", "lower")).astype(object)
    action[pause] = "pause"
    new = np.where(pause, current, new)
    return Decision(new, action, capped & ~pause & ~hold, pause_p)
