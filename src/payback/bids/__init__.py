"""Keyword bids: to a target CPA, CPO, CAC or DRR, or to a ceiling from the economics.

:func:`recommend` estimates each keyword's conversion rate (and value per order) with
empirical-Bayes shrinkage down the hierarchy platform -> campaign -> ad group -> keyword
(:mod:`payback.bids.shrinkage`), turns it into a max CPC by the catalogue's formula and
into a capped new bid, an action and a reason (:mod:`payback.bids.policy`);
:func:`write_upload` writes the changes as a Google Ads Editor, Microsoft Advertising
bulk or Yandex Direct Commander file (:mod:`payback.bids.uploads`); :func:`backtest`
replays the rules week by week on simulated keywords of known truth against the K50
cascade, a fixed rule and the raw ratio (:mod:`payback.bids.replay`).

>>> from payback.bids import parse_target
>>> parse_target(cpo="40").label
'target CPO 40.00'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from payback._util import lazy_exports

if TYPE_CHECKING:
    from payback.bids.advice import Recommendations, recommend
    from payback.bids.policy import BidRules
    from payback.bids.replay import Backtest, backtest
    from payback.bids.targets import Target, parse_target
    from payback.bids.uploads import UPLOAD_FORMATS, read_bids, write_upload

__all__ = [
    "UPLOAD_FORMATS",
    "Backtest",
    "BidRules",
    "Recommendations",
    "Target",
    "backtest",
    "parse_target",
    "read_bids",
    "recommend",
    "write_upload",
]

_EXPORTS = {
    "Backtest": "payback.bids.replay",
    "backtest": "payback.bids.replay",
    "BidRules": "payback.bids.policy",
    "Recommendations": "payback.bids.advice",
    "recommend": "payback.bids.advice",
    "Target": "payback.bids.targets",
    "parse_target": "payback.bids.targets",
    "UPLOAD_FORMATS": "payback.bids.uploads",
    "read_bids": "payback.bids.uploads",
    "write_upload": "payback.bids.uploads",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
