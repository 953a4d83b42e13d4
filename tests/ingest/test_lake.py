"""Lake stores (``parquet:PATH``): import with the same validation and all-or-nothing
rule, export a store file, read it on DuckDB with the same numbers. No Spark here (see
tests/spark/test_engines.py for the lake on Spark)."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from payback.cli import main
from payback.errors import PaybackError
from payback.lake import export_store, open_lake
from payback.schema import TABLES
from payback.store import open_store

ORDERS = "order_id,customer_id,time,revenue,status,currency\n"


def _csv(path, rows: str):
    path.write_text(ORDERS + rows)
    return str(path)


def test_import_into_a_lake_then_again_replaces_by_key(tmp_path, capsys):
    lake = tmp_path / "lake"
    first = _csv(tmp_path / "a.csv", "o1,c1,2024-03-01 10:00,10.5,confirmed,EUR\n"
                 "o2,c2,2024-03-02 10:00,20,confirmed,EUR\n")  # fmt: skip
    assert main(["import", "orders", first, "--store", f"parquet:{lake}"]) == 0
    assert sorted(p.name for p in lake.iterdir()) == sorted([*TABLES, "payback_meta"])
    second = _csv(tmp_path / "b.csv", "o2,c2,2024-03-02 10:00,25,confirmed,EUR\n"
                  "o3,c3,2024-03-03 10:00,5,confirmed,EUR\n")  # fmt: skip
    assert main(["import", "orders", second, "--db", f"parquet:{lake}"]) == 0
    orders = pq.read_table(lake / "orders").to_pandas().sort_values("order_id")
    assert orders["order_id"].tolist() == ["o1", "o2", "o3"]
    assert orders["revenue"].tolist() == [10.5, 25.0, 5.0]  # o2 replaced, not doubled
    with open_lake(lake) as store:
        assert store.base_currency == "EUR"
        assert store.execute(store.table("orders").revenue.sum()) == 40.5
    # nothing left beside the lake: no staging folder, no old copy
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".lake")) == [
        ".lake.lock"
    ]


def test_a_bad_file_leaves_the_lake_as_it_was(tmp_path, capsys):
    lake = tmp_path / "lake"
    good = _csv(tmp_path / "a.csv", "o1,c1,2024-03-01 10:00,10.5,confirmed,EUR\n")
    assert main(["import", "orders", good, "--store", f"parquet:{lake}"]) == 0
    before = {p: p.stat().st_mtime_ns for p in lake.rglob("*.parquet")}
    bad = _csv(tmp_path / "b.csv", "o9,c9,2024-03-01 10:00,ten,confirmed,EUR\n")
    capsys.readouterr()
    assert main(["import", "orders", bad, "--store", f"parquet:{lake}"]) != 0
    assert "revenue" in capsys.readouterr().err
    assert {p: p.stat().st_mtime_ns for p in lake.rglob("*.parquet")} == before


def test_export_and_read_back_give_the_same_metrics(tmp_path, capsys):
    from payback.demo import generate_shop

    shop = generate_shop(300, seed=42)
    db = tmp_path / "demo.duckdb"
    with open_store(db) as store:
        store.write(shop.tables, meta={"base_currency": shop.currency})
    lake = tmp_path / "lake"
    assert main(["store", "export", "--db", str(db), "--to", f"parquet:{lake}"]) == 0
    assert capsys.readouterr().out.startswith("wrote ")
    outs = []
    for where in (str(db), f"parquet:{lake}"):
        assert main(["metrics", "--by", "platform", "--db", where, "-f", "csv"]) == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1] and outs[0].count("\n") > 3
    # exporting again replaces the lake whole
    with open_store(db, read_only=True) as store:
        counts = export_store(store, lake)
    assert counts["orders"] == shop.tables["orders"].num_rows


def test_a_folder_that_is_not_a_lake_is_never_replaced_nor_read(tmp_path):
    keep = tmp_path / "photos"
    keep.mkdir()
    (keep / "cat.jpg").write_bytes(b"x")
    with open_store(":memory:") as store, pytest.raises(PaybackError, match="never replaced"):
        export_store(store, keep)
    assert (keep / "cat.jpg").exists()
    with pytest.raises(PaybackError, match=r"no payback lake at .*photos: the folder has no"):
        open_lake(keep)
    with pytest.raises(PaybackError, match="the folder does not exist"):
        open_store(f"parquet:{tmp_path / 'nowhere'}", read_only=True)


def test_a_lake_written_by_others_is_cast_to_the_canonical_columns(tmp_path):
    """Files with extra columns, missing ones and other types (as Spark may write them)."""
    import datetime as dt

    import pyarrow as pa

    with open_store(":memory:") as store:
        export_store(store, tmp_path / "lake")
    folder = tmp_path / "lake" / "orders"
    for f in folder.iterdir():
        f.unlink()
    pq.write_table(
        pa.table({"order_id": ["a", "b"], "revenue": pa.array([1, 2], pa.int32()),
                  "time": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2)],
                  "status": ["confirmed"] * 2, "extra": [1, 2]}),
        folder / "part-1.parquet",
    )  # fmt: skip
    pq.write_table(pa.table({"order_id": ["c"], "revenue": [2.5]}), folder / "part-2.parquet")
    with open_lake(tmp_path / "lake") as store:
        orders = store.table("orders")
        assert orders.columns == tuple(TABLES["orders"].column_names)
        assert store.execute(orders.revenue.sum()) == 5.5
        assert store.execute(orders.customer_id.isnull().sum()) == 3
