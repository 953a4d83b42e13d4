"""CLV over a horizon: discounting convention, margin, new customers, sBG lifetime value."""

from __future__ import annotations

import numpy as np
import pytest

from payback.clv import (
    BGBBFit,
    BGNBDFit,
    ParetoNBDFit,
    SBGFit,
    customer_lifetime_value,
    new_customer_value,
)
from payback.errors import InputError

BG = BGNBDFit(r=0.243, alpha=4.414, a=0.793, b=2.426)
HISTORY = ([2.0, 0.0, 7.0], [30.43, 0.0, 35.0], [38.86, 38.86, 38.86])


def test_without_discount_clv_is_margin_times_spend_times_expected_purchases():
    spend = np.array([35.0, 20.0, 50.0])
    weeks = 12 * 365.25 / 12 / 7  # 12 months in weeks
    clv = customer_lifetime_value(BG, *HISTORY, spend, horizon_months=12, unit="W", margin=0.3)
    expected = 0.3 * spend * BG.expected_purchases(weeks, *HISTORY)
    np.testing.assert_allclose(clv, expected, rtol=1e-12)


def test_discounting_is_monthly_end_of_step_at_an_annual_rate():
    spend, d = 10.0, 0.12
    clv = customer_lifetime_value(
        BG, *HISTORY, spend, horizon_months=3, unit="W", annual_discount_rate=d
    )
    month = 365.25 / 12 / 7
    cum = [BG.expected_purchases(k * month, *HISTORY) for k in range(4)]
    by_hand = sum(spend * (cum[k] - cum[k - 1]) / (1 + d) ** (k / 12) for k in (1, 2, 3))
    np.testing.assert_allclose(clv, by_hand, rtol=1e-12)
    undiscounted = customer_lifetime_value(BG, *HISTORY, spend, horizon_months=3, unit="W")
    assert np.all(clv < undiscounted)
    # the same horizon in days or weeks: the same money
    days = customer_lifetime_value(
        BGNBDFit(r=0.243, alpha=4.414 * 7, a=0.793, b=2.426),
        HISTORY[0],
        np.array(HISTORY[1]) * 7,
        np.array(HISTORY[2]) * 7,
        spend,
        horizon_months=3,
        unit="D",
        annual_discount_rate=d,
    )
    np.testing.assert_allclose(days, clv, rtol=1e-10)


def test_partial_month_horizon_and_pareto():
    m = ParetoNBDFit(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    a = customer_lifetime_value(m, *HISTORY, 1.0, horizon_months=1.5, unit="W")
    b = m.expected_purchases(1.5 * 365.25 / 12 / 7, *HISTORY)
    np.testing.assert_allclose(a, b, rtol=1e-12)


def test_new_customer_value_adds_the_first_purchase_undiscounted():
    value = new_customer_value(BG, 35.0, horizon_months=12, unit="W", first_purchase_value=50.0)
    repeat = float(BG.expected_purchases_new(365.25 / 7))
    assert value == pytest.approx(50.0 + 35.0 * repeat)
    half = new_customer_value(BG, 35.0, horizon_months=12, unit="W", margin=0.5)
    assert half == pytest.approx(0.5 * new_customer_value(BG, 35.0, horizon_months=12, unit="W"))


def test_bgbb_steps_are_its_opportunities():
    m = BGBBFit(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783)
    yearly = customer_lifetime_value(
        m, [6, 0], [6, 0], [6, 6], 100.0, horizon_months=36, unit=365.25, annual_discount_rate=0.1
    )
    by_hand = sum(
        100.0
        * (
            m.expected_purchases(k, [6, 0], [6, 0], [6, 6])
            - m.expected_purchases(k - 1, [6, 0], [6, 0], [6, 6])
        )
        / 1.1**k
        for k in (1, 2, 3)
    )
    np.testing.assert_allclose(yearly, by_hand, rtol=1e-12)


def test_sbg_expected_lifetime_value_closed_form_equals_the_sum():
    m = SBGFit(alpha=0.704, beta=1.182)
    closed = m.expected_lifetime_value(100.0, period_discount_rate=0.1)
    summed = m.expected_lifetime_value(100.0, period_discount_rate=0.1, horizon=5000)
    assert closed == pytest.approx(summed, rel=1e-9)
    assert m.expected_lifetime_value(100.0) is None  # alpha <= 1: infinite without discount
    # the survival curve is the product of the retention rates
    t = np.arange(1, 10)
    np.testing.assert_allclose(m.survival(t), np.cumprod(m.retention(t)), rtol=1e-12)
    np.testing.assert_allclose(
        m.churn_probability(t), m.survival(t - 1) - m.survival(t), rtol=1e-10
    )


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"horizon_months": 0}, "horizon"),
        ({"annual_discount_rate": -0.1}, "discount rate"),
        ({"margin": 1.5}, "margin"),
        ({"unit": "Y"}, "unit"),
    ],
)
def test_impossible_arguments_are_refused(kwargs, match):
    with pytest.raises(InputError, match=match):
        customer_lifetime_value(BG, *HISTORY, 1.0, **kwargs)


