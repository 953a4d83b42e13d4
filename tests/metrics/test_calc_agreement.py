"""The calculator and the engine agree on every metric they share.

A random campaign (one ad row, its orders and leads) is given twice: as plain numbers
to the ``payback.calc`` functions, and as rows of a store to ``compute_metrics``. The
plain numbers are counted here from the rows (confirmed orders, valid leads, distinct
buyers), not taken from the engine. Zero denominators must be missing on both sides.

Names: the calculator's ``cr(actions, visits)`` is any conversion rate; the engine has
two, ``cr`` = confirmed orders / clicks and ``lead_cr`` = valid leads / clicks. Both are
compared with ``calc.cr`` given those numbers.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from payback import calc
from payback.metrics import compute_metrics

from .conftest import build_store

money = st.integers(0, 100_000).map(lambda cents: cents / 100)
LEAD_STATUSES = ("valid", "failed", "duplicate", "spam")
ORDER_STATUSES = ("confirmed", "cancelled", "returned")


@st.composite
def campaigns(draw) -> dict:
    impressions = draw(st.integers(0, 10_000) | st.just(0))
    return {
        "impressions": impressions,
        "clicks": draw(st.integers(0, impressions)),
        "cost": draw(money | st.just(0.0)),
        "orders": draw(
            st.lists(
                st.tuples(
                    st.integers(0, 5),  # customer
                    money,  # revenue
                    money | st.none(),  # cost of goods
                    st.sampled_from(ORDER_STATUSES),
                ),
                max_size=8,
            )
        ),
        "leads": draw(st.lists(st.sampled_from(LEAD_STATUSES), max_size=8)),
    }


ZERO = {"impressions": 0, "clicks": 0, "cost": 0.0, "orders": [], "leads": []}
#: revenue 0 on a confirmed order, cost 0, no clicks: every money ratio without a denominator
FREE = {
    "impressions": 10, "clicks": 0, "cost": 0.0,
    "orders": [(0, 0.0, 0.0, "confirmed"), (1, 5.0, None, "cancelled")], "leads": ["spam"],
}  # fmt: skip
SIMPLE = {
    "impressions": 10_000, "clicks": 200, "cost": 400.0,
    "orders": [(0, 100.0, 40.0, "confirmed"), (0, 60.0, 20.0, "confirmed"),
               (1, 40.0, 10.0, "confirmed"), (2, 99.0, 1.0, "returned")],
    "leads": ["valid", "valid", "failed", "valid", "duplicate"],
}  # fmt: skip


NAMES = ("cpo", "cpa", "ctr", "cr", "lead_cr", "cpc", "cpm", "cac", "aov", "drr", "roas", "roi",
         "romi")  # fmt: skip


def _engine(cases: list[dict]) -> list[dict]:
    """The metrics of every campaign (campaign ``k<i>`` is ``cases[i]``), from one store."""
    ads, orders, leads = [], [], []
    for k, case in enumerate(cases):
        ads.append(
            {"campaign": f"k{k}", "impressions": case["impressions"], "clicks": case["clicks"],
             "cost": case["cost"]}
        )  # fmt: skip
        orders += [
            {"order_id": f"k{k}o{i}", "customer_id": f"k{k}c{customer}", "revenue": revenue,
             "cogs": cogs, "status": status, "campaign": f"k{k}"}
            for i, (customer, revenue, cogs, status) in enumerate(case["orders"])
        ]  # fmt: skip
        leads += [
            {"lead_id": f"k{k}l{i}", "status": s, "campaign": f"k{k}"}
            for i, s in enumerate(case["leads"])
        ]
    with build_store(ads=ads, orders=orders, leads=leads) as store:
        rows = compute_metrics(store, by="campaign", metrics=",".join(NAMES)).groups
    assert sorted(rows["campaign"]) == sorted(f"k{k}" for k in range(len(cases)))
    by_campaign = rows.set_index("campaign")
    return [
        {
            n: None if pd.isna(v) else float(v)
            for n, v in by_campaign.loc[f"k{k}", list(NAMES)].items()
        }
        for k in range(len(cases))
    ]


def _calc(case: dict) -> dict:
    """The plain numbers, counted from the rows, through the calculator."""
    cost, clicks, impressions = case["cost"], case["clicks"], case["impressions"]
    confirmed = [o for o in case["orders"] if o[3] == "confirmed"]
    orders = len(confirmed)
    revenue = math.fsum(o[1] for o in confirmed)
    buyers = len({o[0] for o in confirmed})  # every customer's first confirmed order is here
    actions = len(case["leads"])
    invalid = sum(s != "valid" for s in case["leads"])
    got = {
        "cpo": calc.cpo(cost=cost, orders=orders),
        "cpa": calc.cpa(cost=cost, actions=actions, invalid=invalid),
        "ctr": calc.ctr(clicks=clicks, impressions=impressions),
        "cr": calc.cr(actions=orders, visits=clicks),
        "lead_cr": calc.cr(actions=actions - invalid, visits=clicks),
        "cpc": calc.cpc(cost=cost, clicks=clicks),
        "cpm": calc.cpm(cost=cost, impressions=impressions),
        "cac": calc.cac(cost=cost, customers=buyers),
        "aov": calc.aov(revenue=revenue, orders=orders),
        "drr": calc.drr(cost=cost, revenue=revenue),
        "roas": calc.roas(revenue=revenue, cost=cost),
        "roi": calc.roi(revenue=revenue, investment=cost),
    }
    values = {name: r.value for name, r in got.items()}
    if all(o[2] is not None for o in confirmed):  # cost of goods known for every order
        cogs = math.fsum(o[2] for o in confirmed)
        values["romi"] = calc.romi(marketing_cost=cost, revenue=revenue, cogs=cogs).value
    else:
        values["romi"] = None  # gross profit is unknown: no ROMI (the engine's rule)
    return values


def _check(cases: list[dict]) -> None:
    for k, engine in enumerate(_engine(cases)):
        expected = _calc(cases[k])
        assert set(expected) == set(NAMES)
        for name, want in expected.items():
            got = engine[name]
            if want is None:
                assert got is None, (k, name, got)
            else:
                assert got == pytest.approx(want, rel=1e-9, abs=1e-12), (k, name)


def test_simple_campaign_by_hand():
    """SIMPLE worked out by hand: 3 confirmed orders (200 revenue, 70 cogs), 2 buyers, 3
    valid leads of 5."""
    expected = {
        "cpo": 400 / 3, "cpa": 400 / 3, "ctr": 0.02, "cr": 3 / 200, "lead_cr": 3 / 200,
        "cpc": 2.0, "cpm": 40.0, "cac": 200.0, "aov": 200 / 3, "drr": 2.0, "roas": 0.5,
        "roi": -0.5, "romi": (130 - 400) / 400,
    }  # fmt: skip
    assert _calc(SIMPLE) == pytest.approx(expected, rel=1e-12)
    _check([SIMPLE])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases=st.lists(campaigns(), min_size=1, max_size=8))
@example(cases=[ZERO, FREE, SIMPLE])
def test_calculator_and_engine_agree(cases):
    """Up to 8 random campaigns in one store (one engine run), each checked alone."""
    _check(cases)
