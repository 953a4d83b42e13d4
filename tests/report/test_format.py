"""Numbers for humans: properties of the formatting rules (hypothesis)."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from payback.report.format import format_change, format_compact, format_value

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


def _number(text: str) -> float:
    return float(text.split()[0].replace(",", "").replace("−", "-"))


@given(finite)
def test_money_reads_back_to_the_value_at_its_precision(x):
    text = format_value(x, "money", "EUR")
    assert text.endswith(" EUR")
    decimals = 2 if abs(x) < 10_000 else 0
    assert math.isclose(_number(text), round(x, decimals), abs_tol=10**-decimals)
    digits = text.split()[0].lstrip("-").split(".")[0]
    assert digits == f"{int(digits.replace(',', '')):,}"  # thousands separators


@given(st.floats(min_value=-10, max_value=10, allow_nan=False))
def test_rates_are_percentages_with_one_decimal(x):
    text = format_value(x, "rate")
    assert text.endswith(" %")
    assert math.isclose(_number(text), x * 100, abs_tol=0.051)


@given(st.integers(min_value=0, max_value=10**12))
def test_counts_are_whole_with_separators(n):
    assert format_value(n, "count") == f"{n:,}"


@given(finite)
def test_compact_keeps_three_significant_digits_of_large_money(x):
    text = format_compact(x, "money", "USD")
    if abs(x) < 1e6:
        assert text == format_value(x, "money", "USD")
    else:
        size = 1e9 if abs(x) >= 1e9 else 1e6
        assert text.endswith((" B USD", " M USD"))
        assert math.isclose(_number(text) * size, x, rel_tol=0.01, abs_tol=0.005 * size)


@given(st.floats(min_value=-5, max_value=5, allow_nan=False))
def test_change_signs(x):
    text = format_change(x, "money")
    assert text[0] == ("+" if x > 0 else "−" if x < 0 else "±")
    assert format_change(x, "rate").endswith(" pp")


def test_missing_values_are_a_dash():
    for unit in ("money", "count", "rate", "ratio"):
        assert format_value(None, unit, "EUR") == "–"
        assert format_value(float("nan"), unit) == "–"
        assert format_compact(None, unit) == "–"
    assert format_change(None, "rate") == "–"