def test_the_two_discount_conventions():
    """sBG discounts per subscription period, the horizon CLV per year (monthly steps)."""
    from scipy.special import beta as B

    m = SBGFit(alpha=0.704, beta=1.182)
    d = 0.1  # 10 % a period: DEL = sum_t S(t) / 1.1^t, S(t) = B(alpha, beta+t)/B(alpha, beta)
    by_hand = sum(100.0 * B(0.704, 1.182 + t) / B(0.704, 1.182) / 1.1**t for t in range(3))
    assert m.expected_lifetime_value(100.0, period_discount_rate=d, horizon=3) == pytest.approx(
        by_hand, rel=1e-12
    )
    # 10 % a year over 12 monthly steps: the 12th month's purchases weigh 1/1.1
    spend = 10.0
    clv = customer_lifetime_value(
        BG, *HISTORY, spend, horizon_months=12, unit="W", annual_discount_rate=0.1
    )
    month = 365.25 / 12 / 7
    cum = [BG.expected_purchases(k * month, *HISTORY) for k in range(13)]
    by_hand = sum(spend * (cum[k] - cum[k - 1]) / 1.1 ** (k / 12) for k in range(1, 13))
    np.testing.assert_allclose(clv, by_hand, rtol=1e-12)


@pytest.mark.parametrize("unit", ["D", "W", "M"])
def test_undiscounted_value_is_the_sum_of_its_monthly_steps_from_one_evaluation(unit):
    # d = 0: the monthly steps telescope to the last one; the model is asked once, and the
    # value is the step-by-step sum (computed here by hand) to a few units in the last place
    days = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}[unit]
    calls = []

    class Counted(BGNBDFit):
        def expected_purchases(self, t, *history):
            calls.append(t)
            return super().expected_purchases(t, *history)

        def expected_purchases_new(self, t):
            calls.append(t)
            return super().expected_purchases_new(t)

    model = Counted(r=0.243, alpha=4.414 * 7 / days, a=0.793, b=2.426)
    history = (HISTORY[0], np.array(HISTORY[1]) * 7 / days, np.array(HISTORY[2]) * 7 / days)
    month = 365.25 / 12 / days
    for horizon in (12, 5.5):
        calls.clear()
        clv = customer_lifetime_value(model, *history, 35.0, horizon_months=horizon, unit=unit)
        assert len(calls) == 1
        ends = [k * month for k in range(1, int(np.ceil(horizon)))] + [horizon / 12 * 365.25 / days]
        cum = [np.zeros(3)] + [BGNBDFit.expected_purchases(model, t, *history) for t in ends]
        by_hand = 35.0 * sum(cum[k] - cum[k - 1] for k in range(1, len(cum)))
        np.testing.assert_allclose(clv, by_hand, rtol=1e-14)
        assert clv[2] > clv[0] > clv[1] > 0  # 7 repeat purchases > 2 > none
        calls.clear()
        new = new_customer_value(model, 35.0, horizon_months=horizon, unit=unit)
        assert len(calls) == 1
        steps = [0.0] + [BGNBDFit.expected_purchases_new(model, t) for t in ends]
        repeat = sum(steps[k] - steps[k - 1] for k in range(1, len(steps)))
        assert new == pytest.approx(35.0 * (1 + repeat), rel=1e-14)
