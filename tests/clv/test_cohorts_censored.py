"""The left-censored first cohort: decided on the evidence (acquisitions per day against
the months after), and warned about when the historical LTV rests on it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from payback.clv import predict_ltv
from payback.clv.cohort_values import left_censored_cohort
from payback.clv.source_history import censored_history_note
from payback.store import open_store


def test_uci_december_2010_is_left_censored_and_the_12_month_ltv_warns(uci, uci_db):
    # in pandas: the first purchase day of each customer of the whole-file summary
    first = pd.Timestamp(dt.date(2011, 12, 9)) - pd.to_timedelta(uci["T"], unit="D")
    per_month = first.dt.to_period("M").value_counts().sort_index()
    december = int(per_month[pd.Period("2010-12", "M")])
    start = first.min()
    assert start == pd.Timestamp("2010-12-01")
    rate = december / 31  # 1 to 31 December
    later = [per_month[pd.Period(m, "M")] / d for m, d in (("2011-01", 31), ("2011-02", 28),
                                                           ("2011-03", 31))]  # fmt: skip
    steady = float(np.median(later))
    assert rate > 1.5 * steady  # about twice the steady rate: earlier buyers coming back

    with open_store(uci_db, read_only=True) as store:
        censored = left_censored_cohort(store)
        note = censored_history_note(store, 12)
        three = censored_history_note(store, 3)
        warnings = predict_ltv(store, horizon_months=12).warnings
    assert censored.cohort == "2010-12" and censored.customers == december
    assert censored.per_day == pytest.approx(rate) and censored.steady_per_day == pytest.approx(
        steady
    )
    assert note.startswith("historical LTV at 12 months rests on one cohort alone")
    assert f"the 2010-12 cohort ({december:,} customers) starts with the data" in note
    assert note in warnings  # and so in the CLI's notes
    # at 3 months the cohorts of December to September 2011 count: December is a share
    to_september = int(per_month[pd.Period("2010-12", "M") : pd.Period("2011-09", "M")].sum())
    share = f"{december / to_september * 100:.1f} %"
    assert f"comes for {december:,} of its {to_september:,} customers ({share})" in three


def test_a_first_month_at_the_steady_rate_is_not_censored(cdnow_orders):
    """CDNOW is a file of customers' first purchases in the first quarter of 1997: its
    January acquires at the rate of February and March."""
    store = open_store(":memory:")
    store.write({"orders": pa.Table.from_pandas(cdnow_orders, preserve_index=False)})
    assert left_censored_cohort(store) is None
    assert censored_history_note(store, 12) is None


def test_a_first_month_with_nothing_to_compare_is_censored():
    T = dt.datetime
    store = open_store(":memory:")
    store.write({"orders": pa.table({
        "order_id": ["1", "2"], "customer_id": ["a", "b"],
        "time": [T(2024, 1, 10), T(2024, 1, 31)], "revenue": [5.0, 7.0],
        "status": ["confirmed"] * 2, "currency": ["EUR"] * 2})})  # fmt: skip
    censored = left_censored_cohort(store)
    assert (censored.cohort, censored.customers, censored.steady_per_day) == ("2024-01", 2, None)
    assert censored.per_day == pytest.approx(2 / 22)  # 10 to 31 January
    assert "no later month to compare" in censored.sentence()
