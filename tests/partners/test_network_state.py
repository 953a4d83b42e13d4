"""The network's own state of each claim (impact.com State, Awin commission_status ...)
imported with the claims and compared by `payback partners reconcile`: a discrepancy the
network reversed already is left out of the batch file, a claim the shop owes that the
network declined is reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from payback.cli import main
from payback.errors import ValidationErrors
from payback.ingest import import_file
from payback.partners import batch_file, reconcile
from payback.partners.network_state import NETWORK_STATES
from payback.schema import NETWORK_WORDS, PARTNER_CLAIMS
from payback.store import open_store

DATA = Path(__file__).parents[1] / "data" / "partners"

#: claim of each order -> (shop's status, network's state, network_check)
EXPECTED = {
    "O1": ("confirmed", "approved", "agrees"),
    "O2": ("returned", "reversed", "already_reversed"),
    "O3": ("confirmed", "reversed", "network_declined"),
    "O4": ("cancelled", "approved", "approved_by_network"),
    "O5": ("amount_differs", "pending", "agrees"),
    "O9": ("unknown_order", "reversed", "already_reversed"),
}


def _shop(path=":memory:"):
    store = open_store(path)
    t = dt.datetime
    store.write(
        {
            "orders": pa.table(
                {
                    "order_id": ["O1", "O2", "O3", "O4", "O5"],
                    "customer_id": ["C1", "C2", "C3", "C4", "C5"],
                    "time": [
                        t(2024, 5, 2, 10),
                        t(2024, 5, 3, 11),
                        t(2024, 5, 4, 12, 30),
                        t(2024, 5, 5, 9),
                        t(2024, 5, 6, 15),
                    ],
                    "revenue": [100.0, 100.0, 80.0, 50.0, 60.0],
                    "status": ["confirmed", "returned", "confirmed", "cancelled", "confirmed"],
                    "currency": ["EUR"] * 5,
                    "partner_id": ["P01", "P01", "P02", "P01", "P01"],
                }
            )
        },
        meta={"base_currency": "EUR"},
    )
    return store


@pytest.mark.parametrize("name", ["impact_actions_states.csv", "awin_transactions_states.csv"])
def test_each_claim_against_the_networks_state(name):
    store = _shop()
    import_file(store, "partner-claims", DATA / name, currency="EUR")
    result = reconcile(store)
    rows = result.claims.frame.set_index("order_id")
    got = {o: tuple(rows.loc[o, ["status", "network_status", "network_check"]]) for o in EXPECTED}
    assert got == EXPECTED
    per = result.partners.frame.set_index("partner_id")
    assert per.loc[
        "P01", ["already_reversed", "network_declined", "approved_by_network"]
    ].tolist() == [1, 0, 1]
    assert per.loc[
        "P02", ["already_reversed", "network_declined", "approved_by_network"]
    ].tolist() == [1, 1, 0]
    total = per[per["is_total"]].iloc[0]
    assert total[["already_reversed", "network_declined", "approved_by_network"]].tolist() == [
        2,
        1,
        1,
    ]


def test_batch_file_leaves_out_what_the_network_reversed():
    store = _shop()
    import_file(store, "partner-claims", DATA / "impact_actions_states.csv", currency="EUR")
    first = batch_file(reconcile(store), "impact")
    # O2 (returned) and O9 (unknown) are reversed at impact.com already: not sent again;
    # O4 (cancelled) was approved by the network: still asked; O5's amount is modified
    assert first.to_dict("list") == {
        "ActionId": ["3004", "3005"],
        "Oid": ["O4", "O5"],
        "Amount": [0.0, 60.0],
        "CurrencyCode": ["EUR", "EUR"],
        "Reason": ["ORDER_UPDATE", "ORDER_UPDATE"],
    }
    again = batch_file(reconcile(store), "impact")
    assert again.equals(first)
    # without the network's state, every discrepancy is in the file
    claims = store.to_pyarrow(store.table("partner_claims")).drop_columns(["network_status"])
    blind = batch_file(reconcile(store, claims=claims), "impact")
    assert blind["Oid"].tolist() == ["O2", "O4", "O9", "O5"]  # claim time order


def test_cli_reports_network_declined(tmp_path, capsys):
    db = str(tmp_path / "shop.duckdb")
    _shop(db).close()
    with open_store(db) as store:
        import_file(store, "partner-claims", DATA / "awin_transactions_states.csv", currency="EUR")
    assert main(["partners", "reconcile", "--db", db, "--per", "claim", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0].split(",")
    o3 = dict(zip(header, next(line for line in lines if ",O3," in line).split(","), strict=True))
    assert (o3["status"], o3["network_status"], o3["network_check"]) == (
        "confirmed",
        "reversed",
        "network_declined",
    )


def test_a_state_no_network_writes_is_refused():
    store = _shop()
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "partner-claims", DATA / "impact_actions_states_bad.csv", currency="EUR")
    text = str(e.value)
    assert "impact_actions_states_bad.csv, row 3, column 'State'" in text  # line 3 of the file
    assert "got 'refused', expected one of pending, approved" in text
    assert store.row_count("partner_claims") == 0  # all or nothing


def test_one_word_list():
    assert set(NETWORK_STATES) == set(NETWORK_WORDS)
    assert PARTNER_CLAIMS.column("network_status").allowed == NETWORK_WORDS


def test_a_store_from_before_the_column_gets_it(tmp_path):
    """The store's upgrade adds the new optional columns of partner_claims (and its archive)."""
    db = str(tmp_path / "old.duckdb")
    _shop(db).close()
    con = duckdb.connect(db)
    for table in ("partner_claims", "_replaced_partner_claims"):
        for column in ("network_status", "ip", "contact"):
            con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    con.close()
    with open_store(db) as store:
        import_file(store, "partner-claims", DATA / "impact_actions_states.csv", currency="EUR")
        frame = reconcile(store).claims.frame.set_index("order_id")
    assert frame.loc["O2", "network_check"] == "already_reversed"
