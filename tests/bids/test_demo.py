"""On the demo shop: the hidden keyword truth is the generator's, and the
recommendations move the bids towards the true optimum (target x true CR)."""

from __future__ import annotations

import numpy as np
import pytest

from payback.bids import Target, recommend
from payback.demo.keywords import keyword_truth
from payback.metrics import compute_metrics
from payback.store import open_store

KEYS = ["platform", "campaign", "ad_group", "keyword"]


@pytest.fixture(scope="module")
def truth():
    return keyword_truth(seed=42, n_customers=10_000)


def test_the_truth_is_what_the_generator_drew(demo_file, truth):
    with open_store(demo_file, read_only=True) as store:
        seen = compute_metrics(
            store, by="keyword", metrics="clicks,new_customers,cpc", totals=False
        ).frame
    both = truth.merge(seen, on=KEYS, suffixes=("_true", ""))
    assert len(both) == len(truth) == 47
    # two years of clicks: the paid price is the designed one up to the daily noise
    np.testing.assert_allclose(both["cpc"].astype(float), both["cpc_true"], rtol=0.03)
    # new customers per click: 97 % of the truth overall (repeat orders' clicks)
    expected = (both["clicks"].astype(float) * both["cr"]).sum()
    assert both["new_customers"].astype(float).sum() / expected == pytest.approx(0.97, abs=0.02)


def test_recommendations_move_bids_towards_the_true_optimum(demo_file, truth):
    with open_store(demo_file, read_only=True) as store:
        r = recommend(store, Target("cac", 36.0), days=90)
    rows = r.frame.merge(truth, on=KEYS, suffixes=("", "_true"))
    best = 36.0 * rows["cr_true"]
    before = (rows["bid"].astype(float) - best).abs() / best
    after = (rows["new_bid"].astype(float) - best).abs() / best
    assert before.mean() == pytest.approx(0.774, abs=0.01)
    assert after.mean() == pytest.approx(0.529, abs=0.01)
    assert (after <= before + 1e-9).mean() > 0.85
    right_way = (rows["new_bid"] > rows["bid"]) == (best > rows["bid"])
    assert right_way.mean() > 0.95
