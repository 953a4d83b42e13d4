"""A store in a Spark catalog database (``--db spark-catalog:DATABASE --engine spark``):
the demo shop's canonical tables saved with ``saveAsTable`` into a database whose
warehouse is a temporary folder give DuckDB's numbers; the errors name what is wrong."""

from __future__ import annotations

import gc
import io

import pandas as pd
import pytest

from payback.cli import main

pytestmark = [
    pytest.mark.spark,
    # py4j and PySpark's Arrow transfer leave local sockets to the garbage collector
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]


@pytest.fixture(autouse=True)
def _collect_spark_sockets():
    yield
    gc.collect()


@pytest.fixture(scope="module")
def shop(demo_shop) -> dict[str, str]:
    """The demo shop (tests/spark/conftest.py) as a store file and as tables of the Spark
    catalog database ``payback_catalog_test`` (saved from its lake with saveAsTable; the
    orders with one extra column, which the store ignores)."""
    from pyspark.sql import functions as F

    from payback.lake import META_FOLDER, lake_path
    from payback.schema import TABLES
    from payback.spark import spark_session

    folder = demo_shop["folder"]
    session = spark_session()
    database = "payback_catalog_test"
    session.sql(f"DROP DATABASE IF EXISTS {database} CASCADE")
    session.sql(f"CREATE DATABASE {database} LOCATION '{folder / 'warehouse'}'")
    for name in [*TABLES, META_FOLDER]:
        frame = session.read.parquet(f"{lake_path(demo_shop['lake'])}/{name}")
        if name == "orders":
            frame = frame.withColumn("pipeline_note", F.lit("extra"))
        frame.write.saveAsTable(f"{database}.{name}")
    return {"file": demo_shop["file"], "catalog": f"spark-catalog:{database}",
            "database": database, "folder": folder}  # fmt: skip


def run(capsys, args: list[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_catalog_tables_give_duckdbs_numbers(shop, capsys):
    args = ["metrics", "--by", "platform", "-f", "csv"]
    code, duck, err = run(capsys, [*args, "--db", shop["file"]])
    assert code == 0, err
    code, spark, err = run(capsys, [*args, "--db", shop["catalog"], "--engine", "spark"])
    assert code == 0, err
    left, right = pd.read_csv(io.StringIO(duck)), pd.read_csv(io.StringIO(spark))
    pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-9)
    paid = right[right["total_kind"] == "paid"].iloc[0]
    assert paid["cost"] > 0 and paid["orders"] > 0


def test_a_catalog_database_is_exported_as_a_lake(shop, capsys, tmp_path):
    """``store export --engine spark`` writes the catalog's tables as a lake (by Spark's
    executors) that DuckDB reads with the store file's numbers and rows."""
    lake = f"parquet:{tmp_path / 'lake'}"
    code, said, err = run(capsys, ["store", "export", "--db", shop["catalog"], "--engine",
                                   "spark", "--to", lake])  # fmt: skip
    assert code == 0, err
    code, again, err = run(capsys, ["store", "export", "--db", shop["file"], "--to",
                                    f"parquet:{tmp_path / 'again'}"])  # fmt: skip
    assert code == 0, err
    assert said.split()[:5] == again.split()[:5]  # "wrote N rows of 11 tables"
    args = ["metrics", "--by", "platform", "-f", "csv"]
    _, duck, _ = run(capsys, [*args, "--db", shop["file"]])
    code, exported, err = run(capsys, [*args, "--db", lake])
    assert code == 0, err
    left, right = pd.read_csv(io.StringIO(duck)), pd.read_csv(io.StringIO(exported))
    pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-9)
    assert left["cost"].sum() > 0


def test_base_currency_extra_columns_and_missing_tables(shop, tmp_path):
    """The base currency comes from ``payback_meta``; an extra column is dropped; in a
    database holding only the orders, every other canonical table reads as empty."""
    from payback.spark import spark_session
    from payback.spark_catalog import open_catalog
    from payback.store import open_store

    store = open_catalog(shop["database"])
    with open_store(shop["file"], read_only=True) as duck:
        assert store.base_currency == duck.base_currency == "USD"  # the demo's currency
    assert "pipeline_note" not in store.table("orders").columns
    orders = store.row_count("orders")
    assert orders > 1000

    session = spark_session()
    session.sql("DROP DATABASE IF EXISTS payback_catalog_orders CASCADE")
    session.sql(f"CREATE DATABASE payback_catalog_orders LOCATION '{tmp_path / 'w'}'")
    session.table(f"{shop['database']}.orders").write.saveAsTable("payback_catalog_orders.orders")
    part = open_catalog("payback_catalog_orders")
    assert part.row_count("orders") == orders
    assert part.row_count("ad_stats") == part.row_count("customers") == 0
    assert part.base_currency is None


def test_errors_name_the_fix(shop, capsys):
    code, _, err = run(capsys, ["metrics", "--db", shop["catalog"]])
    assert code == 2
    assert err.startswith(
        f"error: {shop['catalog']} is a Spark catalog database, which only Spark reads: "
        f"expected --engine spark (or PAYBACK_ENGINE=spark), got --engine duckdb"
    ), err
    code, _, err = run(capsys, ["metrics", "--db", "spark-catalog:nowhere", "--engine", "spark"])
    assert code == 2
    assert err.startswith("error: no database 'nowhere' in the Spark catalog (it has: "), err
    assert shop["database"] in err
