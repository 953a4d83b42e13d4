"""MBG/CNBD-k (BTYDplus ``mbgcnbd.*``): the published fits and holdout errors on CDNOW,
the choice of k on CDNOW (1) and grocery (2), and BTYDplus's own C++ test values.

Published (M. Platzer, BTYDplus ``demos/cdnow.r``, 2014, the model then called
CBG/CNBD-k; the same likelihood as today's ``mbgcnbd.LL``), CDNOW 1/10 sample, 39
weeks: k = 1: r 0.525, alpha 6.183, a 0.891, b 1.614; k = 2: 0.580, 2.288, 1.135,
1.585; k = 3: 0.533, 1.258, 1.289, 1.845; sum of conditional expectations over weeks
40-78 against the 1,882 actual: -0.162, -0.310, -0.358. BTYDplus's ``demo/cdnow.R``:
"k=1 -> no regularity detected for CDNow"; its vignette: k = 2 on the grocery data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from payback.clv import MBGCNBDFit, MBGNBDFit, compress, fit_mbgcnbd, summary_from_transactions
from payback.clv.mbgcnbd import xbgcnbd_log_likelihood
from payback.clv.regularity import log_intervals
from payback.errors import InputError

PUBLISHED = {
    1: ({"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}, -0.162),
    2: ({"r": 0.580, "alpha": 2.288, "a": 1.135, "b": 1.585}, -0.310),
    3: ({"r": 0.533, "alpha": 1.258, "a": 1.289, "b": 1.845}, -0.358),
}


@pytest.fixture(scope="module")
def cbs(public_data):
    d = pd.read_csv(public_data / "cdnow" / "cdnowSummary_cbs.csv")
    return d.rename(columns={"x": "frequency", "t.x": "recency", "T.cal": "T"})


@pytest.fixture(scope="module")
def cdnow_litt(public_data):
    elog = pd.read_csv(
        public_data / "cdnow" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master", "cust", "date", "cds", "sales"],
        dtype={"date": str},
    )
    days = pd.to_datetime(elog.date, format="%Y%m%d")
    return log_intervals(elog.cust, days, unit="W", calibration_end="1997-09-30")


@pytest.mark.parametrize("k", [1, 2, 3])
def test_cdnow_fit_and_holdout_at_each_k_as_published(cbs, k):
    params, bias = PUBLISHED[k]
    fit = fit_mbgcnbd(compress(cbs[["frequency", "recency", "T"]]), k=k)
    assert fit.k == k
    assert fit.params == pytest.approx(params, abs=2e-3)
    # BTYDplus 2014 summed the approximation without the cohort rescaling
    forecast = fit.expected_purchases(39.0, cbs.frequency, cbs.recency, cbs["T"]).sum()
    assert cbs["x.star"].sum() == 1882
    assert round(forecast / 1882 - 1, 3) == bias


def test_k1_is_the_mbgnbd(cbs):
    fit = fit_mbgcnbd(cbs, k=1)
    mbg = MBGNBDFit(**fit.params)
    x, t_x, T = cbs.frequency, cbs.recency, cbs["T"]
    np.testing.assert_allclose(
        fit.expected_purchases(39, x, t_x, T), mbg.expected_purchases(39, x, t_x, T), rtol=1e-10
    )
    np.testing.assert_allclose(fit.p_alive(x, t_x, T), mbg.p_alive(x, t_x, T), rtol=1e-12)
    np.testing.assert_allclose(
        fit.probability_of_purchases(np.arange(8)[None, :], np.array([[10.0], [38.86]])),
        mbg.probability_of_purchases(np.arange(8)[None, :], np.array([[10.0], [38.86]])),
        rtol=1e-9,
    )
    # k = 1 needs no cohort rescaling
    np.testing.assert_array_equal(
        fit.expected_purchases_cohort(39, x, t_x, T), fit.expected_purchases(39, x, t_x, T)
    )


def test_cdnow_chooses_k1(cbs, cdnow_litt):
    fit = fit_mbgcnbd(compress(cbs[["frequency", "recency", "T"]]), litt=cdnow_litt)
    assert fit.k == 1
    assert fit.params == pytest.approx(PUBLISHED[1][0], abs=2e-3)
    # k = 1: no Erlang term, the MBG/NBD's log-likelihood
    assert fit.log_likelihood == pytest.approx(-9582.136, abs=1e-3)


def test_grocery_chooses_k2_and_beats_pareto_on_the_holdout(public_data):
    elog = pd.read_csv(public_data / "grocery" / "groceryElog.csv")
    summary = summary_from_transactions(
        elog,
        mapping="customer_id=cust,time=date",
        unit="W",
        observation_end="2007-12-30",
        calibration_end="2006-12-31",
    )
    assert len(summary) == 1525 and summary.frequency_holdout.sum() == 3389
    litt = log_intervals(elog.cust, elog.date, unit="W", calibration_end="2006-12-31")
    fit = fit_mbgcnbd(compress(summary), litt=litt)
    assert fit.k == 2
    x, t_x, T = summary.frequency, summary.recency, summary["T"]
    plain = fit.expected_purchases(52.0, x, t_x, T)
    cohort = fit.expected_purchases_cohort(52.0, x, t_x, T)
    # the rescaled total is the exact unconditional expectation of the cohort
    exact = fit.expected_purchases_new(T + 52.0) - fit.expected_purchases_new(T)
    assert cohort.sum() == pytest.approx(exact.sum(), rel=1e-12)
    assert cohort.sum() != pytest.approx(plain.sum(), rel=1e-3)
    # over-forecasts, as BTYDplus's vignette says, a little less than Pareto/NBD (+17.8 %)
    assert cohort.sum() / 3389 - 1 == pytest.approx(0.171, abs=0.002)


def test_btydplus_cpp_reference_values():
    params = (3, 0.5, 2.0, 0.3, 0.6)
    bg = xbgcnbd_log_likelihood(params, [3, 4], 12, 14, 3, shift=0)
    np.testing.assert_allclose(bg, [-10.42500, -12.22396], atol=5e-6)
    m = MBGCNBDFit(k=3, r=0.5, alpha=2.0, a=0.3, b=0.6)
    assert float(m.probability_of_purchases(2, 10)) == pytest.approx(0.04548, abs=5e-6)
    pmf = m.probability_of_purchases(np.arange(600), 10.0)
    assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
    assert float(m.expected_purchases_new(10.0)) == pytest.approx(pmf @ np.arange(600), rel=1e-9)


def test_choosing_k_needs_the_log_intervals(cbs):
    with pytest.raises(InputError, match="litt"):
        fit_mbgcnbd(cbs)
    with pytest.raises(InputError, match="k must be an integer >= 1, got 0"):
        fit_mbgcnbd(cbs, k=0)


def _palive_as_btydplus(params, x, t_x, T):
    """``xbgcnbd.PAlive`` (dropout_at_zero = TRUE) written out as BTYDplus's R does."""
    k, r, alpha, a, b = params
    p1 = (a / (b + x)) * ((alpha + T) / (alpha + t_x)) ** (r + k * x)
    p2 = 1.0
    for j in range(1, k):
        p2a = 1.0
        for i in range(j):
            p2a *= r + k * x + i
        p2 += p2a * (T - t_x) ** j / (np.prod(np.arange(1, j + 1)) * (alpha + T) ** j)
    return 1 / (1 + p1 / p2)


@pytest.mark.parametrize("k", [2, 3])
def test_p_alive_matches_btydplus_formula(k):
    params = (k, 0.58, 2.288, 1.135, 1.585)
    m = MBGCNBDFit(k=k, r=0.58, alpha=2.288, a=1.135, b=1.585)
    for x, t_x, T in [(0, 0, 38.86), (2, 30.43, 38.86), (2, 10, 38.86), (7, 38.86, 38.86)]:
        assert float(m.p_alive(x, t_x, T)) == pytest.approx(
            _palive_as_btydplus(params, x, t_x, T), rel=1e-10
        )


def test_cli_fit_from_a_transaction_file_chooses_k(capsys, public_data):
    from payback.cli import main

    grocery = str(public_data / "grocery" / "groceryElog.csv")
    args = [
        "ltv",
        "fit",
        "--model",
        "mbgcnbd",
        "-t",
        grocery,
        "--map",
        "customer_id=cust,time=date",
    ]
    code = main([*args, "--unit", "W", "--observation-end", "2006-12-31", "-f", "json"])
    out = capsys.readouterr().out
    assert code == 0 and "MBG/CNBD-2 (per week)" in out
