"""How typed numbers are read: % only on rates, a bare rate is a fraction, a/b, 1,200."""

from __future__ import annotations

import pytest

from payback.calc import parse_number, parse_numbers
from payback.errors import InputError


@pytest.mark.parametrize(
    ("text", "rate", "expected"),
    [
        ("0.16%", True, 0.0016),
        ("0.0016", True, 0.0016),
        ("100%", True, 1.0),
        ("1/16", True, 0.0625),
        ("6.25%", True, 0.0625),
        ("1,200", False, 1200.0),
        ("1,200,000.50", False, 1_200_000.5),
        ("14 535 855", False, 14_535_855.0),
        ("50_000", False, 50_000.0),
        ("-3.5", False, -3.5),
        ("100000/150", False, 100_000 / 150),
        (7, False, 7.0),
    ],
)
def test_parse_number(text, rate, expected):
    assert parse_number(text, name="--x", rate=rate) == expected


@pytest.mark.parametrize(
    ("text", "rate", "message"),
    [
        ("5%", False, "--x takes an amount or a count, not a percentage"),
        ("12,5", False, "a comma is only a thousands separator"),
        ("1,20,000", False, "a comma is only a thousands separator"),
        ("twelve", True, "expected something like 1200, 1,200.50, 1/16, 0.16% or 0.0016"),
        ("inf", False, "finite"),
        ("3/0", False, "divides by zero"),
    ],
)
def test_parse_number_refuses(text, rate, message):
    with pytest.raises(InputError, match=message):
        parse_number(text, name="--x", rate=rate)


def test_parse_numbers_lists():
    assert parse_numbers("50000,0") == (50_000.0, 0.0)
    assert parse_numbers("50,000;0") == (50_000.0, 0.0)
    assert parse_numbers("80%,90%,100%", rate=True) == (0.8, 0.9, 1.0)
    with pytest.raises(InputError, match=r"ambiguous.*write 100000 for one number"):
        parse_numbers("100,000")
    with pytest.raises(InputError, match="empty"):
        parse_numbers(" ")
