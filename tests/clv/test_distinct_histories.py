"""predict_ltv evaluates the count model once per distinct history (x, t_x, T).

Customers with the same history have the same P(alive), expected purchases and discounted
purchases; the per-customer columns must be those of the count model evaluated on every
customer one by one (a second computation, straight from the model's methods).
"""

from __future__ import annotations

import numpy as np
import pytest

from payback.clv import customer_lifetime_value, predict_ltv
from payback.demo import generate_shop
from payback.store import open_store


@pytest.fixture(scope="module")
def shop():
    store = open_store(":memory:")
    store.write(generate_shop(1500, seed=5).tables)
    return store


@pytest.mark.parametrize(("discount", "margin"), [(0.0, None), (0.1, 0.4)])
def test_per_customer_values_are_the_models_on_every_customer(shop, discount, margin):
    pred = predict_ltv(
        shop, by="platform", min_customers=300, annual_discount_rate=discount, margin=margin
    )
    customers = pred.customers.frame
    histories = customers[["frequency", "recency", "T"]].drop_duplicates()
    assert len(histories) < len(customers)  # shared histories: the case this is about
    days = 12 * 365.25 / 12
    for source, part in customers.groupby("source", dropna=False):
        label = "(none)" if source is None or source != source else str(source)
        count_fit, _ = pred.fits[label]
        x, t_x, T = (part[c].to_numpy(float) for c in ("frequency", "recency", "T"))
        np.testing.assert_array_equal(part["p_alive"], count_fit.p_alive(x, t_x, T))
        np.testing.assert_array_equal(
            part["expected_purchases"], count_fit.expected_purchases(days, x, t_x, T)
        )
        spend = part["expected_spend"].to_numpy(float, na_value=0.0)
        clv = customer_lifetime_value(
            count_fit, x, t_x, T, spend, annual_discount_rate=discount, margin=margin or 1.0
        )
        known = part["clv"].notna().to_numpy()
        np.testing.assert_allclose(part["clv"].to_numpy(float, na_value=0.0)[known], clv[known],
                                   rtol=1e-14, atol=0)  # fmt: skip
