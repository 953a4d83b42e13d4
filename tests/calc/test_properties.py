"""Invariants of the formulas, for any inputs (hypothesis)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from payback import calc

money = st.floats(min_value=0, max_value=1e12, allow_nan=False)
positive = st.floats(min_value=1e-3, max_value=1e9, allow_nan=False)
fraction = st.floats(min_value=0, max_value=1)


@given(money, positive)
def test_cpo_times_orders_gives_back_the_cost(cost, orders):
    assert math.isclose(calc.cpo(cost, orders).value * orders, cost, rel_tol=1e-12, abs_tol=1e-9)


@given(positive, positive)
def test_drr_and_roas_are_inverse(cost, revenue):
    assert math.isclose(
        calc.drr(cost, revenue).value * calc.roas(revenue, cost).value, 1.0, rel_tol=1e-12
    )


@given(money, st.one_of(st.just(0.0), positive))
def test_never_inf_or_nan(cost, den):
    for r in (
        calc.cpo(cost, den),
        calc.cpc(cost, den),
        calc.cac(cost, den),
        calc.drr(cost, den),
        calc.roi(cost, den),
    ):
        assert (r.value is None) == (den == 0)
        assert r.value is None or math.isfinite(r.value)
        assert (r.reason is None) == (r.value is not None)


@given(money, st.floats(min_value=1, max_value=1e9), fraction, fraction)
def test_funnel_equals_cpa_of_its_actions(cost, impressions, ctr, cr):
    r = calc.funnel(cost, impressions, ctr, cr)
    actions = r.step("actions").value
    if actions == 0:
        assert r.value is None
    else:
        assert r.value == calc.cpa(cost, actions).value


@given(money, fraction, fraction, fraction)
def test_max_cpl_two_forms_agree(check, margin, share, conversion):
    a = calc.max_cpl(average_check=check, margin=margin, share=share, conversion=conversion)
    b = calc.max_cpl(margin_amount=check * margin, share=share, conversion=conversion)
    assert math.isclose(a.value, b.value, rel_tol=1e-12, abs_tol=1e-9)
    assert a.value <= check  # a ceiling never exceeds the sale it wins


@given(positive, positive)
def test_ltv_cac_verdict_threshold(ltv, cac):
    r = calc.ltv_cac(ltv, cac)
    assert r.verdict == ("sustainable" if ltv / cac >= 3 else "not sustainable")
