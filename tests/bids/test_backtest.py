"""The back-test: shrinkage beats the K50 cascade, the raw ratio and the fixed rule on
the demo's small keywords (the numbers of docs/bids.md and benchmarks/README.md)."""

from __future__ import annotations

import pandas as pd
import pytest

from payback.bids import backtest
from payback.bids.replay import _cascade_rate
from payback.errors import InputError


@pytest.fixture(scope="module")
def results():
    return {t: backtest(target_cpa=36.0, runs=4, traffic=t) for t in (1.0, 0.25)}


@pytest.mark.parametrize("traffic", [1.0, 0.25])
def test_shrinkage_is_closest_to_the_optimum_on_small_keywords(results, traffic):
    frame = results[traffic].frame.set_index("strategy")
    mine = frame.loc["shrinkage", "distance_small"]
    for other in ("cascade", "raw", "fixed"):
        assert mine < frame.loc[other, "distance_small"] - 0.1, other
        assert frame.loc["shrinkage", "distance"] < frame.loc[other, "distance"], other
    assert frame.loc["optimum", "distance"] == 0.0
    # its CPA is the optimum's (within 5 %: the target up to the noise), and so is its volume
    assert frame.loc["shrinkage", "cpa"] == pytest.approx(frame.loc["optimum", "cpa"], rel=0.05)
    assert frame.loc["shrinkage", "conversions"] == pytest.approx(
        frame.loc["optimum", "conversions"], rel=0.05
    )


def test_the_demo_numbers(results):
    full, quarter = (results[t] for t in (1.0, 0.25))
    assert (full.keywords, full.small, quarter.small) == (47, 15, 41)
    small = full.frame.set_index("strategy")["distance_small"]
    expected = {"optimum": 0.0, "shrinkage": 0.225, "cascade": 0.492, "raw": 0.511, "fixed": 0.594}
    assert small.to_dict() == pytest.approx(expected, abs=0.002)
    small = quarter.frame.set_index("strategy")["distance_small"]
    expected = {"optimum": 0.0, "shrinkage": 0.364, "cascade": 0.525, "raw": 0.709, "fixed": 0.488}
    assert small.to_dict() == pytest.approx(expected, abs=0.002)


def test_the_replay_is_deterministic():
    a = backtest(target_cpa=36.0, runs=1, weeks=6).frame
    b = backtest(target_cpa=36.0, runs=1, weeks=6).frame
    pd.testing.assert_frame_equal(a, b)


def test_the_cascade_uses_the_first_level_with_three_conversions():
    import numpy as np

    x = np.array([3, 1, 0, 1, 0])
    n = np.array([100, 50, 50, 100, 100])
    levels = [np.zeros(5, int), np.array([0, 0, 0, 1, 1]), np.array([0, 1, 1, 2, 2])]
    rate = _cascade_rate(x, n, levels)
    assert rate[0] == 0.03  # its own
    assert rate[1] == rate[2] == pytest.approx(4 / 200)  # the campaign's (group has 1)
    assert rate[3] == rate[4] == pytest.approx(5 / 400)  # the account's


def test_errors_name_what_was_expected():
    with pytest.raises(InputError, match="the truth frame lacks cr, cpc, weekly_clicks"):
        backtest(pd.DataFrame({"platform": [], "campaign": [], "ad_group": [], "keyword": []}),
                 target_cpa=10)  # fmt: skip
    with pytest.raises(InputError, match=r"expected a positive target \(a DRR up to 100 %\)"):
        backtest(target_cpa=0)
    with pytest.raises(InputError, match="give exactly one of target_cpa and target_drr"):
        backtest(target_cpa=30, target_drr=0.2)
    with pytest.raises(InputError, match="the truth frame lacks value"):
        backtest(
            pd.DataFrame(
                {
                    c: []
                    for c in (
                        "platform",
                        "campaign",
                        "ad_group",
                        "keyword",
                        "cr",
                        "cpc",
                        "weekly_clicks",
                    )
                }
            ),
            target_drr=0.2,
        )


def test_at_a_drr_target_shrinkage_is_closest_too():
    frame = backtest(target_drr=0.4, runs=4).frame.set_index("strategy")
    assert list(frame.columns) == [
        "distance",
        "distance_small",
        "paused",
        "conversions",
        "cost",
        "revenue",
        "drr",
    ]
    for other in ("cascade", "raw", "fixed"):
        assert frame.loc["shrinkage", "distance_small"] < frame.loc[other, "distance_small"] - 0.1
    assert frame.loc["optimum", "drr"] == pytest.approx(0.4, abs=0.02)
    assert frame.loc["shrinkage", "drr"] == pytest.approx(0.4, abs=0.03)
