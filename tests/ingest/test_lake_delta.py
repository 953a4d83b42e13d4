"""Delta stores (``delta:PATH``, payback.lake_delta): export and import with the same
numbers as the store file, edits made with Delta's own tools honoured, tables a Parquet
read gets wrong refused, and a write that crashes between two tables never read."""

from __future__ import annotations

import io
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from payback import lake_delta
from payback.cli import main
from payback.errors import PaybackError
from payback.lake_delta import export_delta, open_delta
from payback.schema import TABLES
from payback.store import open_store

ORDERS = "order_id,customer_id,time,revenue,status,currency\n"


def _csv(path, rows: str):
    path.write_text(ORDERS + rows)
    return str(path)


def run(capsys, args: list[str]) -> str:
    code = main(args)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> dict:
    """The demo shop (300 customers, seed 42) as a store file and as a Delta store."""
    from payback.demo import generate_shop

    folder = tmp_path_factory.mktemp("delta")
    db = folder / "demo.duckdb"
    shop = generate_shop(300, seed=42)
    with open_store(db) as store:
        store.write(shop.tables, meta={"base_currency": shop.currency})
    assert main(["store", "export", "--db", str(db), "--to", f"delta:{folder / 'delta'}"]) == 0
    assert shop.currency == "USD"
    return {"file": str(db), "delta": folder / "delta", "orders": shop.tables["orders"]}


def _copy(shop, tmp_path):
    """A Delta store of its own (tests that edit it)."""
    target = tmp_path / "delta"
    with open_store(shop["file"], read_only=True) as store:
        export_delta(store, target)
    return target


def test_layout_and_the_same_numbers_as_the_store_file(shop, capsys):
    delta = shop["delta"]
    assert sorted(p.name for p in delta.iterdir()) == sorted([*TABLES, "payback_meta"])
    assert all((delta / name / "_delta_log").is_dir() for name in TABLES)
    meta = lake_delta._read_meta(str(delta))
    assert meta["format"] == "delta-1" and meta["version:orders"] == "0"
    args = ["metrics", "--by", "platform", "-f", "csv"]
    duck = run(capsys, [*args, "--db", shop["file"]])
    assert run(capsys, [*args, "--db", f"delta:{delta}"]) == duck and duck.count("\n") > 3
    # the per-customer summary: counts and times exactly; the mean order value is summed
    # in another order from Parquet than from the DuckDB file (the last digit may differ,
    # as on a parquet: lake)
    args = ["ltv", "summary", "--freq", "W", "-f", "csv"]
    duck = pd.read_csv(io.StringIO(run(capsys, [*args, "--db", shop["file"]])))
    other = pd.read_csv(io.StringIO(run(capsys, [*args, "--db", f"delta:{delta}"])))
    pd.testing.assert_frame_equal(duck, other, check_exact=False, rtol=1e-13, atol=0)
    exact = [c for c in duck.columns if c != "monetary_value"]
    pd.testing.assert_frame_equal(duck[exact], other[exact], check_exact=True)
    assert len(duck) == 282 and duck["frequency"].sum() > 0  # the buyers among 300
    with open_delta(delta) as store:
        assert store.row_count("orders") == shop["orders"].num_rows
        assert store.base_currency == "USD"  # the demo shop's


def test_import_replaces_by_key_and_writes_only_the_changed_tables(tmp_path, capsys):
    delta = tmp_path / "delta"
    first = _csv(tmp_path / "a.csv", "o1,c1,2024-03-01 10:00,10.5,confirmed,EUR\n"
                 "o2,c2,2024-03-02 10:00,20,confirmed,EUR\n")  # fmt: skip
    run(capsys, ["import", "orders", first, "--store", f"delta:{delta}"])
    before = lake_delta._read_meta(str(delta))
    second = _csv(tmp_path / "b.csv", "o2,c2,2024-03-02 10:00,25,confirmed,EUR\n"
                  "o3,c3,2024-03-03 10:00,5,confirmed,EUR\n")  # fmt: skip
    run(capsys, ["import", "orders", second, "--db", f"delta:{delta}"])
    after = lake_delta._read_meta(str(delta))
    assert (before["version:orders"], after["version:orders"]) == ("0", "1")
    assert before["version:ad_stats"] == after["version:ad_stats"] == "0"  # not rewritten
    with open_delta(delta) as store:
        orders = store.execute(store.table("orders")).sort_values("order_id")
        assert orders["order_id"].tolist() == ["o1", "o2", "o3"]
        assert orders["revenue"].tolist() == [10.5, 25.0, 5.0]  # o2 replaced, not doubled
    # time travel with Delta's own tools: version 0 is the first import
    old = DeltaTable(delta / "orders", version=0).to_pyarrow_table()
    assert sorted(old["revenue"].to_pylist()) == [10.5, 20.0]
    bad = _csv(tmp_path / "c.csv", "o9,c9,2024-03-01 10:00,ten,confirmed,EUR\n")
    assert main(["import", "orders", bad, "--store", f"delta:{delta}"]) != 0
    assert "revenue" in capsys.readouterr().err
    assert lake_delta._read_meta(str(delta)) == after
    assert DeltaTable(delta / "orders").version() == 1


