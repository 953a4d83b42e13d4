"""payback.present.format_value: the one rule for numbers shown to humans."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from payback.present import format_change, format_value, missing_text

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


def _number(text: str) -> float:
    return float(text.split()[0].rstrip("×").replace(",", "").replace("−", "-"))


@pytest.mark.parametrize(
    ("value", "unit", "currency", "shown"),
    [
        # DOMAIN.md: ads 10,000, sales 30,000: DRR = 33.3 %; 100,000 of ads, 150 buyers: CPO 666.67
        (10_000 / 30_000, "rate", None, "33.3 %"),
        (100_000 / 150, "money", None, "666.67"),
        (500_000 / 1_000_000, "rate", None, "50.0 %"),  # DRR 50 %
        (100 / 10_000, "rate", None, "1.00 %"),  # CTR 1 %
        (2.0, "rate", None, "200.0 %"),  # ROI 200 %
        (1 / 16, "rate", None, "6.25 %"),  # a conversion of 1 in 16, exact
        (0.0016, "rate", None, "0.16 %"),  # a CTR of 0.16 % stays visible
        (0.09999, "rate", None, "10.0 %"),  # rounds up to 10 %: one decimal
        (-0.2154, "rate", None, "-21.5 %"),
        (1234.5, "money", "EUR", "1,234.50 EUR"),
        (52_310.4, "money", "EUR", "52,310.40 EUR"),  # every amount keeps its cents
        (2.5, "ratio", None, "2.50×"),
        (1500, "count", None, "1,500"),
        (np.int64(944_224), "count", None, "944,224"),
        (23_257.368, "count", None, "23,257.37"),  # an expected count
        (12.5, "decimal", None, "12.50"),
        (0.125, None, None, "0.125"),
        (True, None, None, "yes"),
        (dt.date(2024, 3, 1), None, None, "2024-03-01"),
        (pd.Timestamp("2024-03-01 12:30"), None, None, "2024-03-01 12:30:00"),
        ("google", "money", None, "google"),
    ],
)
def test_each_unit_has_one_rule(value, unit, currency, shown):
    assert format_value(value, unit, currency) == shown


@given(finite)
def test_money_reads_back_to_the_cent_with_separators(x):
    text = format_value(x, "money", "EUR")
    assert text.endswith(" EUR")
    # within half a cent of x (plus the 1e-8 snap of float noise, payback.present.fixed):
    # not Python's round(x, 2), which rounds the binary value half to even (0.975 -> 0.97,
    # where the shown 0.98 is the spreadsheet's ROUND)
    assert abs(_number(text) - x) <= 0.005 + 1e-8 + 4 * math.ulp(abs(x) + 1)
    digits = text.split()[0].lstrip("-").split(".")[0]
    assert digits == f"{int(digits.replace(',', '')):,}"  # thousands separators


@pytest.mark.parametrize(("x", "shown"), [(0.975, "0.98 EUR"), (-0.975, "-0.98 EUR")])
def test_money_ties_found_by_hypothesis(x, shown):
    assert format_value(x, "money", "EUR") == shown


@given(st.floats(min_value=-10, max_value=10, allow_nan=False))
def test_rates_are_percentages_to_about_three_digits(x):
    text = format_value(x, "rate")
    assert text.endswith(" %")
    number = text.split()[0]
    decimals = len(number.split(".")[1])
    assert decimals == (2 if abs(_number(text)) < 10 else 1)
    assert math.isclose(_number(text), x * 100, abs_tol=0.51 * 10**-decimals)


@given(st.integers(min_value=0, max_value=10**12))
def test_counts_are_whole_with_separators(n):
    assert format_value(n, "count") == f"{n:,}"


@given(finite)
def test_compact_keeps_three_significant_digits_of_large_money(x):
    text = format_value(x, "money", "USD", style="compact")
    if abs(x) < 1e6:
        assert text == format_value(x, "money", "USD")
    else:
        size = 1e9 if abs(x) >= 1e9 else 1e6
        assert text.endswith((" B USD", " M USD"))
        assert math.isclose(_number(text) * size, x, rel_tol=0.01, abs_tol=0.005 * size)


def test_compact_leaves_rates_and_small_counts():
    assert format_value(2_767_299, "count", style="compact") == "2.77 M"
    assert format_value(944_224, "count", style="compact") == "944,224"
    assert format_value(0.073, "rate", style="compact") == "7.30 %"


@given(st.floats(min_value=-5, max_value=5, allow_nan=False))
def test_change_signs(x):
    text = format_change(x, "money")
    assert text[0] == ("+" if x > 0 else "−" if x < 0 else "±")
    assert format_change(x, "rate").endswith(" pp")


def test_missing_values_are_one_dash_with_the_reason_beside():
    for unit in ("money", "count", "rate", "ratio", None):
        assert format_value(None, unit, "EUR") == "–"
        assert format_value(float("nan"), unit) == "–"
        assert format_value(float("inf"), unit) == "–"  # never "inf"
        assert format_value(pd.NA, unit) == "–"
        assert format_value(None, unit, style="compact") == "–"
    assert format_change(None, "rate") == "–"
    assert missing_text("no orders") == "– (no orders)"


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (2.675, "money", "2.68"),  # a spreadsheet's ROUND: half away from zero, not 2.67
        (-2.675, "money", "-2.68"),
        (18_780.2 / 40, "money", "469.51"),  # a segment's mean, 469.505 exactly
        (0.0012345, "rate", "0.12 %"),
        (0.000125, "rate", "0.01 %"),  # 0.0125 % rounds up
        (1.005, "ratio", "1.01×"),
        (-0.001, "money", "0.00"),  # no negative zero
        (-1e-17, "rate", "0.00 %"),
    ],
)
def test_halves_round_away_from_zero_on_the_decimal_value(value, unit, shown):
    assert format_value(value, unit) == shown


@pytest.mark.parametrize(
    ("change", "unit", "shown"),
    [
        (0.0025, "money", "+0.3 %"),  # Python's f"{0.25:.1f}" gives 0.2 (half to even)
        (-0.0025, "rate", "−0.3 pp"),
        (0.0125 / 0.5 / 10, "count", "+0.3 %"),  # 0.25 % by another float path
        (12.345, "money", "+1,234.5 %"),
    ],
)
def test_changes_round_like_every_other_number(change, unit, shown):
    assert format_change(change, unit) == shown


@given(st.integers(min_value=-(10**9), max_value=10**9), st.integers(min_value=1, max_value=400))
def test_float_noise_never_changes_the_text(cents, n):
    """A total of cents divided by a count, computed in a different order by another
    engine (a few ulps off), shows the same text: the mean of the report's segment table
    was ``469.50`` on DuckDB and ``469.51`` on Spark before."""
    exact = cents / 100 / n
    for noisy in (np.nextafter(exact, np.inf), np.nextafter(np.nextafter(exact, -np.inf), -np.inf)):
        for unit in ("money", "rate", "ratio", "decimal"):
            assert format_value(noisy, unit) == format_value(exact, unit)
