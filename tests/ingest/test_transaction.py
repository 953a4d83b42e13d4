"""An import is all-or-nothing (one transaction) and idempotent (natural keys)."""

from __future__ import annotations

import pytest

from payback import store as store_module
from payback.errors import ValidationErrors
from payback.ingest import import_file, list_imports

from .conftest import totals

HEADER = "date,platform,campaign,ad_group,keyword,impressions,clicks,cost,currency\n"


def _rows(n, start=0, cost="1.25"):
    return "".join(
        f"2024-10-{1 + i % 28:02d},google,C{i % 7},G{i % 5},k{i},{100 + i},{i % 50},{cost},USD\n"
        for i in range(start, start + n)
    )


def test_bad_second_half_imports_nothing(store, data, tmp_path):
    import_file(store, "ads", data / "google_ads_keywords.csv")
    before = totals(store, "ad_stats", "cost", "clicks")
    path = tmp_path / "half_bad.csv"
    path.write_text(HEADER + _rows(500) + _rows(500, start=500, cost="-1"))
    with pytest.raises(ValidationErrors) as e:
        import_file(store, "ads", path)
    assert e.value.errors[0].row == 502  # the first row of the bad half
    assert (e.value.total, e.value.unlisted) == (500, (("negative cost in column 'cost'", 497),))
    assert store.row_count("ad_stats") == 6
    assert totals(store, "ad_stats", "cost", "clicks") == before


def test_a_failure_inside_the_write_rolls_back(store, data, monkeypatch):
    import_file(store, "ads", data / "google_ads_keywords.csv")
    before = totals(store, "ad_stats", "cost")
    original = store_module._upsert

    def upsert_then_fail(raw, table, rows, **options):
        original(raw, table, rows, **options)  # old rows deleted, new ones inserted ...
        raise OSError("disk full")  # ... then the write fails

    monkeypatch.setattr(store_module, "_upsert", upsert_then_fail)
    with pytest.raises(OSError):
        import_file(store, "ads", data / "meta_ads_manager.csv")
    monkeypatch.undo()
    assert store.row_count("ad_stats") == 6
    assert totals(store, "ad_stats", "cost") == before
    assert [r.name for r in list_imports(store)] == ["google_ads_keywords.csv"]  # no record


FILES = [
    ("ads", "google_ads_keywords.csv", {}),
    ("ads", "meta_ads_manager.csv", {}),
    ("ads", "microsoft_ads_report.csv", {}),
    ("ads", "yandex_direct_report.tsv", {"currency": "USD"}),
    ("orders", "orders_utm.csv", {}),
    ("orders", "orders_landing.csv", {}),
    ("leads", "leads.csv", {"dedupe_window": "24h"}),
    ("fx-rates", "fx_rates.csv", {}),
]


@pytest.mark.parametrize(("kind", "name", "options"), FILES, ids=[f[1] for f in FILES])
def test_importing_twice_changes_nothing(store, data, kind, name, options):
    first = import_file(store, kind, data / name, **options)
    table = first.table
    snapshot = (
        store.execute(store.table(table))
        .sort_values(list(store.table(table).columns))
        .reset_index(drop=True)
    )
    second = import_file(store, kind, data / name, **options)
    assert second.rows_in_store == first.rows_in_store == first.rows_read
    again = (
        store.execute(store.table(table))
        .sort_values(list(store.table(table).columns))
        .reset_index(drop=True)
    )
    assert again.equals(snapshot)


def test_overlapping_files_replace_rows_by_natural_key(store, tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text(HEADER + _rows(60))
    b.write_text(HEADER + _rows(60, start=30, cost="2.00"))  # rows 30..59 again, new cost
    import_file(store, "ads", a)
    result = import_file(store, "ads", b)
    assert result.rows_in_store == 90
    assert totals(store, "ad_stats", "cost")["cost"] == pytest.approx(30 * 1.25 + 60 * 2.00)


def test_first_import_into_a_new_table_keeps_columns_order_and_a_users_index(tmp_path):
    """A first import creates the empty table anew (storage._fill_empty): same columns and
    types, rows in file order, and not when someone made an index on it (kept)."""
    from payback.store import open_store

    path = tmp_path / "ads.csv"
    path.write_text(HEADER + _rows(300))
    described = "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?"
    for indexed in (False, True):
        db = tmp_path / f"store{indexed}.duckdb"
        with open_store(db) as store:
            con = store.backend.con
            before = con.execute(described, ["ad_stats"]).fetchall()
            if indexed:
                con.execute("CREATE INDEX by_day ON ad_stats (date)")
            result = import_file(store, "ads", path)
            assert con.execute(described, ["ad_stats"]).fetchall() == before
            keywords = con.execute("SELECT keyword, _import FROM ad_stats").fetchall()
            assert keywords == [(f"k{i}", result.import_id) for i in range(300)]
            indexes = con.execute("SELECT index_name FROM duckdb_indexes()").fetchall()
            assert indexes == ([("by_day",)] if indexed else [])
