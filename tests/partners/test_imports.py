"""Partner claims in the networks' own layouts (tests/data/partners), recognised by header,
read into partner_claims and reconciled; bad files fail whole with file, row, column, fix."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from payback.cli import main
from payback.errors import ValidationErrors
from payback.ingest import import_file
from payback.partners import read_claims, reconcile
from payback.store import open_store

DATA = Path(__file__).parents[1] / "data" / "partners"

#: file -> (layout, the claim ids of O1, O2, O3, O9 in order)
FILES = {
    "impact_actions.csv": ("impact", ["1001", "1002", "1003", "1004"]),
    "awin_transactions.csv": ("awin", ["2001", "2002", "2003", "2004"]),
    "tapfiliate_conversions.csv": ("tapfiliate", ["O1", "O2", "O3", "O9"]),
    "everflow_conversions.csv": ("everflow", ["ef-01", "ef-02", "ef-03", "ef-04"]),
    "generic_claims.csv": ("generic", ["g1", "g2", "g3", "g4"]),
}
STATUSES = ["confirmed", "returned", "amount_differs", "unknown_order"]


def _shop(path=":memory:", partners=("P01", "P01", "P02")):
    store = open_store(path)
    t = dt.datetime
    store.write(
        {
            "orders": pa.table(
                {
                    "order_id": ["O1", "O2", "O3"],
                    "customer_id": ["C1", "C2", "C3"],
                    "time": [t(2024, 5, 2, 10), t(2024, 5, 3, 11), t(2024, 5, 4, 12, 30)],
                    "revenue": [100.0, 100.0, 80.0],
                    "status": ["confirmed", "returned", "confirmed"],
                    "currency": ["EUR"] * 3,
                    "partner_id": list(partners),
                }
            )
        },
        meta={"base_currency": "EUR"},
    )
    return store


@pytest.mark.parametrize("name", list(FILES))
def test_each_network_file_is_recognised_and_reconciled(name):
    layout, ids = FILES[name]
    # Tapfiliate names an affiliate by e-mail: the shop's orders do too
    mails = ("editor@teablog.example", "editor@teablog.example", "deals@cashback.example")
    store = _shop(partners=mails) if layout == "tapfiliate" else _shop()
    result = import_file(store, "partner-claims", DATA / name, currency="EUR")
    assert result.platform == layout
    claims = store.to_pyarrow(store.table("partner_claims")).to_pandas().set_index("claim_id")
    assert list(claims.loc[ids, "order_id"]) == ["O1", "O2", "O3", "O9"]
    assert list(claims.loc[ids, "revenue"]) == [100.0, 100.0, 95.0, 40.0]
    assert list(claims.loc[ids, "commission"]) == [12.0, 12.0, 6.65, 2.8]
    assert claims.loc[ids[0], "time"] == dt.datetime(2024, 5, 2, 10, 5)
    if layout != "awin":  # Awin's report has no click time
        assert claims.loc[ids[0], "click_time"] == dt.datetime(2024, 5, 1, 18)
    got = reconcile(store).claims.frame.set_index("claim_id").loc[ids]
    assert list(got["status"]) == STATUSES
    # O3: 95 claimed, 80 in the shop; the commission is scaled to the shop's revenue
    assert got.loc[ids[2], "owed_commission"] == pytest.approx(round(6.65 * 80 / 95, 2))


def test_impact_customer_status_is_read_in_lower_case():
    store = _shop()
    import_file(store, "partner-claims", DATA / "impact_actions.csv")
    claims = store.to_pyarrow(store.table("partner_claims")).to_pandas()
    assert set(claims["customer_status"]) == {"new"}


def test_a_bad_file_names_row_column_and_fix_and_imports_nothing():
    store = _shop()
    with pytest.raises(ValidationErrors) as info:
        import_file(store, "partner-claims", DATA / "generic_claims_bad.csv")
    text = str(info.value)
    assert "generic_claims_bad.csv" in text
    assert "row 3" in text and "revenue" in text and "'one hundred'" in text
    assert "customer_status" in text and "'returning'" in text and "new, existing" in text
    assert store.execute(store.table("partner_claims").count()) == 0


def test_a_named_network_whose_header_is_absent_says_what_it_needs():
    store = _shop()
    with pytest.raises(Exception) as info:
        import_file(store, "partner-claims", DATA / "generic_claims.csv", platform="impact")
    text = str(info.value)
    assert "not a impact.com actions export" in text
    assert "MediaPartnerId, Oid, Payout" in text


def test_reconcile_a_network_file_without_importing_it(tmp_path, capsys):
    db = str(tmp_path / "shop.duckdb")
    _shop(db).close()
    args = ["partners", "reconcile", "--db", db, "--claims", str(DATA / "awin_transactions.csv")]
    assert main([*args, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("claim_id,partner_id,order_id,status,")
    assert [line.split(",")[3] for line in lines[1:]] == STATUSES
    with open_store(db, read_only=True) as store:  # nothing was imported
        assert store.execute(store.table("partner_claims").count()) == 0
    with open_store(db, read_only=True) as store:
        rows = read_claims(DATA / "awin_transactions.csv", store=store)
    assert rows.column("currency").to_pylist() == ["EUR"] * 4  # the store's currency


def test_everflow_unix_seconds_that_do_not_read_are_named(tmp_path):
    lines = (DATA / "everflow_conversions.csv").read_text().splitlines()
    lines[2] = lines[2].replace("1714734000", "yesterday")
    bad = tmp_path / "everflow.csv"
    bad.write_text("\n".join(lines) + "\n")
    store = _shop()
    with pytest.raises(ValidationErrors) as info:
        import_file(store, "partner-claims", bad)
    text = str(info.value)
    assert "row 3, column 'conversion_unix_timestamp'" in text
    assert "'yesterday'" in text and "Unix seconds like 1714564800" in text
    assert store.execute(store.table("partner_claims").count()) == 0
