"""The ideal customer profile as a short list a marketer can target
(`ProfileResult.targets`, `payback segments profile`): the rows of the profile table with
q <= fdr, lift > 1 and the minimum count, checked against the table and, on UCI Online
Retail built with `--build-orders`, recomputed in pandas; attributes with one value are
left out and named."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from tests.segments.conftest import stored_confirmed_orders

from payback.cli import main
from payback.demo.profiles import planted_profile
from payback.errors import InputError
from payback.segments import profile
from payback.store import open_store


@pytest.fixture(scope="module")
def uci(uci_import):
    """The store file of the UCI lines imported with ``--build-orders``
    (tests/segments/conftest.py)."""
    return uci_import[0]


def test_the_targets_are_the_significant_over_represented_rows(demo):
    with open_store(demo[0], read_only=True) as store:
        got = profile(store)
        strict = profile(store, fdr=0.001, min_count=30)
    table = got.table.frame
    expected = table[(table.q_value <= 0.05) & (table.lift >= 1.1) & (table.customers >= 10)]
    targets = got.targets.frame
    assert len(targets) == len(expected) >= 3
    assert set(zip(targets.attribute, targets.value, strict=True)) == set(
        zip(expected.attribute, expected.value, strict=True)
    )
    assert targets.lift.is_monotonic_decreasing
    # the planted age band and gender are among them (the country needs more customers)
    assert {("age_band", "45-54"), ("gender", "female")} <= set(
        zip(targets.attribute, targets.value, strict=True)
    )
    assert set(planted_profile()) - set(zip(targets.attribute, targets.value, strict=True)) <= {
        ("country", "GB")
    }
    text = got.target_text()
    first = targets.iloc[0]
    assert text.startswith(f"Target: {first.attribute} = {first.value} (lift {first.lift:.2f})")
    assert text.count(" = ") == len(targets)
    # a stricter list is a subset
    tight = strict.targets.frame
    assert set(zip(tight.attribute, tight.value, strict=True)) < set(
        zip(targets.attribute, targets.value, strict=True)
    )
    assert (tight.q_value <= 0.001).all() and (tight.customers >= 30).all()
    assert got.dropped == ()


def test_uci_drops_single_valued_attributes_and_targets_the_big_first_orders(uci):
    """115 customers: no customers table, no ad attribution, no categories in the lines:
    only country and the first order's value band vary."""
    orders = stored_confirmed_orders(uci)
    per = orders.groupby("customer_id").revenue.sum().reset_index()
    ranked = per.sort_values(["revenue", "customer_id"], ascending=[False, True])
    top = set(ranked.customer_id.head(math.ceil(0.2 * len(per))))
    first = orders.sort_values(["customer_id", "time"]).groupby("customer_id").head(1)
    q3 = first.revenue.quantile(0.75)
    big = first.revenue > q3
    inside = first.customer_id.isin(top)
    a, b = int((big & inside).sum()), int((big & ~inside).sum())
    n1, n2 = int(inside.sum()), int((~inside).sum())
    with open_store(uci, read_only=True) as store:
        got = profile(store)
    assert (got.segment_customers, got.other_customers) == (n1, n2) == (23, 92)
    assert set(got.dropped) == {"source", "partner", "device", "age_band", "gender",
                                "language", "first_category"}  # fmt: skip
    assert set(got.table.frame.attribute) == {"country", "first_order_value"}
    assert "(none)" not in set(got.table.frame.value)
    row = got.targets.frame.iloc[0]
    assert (row.attribute, row.value) == ("first_order_value", f"Q4 > {q3:.2f}")
    assert (row.customers, row.lift) == (a, pytest.approx((a / n1) / ((a + b) / (n1 + n2))))
    assert got.target_text() == f"Target: first_order_value = Q4 > {q3:.2f} (lift {row.lift:.2f})"
    assert got.notes[0].endswith("source, partner, device, age_band, gender, language, "
                                 "first_category")  # fmt: skip


def test_cli_prints_the_targets_and_json_holds_them(demo, uci, capsys):
    assert main(["segments", "profile", "--db", uci]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("Target: first_order_value = Q4 > ")
    assert lines[-2].startswith("left out, one value for every customer")
    assert main(["segments", "profile", "--db", demo[0], "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    with open_store(demo[0], read_only=True) as store:
        api = profile(store)
    assert data["target"] == api.target_text() and data["dropped"] == []
    shown = pd.DataFrame(data["targets"])
    assert list(shown.value) == list(api.targets.frame.value)
    assert shown.lift.tolist() == pytest.approx(api.targets.frame.lift.tolist())


def _pairs(result) -> set[tuple[str, str]]:
    rows = result.targets.frame
    return set(zip(rows.attribute, rows.value, strict=True))


def test_the_lift_floor_keeps_the_list_short_and_never_adds_a_target(demo):
    with open_store(demo[0], read_only=True) as store:
        every = profile(store, target_lift=1.0)
        high = profile(store, target_lift=1.3)
        with pytest.raises(InputError, match="target_lift must be 1 or more"):
            profile(store, target_lift=0.9)
    table = every.table.frame
    significant = table[(table.q_value <= 0.05) & (table.lift >= 1.0) & (table.customers >= 10)]
    assert _pairs(every) == set(zip(significant.attribute, significant.value, strict=True))
    assert _pairs(high) < _pairs(every)  # a higher floor drops targets, never adds one
    assert (high.targets.frame.lift >= 1.3).all()
