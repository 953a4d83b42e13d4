"""A new data side is one record: the worked example of docs/architecture.md runs as
written (in its own process: it registers a side and metrics), and its numbers are the
ones counted by hand from its rows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from payback.errors import InputError
from payback.metrics import SIDES, Metric, Part, Side, register_metric, register_side

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def _example() -> str:
    text = DOC.read_text()
    start = text.index("## Add a data side")
    return re.search(r"```python\n(.*?)```", text[start:], re.S).group(1)


def test_the_claims_side_of_the_architecture_page_runs_with_the_counted_numbers():
    out = subprocess.run(
        [sys.executable, "-c", _example()], capture_output=True, text=True, check=True
    ).stdout
    rows = [line.split() for line in out.strip().splitlines()[1:]]
    # p1: o1 and o2 confirmed, 2 claims -> 1.0; p2: o3 cancelled, 2 claims (o3, o9) -> 0.0;
    # the total: 2 confirmed orders over 4 claims -> 0.5
    assert rows == [
        ["0", "p1", "2", "2", "1.0"],
        ["1", "p2", "0", "2", "0.0"],
        ["2", "None", "2", "4", "0.5"],
    ]


def test_a_side_name_or_part_taken_is_refused():
    with pytest.raises(InputError, match="exists already"):
        register_side(SIDES["orders"])
    clash = Side("x", "orders", "x rows", "time", {}, (Part("orders", lambda t: t.count()),))
    with pytest.raises(InputError, match=r"part name\(s\) \['orders'\] exist already"):
        register_side(clash)
    with pytest.raises(InputError, match="no data side has a part"):
        register_metric(Metric("visits", "Visits", "sum of visits", "count", False, "Visits."))
