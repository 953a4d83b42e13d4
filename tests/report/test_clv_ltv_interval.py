"""The CLV section's 90 % interval of each source's predicted LTV (issue 10, item 6).

The interval comes from drawing the count and spend fits' parameters from their
log-parameter covariance. Checked against an independent delta-method approximation:
the half-width of a 90 % interval is about 1.645 standard deviations of the predicted
LTV, whose variance is g' Σ g with g the gradient of the value in the log-parameters.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from payback.clv import new_customer_value
from payback.report import clv_section


def _delta_sd(count_fit, spend_fit) -> float:
    """Standard deviation of the repeat value by the delta method (central differences)."""
    names_c, names_s = count_fit.param_names, spend_fit.param_names
    phi = np.log(
        [getattr(count_fit, n) for n in names_c] + [getattr(spend_fit, n) for n in names_s]
    )

    def value(p):
        theta = np.exp(p)
        c = count_fit.__class__(**dict(zip(names_c, theta[: len(names_c)], strict=True)))
        s = spend_fit.__class__(**dict(zip(names_s, theta[len(names_c) :], strict=True)))
        return new_customer_value(c, s.mean_spend, horizon_months=12.0, first_purchase_value=0.0)

    grad = np.zeros(phi.size)
    for i in range(phi.size):
        e = np.zeros(phi.size)
        e[i] = 1e-5
        grad[i] = (value(phi + e) - value(phi - e)) / 2e-5
    k = len(names_c)
    cov = np.zeros((phi.size, phi.size))
    cov[:k, :k] = np.asarray(count_fit.log_covariance)
    cov[k:, k:] = np.asarray(spend_fit.log_covariance)
    return math.sqrt(grad @ cov @ grad)


def test_each_source_has_an_interval_around_its_prediction(demo_db):
    from payback.store import open_store

    with open_store(demo_db, read_only=True) as store:
        table = clv_section.ltv_table(store).frame
        prediction = clv_section._prediction(store, "platform")
    known = table[table.predicted_ltv.notna()]
    assert len(known) > 0
    for row in known.itertuples():
        assert row.predicted_ltv_low < row.predicted_ltv < row.predicted_ltv_high
        label = "(none)" if row.source is None else str(row.source)
        count_fit, spend_fit = prediction.fits.get(label) or prediction.fits["pooled"]
        half = (row.predicted_ltv_high - row.predicted_ltv_low) / 2
        # 200 draws: the quantiles scatter by ~10 %; the model is close to linear here
        assert half == pytest.approx(1.645 * _delta_sd(count_fit, spend_fit), rel=0.25)


def test_the_interval_is_shown_in_the_source_table(demo_html):
    section = demo_html[demo_html.index('<section id="ltv">') :]
    section = section[: section.index("</section>")]
    table = section[section.index('id="table-ltv-source"') :]
    assert "90% interval" in table
    cells = re.findall(r'title="90% interval of the predicted LTV">([^<]+)<', table)
    assert cells
    for text in cells:  # "$211.65 – $257.29"
        low, high = (float(v.replace(",", "")) for v in re.findall(r"[\d,]+\.\d+", text))
        assert low < high
