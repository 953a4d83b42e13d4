"""Commission rules: each rule kind on a small hand-built shop, numbers computed by hand;
the rules file's errors name the file, the line, the key, what was got and expected."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from payback.errors import DataError, InputError
from payback.partners import commission_summary, commissions, parse_rules, read_rules
from payback.partners.accrual import claim_rows, read_statuses

D = dt.datetime
#: order_id, customer, time, revenue, status. Customer a: first order o1 (10 Jan), repeats
#: o2 (15 Feb, 1 complete month later) and o5 (20 May, 4 months); b's first order o3 was
#: cancelled, so o4 is b's first confirmed one (a new customer's); c bought o6 unclaimed
#: before the claimed o7 (a returning customer's order).
ORDERS = [
    ("o1", "a", D(2024, 1, 10), 100.0, "confirmed"),
    ("o2", "a", D(2024, 2, 15), 200.0, "confirmed"),
    ("o3", "b", D(2024, 1, 20), 50.0, "cancelled"),
    ("o4", "b", D(2024, 1, 25), 80.0, "confirmed"),
    ("o5", "a", D(2024, 5, 20), 300.0, "confirmed"),
    ("o6", "c", D(2024, 1, 5), 40.0, "confirmed"),
    ("o7", "c", D(2024, 1, 28), 60.0, "confirmed"),
]
#: claim, order, time, claimed revenue: k8 repeats k1 (a duplicate), k9 names no order.
CLAIMS = [
    ("k1", "o1", D(2024, 1, 10), 100.0),
    ("k2", "o2", D(2024, 2, 15), 200.0),
    ("k3", "o3", D(2024, 1, 20), 50.0),
    ("k4", "o4", D(2024, 1, 25), 80.0),
    ("k5", "o5", D(2024, 5, 20), 300.0),
    ("k7", "o7", D(2024, 1, 28), 60.0),
    ("k8", "o1", D(2024, 1, 11), 100.0),
    ("k9", "o99", D(2024, 1, 12), 70.0),
]
IDS = ["k1", "k2", "k3", "k4", "k5", "k7", "k8", "k9"]


@pytest.fixture
def shop(store):
    orders = list(zip(*ORDERS, strict=True))
    claims = list(zip(*CLAIMS, strict=True))
    store.write(
        {
            "orders": pa.table({
                "order_id": orders[0], "customer_id": orders[1], "time": orders[2],
                "revenue": orders[3], "status": orders[4], "currency": ["EUR"] * 7,
            }),
            "partner_claims": pa.table({
                "claim_id": claims[0], "partner_id": ["P1"] * 8, "order_id": claims[1],
                "time": claims[2], "revenue": claims[3], "commission": [1.0] * 8,
                "currency": ["EUR"] * 8,
            }),
        },
        meta={"base_currency": "EUR"},
    )  # fmt: skip
    return store


def by_claim(store, text: str, **kw) -> dict[str, float]:
    frame = commissions(store, parse_rules(text), **kw).frame
    return dict(zip(frame.claim_id, frame.commission, strict=True))


def test_default_statuses_and_new_customers(shop):
    rows = claim_rows(shop).set_index("claim_id").loc[IDS]
    assert rows.status.tolist() == [
        "confirmed", "confirmed", "cancelled", "confirmed", "confirmed", "confirmed",
        "duplicate_claim", "unknown_order",
    ]  # fmt: skip
    # o3 is b's first order but was cancelled: o4 is still a new customer's order
    assert rows.new_customer.tolist() == [True, False, True, True, False, False, True, True]
    assert rows.revenue["k9"] == 70.0  # no such order: the claim's own revenue


def test_fixed_per_order(shop):
    assert by_claim(shop, "[default]\nfixed = 5") == dict.fromkeys(IDS, 5.0)


def test_percent_of_revenue_plus_fixed(shop):
    got = by_claim(shop, "[default]\nrate = 0.1\nfixed = 2")
    assert got == {"k1": 12.0, "k2": 22.0, "k3": 7.0, "k4": 10.0, "k5": 32.0, "k7": 8.0,
                   "k8": 12.0, "k9": 9.0}  # fmt: skip


def test_tiers_by_monthly_volume(shop):
    # January: k1, k4, k7 are payable (k3 cancelled, k8 duplicate, k9 unknown): 3 orders
    # reach the 8 % tier for every January claim; February and May have 1 order: 5 %
    got = by_claim(shop, "[default]\ntiers = [{min_orders = 0, rate = 0.05}, "
                         "{min_orders = 3, rate = 0.08}]")  # fmt: skip
    assert got == {"k1": 8.0, "k2": 10.0, "k3": 4.0, "k4": 6.4, "k5": 15.0, "k7": 4.8,
                   "k8": 8.0, "k9": 5.6}  # fmt: skip
    frame = commissions(shop, parse_rules("[default]\ntiers = [{min_orders = 3, rate = 0.08}]"))
    volume = dict(zip(frame.frame.claim_id, frame.frame.volume, strict=True))
    assert (volume["k1"], volume["k2"]) == (3, 1)
    # below the lowest tier: the rule's rate (none given: 0)
    assert dict(zip(frame.frame.claim_id, frame.frame.commission, strict=True))["k2"] == 0.0


def test_first_order_only(shop):
    got = by_claim(shop, "[default]\nrate = 0.1\nfirst_order_only = true")
    assert got == {"k1": 10.0, "k2": 0.0, "k3": 5.0, "k4": 8.0, "k5": 0.0, "k7": 0.0,
                   "k8": 10.0, "k9": 7.0}  # fmt: skip


def test_new_and_returning_rates(shop):
    got = by_claim(shop, "[default]\nnew_rate = 0.1\nreturning_rate = 0.02")
    assert got == {"k1": 10.0, "k2": 4.0, "k3": 5.0, "k4": 8.0, "k5": 6.0, "k7": 1.2,
                   "k8": 10.0, "k9": 7.0}  # fmt: skip


def test_recurring_first_3_months_40_then_20(shop):
    # a is referred on 10 Jan: o2 is in month 2 (40 %), o5 in month 5 (20 %)
    got = by_claim(shop, "[default]\nrecurring = [{months = 3, rate = 0.4}, {rate = 0.2}]")
    assert got["k1"] == 40.0 and got["k2"] == 80.0 and got["k5"] == 60.0
    assert got["k7"] == 24.0 and got["k4"] == 32.0  # c's and b's first claims: month 1


def test_recurring_time_limited_and_fixed_steps(shop):
    text = "[default]\nrecurring = [{months = 1, fixed = 100.0}, {months = 3, fixed = 50.0}]"
    got = by_claim(shop, text)
    assert (got["k1"], got["k2"], got["k5"]) == (100.0, 50.0, 0.0)  # month 5: ended
    frame = commissions(shop, parse_rules(text)).frame.set_index("claim_id")
    assert frame.basis["k5"] == "recurring ended after 4 months"


def test_partner_table_replaces_the_default(shop):
    text = "[default]\nrate = 0.5\n[partners.P1]\nfixed = 1.5"
    assert by_claim(shop, text) == dict.fromkeys(IDS, 1.5)


def test_statuses_plug_in(shop):
    got = commissions(shop, parse_rules("[default]\nrate = 0.1"),
                      statuses={"k1": "outside_window", "k8": "confirmed"}).frame  # fmt: skip
    status = dict(zip(got.claim_id, got.status, strict=True))
    assert status["k1"] == "outside_window" and status["k8"] == "confirmed"
    summary = commission_summary(commissions(shop, parse_rules("[default]\nrate = 0.1"),
                                             statuses={"k1": "outside_window"}))  # fmt: skip
    row = summary.frame.iloc[0]
    # owed: k2 20 + k4 8 + k5 30 + k7 6; reversed: k1 10 + k3 5 + k8 10 + k9 7
    assert (row.payable_claims, row.commission, row.reversed) == (4, 64.0, 32.0)
    assert row.commission_rate == pytest.approx(64.0 / 640.0)


def test_period_cut_changes_no_amount(shop):
    text = "[default]\ntiers = [{min_orders = 3, rate = 0.08}]"
    whole = by_claim(shop, text)
    part = by_claim(shop, text, start="2024-01-20", end="2024-01-31")
    assert part == {k: whole[k] for k in ("k3", "k4", "k7")}


def test_statuses_file(tmp_path):
    path = tmp_path / "statuses.csv"
    path.write_text("claim_id,status,changed_at\nk1,Returned,2024-03-10\nk2,confirmed,\n")
    frame = read_statuses(path)
    assert frame.status.tolist() == ["returned", "confirmed"]
    assert str(frame.changed_at[0].date()) == "2024-03-10" and frame.changed_at.isna()[1]
    path.write_text("claim_id,status,changed_at\nk1,returned,10/03/2024x\n")
    with pytest.raises(DataError, match=r"row 2, column 'changed_at': not a date: got"):
        read_statuses(path)
    path.write_text("claim,status\nk1,returned\n")
    with pytest.raises(DataError, match=r"row 1: missing column\(s\) claim_id"):
        read_statuses(path)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[default]\nrate = 0.1\n\n[partners.P7]\nrate = 12\n",
         r"rules.toml, row 5, column 'partners.P7.rate': a rate outside 0..1: got 12, "
         r"expected a fraction"),
        ("[default]\nrte = 0.1\n",
         r"row 2, column 'default.rte': unknown key: got 'rte', expected one of rate, fixed"),
        ("[partners.P1]\ntiers = [{min_orders = 50, rate = 0.1}, {min_orders = 0, rate = 0.2}]",
         r"row 2, column 'partners.P1.tiers': min_orders not strictly ascending: got \[50, 0\]"),
        ("[default]\nrecurring = [{rate = 0.4}, {months = 3, rate = 0.2}]",
         r"row 2, column 'default.recurring': a step without months before the last"),
        ("[default]\nfixed = -1\n", r"column 'default.fixed': a negative or infinite amount"),
        ("[default]\nfirst_order_only = 1\n", r"'default.first_order_only': not a boolean"),
        ("[schedule]\nlock_days = -3\n", r"row 2, column 'schedule.lock_days'"),
        ("[partner.P1]\nrate = 0.1\n",
         r"row 1, column 'partner': unknown table: got 'partner', expected \[default\]"),
        ("[default]\nrate = \n", r"rules.toml, row 2: not valid TOML"),
    ],
)  # fmt: skip
def test_rules_file_errors(text, match):
    with pytest.raises(DataError, match=match):
        parse_rules(text, file="rules.toml")


def test_read_rules_names_the_file(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text('[schedule]\nlock_days = 27\npay_days = 20\n[partners."a.b"]\nfixed = 3\n')
    rules = read_rules(path)
    assert (rules.schedule.lock_days, rules.schedule.pay_days) == (27, 20)
    assert rules.rule_for("a.b").fixed == 3.0
    with pytest.raises(InputError, match="cannot read the rules file"):
        read_rules(tmp_path / "missing.toml")


def test_unknown_status_is_refused(shop):
    with pytest.raises(InputError, match="unknown status 'lost': expected one of"):
        commissions(shop, parse_rules("[default]\nrate = 0.1"), statuses={"k1": "lost"})