def test_a_delete_made_with_deltalake_is_honoured(shop, tmp_path, capsys):
    delta = _copy(shop, tmp_path)
    orders = shop["orders"].to_pandas()
    gone = orders["order_id"].iloc[0]
    revenue = orders["revenue"].sum() - orders["revenue"].iloc[0]
    DeltaTable(delta / "orders").delete(f"order_id = '{gone}'")
    with open_delta(delta) as store:
        table = store.table("orders")
        assert store.row_count("orders") == len(orders) - 1
        assert store.execute(table.filter(table.order_id == gone).count()) == 0
        assert store.execute(table.revenue.sum()) == pytest.approx(revenue, rel=1e-12)
    # the folder still holds the deleted row's old file: a plain Parquet read sees it
    plain = pq.read_table(delta / "orders").to_pandas()
    assert len(plain) == 2 * len(orders) - 1 and (plain["order_id"] == gone).any()
    # and an import on top keeps the deletion
    new = _csv(tmp_path / "n.csv", "zz1,c1,2024-03-01 10:00,10,confirmed,USD\n")
    run(capsys, ["import", "orders", new, "--store", f"delta:{delta}"])
    with open_delta(delta) as store:
        assert store.row_count("orders") == len(orders)


@pytest.mark.parametrize(
    ("configuration", "feature"),
    [({"delta.enableDeletionVectors": "true"}, "deletion vectors"),
     ({"delta.columnMapping.mode": "name"}, "column mapping")],
)  # fmt: skip
def test_a_table_a_parquet_read_gets_wrong_is_refused(shop, tmp_path, configuration, feature):
    delta = _copy(shop, tmp_path)
    table = pa.table({"order_id": ["a"], "revenue": [1.0]})
    write_deltalake(tmp_path / "other", table, configuration=configuration)
    (delta / "orders").rename(tmp_path / "orders-old")
    (tmp_path / "other").rename(delta / "orders")
    with pytest.raises(PaybackError, match=rf"{delta / 'orders'} uses {feature}.*Fix: "):
        open_delta(delta)


def test_a_write_that_crashes_between_two_tables_is_never_read(shop, tmp_path, monkeypatch):
    delta = _copy(shop, tmp_path)
    with open_store(shop["file"], read_only=True) as source:
        doubled = source.execute(source.table("orders")).assign(revenue=lambda f: f.revenue * 2)
    with open_store(tmp_path / "changed.duckdb") as changed:
        changed.write({"orders": pa.Table.from_pandas(doubled, preserve_index=False)})
        writes = []

        def crash_after_orders(where, *args, **kwargs):
            if writes and writes[-1].endswith("/orders"):
                raise OSError("disk full")
            writes.append(str(where))
            return real(where, *args, **kwargs)

        real = lake_delta._deltalake().write_deltalake
        monkeypatch.setattr("deltalake.write_deltalake", crash_after_orders)
        with pytest.raises(OSError, match="disk full"):
            export_delta(changed, delta)
        monkeypatch.undo()
        assert DeltaTable(delta / "orders").version() == 1  # written, but never read
        with open_delta(delta) as store:
            assert lake_delta.live_version(str(delta), "orders", _meta(delta)) == 0
            total = store.execute(store.table("orders").revenue.sum())
        assert total == pytest.approx(shop["orders"]["revenue"].to_pandas().sum(), rel=1e-12)
        export_delta(changed, delta)  # the next write that finishes is read
    with open_delta(delta) as store:
        assert store.execute(store.table("orders").revenue.sum()) == pytest.approx(2 * total)
        assert store.row_count("ad_stats") == 0  # the changed store has no ad rows


def _meta(delta):
    return lake_delta._read_meta(str(delta))


def test_without_deltalake_the_error_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "deltalake", None)
    with pytest.raises(PaybackError, match=r"pip install 'payback\[delta\]'"):
        open_store(f"delta:{tmp_path}", read_only=True)


def test_a_folder_that_is_not_a_delta_store_is_never_written_nor_read(tmp_path):
    keep = tmp_path / "photos"
    keep.mkdir()
    (keep / "cat.jpg").write_bytes(b"x")
    with open_store(":memory:") as store, pytest.raises(PaybackError, match="never written"):
        export_delta(store, keep)
    assert sorted(p.name for p in keep.iterdir()) == ["cat.jpg"]
    with pytest.raises(PaybackError, match=r"no payback Delta store at .*photos: the folder has"):
        open_delta(keep)


@pytest.mark.spark
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_local_spark_gives_the_same_numbers(shop, tmp_path, capsys):
    """Spark reads exactly the live files: a deleted order is gone there too."""
    delta = _copy(shop, tmp_path)
    gone = shop["orders"]["order_id"][0].as_py()
    DeltaTable(delta / "orders").delete(f"order_id = '{gone}'")
    args = ["metrics", "--by", "platform", "-f", "csv"]
    duck = run(capsys, [*args, "--db", f"delta:{delta}"])
    spark = run(capsys, [*args, "--db", f"delta:{delta}", "--engine", "spark"])
    left, right = pd.read_csv(io.StringIO(duck)), pd.read_csv(io.StringIO(spark))
    pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-9)
    full = pd.read_csv(io.StringIO(run(capsys, [*args, "--db", shop["file"]])))
    assert left["orders"].sum() < full["orders"].sum()
