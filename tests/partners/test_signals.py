"""`payback partners signals` on the demo shop: the planted duplicates, unattributed claims
and stuffed clicks are counted per partner, and only the bargain partner's cancel and
return rate is beyond chance (binomial tail recomputed with exact integer sums)."""

from __future__ import annotations

import json
from fractions import Fraction
from math import comb

import pytest

from payback.cli import main
from payback.partners import signals
from payback.store import open_store


@pytest.fixture(scope="module")
def table(demo_db):
    with open_store(demo_db, read_only=True) as store:
        return signals(store).frame.set_index("partner")


def _planted(raw, *kinds):
    issues = raw["claim_issues"]
    return issues[issues["issue"].isin(kinds)].groupby("partner_id").size()


def test_planted_claims_are_counted(table, raw):
    dup = _planted(raw, "duplicate", "claimed_twice").reindex(table.index, fill_value=0)
    assert table["duplicate_order_claims"].tolist() == dup.tolist()
    stuffed = _planted(raw, "existing_customer").reindex(table.index, fill_value=0)
    assert table["stuffed_clicks"].tolist() == stuffed.tolist()
    assert table["stuffed_clicks"].sum() == 8
    unattributed = _planted(raw, "not_attributed").reindex(table.index, fill_value=0)
    assert table["unattributed_claims"].tolist() == unattributed.tolist()


def _tail(k: int, n: int, p: Fraction) -> float:
    """P(X >= k), X ~ Binomial(n, p), as an exact fraction."""
    return float(sum(comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1)))


def test_cancel_and_return_rates_beyond_chance(table, raw):
    orders = raw["orders"]
    lost = orders["status"].isin(["cancelled", "returned"])
    for partner, row in table.iterrows():
        mine = orders["partner_id"] == partner
        n, k = int(mine.sum()), int((lost & mine).sum())
        p0 = Fraction(int((lost & ~mine).sum()), int((~mine).sum()))
        assert (row["orders"], row["lost"]) == (n, k)
        assert row["p_value"] == pytest.approx(_tail(k, n, p0), rel=1e-9)
    # cashback_plus (bargain customers) cancels and returns beyond chance; no other does
    assert table.index[table["high_loss"]].tolist() == ["P02"]


def test_the_cli_prints_them(demo_db, capsys):
    assert main(["partners", "signals", "--db", demo_db, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["partner"] for r in rows if r["high_loss"]] == ["P02"]
