"""The report's calibration check on customers grouped by (history, holdout) in the engine
gives the numbers of the check on one row per customer (issue 16: no million-row fetch)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from payback.clv import compress, customer_summary, fit_bgnbd, holdout_check
from payback.report import clv_section
from payback.store import open_store


def test_grouped_check_equals_the_per_customer_check(demo_db):
    with open_store(demo_db, read_only=True) as store:
        grouped, cut = clv_section._calibration(store)
        # independent recomputation: every customer's row, fitted and checked one by one
        summary = store.execute(customer_summary(store, freq="W", calibration_end=cut))
    per_customer = holdout_check(fit_bgnbd(compress(summary)), summary)
    got, want = grouped.frame, per_customer.frame
    assert got.frequency.tolist() == want.frequency.tolist()
    # counts of customers and of holdout purchases: exactly the same
    for column in ("customers", "actual_total"):
        assert got[column].tolist() == want[column].tolist()
    assert got.customers.iloc[-1] == len(summary) == 221  # acquired before the cut
    # the predictions: the same fit; sums of w x p instead of p one by one
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12)
    assert np.isfinite(got.predicted).all()
    assert dict(grouped.reasons) == dict(per_customer.reasons)
