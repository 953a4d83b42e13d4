"""Gamma/Gompertz/NBD (Bemmaor & Glady 2012) against BTYDplus's published CDNOW fit, the
Pareto/NBD it nests, simulations with known parameters, and the CLI.

BTYDplus (mplatzer/BTYDplus) had the model as ``ggnbd.*`` from 2014 (commit fd889e8,
``demos/cdnow.r``) until 2016 (commit e7be738 removed it: "broken
ggnbd.ConditionalExpectedTransactions"). Its CDNOW fits, on BTYD's ``cdnowSummary$cbs``
(39 calibration weeks):

- 2014 demo: r 0.55259, alpha 10.56802, b 0.00013, s 0.60828, beta 0.00148, its holdout
  forecast per frequency group equal to the Pareto/NBD's (0.14, 0.60, 1.20, 1.71 ...) and
  its total error -0.115, the Pareto/NBD's;
- 2016 demo: r 0.552256, alpha 10.568448, b 3.5e-05, s 0.609494, beta 0.000417.

Both are on the ridge ``b, beta -> 0`` with ``beta / b`` near the Pareto/NBD's beta (11.38
and 11.91 against 11.656): there the Gompertz lifetime is exponential with a
Gamma(s, beta / b) rate, the Pareto/NBD. L-BFGS-B stopped on that flat ridge where its
tolerance allowed; the maximum is the boundary itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import quad

from payback.cli import main
from payback.clv import (
    GammaGompertzNBDFit,
    ParetoNBDFit,
    compress,
    fit_ggomnbd,
)
from payback.clv._optim import numeric_gradient
from payback.clv.ggomnbd import _objective
from payback.clv.simulate import simulate_ggomnbd
from payback.clv.value import customer_lifetime_value
from payback.errors import DegenerateFitError

#: BTYDplus's 2016 CDNOW estimate (demo/cdnow.R before commit 32a000b) and its 2014 one
BTYDPLUS_2016 = {"r": 0.552256, "alpha": 10.568448, "b": 3.5e-05, "s": 0.609494, "beta": 0.000417}
BTYDPLUS_2014 = {"r": 0.55259, "alpha": 10.56802, "b": 0.00013, "s": 0.60828, "beta": 0.00148}
#: the Pareto/NBD's maximum on the same data (BTYD's pnbd.cbs.LL, published with the fit)
PARETO_LL = -9594.976
#: BTYDplus's own simulation test (tests/testthat/test-gg-nbd.R)
TRUE = {"r": 0.85, "alpha": 4.45, "b": 0.12, "s": 0.75, "beta": 9.55}


@pytest.fixture(scope="module")
def cbs(public_data):
    frame = pd.read_csv(public_data / "cdnow" / "cdnowSummary_cbs.csv")
    return frame.rename(columns={"x": "frequency", "t.x": "recency", "T.cal": "T"})


def _total_ll(cbs, params):
    x, t_x, T = (cbs[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    value, _ = _objective(x, t_x, T, np.ones_like(x))(np.log(list(params.values())))
    return -value * len(x)


def test_the_published_cdnow_fits_have_the_pareto_nbd_likelihood(cbs):
    # the 2016 estimate: within 0.01 of the Pareto/NBD maximum (beta/b = 11.91 vs 11.66);
    # the 2014 one, b and beta printed to two digits (beta/b = 11.38): within 0.07
    assert _total_ll(cbs, BTYDPLUS_2016) == pytest.approx(PARETO_LL, abs=0.01)
    assert _total_ll(cbs, BTYDPLUS_2014) == pytest.approx(PARETO_LL, abs=0.07)
    assert round(_total_ll(cbs, BTYDPLUS_2016), 3) == -9594.983


def test_the_ml_fit_on_cdnow_is_the_pareto_nbd_limit(cbs):
    table = compress(cbs[["frequency", "recency", "T"]])
    with pytest.raises(DegenerateFitError) as caught:
        fit_ggomnbd(table)
    e = caught.value
    assert "b" in e.unidentified and e.params["b"] < 1e-6
    assert "the Pareto/NBD limit, beta/b = 11.67; fit model pareto" in e.reason
    # r, alpha: BTYDplus's published values within 0.5 %; s within 1 % and beta / b within
    # 3 %: along the flat ridge s and beta / b move together (BTYDplus stopped at s 0.6083,
    # beta/b 11.38 in 2014 and s 0.6095, beta/b 11.91 in 2016, 0.06 apart in likelihood)
    for name, rel in (("r", 5e-3), ("alpha", 5e-3), ("s", 1e-2)):
        assert e.params[name] == pytest.approx(BTYDPLUS_2016[name], rel=rel)
        assert e.params[name] == pytest.approx(BTYDPLUS_2014[name], rel=rel)
    assert e.params["s"] == pytest.approx(0.606, rel=1e-3)  # the Pareto/NBD's (FHL 2005)
    ratio = e.params["beta"] / e.params["b"]
    for published in (BTYDPLUS_2014, BTYDPLUS_2016):
        assert ratio == pytest.approx(published["beta"] / published["b"], rel=0.03)
    assert ratio == pytest.approx(11.656, rel=2e-3)


def test_at_small_b_the_predictions_are_the_pareto_nbd_s(cbs):
    x, t_x, T = cbs.frequency, cbs.recency, cbs["T"]
    pnbd = ParetoNBDFit(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    b = 1e-7
    ggom = GammaGompertzNBDFit(r=0.553, alpha=10.578, b=b, s=0.606, beta=11.669 * b)
    np.testing.assert_allclose(ggom.p_alive(x, t_x, T), pnbd.p_alive(x, t_x, T), rtol=1e-5)
    np.testing.assert_allclose(
        ggom.expected_purchases(39, x, t_x, T), pnbd.expected_purchases(39, x, t_x, T), rtol=1e-5
    )
    np.testing.assert_allclose(
        ggom.expected_purchases_new([39.0, 78.0]),
        pnbd.expected_purchases_new([39.0, 78.0]),
        rtol=1e-5,  # the Gompertz is exponential to O(b t) = 1e-5
    )
    # so is the value of the predict path (discounted expected purchases x spend)
    spend = np.full(len(x), 35.0)
    np.testing.assert_allclose(
        customer_lifetime_value(ggom, x, t_x, T, spend, unit="W", annual_discount_rate=0.1),
        customer_lifetime_value(pnbd, x, t_x, T, spend, unit="W", annual_discount_rate=0.1),
        rtol=1e-5,
    )
    # BTYDplus's published fits forecast the 1,882 holdout purchases as the Pareto/NBD does
    # (-0.115), up to the rounding of the printed b (2014: two digits, beta/b 11.38 not 11.66)
    totals = {
        name: GammaGompertzNBDFit(**p).expected_purchases(39, x, t_x, T).sum() / 1882 - 1
        for name, p in (("2014", BTYDPLUS_2014), ("2016", BTYDPLUS_2016))
    }
    assert {k: round(v, 3) for k, v in totals.items()} == {"2014": -0.122, "2016": -0.114}
    assert round(pnbd.expected_purchases(39, x, t_x, T).sum() / 1882 - 1, 3) == -0.115


def test_the_gradient_is_the_likelihood_s():
    sim = simulate_ggomnbd(300, 32.0, **TRUE, seed=3)
    x, t_x, T = (sim[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    objective = _objective(x, t_x, T, np.ones_like(x))
    for phi in (np.log(list(TRUE.values())), np.log([0.3, 20.0, 0.01, 2.0, 0.05])):
        numeric = numeric_gradient(lambda p: objective(p)[0], phi)
        np.testing.assert_allclose(objective(phi)[1], numeric, rtol=1e-5, atol=1e-8)


def test_the_fit_recovers_btydplus_s_simulation_parameters():
    sim = simulate_ggomnbd(4000, 32.0, **TRUE, seed=1)
    fit = fit_ggomnbd(compress(sim.assign(recency=sim.recency.round())))
    # BTYDplus's own bounds: 5 % on r and alpha, 15 % on the drop-out parameters, here
    # replaced by 3 standard errors (one draw of 4,000 customers; s and beta are loose)
    for name, value in TRUE.items():
        assert abs(fit.params[name] - value) < 3 * fit.standard_errors[name], name
    assert fit.r == pytest.approx(TRUE["r"], rel=0.05)
    assert fit.alpha == pytest.approx(TRUE["alpha"], rel=0.05)
    assert fit.b == pytest.approx(TRUE["b"], rel=0.15)


def test_conditional_expectation_and_p_alive_against_a_simulation():
    # independent of the model code: lifetimes by inversion, Poisson purchases
    rng = np.random.default_rng(13)
    n, T, horizon = 40_000, 32.0, 32.0
    lam = rng.gamma(TRUE["r"], 1 / TRUE["alpha"], n)
    eta = rng.gamma(TRUE["s"], 1 / TRUE["beta"], n)
    tau = np.log1p(rng.exponential(1.0, n) / eta) / TRUE["b"]  # P(tau > y) = e^{-eta(e^{by}-1)}
    x = rng.poisson(lam * np.minimum(tau, T))
    t_x = np.where(x > 0, np.minimum(tau, T) * rng.beta(np.maximum(x, 1), 1), 0.0)
    future = lam * np.clip(tau - T, 0.0, horizon)  # expected holdout purchases, given lam, tau
    model = GammaGompertzNBDFit(**TRUE)
    expected = model.expected_purchases(horizon, x, t_x, np.full(n, T))
    p_alive = model.p_alive(x, t_x, np.full(n, T))
    # over seeds 11-15 the totals' Monte Carlo error was within 3 % (heavy-tailed rates)
    # and P(alive)'s within 1.2 %; the new-customer mean within 0.8 %
    assert expected.sum() == pytest.approx(future.sum(), rel=0.04)
    assert p_alive.sum() == pytest.approx((tau > T).sum(), rel=0.015)
    assert model.expected_purchases_new(T) == pytest.approx(x.mean(), rel=0.01)
    # the residual lifetime, by scipy's quad: eta given survival to T is Gamma(s, beta*)
    b, s, beta = TRUE["b"], TRUE["s"], TRUE["beta"]
    star = beta + np.expm1(b * T)
    right = quad(lambda u: (star / (star + np.exp(b * T) * np.expm1(b * u))) ** s, 0, horizon)[0]
    wrong = quad(lambda u: (star / (star + np.expm1(b * u))) ** s, 0, horizon)[0]
    rate = (TRUE["r"] + x) / (TRUE["alpha"] + T) * p_alive
    assert expected.sum() == pytest.approx((rate * right).sum(), rel=1e-8)
    # BTYDplus's ggnbd.ConditionalExpectedTransactions dropped the e^{bT} ("far too high")
    assert (rate * wrong).sum() / future.sum() > 1.5


def test_ltv_fit_from_a_summary_file(tmp_path, capsys):
    sim = simulate_ggomnbd(2000, 32.0, **TRUE, seed=1)
    path = tmp_path / "cbs.csv"
    sim.assign(recency=sim.recency.round()).rename(
        columns={"frequency": "x", "recency": "t.x", "T": "T.cal"}
    ).to_csv(path, index=False)
    code = main(["ltv", "fit", "--model", "ggomnbd", "--input", str(path), "-f", "json"])
    out = capsys.readouterr().out
    assert code == 0 and "Gamma/Gompertz/NBD" in out and '"b"' in out


def test_ltv_predict_from_a_store(tmp_path, capsys):
    """A store whose orders have a simulated daily history (b = 0.12 a week): ``ltv fit``
    and ``ltv predict --model ggomnbd`` from it; the predicted purchases per customer are
    the mean of the fit's conditional expectations over 12 months (365.25 days)."""
    import datetime as dt

    import pyarrow as pa
    from tests.clv.conftest import _orders_from_summary

    from payback.clv import customer_summary, predict_ltv
    from payback.clv.simulate import simulate_gamma_gamma
    from payback.store import open_store

    daily = {"r": 0.85, "alpha": 4.45 * 7, "b": 0.12 / 7, "s": 0.75, "beta": 9.55}
    sim = simulate_ggomnbd(1500, 224.0, **daily, seed=1)
    sim["recency"] = sim.recency.round()
    sim["frequency"] = np.minimum(sim.frequency, sim.recency)  # distinct purchase days
    spend = simulate_gamma_gamma(sim.frequency.to_numpy(int), p=6.0, q=4.0, v=15.0, seed=2)
    sim["monetary_value"] = np.where(sim.frequency > 0, spend, np.nan)
    sim["customer_id"] = [f"c{i}" for i in range(len(sim))]
    path = tmp_path / "gg.duckdb"
    with open_store(path) as store:
        orders = _orders_from_summary(sim, dt.date(2025, 6, 30))
        store.write({"orders": pa.Table.from_pandas(orders, preserve_index=False)})
        summary = store.execute(customer_summary(store, observation_end="2025-06-30"))
        result = predict_ltv(store, model="ggomnbd", as_of="2025-06-30")
    fit = fit_ggomnbd(compress(summary))
    assert abs(fit.b - daily["b"]) < 2 * fit.standard_errors["b"]  # 0.0163 +- 0.007
    expected = fit.expected_purchases(365.25, summary.frequency, summary.recency, summary["T"])
    shown = result.by_source.frame.expected_purchases_per_customer.iloc[0]
    assert shown == pytest.approx(float(expected.mean()), rel=1e-9)
    argv = ["ltv", "predict", "--model", "ggomnbd", "--db", str(path), "--as-of", "2025-06-30"]
    assert main([*argv, "-f", "csv"]) == 0
    assert "1500" in capsys.readouterr().out
