"""The import ledger: every import recorded; the same file again never doubles a total,
whatever the options; rows of another import replaced are named; ``imports undo``
restores the store exactly (table contents compared by hash)."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from payback.cli import main
from payback.errors import InputError
from payback.ingest import import_file, list_imports, undo_import
from payback.ingest.ledger import Replaced
from payback.schema import TABLES
from payback.store import open_store

from .conftest import totals

KAG = {
    "platform": "generic",
    "set_values": "date=2017-08-31,platform=meta",
    "currency": "USD",
}
KAG_SHORT_MAP = "cost=Spent,campaign=xyz_campaign_id"  # the first import
KAG_FULL_MAP = (  # docs/import.md's map: another natural key (ad group, keyword)
    "cost=Spent,campaign=xyz_campaign_id,ad_group=fb_campaign_id,keyword=ad_id,"
    "conversions=Total_Conversion"
)
KAG_COST = 58_705.23  # sum of Spent in KAG_conversion_data.csv (the issue: 58,705)
ORDERS = "order_id,customer_id,time,revenue,status,currency\n"


def fingerprint(store) -> dict[str, object]:
    """An md5 of every stored table's rows (sorted; the hidden import column, the kept
    replaced rows and the derived tables included), and the base currency."""
    con = store.backend.con
    names = [*TABLES, *(f"_replaced_{t}" for t in TABLES), "_derived_acquisitions"]
    out: dict[str, object] = {
        name: con.execute(
            f"SELECT count(*), md5(coalesce(string_agg(r, '|' ORDER BY r), '')) "
            f"FROM (SELECT CAST(t AS VARCHAR) AS r FROM {name} t)"
        ).fetchone()
        for name in names
    }
    out["base_currency"] = store.base_currency
    return out


@pytest.fixture(scope="module")
def public(public_data):
    return public_data / "ads"


def test_the_same_file_with_another_map_replaces_its_earlier_import(store, public):
    kag = public / "KAG_conversion_data.csv"
    first = import_file(store, "ads", kag, mapping=KAG_SHORT_MAP, **KAG)
    assert totals(store, "ad_stats", "cost")["cost"] == pytest.approx(KAG_COST)
    second = import_file(store, "ads", kag, mapping=KAG_FULL_MAP, **KAG)
    # the issue: rows 1,143 -> 2,286 and cost 58,705 -> 117,410
    assert second.rows_in_store == store.row_count("ad_stats") == 1_143
    assert totals(store, "ad_stats", "cost")["cost"] == pytest.approx(KAG_COST)
    assert second.supersedes == ((first.import_id, 1_143),)
    assert second.replaced == ()  # its own earlier rows are not "another import's"
    assert "2, replacing import 1 (1,143 rows) of the same file" in second.summary()
    states = [(r.id, r.state, r.changed_by, r.rows_added) for r in list_imports(store)]
    assert states == [(1, "superseded", 2, 1_143), (2, "active", None, 1_143)]
    assert list_imports(store)[1].options["mapping"] == dict(
        p.split("=") for p in KAG_FULL_MAP.split(",")
    )


def test_fivetran_again_with_a_keyword_map_does_not_double_google(store, public):
    fivetran = public / "fivetran_ad_report_schema_example.csv"
    import_file(store, "ads", fivetran, currency="USD")
    ads = store.table("ad_stats")
    google = ads.filter(ads.platform == "google").cost.sum()
    before = store.execute(google)
    assert before == pytest.approx(587.0, abs=1)  # the issue: Google cost 587 -> 1,174
    import_file(store, "ads", fivetran, currency="USD", mapping="keyword=ad_name")
    assert store.execute(google) == pytest.approx(before)
    assert store.row_count("ad_stats") == 16


def test_the_same_content_under_another_name_is_the_same_file(store, data, tmp_path):
    copy = tmp_path / "orders_export_copy.csv"
    shutil.copy(data / "orders_utm.csv", copy)
    first = import_file(store, "orders", data / "orders_utm.csv")
    again = import_file(store, "orders", copy, source_map="newsletter=email")
    assert again.supersedes == ((first.import_id, 7),)
    assert store.row_count("orders") == 7
    assert [r.content_hash for r in list_imports(store)] == [
        list_imports(store)[0].content_hash
    ] * 2


def test_rows_of_another_import_replaced_are_counted_and_named(store, tmp_path):
    a, b = tmp_path / "shop_a.csv", tmp_path / "shop_b.csv"
    a.write_text(
        ORDERS + "1001,c1,2024-10-01,1000,confirmed,USD\n1002,c2,2024-10-01,50,confirmed,USD\n"
    )
    b.write_text(
        ORDERS + "1001,c1,2024-10-02,1,confirmed,USD\n1003,c3,2024-10-02,7,confirmed,USD\n"
    )
    first = import_file(store, "orders", a)
    second = import_file(store, "orders", b)
    # the issue: revenue 1000 -> 1 without a word
    assert second.replaced == (Replaced(1, first.import_id, "shop_a.csv"),)
    assert re.search(r"^  replaced +1 of import 1 \(shop_a.csv\)$", second.summary(), re.M)
    assert any("1 row(s) already in the store" in w and "shop_a.csv" in w for w in second.warnings)
    assert totals(store, "orders", "revenue")["revenue"] == 58
    record = list_imports(store)[1]
    assert (record.rows_added, record.rows_replaced) == (2, 1)
    undone = undo_import(store, second.import_id)
    assert (undone.rows_removed, undone.rows_restored) == (2, 1)
    assert totals(store, "orders", "revenue")["revenue"] == 1050  # 1001 is 1000 again


def test_undo_restores_the_demo_store_exactly(tmp_path):
    from payback.demo import run_demo

    db = tmp_path / "demo.duckdb"
    demo = run_demo(tmp_path / "shop", customers=300, seed=5, db=db)
    orders_file = next(f.path for f in demo.files if f.kind == "orders")
    with open_store(db) as store:
        before = fingerprint(store)
        ids = [r.id for r in list_imports(store)]
        assert len(ids) == len(demo.imports) and all(
            r.state == "active" for r in list_imports(store)
        )
        # a corrected export: the first two orders again with another revenue, one new order
        stored = store.execute(store.table("orders").order_by("order_id").limit(2))
        fix = tmp_path / "orders_fix.csv"
        fix.write_text(
            ORDERS
            + "".join(
                f"{o},{c},2024-06-01,1,confirmed,USD\n"
                for o, c in zip(stored.order_id, stored.customer_id, strict=True)
            )
            + "new-1,new-c,2024-06-02,5,confirmed,USD\n"
        )
        revenue = totals(store, "orders", "revenue")["revenue"]
        fixed = import_file(store, "orders", fix)
        assert fingerprint(store) != before
        assert fixed.replaced[0].rows == 2 and fixed.replaced[0].file == orders_file.name
        undo_import(store, fixed.import_id)
        assert fingerprint(store) == before
        # the demo's orders file again, with other options: same totals; undone: as before
        again = import_file(store, "orders", orders_file, currency="USD", source_map="x=y")
        assert totals(store, "orders", "revenue")["revenue"] == pytest.approx(revenue)
        assert again.supersedes[0][0] in ids
        undo_import(store, again.import_id)
        assert fingerprint(store) == before


def test_undo_of_an_older_import_keeps_what_later_imports_replaced(store, tmp_path):
    files = []
    for i, revenue in enumerate((10, 20, 30)):
        path = tmp_path / f"o{i}.csv"
        path.write_text(
            ORDERS
            + f"1,c1,2024-10-0{i + 1},{revenue},confirmed,USD\n2{i},c2,2024-10-01,1,confirmed,USD\n"
        )
        files.append(import_file(store, "orders", path).import_id)
    assert totals(store, "orders", "revenue")["revenue"] == 30 + 3
    middle = undo_import(store, files[1])  # its order 1 was replaced by the third import
    assert (middle.rows_removed, middle.rows_restored, middle.rows_kept_replaced) == (1, 0, 1)
    assert totals(store, "orders", "revenue")["revenue"] == 30 + 2
    undo_import(store, files[2])  # now the first import's order 1 comes back
    assert totals(store, "orders", "revenue")["revenue"] == 10 + 1
    undo_import(store, files[0])
    assert store.row_count("orders") == 0
    assert store.base_currency is None  # no money left: the next import may set another


def test_undo_refuses_unknown_and_undone_imports(store, data):
    with pytest.raises(InputError, match="no such import in the store; nothing was imported"):
        undo_import(store, 1)
    result = import_file(store, "costs", data / "costs_decimal_comma.csv", decimal_comma=True)
    undo_import(store, result.import_id)
    with pytest.raises(InputError, match=r"import 1 \(costs_decimal_comma.csv\) was already"):
        undo_import(store, 1)
    with pytest.raises(
        InputError, match="import_id 7: no such import in the store; its imports are 1"
    ):
        undo_import(store, 7)


def test_payback_imports_lists_and_undoes(tmp_path, data, capsys):
    db = str(tmp_path / "cli.duckdb")
    assert main(["import", "ads", str(data / "google_ads_keywords.csv"), "--db", db]) == 0
    assert main(["import", "ads", str(data / "google_ads_keywords.csv"), "--db", db]) == 0
    capsys.readouterr()
    assert main(["imports", "--db", db, "-f", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(r["id"], r["file"], r["rows_added"], r["state"]) for r in rows] == [
        (1, "google_ads_keywords.csv", 6, "superseded by 2"),
        (2, "google_ads_keywords.csv", 6, "active"),
    ]
    assert len(rows[0]["content_hash"]) == 64
    assert main(["imports", "undo", "2", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "Undid import 2 (ads from google_ads_keywords.csv)" in out
    assert "active again          import 1" in out
    assert main(["imports", "undo", "5", "--db", db]) == 2
    assert (
        "error: ID 5: no such import in the store; its imports are 1, 2" in capsys.readouterr().err
    )
    assert main(["imports", "--db", db, "-f", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[2].startswith("2,")
