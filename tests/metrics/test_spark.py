"""The same expressions give the same numbers on DuckDB and on local Apache Spark.

Spark starts once per test session (``spark_copy``) and each test runs few queries, so
the whole file stays well under a few minutes on 2 cores.
"""

from __future__ import annotations

import datetime as dt
import gc
import random

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from payback.metrics import CATALOGUE, compute_metrics

from .conftest import build_store
from .strategies import START, shops

pytestmark = [
    pytest.mark.spark,
    # py4j and PySpark's Arrow transfer leave local sockets to the garbage collector
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]


@pytest.fixture(autouse=True)
def _collect_spark_sockets():
    """Collect Spark's dropped sockets while their ResourceWarning is ignored (see above)."""
    yield
    gc.collect()


ALL = tuple(n for n, m in CATALOGUE.items() if m.at_grain)  # what the engine computes


def assert_equal_results(a, b) -> None:
    pd.testing.assert_frame_equal(a.frame, b.frame, check_exact=False, rtol=1e-9)
    assert a.reasons == b.reasons and a.currency == b.currency


# few examples and no shrinking: every example costs a Spark round trip of seconds
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=(Phase.explicit, Phase.generate),
)
@given(shop=shops)
def test_random_shops_give_equal_results(spark_copy, shop):
    ads, orders, leads = shop
    with build_store(ads=ads, orders=orders, leads=leads) as duck:
        spark = spark_copy(duck)
        by = ("platform", "campaign", "keyword", "week")
        assert_equal_results(compute_metrics(duck, by, ALL), compute_metrics(spark, by, ALL))


def test_partner_grain_filters_and_dates_equal(spark_copy):
    rnd = random.Random(7)
    orders = [
        {"order_id": f"o{i}", "customer_id": f"c{rnd.randint(0, 20)}",
         "time": dt.datetime(2024, 3, 1) + dt.timedelta(hours=rnd.randint(0, 900)),
         "revenue": rnd.randint(1, 9999) / 100,
         "cogs": rnd.choice([None, rnd.randint(0, 999) / 100]),
         "partner_id": rnd.choice([None, "p1", "p2"]), "campaign": rnd.choice(["a", "b"]),
         "device": rnd.choice(["mobile", "desktop"])}
        for i in range(200)
    ]  # fmt: skip
    ads = [
        {"date": START + dt.timedelta(days=d), "campaign": c, "cost": rnd.randint(0, 9999) / 100,
         "clicks": 10, "impressions": 100, "device": device}
        for d in range(40) for c in ("a", "b") for device in ("mobile", "desktop")
    ]  # fmt: skip
    with build_store(ads=ads, orders=orders) as duck:
        spark = spark_copy(duck)
        kw = {
            "by": ("partner", "month"),
            "metrics": ALL,
            "start": "2024-03-03",
            "end": "2024-03-30",
        }
        assert_equal_results(compute_metrics(duck, **kw), compute_metrics(spark, **kw))
        kw = {"by": ("date", "device"), "metrics": ("cost", "cpo", "romi", "cac"),
              "where": ["campaign=a", "campaign=x' OR 1=1 --"]}  # fmt: skip
        duck_r, spark_r = compute_metrics(duck, **kw), compute_metrics(spark, **kw)
        assert_equal_results(duck_r, spark_r)
        assert spark_r.groups["cost"].notna().sum() == 40 * 2  # every day and device of a
        assert spark_r.totals["cost"] == pytest.approx(
            sum(a["cost"] for a in ads if a["campaign"] == "a")
        )


def test_cli_engine_spark_prints_the_same_csv(capsys, tmp_path, spark_copy):
    from payback.cli import main
    from payback.store import open_store

    from .conftest import arrow_rows

    db = tmp_path / "s.duckdb"
    with open_store(db) as store:
        store.write(
            {
                "ad_stats": arrow_rows(
                    "ad_stats", [{"cost": 200.0, "clicks": 100, "impressions": 10_000}]
                ),
                "orders": arrow_rows("orders", [{"revenue": 10.0} for _ in range(40)]),
            }
        )
    outs = []
    for engine in ("duckdb", "spark"):
        code = main(
            [
                "metrics",
                "--db",
                str(db),
                "--by",
                "campaign",
                "-m",
                "cpo,ctr,drr",
                "-f",
                "csv",
                "--engine",
                engine,
            ]
        )
        outs.append((code, capsys.readouterr().out))
    assert outs[0] == outs[1]
    # campaign is keyed under its platform; total_kind is empty on a group row
    assert outs[1][1].splitlines()[1] == "google,c1,5.0,0.01,0.5,False,"
