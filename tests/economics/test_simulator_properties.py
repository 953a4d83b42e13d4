"""Invariants of the simulator for any plan (hypothesis), checked against a second computation."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from payback.clv import SBGFit
from payback.economics import ConstantRetention, CurveRetention, simulate

budgets = st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=24)
rates = st.floats(min_value=0, max_value=1)
money = st.floats(min_value=0, max_value=1e4)


@st.composite
def retentions(draw):
    kind = draw(st.sampled_from(["constant", "curve", "sbg"]))
    if kind == "constant":
        return draw(rates)
    if kind == "curve":
        steps = draw(st.lists(rates, min_size=1, max_size=6))
        return list(np.cumprod(steps))
    return SBGFit(alpha=draw(st.floats(0.05, 20)), beta=draw(st.floats(0.05, 20)))


@settings(max_examples=60, deadline=None)
@given(budgets, st.floats(min_value=1, max_value=5_000), money, money, retentions())
def test_conservation_and_running_sum(budget, cpo, price, cogs, retention):
    sim = simulate(budget, cpo=cpo, price=price, cogs=cogs, retention=retention)
    prev_active = cumulative = 0.0
    for m in sim.months:
        scale = max(1.0, m.active, prev_active, m.new)
        # active = previous active + new - churned (churned computed independently)
        assert math.isclose(m.active, prev_active + m.new - m.churned, abs_tol=1e-9 * scale)
        assert m.churned >= -1e-9 * scale
        assert math.isclose(
            m.profit, m.revenue - m.cogs - m.ad_spend, abs_tol=1e-6 * scale * (1 + price)
        )
        cumulative += m.profit
        assert math.isclose(
            m.cumulative_profit, cumulative, rel_tol=1e-9, abs_tol=1e-6 * (1 + abs(cumulative))
        )
        prev_active = m.active


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(min_value=1, max_value=5_000), min_size=2, max_size=8),
    money,
    st.floats(min_value=1, max_value=1e4),
    retentions(),
)
def test_payback_month_is_monotone_in_cac(cpos, cogs, price, retention):
    """A dearer customer never pays back sooner (None = never, the latest of all)."""
    months = []
    for cpo in sorted(cpos):
        sim = simulate(
            [10_000.0],
            cpo=cpo,
            price=price,
            cogs=min(cogs, price),
            retention=retention,
            months=3,
            payback_horizon=240,
        )
        assert math.isclose(sim.cac, cpo)
        months.append(math.inf if sim.payback_period_months is None else sim.payback_period_months)
    assert months == sorted(months)


def test_payback_against_a_hand_count():
    """Margin 400 a month, retention 50 %: 400, 600, 700, 750, 775, 787.5, 793.75 ... < 800."""
    for cac, expected in [(400, 1), (401, 2), (600, 2), (700, 3), (790, 7), (794, 8), (801, None)]:
        sim = simulate([cac * 10], cpo=cac, price=500, cogs=100, retention=0.5, months=1)
        assert sim.payback_period_months == expected, cac
    assert "never covers the CAC (801.00)" in sim.reasons["payback_period_months"]


def test_retention_curves_are_the_survival_used():
    """Active customers of one cohort follow S(a) of the constant, the curve and the sBG."""
    fit = SBGFit(alpha=0.704, beta=1.182)
    for retention, survival in [
        (0.9, ConstantRetention(0.9).survival(np.arange(6))),
        ([0.8, 0.7, 0.65], [1, 0.8, 0.7, 0.65, 0.65 * 0.65 / 0.7, 0.65 * (0.65 / 0.7) ** 2]),
        (fit, fit.survival(np.arange(6))),
    ]:
        sim = simulate([1000.0, 0, 0, 0, 0, 0], cpo=10, price=1, retention=retention)
        assert np.allclose([m.active for m in sim.months], 100 * np.asarray(survival), rtol=1e-12)
    assert CurveRetention((0.8, 0.7)).survival([5]).tolist() == [0.7 * (0.7 / 0.8) ** 3]


def test_break_even_is_the_month_profit_stays_non_negative():
    # cumulative: -100, +100, -50, +150 -> break-even in month 4, not month 2
    sim = simulate([100, 0, 400, 0], customers=[0, 1, 1, 0], price=200, retention=0.0)
    assert [m.cumulative_profit for m in sim.months] == [-100, 100, -100, -100]
    assert sim.break_even_month is None
    sim = simulate([100, 0, 150, 0], customers=[0, 1, 0, 1], price=200, retention=0.0)
    assert [m.cumulative_profit for m in sim.months] == [-100, 100, -50, 150]
    assert sim.break_even_month == 4
    assert (
        "still negative" in simulate([100], cpo=1000, price=1, months=3).reasons["break_even_month"]
    )


def test_fractional_customers_are_expected_values():
    sim = simulate([1000.0], cpo=300, price=10, months=1)
    assert math.isclose(sim.months[0].new, 10 / 3)
