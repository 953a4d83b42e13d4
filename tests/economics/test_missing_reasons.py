"""Every value `payback economics` leaves missing carries its reason (the LTV and what is
computed from it: LTV/CAC, marginal CPO, headroom, max CPA ...), on a real shop whose
orders have no cost of goods and no ad statistics: UCI Online Retail's lines
(tests/data/online_retail), orders built with `--build-orders`, as a user imports them.

Before, `ltv`, `ltv_cac`, `marginal_cpo` and `headroom` were blank with no reason in the
table, its legend or the JSON, while the verdict's reason said only "no acquisition cost
recorded": nothing told the user that the LTV was missing for want of cost of goods.

Independent numbers: the 12-month revenue LTV of the shop is recomputed here with pandas
from the stored confirmed orders (revenue of the acquisition month and the 11 after it per
customer, over the cohorts observed 12 complete months).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from tests.segments.conftest import import_uci

from payback.cli import main
from payback.economics.ceilings import NO_MARGIN


@pytest.fixture(scope="module")
def uci_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("uci") / "uci.duckdb")
    import_uci(db)
    return db


def _economics(db: str, tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / "economics.json"
    assert main(["economics", "--db", db, "--no-predicted", "-f", "json", "-o", str(out),
                 *extra]) == 0  # fmt: skip
    return json.loads(out.read_text())


def _revenue_ltv_12(db: str) -> float:
    with duckdb.connect(db, read_only=True) as con:
        orders = con.sql(
            "SELECT customer_id, time, revenue, order_id FROM orders WHERE status = 'confirmed'"
        ).df()
    orders["month"] = orders["time"].dt.year * 12 + orders["time"].dt.month - 1
    first = orders.sort_values(["time", "order_id"]).drop_duplicates("customer_id")
    acquired = first.set_index("customer_id")["month"].rename("acquired")
    last = orders["time"].max()  # 2011-12-09: December is not complete
    last_complete = last.year * 12 + last.month - 2
    eligible = acquired[acquired <= last_complete - 11]
    rows = orders.join(eligible, on="customer_id", how="inner")
    rows = rows[rows["month"] < rows["acquired"] + 12]
    return float(rows["revenue"].sum() / len(eligible))


def test_a_missing_ltv_and_what_follows_from_it_say_why(uci_db, tmp_path):
    result = _economics(uci_db, tmp_path)
    rows, reasons = result["rows"], result["reasons"]
    # the organic customers' row, Total (paid) (no paid customers), Total (all)
    assert [r["new_customers"] for r in rows] == [115, 0, 115]
    assert all(r["ltv"] is None for r in rows)
    assert rows[0]["historical_ltv"] == pytest.approx(_revenue_ltv_12(uci_db))
    assert reasons["ltv"] == (f"{NO_MARGIN} in 2 row(s); no cohort old enough for LTV in 1 row(s)")
    assert reasons["ltv_cac"] == "no LTV in 3 row(s)"
    assert reasons["marginal_cpo"] == (
        f"{NO_MARGIN} in 2 row(s); no cohort old enough for LTV in 1 row(s)"
    )
    assert reasons["headroom"] == "no marginal CPO in 3 row(s)"
    assert reasons["max_cpa"] == "no margin rate in 3 row(s)"


def test_the_table_for_humans_lists_them_under_the_table(uci_db, capsys):
    assert main(["economics", "--db", uci_db, "--no-predicted"]) == 0
    legend = capsys.readouterr().out
    assert "– ltv, ceiling: no margin LTV: orders lack cost of goods" in legend
    assert "– ltv_cac: no LTV in 3 row(s)" in legend
    assert "– headroom: no marginal CPO in 3 row(s)" in legend


def test_with_a_margin_the_ltv_is_there_and_the_rest_says_what_it_lacks(uci_db, tmp_path):
    """--margin 30 %: the shop's LTV is 30 % of its 12-month revenue LTV; LTV/CAC and
    headroom are missing for want of a CAC (no ad cost), and say so; Total (paid) has no
    order, hence no average check for its max CPA."""
    result = _economics(uci_db, tmp_path, "--margin", "30%")
    rows, reasons = result["rows"], result["reasons"]
    assert rows[0]["ltv"] == pytest.approx(0.3 * _revenue_ltv_12(uci_db))
    assert rows[0]["marginal_cpo"] == pytest.approx(0.3 * _revenue_ltv_12(uci_db))
    assert reasons["ltv_cac"] == "no CAC in 2 row(s); no LTV in 1 row(s)"
    assert reasons["headroom"] == "no CAC in 2 row(s); no marginal CPO in 1 row(s)"
    assert reasons["max_cpa"] == "no average check (no confirmed orders) in 1 row(s)"
    # with the margin given, the cost of goods play no part (it said "381 confirmed
    # order(s) have no cogs: import cost of goods to see the margin")
    assert rows[1]["historical_margin_ltv"] is None  # Total (paid): no paid customers
    assert (
        reasons["historical_margin_ltv"] == "no cohort of the slice is old enough for the horizon"
    )
