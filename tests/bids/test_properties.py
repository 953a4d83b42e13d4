"""Properties of the bid rules (hypothesis): monotone in the target, bounded by the
minimum and the step cap, and a keyword without clicks keeps its bid."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from payback.bids.policy import BidRules, decide
from payback.bids.shrinkage import shrink_rates

money = st.floats(0.05, 20.0, allow_nan=False)
keywords = st.lists(
    st.tuples(
        st.integers(0, 2000),  # clicks
        st.floats(0.0, 0.2),  # share of clicks converting
        st.floats(0.05, 20.0),  # current bid
        st.integers(0, 2),  # ad group
    ),
    min_size=1,
    max_size=12,
)
rules_st = st.builds(
    BidRules,
    step=st.floats(0.06, 0.9),
    min_bid=st.floats(0.01, 0.05),
    max_bid=st.one_of(st.none(), st.floats(20.0, 50.0)),
    tolerance=st.floats(0.0, 0.05),
)


def _arrays(rows):
    clicks = np.array([r[0] for r in rows], float)
    conv = np.floor(clicks * np.array([r[1] for r in rows]))
    bids = np.array([r[2] for r in rows])
    group = np.array([r[3] for r in rows])
    return clicks, conv, bids, group


def _bids(rows, target, rules):
    clicks, conv, bids, group = _arrays(rows)
    fit = shrink_rates(conv, clicks, [np.zeros(len(rows), int), np.zeros(len(rows), int), group])
    return decide(bids, target * fit.mean, clicks=clicks, conversions=conv,
                  parent_rate=fit.parent_mean, rules=rules)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(keywords, money, st.floats(1.0, 5.0), rules_st)
def test_a_higher_target_cpa_never_lowers_a_bid(rows, target, factor, rules):
    low, high = _bids(rows, target * 10, rules), _bids(rows, target * 10 * factor, rules)
    assert np.all(high.bid >= low.bid - 1e-12)


@settings(max_examples=150, deadline=None)
@given(keywords, money, rules_st)
def test_no_bid_below_the_minimum_or_beyond_the_step_cap(rows, target, rules):
    d = _bids(rows, target * 10, rules)
    current = _arrays(rows)[2]
    assert np.all(d.bid >= rules.min_bid - 1e-12)
    if rules.max_bid is not None:
        assert np.all(d.bid <= rules.max_bid + 1e-12)
    assert np.all(np.abs(d.bid / current - 1) <= rules.step + 1e-9)


@settings(max_examples=150, deadline=None)
@given(keywords, money, rules_st)
def test_a_keyword_without_clicks_keeps_its_bid(rows, target, rules):
    d = _bids(rows, target * 10, rules)
    clicks, _, current, _ = _arrays(rows)
    idle = clicks == 0
    assert np.array_equal(d.bid[idle], current[idle])
    assert set(d.action[idle]) <= {"hold"}


def test_the_rules_refuse_a_tolerance_at_the_step():
    import pytest

    from payback.errors import InputError

    with pytest.raises(InputError, match=r"tolerance out of range: got 0.3"):
        BidRules(step=0.3, tolerance=0.3)
    with pytest.raises(InputError, match=r"max_bid 0.5 is below min_bid 1"):
        BidRules(min_bid=1.0, max_bid=0.5)
