"""The commission ledger: a hand-computed lifecycle (lock, reversal before it, clawback
after it carried over two payouts, a held claim) and the identity, as a property, for
any claims, statuses, schedule and day:

    commissions - reversals = payouts + open balance   (per partner and month)

and a later reversal never changes what a locked month paid: it becomes a clawback."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payback.errors import InputError
from payback.partners import Schedule, build_ledger, statement
from payback.partners.commissions import REVERSED

T = pd.Timestamp
#: claim, time, commission, status, changed_at (lock 10 days after the month, paid 5 later)
CLAIMS = [
    ("a", T("2024-01-05"), 100.0, "confirmed", None),
    ("b", T("2024-01-20"), 40.0, "returned", T("2024-02-03")),  # before Jan's lock (10 Feb)
    ("c", T("2024-01-25"), 60.0, "returned", T("2024-02-20")),  # after it: a clawback
    ("d", T("2024-02-10"), 30.0, "confirmed", None),
    ("e", T("2024-03-03"), 50.0, "confirmed", None),
    ("f", T("2024-03-20"), 25.0, "pending", None),  # the order is pending: held
    ("h", T("2024-03-25"), 10.0, "confirmed", None),
    ("g", T("2024-04-02"), 70.0, "confirmed", None),  # April locks 10 May: pending
]


def claims_frame(rows=CLAIMS, partner="P1") -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["claim_id", "time", "commission", "status", "changed_at"])
    frame["changed_at"] = pd.to_datetime(frame["changed_at"])
    return frame.assign(partner_id=partner)


def test_hand_computed_lifecycle():
    book = build_ledger(claims_frame(), Schedule(lock_days=10, pay_days=5), as_of="2024-04-30")
    lines = book.lines.frame.set_index("claim_id")
    assert lines.state.to_dict() == {
        "a": "paid", "b": "reversed", "c": "clawed_back", "d": "paid", "e": "paid",
        "f": "held", "h": "paid", "g": "pending",
    }  # fmt: skip
    assert str(lines.lock_date["d"]) == "2024-03-10"  # 29 Feb + 10 days
    # Jan pays a + c on 15 Feb (c is reversed on 20 Feb, after); February's 30 is all
    # taken by c's 60 clawback, 30 still owed; March's 60 repays it and pays 30
    payouts = book.payouts.frame
    assert payouts[["month", "locked", "clawback_deducted", "payout", "negative_balance"]
                   ].values.tolist() == [
        ["2024-01", 160.0, 0.0, 160.0, 0.0],
        ["2024-02", 30.0, 30.0, 0.0, 30.0],
        ["2024-03", 60.0, 30.0, 30.0, 0.0],
    ]  # fmt: skip
    periods = book.periods.frame.set_index("month")
    four = periods[["commissions", "reversals", "payouts", "open_balance"]]
    assert four.loc["2024-01"].tolist() == [200.0, 100.0, 100.0, 0.0]
    assert four.loc["2024-02"].tolist() == [30.0, 0.0, 30.0, 0.0]
    assert four.loc["2024-03"].tolist() == [85.0, 0.0, 60.0, 25.0]
    assert four.loc["2024-04"].tolist() == [70.0, 0.0, 0.0, 70.0]
    assert periods.payouts.sum() == payouts.payout.sum() == 190.0
    assert lines.recovered["c"] == 60.0


def test_before_the_payout_and_before_the_reversal():
    schedule = Schedule(lock_days=10, pay_days=5)
    locked = build_ledger(claims_frame(), schedule, as_of="2024-02-12")
    state = locked.lines.frame.set_index("claim_id").state
    assert (state["a"], state["b"], state["c"], state["d"]) == (
        "locked", "reversed", "locked", "pending")  # fmt: skip
    assert locked.payouts.frame.empty
    jan = locked.periods.frame.set_index("month").loc["2024-01"]
    assert (jan.locked_unpaid, jan.open_balance) == (160.0, 160.0)
    # on 18 Feb c is paid; its return (20 Feb) is not known yet
    paid = build_ledger(claims_frame(), schedule, as_of="2024-02-18").lines.frame
    assert paid.set_index("claim_id").state["c"] == "paid"


def test_statement_of_one_partner():
    both = pd.concat([claims_frame(), claims_frame(CLAIMS[:1], "P2")], ignore_index=True)
    both.loc[len(CLAIMS), "claim_id"] = "z"
    book = build_ledger(both, Schedule(10, 5), as_of="2024-04-30")
    mine = statement(book, "P1")
    assert mine.balance == 95.0  # March held 25 + April pending 70
    assert len(mine.lines.frame) == len(CLAIMS) and set(mine.payouts.frame.partner_id) == {"P1"}
    assert statement(book, "P2").payouts.frame.payout.tolist() == [100.0]
    with pytest.raises(InputError, match=r"partner 'P9' has no claims .* expected one of P1, P2"):
        statement(book, "P9")


STATUS = st.sampled_from(
    ["confirmed", "confirmed", "amount_differs", "pending", "cancelled", "returned",
     "duplicate_claim"]
)  # fmt: skip
START = dt.datetime(2024, 1, 1)


@st.composite
def books(draw):
    n = draw(st.integers(1, 40))
    rows = []
    for i in range(n):
        day = draw(st.integers(0, 200))
        rows.append({
            "claim_id": f"k{i:03d}",
            "partner_id": draw(st.sampled_from(["P1", "P2"])),
            "time": START + dt.timedelta(days=day, hours=draw(st.integers(0, 23))),
            "commission": draw(st.integers(0, 10_000)) / 100,
            "status": draw(STATUS),
            "changed_at": START + dt.timedelta(days=day + draw(st.integers(0, 150))),
        })  # fmt: skip
    schedule = Schedule(draw(st.integers(0, 40)), draw(st.integers(0, 30)))
    first = draw(st.integers(0, 320))
    later = first + draw(st.integers(0, 200))
    day = START.date()
    return pd.DataFrame(rows), schedule, day + dt.timedelta(first), day + dt.timedelta(later)


@settings(max_examples=100, deadline=None)
@given(books())
def test_commissions_minus_reversals_are_payouts_plus_open_balance(case):
    claims, schedule, as_of, _ = case
    book = build_ledger(claims, schedule, as_of=as_of)
    periods = book.periods.frame
    # the identity, per partner and month
    left = periods.commissions - periods.reversals
    assert ((left - periods.payouts - periods.open_balance).abs() < 0.005).all()
    # commissions and reversals recomputed from the claims, independently of the ledger
    known = claims[claims.time < pd.Timestamp(as_of) + pd.Timedelta(days=1)]
    month = known.time.dt.strftime("%Y-%m")
    own = known.commission.groupby([known.partner_id, month]).sum()
    gone = known.status.isin(REVERSED) & (known.changed_at.dt.date <= as_of)
    back = known.commission.where(gone, 0.0).groupby([known.partner_id, month]).sum()
    mine = periods.set_index(["partner_id", "month"])
    assert sorted(mine.index) == sorted(own.index)
    assert ((mine.commissions - own.round(2)).abs() < 0.005).all()
    assert ((mine.reversals - back.round(2)).abs() < 0.005).all()
    # the cash: every payout at least 0, and what the months paid is what was paid out
    payouts = book.payouts.frame
    assert (payouts.payout >= 0).all() and (payouts.clawback_deducted <= payouts.locked).all()
    for partner in periods.partner_id.unique():
        paid = payouts[payouts.partner_id == partner].payout.sum()
        assert abs(paid - mine.loc[partner].payouts.sum()) < 0.005 * max(len(payouts), 1)


@settings(max_examples=100, deadline=None)
@given(books())
def test_a_later_reversal_never_changes_a_locked_months_payout(case):
    claims, schedule, as_of, later = case
    before = build_ledger(claims, schedule, as_of=as_of)
    after = build_ledger(claims, schedule, as_of=later)
    paid = before.payouts.frame.set_index(["partner_id", "month"])
    again = after.payouts.frame.set_index(["partner_id", "month"])
    assert set(paid.index) <= set(again.index)
    # the months paid by the first day pay the same locked amount later ...
    assert (again.loc[paid.index, "locked"] == paid.locked).all()
    # ... and their claims reversed after the first day are clawbacks, never reversals
    # before the lock
    lines = after.lines.frame
    was = before.lines.frame.set_index("claim_id").state
    locked = lines[lines.claim_id.map(was).isin(["locked", "paid", "clawed_back"])]
    assert not (locked.state == "reversed").any()
    assert (locked.state.isin(["locked", "paid", "clawed_back"])).all()
