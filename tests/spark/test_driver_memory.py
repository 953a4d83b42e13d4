"""Nothing copies a whole table through the Spark driver: a Spark session whose driver
has ``spark.driver.memory=512m`` answers the metrics by campaign and the compressed CLV
summary on a lake that could not be collected to it, with DuckDB's numbers.

The arithmetic of "could not be collected". Collecting a DataFrame (``collect``,
``toPandas`` without Arrow streaming, a ``copy_to_spark`` the other way round) makes the
driver hold every row at once as an ``UnsafeRow``: an 8-byte null bitset per 64 columns,
8 bytes per column, and each string's bytes rounded up to 8, plus ~56 bytes of Java
object headers (the row object and its byte array). ``ad_stats`` has 15 columns: 128
fixed bytes; the rows below carry 4 strings of up to 8 bytes (platform, campaign,
keyword, currency): 32 more, so >= 216 bytes a row. 4 M rows are >= 864 MB, more than
1.5 times the whole 512 MB heap (in local mode the executors share that heap too, and
Spark keeps part of it for itself); the test computes this bound from the data and the
JVM's own ``maxMemory`` and asserts it. A few GB of Parquet would make the same point
more slowly (on this shared 2-core machine the test takes minutes as it is): the
Parquet here is tens of MB, as DuckDB compresses the repetitive columns; what a collect
would make the driver hold is the decoded rows.

Runs in a child process (the driver's memory is fixed when its JVM starts, and this
process may hold a Spark session of other tests already).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]

#: Ad rows and orders of the lake (see the module's docstring for why this many).
ADS, ORDERS = 4_000_000, 400_000

_CHILD = r"""
import json, math, sys
from payback.clv import compress, customer_summary
from payback.lake import open_lake
from payback.metrics import compute_metrics

lake, engine = sys.argv[1], sys.argv[2]
store = open_lake(lake, engine)
wanted = ("cost", "clicks", "orders", "revenue", "cpo", "drr")
metrics = compute_metrics(store, ("campaign",), wanted).groups
histories = store.execute(compress(customer_summary(store, freq="W")))
out = {"metrics": metrics.to_csv(index=False), "histories": histories.to_csv(index=False)}
if engine == "spark":
    session = store.backend._session
    jvm = session.sparkContext._jvm
    out["max_heap"] = jvm.java.lang.Runtime.getRuntime().maxMemory()
    out["driver_memory"] = session.conf.get("spark.driver.memory")
    ads = session.table("ad_stats")
    fields = len(ads.schema.fields)
    strings = [f.name for f in ads.schema.fields if f.dataType.typeName() == "string"]
    # bytes of each row's strings, rounded up to 8 (computed by Spark, a small result)
    from pyspark.sql import functions as F
    padded = [F.coalesce(F.ceil(F.octet_length(F.col(c)) / 8) * 8, F.lit(0)) for c in strings]
    row = ads.select(F.count(F.lit(1)).alias("rows"),
                     F.min(sum(padded)).alias("min_var")).first()
    fixed = 8 * math.ceil(fields / 64) + 8 * fields + 56
    out["rows"], out["min_row_bytes"] = row["rows"], fixed + row["min_var"]
print("RESULT " + json.dumps(out))
"""


def _write_lake(folder: Path) -> None:
    """A lake of ADS ad rows over 5,000 campaigns and ORDERS orders (DuckDB, seconds)."""
    import duckdb

    from payback.lake import export_store
    from payback.store import open_store

    with open_store(":memory:") as empty:
        empty.set_meta("base_currency", "EUR")
        export_store(empty, folder)
    for name in ("ad_stats", "orders"):
        for f in (folder / name).iterdir():
            f.unlink()
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"""
        COPY (SELECT DATE '2024-01-01' + CAST(i % 730 AS INTEGER) AS date,
                     ['google', 'meta', 'bing', 'yandex'][1 + i % 4] AS platform,
                     'c' || ((i // 730) % 5000) AS campaign, 'k' || (i % 97) AS keyword,
                     CAST(100 + hash(i) % 900 AS BIGINT) AS impressions,
                     CAST(hash(i) % 40 AS BIGINT) AS clicks,
                     (hash(i) % 5000) / 100.0 AS cost, 'EUR' AS currency
              FROM range({ADS}) t(i))
        TO '{folder}/ad_stats/part-00000.parquet' (FORMAT parquet, COMPRESSION zstd)""")
    con.execute(f"""
        COPY (SELECT 'o' || i AS order_id, 'u' || (hash(i) % {ORDERS // 3}) AS customer_id,
                     TIMESTAMP '2024-01-01' + to_seconds(CAST(hash(i * 7) % 63072000 AS BIGINT))
                         AS time,
                     5 + (hash(i * 3) % 20000) / 100.0 AS revenue, 'confirmed' AS status,
                     'EUR' AS currency,
                     ['google', 'meta', 'bing', 'yandex'][1 + i % 4] AS platform,
                     'c' || (hash(i * 5) % 5000) AS campaign
              FROM range({ORDERS}) t(i))
        TO '{folder}/orders/part-00000.parquet' (FORMAT parquet, COMPRESSION zstd)""")


def _run(lake: Path, engine: str, env: dict[str, str]) -> dict:
    import json

    src = str(Path(__file__).resolve().parents[2] / "src")
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(lake), engine],
        env={**os.environ, **env, "PYTHONPATH": src, "SPARK_LOCAL_IP": "127.0.0.1"},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def _frame(text: str) -> pd.DataFrame:
    frame = pd.read_csv(io.StringIO(text))
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_a_512m_driver_answers_on_a_lake_it_could_not_collect(tmp_path):
    lake = tmp_path / "lake"
    _write_lake(lake)
    duck = _run(lake, "duckdb", {})
    spark = _run(lake, "spark", {"PYSPARK_SUBMIT_ARGS": "--driver-memory 512m pyspark-shell"})
    assert spark["driver_memory"] == "512m"
    assert spark["max_heap"] <= 512 * 2**20
    collected = spark["rows"] * spark["min_row_bytes"]  # a lower bound of a collect
    assert spark["rows"] == ADS and collected > 1.5 * spark["max_heap"], spark
    metrics = _frame(duck["metrics"])
    assert len(metrics) == 4 * 5000 and metrics["cost"].sum() > 0
    pd.testing.assert_frame_equal(metrics, _frame(spark["metrics"]), check_exact=False, rtol=1e-9)
    histories = _frame(duck["histories"])
    assert histories["weights"].sum() == pd.read_parquet(lake / "orders").customer_id.nunique()
    pd.testing.assert_frame_equal(histories, _frame(spark["histories"]), check_exact=False)
