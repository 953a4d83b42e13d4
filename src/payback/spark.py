"""A store on Apache Spark (the ``spark`` extra): the same canonical tables, as temporary
views of a local Spark session, so every expression of the project runs there too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from payback.errors import PaybackError
from payback.schema import TABLES
from payback.store import Store


def open_spark(tables: Mapping[str, Any] | None = None) -> Store:
    """A store on a local Apache Spark session (needs the ``spark`` extra).

    ``tables`` (name -> pyarrow.Table or pandas DataFrame) are loaded as temporary views
    (nothing is written to disk); canonical tables not given are created empty, so every
    query of the project runs. The session is local (``local[2]``), in UTC, bound to
    ``SPARK_LOCAL_IP`` (default 127.0.0.1), without the web UI or console progress bars;
    it is shared by every Spark store of the process.
    """
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        import ibis
        from pyspark.sql import SparkSession
    except ImportError as e:  # pragma: no cover - depends on the extra
        raise PaybackError(
            "the Spark engine needs the spark extra: pip install 'payback[spark]'"
        ) from e
    session = (
        SparkSession.builder.master(os.environ.get("PAYBACK_SPARK_MASTER", "local[2]"))
        .appName("payback")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.bindAddress", os.environ["SPARK_LOCAL_IP"])
        .config("spark.sql.ansi.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    backend = ibis.pyspark.connect(session)
    store = Store(backend=backend, path=None, engine="spark")
    load_into(store, tables or {})
    return store


def load_into(store: Store, tables: Mapping[str, Any]) -> None:
    """Create every canonical table in a non-DuckDB backend, filled from ``tables``.

    Columns missing from a given table are null; every column is cast to the canonical
    type. On Spark the tables are temporary views of in-memory data.
    """
    import ibis
    import pyarrow as pa

    for name, table in TABLES.items():
        data = tables.get(name)
        schema = table.ibis_schema()
        if data is None:
            data = schema.to_pyarrow().empty_table()
        elif not isinstance(data, pa.Table):
            data = pa.Table.from_pandas(data, preserve_index=False)
        full = {
            c: (data[c] if c in data.column_names else pa.nulls(len(data)))
            for c in table.column_names
        }
        arrow = pa.table(full).cast(schema.to_pyarrow())
        if store.engine == "spark":
            _spark_view(store.backend, name, arrow, schema)
        else:
            store.backend.create_table(name, ibis.memtable(arrow), overwrite=True)


def _spark_view(backend, name: str, arrow, schema) -> None:
    """Register an Arrow table as a Spark temporary view, keeping nulls null.

    PySpark 4 takes Arrow directly. PySpark 3.5 takes pandas, where a missing float is NaN
    and would reach Spark as NaN (a number), not NULL: those cells are turned into None.
    """
    from ibis.backends.pyspark.datatypes import PySparkSchema

    session = backend._session
    spark_schema = PySparkSchema.from_ibis(schema)
    try:
        frame = session.createDataFrame(arrow, schema=spark_schema)
    except TypeError:  # pragma: no cover - PySpark < 4
        pandas = arrow.to_pandas().astype(object)
        frame = session.createDataFrame(pandas.where(pandas.notna(), None), schema=spark_schema)
    frame.createOrReplaceTempView(name)


def copy_to_spark(source: Store) -> Store:
    """Open a Spark store holding the same canonical tables as ``source``.

    The tables are read from ``source`` (whole, through Arrow) and registered in the local
    Spark session as temporary views; the base currency is carried over. Meant for
    ``--engine spark`` on a store that fits in memory, and for the tests that check the
    same expressions give the same numbers on DuckDB and Spark.
    """
    tables = {name: source.to_pyarrow(source.table(name)) for name in TABLES}
    store = open_spark(tables)
    if source.base_currency:
        store.set_meta("base_currency", source.base_currency)
    return store


__all__ = ["copy_to_spark", "load_into", "open_spark"]
