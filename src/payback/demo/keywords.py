"""The demo's hidden truth per keyword: the conversion rate, value and click volume it was
drawn from, for the bid optimiser's tests and back-test (:mod:`payback.bids`).

:func:`payback.demo.generate_shop` draws each ad keyword's click price, conversion rate
and share of the customers from the plan (:mod:`payback.demo.catalog`) with the first of
its random generators; :func:`keyword_truth` repeats exactly those draws for a seed (and
no other: the shop's tables are untouched), so the truth is known without storing it.

Per keyword (one row per ad source with a keyword, ad sets' ads included):

- ``cpc``: the designed price of a click;
- ``cr``: confirmed new customers per click, ``cr_plan x (1 - cancel - return) /
  (1 + lead_rate)`` (the generator's clicks are the buyers' clicks, the clicks that left
  a lead and the idle ones; the few clicks of repeat orders attributed to the same ad
  are left out, so the shop's measured CR is a little below this);
- ``value``: the mean spend of a first order of the source's customer tier, the
  Gamma-Gamma mean ``p x gamma / (q - 1)`` (the 4 .. 3,000 clip ignored);
- ``weekly_clicks``: the expected clicks of an average active week.

Examples
--------
>>> truth = keyword_truth(seed=42, n_customers=10_000)
>>> row = truth[(truth.platform == "google") & (truth.keyword == "payback tea")].iloc[0]
>>> row.campaign, round(float(row.cr), 4), round(float(row.value), 2)
('Brand - Exact', 0.0784, 72.0)
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from payback.demo import catalog as cat

__all__ = ["keyword_truth"]


def keyword_truth(
    seed: int = 42,
    n_customers: int = 10_000,
    start: date | None = None,
    years: int = 2,
) -> pd.DataFrame:
    """The true economics of every demo keyword of ``generate_shop(n_customers, seed)``.

    Parameters
    ----------
    seed, n_customers, start, years
        As given to :func:`payback.demo.generate_shop`.

    Returns
    -------
    pandas.DataFrame
        ``platform, campaign, ad_group, keyword, match_type, cpc, cr, value,
        weekly_clicks``, in the generator's order of sources.
    """
    from payback.demo._population import _expected_clicks, _profiles, _sources
    from payback.demo.generator import DEFAULT_START

    start = start or DEFAULT_START
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(10)[0])
    sources = _sources(rng)
    end = date(start.year + years, start.month, start.day) - timedelta(days=1)
    n_days = (end - start).days + 1
    clicks = _expected_clicks(sources, _profiles(sources, start, n_days), n_customers)
    k = sources.n_ads
    tiers = list(cat.TIERS.values())
    tier = [tiers[t] for t in sources.tier[:k]]
    confirmed = np.array([1 - t.cancel_rate - t.return_rate for t in tier])
    lead_rate = sources.lead_rate[:k]
    active_weeks = np.maximum((clicks > 0).sum(axis=1) / 7.0, 1.0)
    frame = pd.DataFrame(
        {
            "platform": sources.platform[:k],
            "campaign": sources.campaign[:k],
            "ad_group": sources.ad_group[:k],
            "keyword": sources.keyword[:k],
            "match_type": sources.match_type[:k],
            "cpc": sources.cpc[:k],
            "cr": sources.cr[:k] * confirmed / (1 + lead_rate),
            "value": [t.mean_spend for t in tier],
            "weekly_clicks": clicks.sum(axis=1) * (1 + lead_rate) / active_weeks,
        }
    )
    return frame[frame["keyword"].notna()].reset_index(drop=True)
