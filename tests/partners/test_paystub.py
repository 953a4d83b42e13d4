"""impact.com's partner paystub (Action Listing for a Paystub) against the shop's ledger:
each line matched to its claim, and per partner and month what the network paid against
what the ledger owes."""

from __future__ import annotations

from pathlib import Path

import pytest

from payback.cli import main
from payback.errors import InputError
from payback.ingest import import_file
from payback.partners import ledger, parse_rules
from payback.partners.paystub import check_paystub, read_paystub

from .test_network_state import _shop

DATA = Path(__file__).parents[1] / "data" / "partners"
RULES = "[schedule]\nlock_days = 27\npay_days = 20\n[default]\nrate = 0.12\n"


@pytest.fixture()
def db(tmp_path):
    path = str(tmp_path / "shop.duckdb")
    _shop(path).close()
    from payback.store import open_store

    with open_store(path) as store:
        import_file(store, "partner-claims", DATA / "impact_actions_states.csv", currency="EUR")
    (tmp_path / "rules.toml").write_text(RULES)
    return path


def test_lines_and_months_against_the_ledger(db):
    from payback.store import open_store

    with open_store(db, read_only=True) as store:
        book = ledger(store, parse_rules(RULES), as_of="2024-08-31")
    result = check_paystub(read_paystub(DATA / "impact_paystub.csv", partner="P01"), book)
    lines = result.lines.frame.set_index("claim_id")
    # 3001: 12 % of 100.00 = 12.00 paid, owed; 3002: O2 returned, reversed before the lock
    # but paid; 3005: 12 % of the claimed 70.00 = 8.40 paid, the ledger's 12 % of the shop's
    # 60.00 = 7.20; 3999: no such claim
    assert lines["check"].to_dict() == {
        "3001": "matches",
        "3002": "not_owed",
        "3005": "amount_differs",
        "3999": "unknown_claim",
    }
    assert lines.loc["3005", ["payout", "ledger_commission"]].tolist() == [8.40, 7.20]
    month = result.periods.frame.iloc[0]
    # paid 12 + 12 + 8.40 + 5 = 37.40; owed: May's commissions 12 + 12 + 6 + 7.20 = 37.20
    # minus reversals 12 (O2) + 6 (O4 cancelled) = 19.20
    assert (month["partner_id"], month["month"]) == ("P01", "2024-05")
    assert month[["network_paid", "ledger_owed", "difference"]].tolist() == pytest.approx(
        [37.40, 19.20, 18.20]
    )
    assert month[["matches", "amount_differs", "not_owed", "unknown_claim"]].tolist() == [
        1,
        1,
        1,
        1,
    ]
    assert len(result.periods.frame) == 1


def test_partner_taken_from_the_claims_and_a_clash_refused(db):
    from payback.store import open_store

    with open_store(db, read_only=True) as store:
        book = ledger(store, parse_rules(RULES), as_of="2024-08-31")
    lines = check_paystub(read_paystub(DATA / "impact_paystub.csv"), book).lines.frame
    assert lines["partner_id"].tolist() == ["P01", "P01", "P01", None]
    with pytest.raises(InputError, match="action 3001 is a claim of 'P01'"):
        check_paystub(read_paystub(DATA / "impact_paystub.csv", partner="P02"), book)


def test_a_bad_cell_names_file_row_column():
    with pytest.raises(InputError) as e:
        read_paystub(DATA / "impact_paystub_bad.csv")
    assert "impact_paystub_bad.csv, row 4, column 'Payout': got 'eight'" in str(e.value)
    with pytest.raises(InputError, match="no column 'Paystub Id'"):
        read_paystub(DATA / "impact_actions.csv")


def test_cli(db, tmp_path, capsys):
    rules = str(tmp_path / "rules.toml")
    argv = ["partners", "paystub", str(DATA / "impact_paystub.csv"), "--rules", rules]
    assert main([*argv, "--partner", "P01", "--db", db, "--as-of", "2024-08-31", "-f", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("partner_id,month,network_paid,ledger_owed,difference")
    assert out[1].startswith("P01,2024-05,37.4,19.2,18.2")
