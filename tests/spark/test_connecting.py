"""Connecting to Spark: the master or Spark Connect address chosen, and one clear error
for each thing that can be missing (pyspark, Java, the Connect packages, the server).

None of these starts Spark (each fails before a JVM would run, or runs a fake ``java``),
so they are quick and not marked ``spark``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from payback.errors import PaybackError
from payback.spark import SparkUnavailableError, spark_session, spark_target

pytest.importorskip("pyspark")


@pytest.fixture
def no_spark_env(monkeypatch):
    for name in ("PAYBACK_SPARK_MASTER", "PAYBACK_SPARK_REMOTE", "PAYBACK_ENGINE"):
        monkeypatch.delenv(name, raising=False)


def test_target_from_flags_and_environment(no_spark_env, monkeypatch):
    assert spark_target() == ("master", "local[2]")
    assert spark_target(master="local[*]") == ("master", "local[*]")
    monkeypatch.setenv("PAYBACK_SPARK_MASTER", "spark://head:7077")
    assert spark_target() == ("master", "spark://head:7077")
    # the address the issue reports failing with a raw JAVA_GATEWAY_EXITED is Connect's
    monkeypatch.setenv("PAYBACK_SPARK_MASTER", "sc://localhost:15002")
    assert spark_target() == ("remote", "sc://localhost:15002")
    monkeypatch.delenv("PAYBACK_SPARK_MASTER")
    monkeypatch.setenv("PAYBACK_SPARK_REMOTE", "sc://spark.internal:443/;use_ssl=true")
    assert spark_target() == ("remote", "sc://spark.internal:443/;use_ssl=true")
    with pytest.raises(PaybackError, match=r"both a Spark master \(spark://h:7077\) and a Spark"):
        spark_target(master="spark://h:7077")
    with pytest.raises(PaybackError, match="'http://h:15002' is not a Spark Connect address"):
        spark_target(remote="http://h:15002")


def test_no_pyspark_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark -> ImportError
    with pytest.raises(SparkUnavailableError) as e:
        spark_session()
    assert "the Spark engine needs pyspark, which is not installed in" in str(e.value)
    assert "pip install 'payback[spark]'" in str(e.value)


def test_no_connect_packages_names_them(monkeypatch, no_spark_env):
    monkeypatch.setitem(sys.modules, "grpc", None)
    with pytest.raises(SparkUnavailableError) as e:
        spark_session(remote="sc://127.0.0.1:15002")
    assert str(e.value).startswith(
        "Spark Connect (sc://127.0.0.1:15002) needs pyspark's connect packages; missing: grpc."
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nobody listens


def test_no_server_at_the_address_fails_in_seconds(no_spark_env, tmp_path):
    """In a child process: this one may hold a local Spark session of other tests, and
    PySpark refuses a Connect session beside it (SESSION_ALREADY_EXIST)."""
    pytest.importorskip("grpc")
    url = f"sc://127.0.0.1:{_closed_port()}"
    code = (
        "from payback.spark import SparkUnavailableError, spark_session\n"
        "try:\n"
        f"    spark_session(remote={url!r})\n"
        "except SparkUnavailableError as e:\n"
        "    print(e)\n"
    )
    src = str(Path(__file__).resolve().parents[2] / "src")
    child = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": src, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    message = child.stdout.strip()
    assert message.startswith(f"no Spark Connect server answers at {url} (")
    assert "start-connect-server.sh" in message and "JAVA_GATEWAY_EXITED" not in message


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """``payback ARGS`` in a child process (its own JVM state, its own PATH)."""
    src = str(Path(__file__).resolve().parents[2] / "src")
    return subprocess.run(
        [sys.executable, "-m", "payback.cli", *args],
        env={"PYTHONPATH": src, "HOME": str(cwd), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> Path:
    import pyarrow as pa

    from payback.store import open_store

    path = tmp_path_factory.mktemp("connect") / "s.duckdb"
    with open_store(path) as store:
        store.write({"customers": pa.table({"customer_id": ["c1"]})})
    return path


def test_no_java_is_named_with_the_fix(demo_db, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    done = _cli(
        ["metrics", "--db", str(demo_db), "--engine", "spark"],
        {"PATH": str(empty), "JAVA_HOME": ""},
        tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        "error: the Spark engine needs Java (17 or later) to run Spark, and found none: "
        "no java on PATH and JAVA_HOME is not set. Fix: install a JDK"
    ), done.stderr
    assert "Traceback" not in done.stderr


def test_java_home_without_java_is_named(demo_db, tmp_path):
    done = _cli(
        ["metrics", "--db", str(demo_db), "--engine", "spark"],
        {"PATH": os.environ["PATH"], "JAVA_HOME": str(tmp_path / "jdk")},
        tmp_path,
    )
    assert done.returncode == 2
    assert f"JAVA_HOME={tmp_path / 'jdk'} has no bin/java" in done.stderr


def test_a_java_that_cannot_start_spark_is_not_a_raw_gateway_error(demo_db, tmp_path):
    """A ``java`` that exits at once (a broken or too old JDK): PySpark's
    JAVA_GATEWAY_EXITED becomes one line naming that java and the fix."""
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\necho 'Error: this is not a JVM' >&2\nexit 1\n")
    java.chmod(0o755)
    done = _cli(
        ["metrics", "--db", str(demo_db), "--engine", "spark"],
        {"PATH": os.environ["PATH"], "JAVA_HOME": str(java.parents[1])},
        tmp_path,
    )
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: Java ({java}) could not start Spark for master local[2]")
    assert "Traceback" not in done.stderr and "PySparkRuntimeError" not in done.stderr


def test_a_store_file_is_not_sent_to_a_cluster(demo_db, tmp_path, no_spark_env):
    done = _cli(
        ["economics", "--db", str(demo_db), "--engine", "spark"],
        {"PATH": os.environ["PATH"], "PAYBACK_SPARK_MASTER": "spark://head:7077"},
        tmp_path,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(
        f"error: {demo_db} is a file on this machine, which Spark at spark://head:7077 cannot "
        f"read. Fix: publish it where the cluster reads (`payback store export --db {demo_db} "
        f"--to parquet:PATH`)"
    ), done.stderr


def test_unknown_engine_is_refused(demo_db, tmp_path):
    done = _cli(
        ["ltv", "cohorts", "--db", str(demo_db)],
        {"PATH": os.environ["PATH"], "PAYBACK_ENGINE": "polars"},
        tmp_path,
    )
    assert done.returncode == 2
    assert "unknown engine 'polars': expected duckdb or spark" in done.stderr
