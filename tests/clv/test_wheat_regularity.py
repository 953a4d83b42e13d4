"""Wheat & Morrison's timing regularity (BTYDplus ``estimateRegularity(method =
"wheat")``), which ``payback ltv check`` reports beside the models.

Published: BTYDplus's vignette, "the Wheat & Morrison estimator reports a regularity
estimate of close to 2" on the grocery data (1,525 customers, 2006-2007), and its
``demo/cdnow.R``, "k=1 -> no regularity detected for CDNow". Recomputed here
independently in pandas: each customer's last two intervals between distinct purchase
days, M = g1 / (g1 + g2), both orders, k = (1 - 4 Var(M)) / (8 Var(M)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from payback.clv.compare import ModelComparison
from payback.clv.regularity import wheat_regularity


def by_hand(customer, day) -> tuple[float, int]:
    frame = pd.DataFrame({"c": customer, "d": pd.to_datetime(day)}).drop_duplicates()
    ms = []
    for _, g in frame.sort_values("d").groupby("c"):
        if len(g) >= 3:
            g1, g2 = np.diff(g.d.to_numpy()).astype("timedelta64[D]").astype(float)[-2:]
            ms += [g1 / (g1 + g2), g2 / (g1 + g2)]
    v = np.mean((np.array(ms) - 0.5) ** 2)
    return (1 - 4 * v) / (8 * v), len(ms) // 2


@pytest.fixture(scope="module")
def cdnow(cdnow_sample):
    return cdnow_sample.customer, cdnow_sample.date


def test_cdnow_has_no_timing_regularity(cdnow):
    k, customers = wheat_regularity(*cdnow)
    assert (round(k, 4), customers) == (0.9851, 736)
    assert k == pytest.approx(by_hand(*cdnow)[0], rel=1e-12)
    # the 39 calibration weeks alone, what `ltv check` reads
    k_cal, n_cal = wheat_regularity(*cdnow, calibration_end="1997-09-30")
    assert (round(k_cal, 4), n_cal) == (1.0485, 507)
    keep = cdnow[1] <= "1997-09-30"
    assert k_cal == pytest.approx(by_hand(cdnow[0][keep], cdnow[1][keep])[0], rel=1e-12)


def test_grocery_buys_regularly(public_data):
    elog = pd.read_csv(public_data / "grocery" / "groceryElog.csv")
    k, customers = wheat_regularity(elog.cust, elog.date)
    assert (round(k, 4), customers) == (1.8274, 779)  # BTYDplus: "close to 2"
    assert k == pytest.approx(by_hand(elog.cust, elog.date)[0], rel=1e-12)


def test_too_few_or_perfectly_regular_customers_give_no_k():
    one = wheat_regularity(["a"] * 3, ["2024-01-01", "2024-01-02", "2024-01-04"])
    assert one == (None, 1)
    weekly = [f"2024-01-{d:02d}" for d in (1, 8, 15)]
    assert wheat_regularity(["a"] * 3 + ["b"] * 3, weekly * 2) == (None, 2)


def test_the_note_says_what_the_regularity_means():
    def note(regularity):
        return ModelComparison(None, None, {}, None, regularity).regularity_note  # type: ignore[arg-type]

    assert note(None) is None
    assert "k = 1.05 (Wheat & Morrison, 507 customers): near 1" in note((1.0485, 507))
    assert "little to add" in note((1.0485, 507))
    assert "regular buying" in note((1.83, 779))
    assert "not measured: 1 customer(s)" in note((None, 1))
