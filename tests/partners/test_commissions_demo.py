"""Commissions, payouts and statements on the demo shop through the CLI, every number
recomputed from the raw demo tables with plain pandas; bad inputs fail with one clear line."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from payback.cli import main
from payback.demo import generate_shop
from payback.store import open_store

RULES = """
[schedule]
lock_days = 27
pay_days = 20

[partners.P01]
rate = 0.12

[partners.P02]
tiers = [{min_orders = 0, rate = 0.05}, {min_orders = 8, rate = 0.07}]

[partners.P03]
new_rate = 0.10
returning_rate = 0.04

[partners.P04]
fixed = 8.0
first_order_only = true
"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    shop = generate_shop(1500, seed=11)
    folder = tmp_path_factory.mktemp("demo")
    with open_store(folder / "shop.duckdb") as store:
        store.write(shop.tables, meta={"base_currency": shop.currency})
    (folder / "rules.toml").write_text(RULES)
    raw = {k: shop.tables[k].to_pandas() for k in ("orders", "partner_claims")}
    return folder, raw


def run(capsys, folder, *args) -> dict:
    code = main(["partners", *args, "--db", str(folder / "shop.duckdb"), "--format", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def expected_claims(raw) -> pd.DataFrame:
    """Each claim's status and commission under RULES, from the raw tables."""
    orders, claims = raw["orders"], raw["partner_claims"].sort_values(["time", "claim_id"])
    bought = orders[orders.status == "confirmed"].sort_values(["time", "order_id"])
    first_time = bought.groupby("customer_id").time.min()
    c = claims.merge(orders[["order_id", "customer_id", "time", "revenue", "status"]],
                     on="order_id", how="left", suffixes=("", "_order"))  # fmt: skip
    c["status"] = c.status.fillna("unknown_order")
    c.loc[c.duplicated("order_id") & (c.status != "unknown_order"), "status"] = "duplicate_claim"
    c["revenue"] = c.revenue_order.fillna(c.revenue)
    # new: no confirmed order of the customer strictly before (ties by order id)
    earlier = c.customer_id.map(first_time)
    c["new"] = earlier.isna() | (earlier > c.time_order)
    same = earlier == c.time_order
    firsts = set(bought.groupby("customer_id").order_id.first())
    c.loc[same, "new"] = c.order_id[same].isin(firsts)
    c["month"] = c.time.dt.strftime("%Y-%m")
    payable = c.status == "confirmed"
    volume = (payable & (c.partner_id == "P02")).groupby(c.month).transform("sum")
    rate = pd.Series(0.0, index=c.index)
    rate[c.partner_id == "P01"] = 0.12
    rate[c.partner_id == "P02"] = (volume >= 8).map({True: 0.07, False: 0.05})
    rate[c.partner_id == "P03"] = c.new.map({True: 0.10, False: 0.04})
    fee = ((c.partner_id == "P04") & c.new) * 8.0
    c["commission"] = (c.revenue * rate + fee).round(2)
    c["payable"] = payable
    return c


def test_commissions_by_partner(capsys, demo):
    folder, raw = demo
    rows = run(capsys, folder, "commissions", "--rules", str(folder / "rules.toml"))["rows"]
    got = {r["partner_id"]: r for r in rows}
    c = expected_claims(raw)
    for partner, mine in c.groupby("partner_id"):
        owed = mine[mine.payable]
        assert got[partner]["claims"] == len(mine)
        assert got[partner]["payable_claims"] == len(owed)
        assert got[partner]["commission"] == pytest.approx(owed.commission.sum(), abs=0.01)
        held = mine[mine.status == "pending"].commission.sum()
        assert got[partner]["held"] == pytest.approx(held, abs=0.01)
        reversed_ = mine[~mine.payable & (mine.status != "pending")].commission.sum()
        assert got[partner]["reversed"] == pytest.approx(reversed_, abs=0.01)


def test_payouts_and_statement(capsys, demo):
    folder, raw = demo
    rules = ["--rules", str(folder / "rules.toml")]
    payouts = pd.DataFrame(run(capsys, folder, "payouts", *rules, "--as-of", "2025-06-30")["rows"])
    c = expected_claims(raw)
    # as of 30 June 2025 the months paid are those whose payout (month end + 27 + 20
    # days) is by then: up to April 2025 (31 May + 47 days is 17 July)
    c = c[c.time < "2025-07-01"]
    month_end = pd.to_datetime(c.month + "-01") + pd.offsets.MonthEnd(0)
    due = c.payable & (month_end + pd.Timedelta(days=47) <= "2025-06-30")
    want = c[due].groupby("partner_id").commission.sum().round(2)
    assert payouts.groupby("partner_id").payout.sum().round(2).to_dict() == pytest.approx(
        want.to_dict(), abs=0.01
    )
    assert payouts.month.max() == "2025-04" and (payouts.clawback_deducted == 0).all()
    statement = run(capsys, folder, "statement", "P03", *rules, "--as-of", "2025-06-30")
    open_ = c[c.payable & ~due & (c.partner_id == "P03")].commission.sum()
    held = c[(c.status == "pending") & (c.partner_id == "P03")].commission.sum()
    assert statement["balance"] == pytest.approx(open_ + held, abs=0.01)
    assert {r["month"] for r in statement["rows"]} == set(c[c.partner_id == "P03"].month)


def test_a_late_return_is_clawed_back(capsys, demo, tmp_path):
    folder, raw = demo
    c = expected_claims(raw)
    paid = c[c.payable & (c.partner_id == "P01") & (c.month == "2024-03")].iloc[0]
    statuses = tmp_path / "statuses.csv"
    statuses.write_text(f"claim_id,status,changed_at\n{paid.claim_id},returned,2024-06-02\n")
    args = ["--rules", str(folder / "rules.toml"), "--statuses", str(statuses)]
    rows = pd.DataFrame(run(capsys, folder, "payouts", *args, "--as-of", "2024-08-31")["rows"])
    p01 = rows[rows.partner_id == "P01"].set_index("month")
    # March is unchanged (paid on 16 May); the next payouts (April's on 16 June, then
    # May's if April's is too small) repay the return
    assert p01.loc["2024-03", ["locked", "clawback_deducted"]].tolist() == [
        pytest.approx(c[c.payable & (c.partner_id == "P01") & (c.month == "2024-03")]
                      .commission.sum(), abs=0.01), 0.0]  # fmt: skip
    assert (p01.loc[:"2024-03", "clawback_deducted"] == 0).all()
    assert p01.loc["2024-04", "clawback_deducted"] > 0
    assert p01.clawback_deducted.sum() == pytest.approx(paid.commission)
    periods = pd.DataFrame(run(capsys, folder, "payouts", *args, "--periods",
                               "--as-of", "2024-08-31")["rows"])  # fmt: skip
    march = periods[(periods.partner_id == "P01") & (periods.month == "2024-03")].iloc[0]
    assert march.clawbacks == pytest.approx(paid.commission)
    assert march.commissions - march.reversals == pytest.approx(
        march.payouts + march.open_balance, abs=0.005
    )


def test_claim_lines_and_design_run(capsys, demo):
    folder, _ = demo
    rules = ["--rules", str(folder / "rules.toml")]
    lines = run(capsys, folder, "commissions", *rules, "--claims", "--partner", "P04")["rows"]
    assert {r["partner_id"] for r in lines} == {"P04"}
    assert {r["commission"] for r in lines} <= {0.0, 8.0}
    design = run(capsys, folder, "design", *rules, "--share", "0.3", "--margin", "0.4",
                 "--other-costs", "15")["rows"]  # fmt: skip
    assert [r["partner_id"] for r in design] == ["P01", "P02", "P03", "P04"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["commissions", "--rules", "BAD"], "bad.toml, row 2, column 'partners.P1.rate'"),
        (["commissions", "--rules", "missing.toml"], "cannot read the rules file"),
        (["statement", "P9", "--rules", "RULES"], "partner 'P9' has no claims"),
        (["design", "--share", "2", "--other-costs", "0"], "share must be a fraction"),
    ],
)
def test_errors_are_one_line(capsys, demo, tmp_path, args, message):
    folder, _ = demo
    (tmp_path / "bad.toml").write_text("[partners.P1]\nrate = 12\n")
    names = {"BAD": str(tmp_path / "bad.toml"), "RULES": str(folder / "rules.toml")}
    args = [names.get(a, a) for a in args]
    code = main(["partners", *args, "--db", str(folder / "shop.duckdb")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_reconciled_statuses_decide_what_is_payable(capsys, demo):
    """`--statuses reconciled`: a claim is payable exactly when the reconciliation says
    confirmed or amount_differs, and its commission is the rule's on the shop's revenue."""
    from payback import partners

    folder, raw = demo
    with open_store(folder / "shop.duckdb", read_only=True) as store:
        status = partners.reconcile(store).claims.frame.set_index("claim_id").status
    payload = run(capsys, folder, "commissions", "--rules", str(folder / "rules.toml"),
                  "--claims", "--statuses", "reconciled")  # fmt: skip
    rows = pd.DataFrame(payload["rows"]).set_index("claim_id")
    assert set(rows.index) == set(status.index)
    assert (rows.status == status.reindex(rows.index)).all()
    c = expected_claims(raw).set_index("claim_id")
    payable = status[status.isin(["confirmed", "amount_differs"])].index
    got = rows.loc[payable]
    assert len(payable) > 0 and (status == "amount_differs").any()
    # the rule's commission on the shop's revenue (P02's tier counts the reconciled volume)
    plain = got.index[got.partner_id != "P02"]
    assert got.loc[plain, "commission"].to_numpy() == pytest.approx(
        c.loc[plain, "commission"].to_numpy(), abs=0.01
    )
