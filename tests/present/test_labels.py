"""payback.present.labels: totals rows and periods read the same in every output."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from payback.metrics import GRAINS
from payback.output import formatted_dates
from payback.present import dimension_label, month_name, period_label, total_label


def test_totals_rows_are_total_paid_and_total_all():
    assert [total_label(k, 2) for k in ("paid", "all")] == ["Total (paid)", "Total (all)"]
    assert total_label("all", 1) == "Total" and total_label(None, 2) == "Total"


def test_months_are_year_month_days_and_weeks_are_dates():
    day = dt.date(2024, 1, 1)  # a Monday, the first of a month
    assert [GRAINS[g].label(day) for g in ("date", "week", "month")] == [
        "2024-01-01",
        "2024-01-01",
        "2024-01",
    ]
    assert period_label(pd.Timestamp("2024-02-01"), "M") == "2024-02"
    assert dimension_label("month", pd.Timestamp("2024-02-01")) == "2024-02"
    assert dimension_label("campaign", float("nan")) == "(none)"
    assert month_name(dt.date(2025, 12, 1)) == "Dec 2025"


def test_a_month_column_prints_year_month_without_attrs():
    """Frames from any analysis (ceilings by month) follow the grain's label."""
    frame = pd.DataFrame(
        {"month": pd.to_datetime(["2024-01-01", "2024-02-01"]), "cost": [1.0, 2.0]}
    )
    assert formatted_dates(frame)["month"].tolist() == ["2024-01", "2024-02"]
    # a month NUMBER (the simulator's months since start) stays a number
    numbers = pd.DataFrame({"month": [1, 2]})
    assert formatted_dates(numbers)["month"].tolist() == [1, 2]
