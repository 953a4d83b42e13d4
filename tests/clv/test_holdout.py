"""Predictions against what really happened next: CDNOW weeks 40-78, the donations 2002-2006.

The models are fitted on the calibration period only, so these are out-of-sample
forecasts. The tolerances are the accuracy these models are known to reach on these
data (and that we measure), wide enough for a correct model, tight enough to catch a
wrong formula: a sign or a shifted index moves the totals by far more.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from payback.clv import fit_bgbb, fit_bgnbd, fit_pareto_nbd, frequency_fit, holdout_check


@pytest.fixture(scope="module")
def cbs(public_data):
    d = pd.read_csv(public_data / "cdnow" / "cdnowSummary_cbs.csv")
    d = d.rename(
        columns={"x": "frequency", "t.x": "recency", "T.cal": "T", "x.star": "frequency_holdout"}
    )
    return d.assign(duration_holdout=39.0)


@pytest.fixture(scope="module")
def tracking(public_data):
    return pd.read_csv(public_data / "cdnow" / "cdnowSummary_cu_tracking.csv").set_index("week")


@pytest.mark.parametrize("fitter", [fit_bgnbd, fit_pareto_nbd])
def test_cdnow_cumulative_tracking_week_39_and_78(cbs, tracking, fitter):
    fit = fitter(cbs)
    # each customer's age at the end of week 39 is T; at week 78, T + 39
    in_sample = fit.expected_purchases_new(cbs["T"].to_numpy()).sum()
    week78 = fit.expected_purchases_new(cbs["T"].to_numpy() + 39).sum()
    assert tracking.loc[39, "cum_transactions"] == cbs.frequency.sum() == 2457
    assert tracking.loc[78, "cum_transactions"] == 4339
    # in sample within 2 % (BG/NBD 2,494, Pareto/NBD 2,525)
    assert in_sample == pytest.approx(2457, rel=0.03)
    # 39 weeks out: BG/NBD 4,161 (-4.1 %), Pareto/NBD 4,270 (-1.6 %); Fader, Hardie & Lee
    # (2005, fig. 2) show the same slight under-forecast of the cumulative curve
    assert week78 == pytest.approx(4339, rel=0.05)
    assert week78 < 4339


def test_cdnow_conditional_expectations_by_frequency(cbs):
    bg = holdout_check(fit_bgnbd(cbs), cbs).frame
    pareto = holdout_check(fit_pareto_nbd(cbs), cbs).frame
    total = bg.set_index("frequency").loc["all"]
    assert total.customers == 2357
    assert total.actual_total == 1882  # x.star summed
    # BG/NBD predicts 1,653 and Pareto/NBD 1,666 repeat purchases in weeks 40-78: both
    # 12 % short of the 1,882 that happened, for all frequency groups alike (the BTYD
    # vignette shows the same table); the two models agree with each other within 1 %
    assert total.predicted_total == pytest.approx(1882, rel=0.15)
    p_total = pareto.set_index("frequency").loc["all", "predicted_total"]
    assert p_total == pytest.approx(total.predicted_total, rel=0.01)
    # the ordering by calibration frequency is right: more past purchases, more future
    assert np.all(np.diff(bg.predicted.to_numpy()[:-1]) > 0)
    corr = np.corrcoef(bg.actual[:-1], bg.predicted[:-1])[0, 1]
    assert corr > 0.99


def test_cdnow_frequency_distribution_fit(cbs):
    fitted = frequency_fit(fit_bgnbd(cbs), cbs)
    check = fitted.frame
    assert check.actual.sum() == pytest.approx(2357)
    assert check.expected.sum() == pytest.approx(2357)
    assert check.actual.tolist()[:3] == [1411, 439, 214]
    # 8 groups, 4 parameters: chi-square 4.8 on 3 degrees of freedom (p ~ 0.19)
    assert fitted.notes["chi_square"] < 7.81  # 5 % critical value of chi-square(3)


def test_donations_holdout(public_data):
    d = pd.read_csv(public_data / "donations" / "donations.csv")
    fit = fit_bgbb(d.frequency, d.recency, d.periods, weights=d.weights)
    rf = pd.read_csv(public_data / "donations" / "donationsSummary_rf_matrix.csv")
    assert rf.custs.sum() == 11104
    predicted = (fit.expected_purchases(5, rf.x, rf["t.x"], rf["n.cal"]) * rf.custs).sum()
    actual = rf["x.star"].sum()
    annual = pd.read_csv(public_data / "donations" / "donationsSummary_annual_trans.csv")
    assert actual == annual[annual.year >= 2002].transactions.sum() == 13260
    # 12,884 predicted for 2002-2006 against 13,260 (-2.8 %)
    assert predicted == pytest.approx(actual, rel=0.05)
    # the cohort's yearly repeat donations 1996-2006 from the new-customer curve
    cumulative = fit.expected_purchases_new(np.arange(1, 12)) * 11104
    yearly = np.diff(np.r_[0.0, cumulative])
    np.testing.assert_allclose(yearly[:6], annual.transactions[:6], rtol=0.05)  # in sample
    # out of sample 2002-2005 each year 5-7 % under the actual; 2006 (1,936) dips below
    np.testing.assert_allclose(yearly[6:10], annual.transactions[6:10], rtol=0.08)
    # and the per-group holdout matrix: P(alive) orders the groups like their future
    alive = fit.p_alive(rf.x, rf["t.x"], rf["n.cal"])
    assert np.corrcoef(alive * rf.x, rf["x.star"] / rf.custs)[0, 1] > 0.9
