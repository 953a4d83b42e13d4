"""A store on Apache Spark (the ``spark`` extra): the same canonical tables, as temporary
views of a Spark session, so every expression of the project runs there too.

The session is local (``local[2]`` unless ``--spark-master`` / ``PAYBACK_SPARK_MASTER``
names another master), or a Spark Connect server (``--spark-remote sc://host:port`` /
``PAYBACK_SPARK_REMOTE``; ``local`` starts one in this process). Whatever is missing
(pyspark, Java, the Connect packages, the server) is one :class:`SparkUnavailableError`
naming it and the fix, never a raw ``JAVA_GATEWAY_EXITED``.

A process keeps one session per target (master or Connect address), started by the first
command that needs it and reused by every later one; payback never stops a session or a
server (a session another caller stopped is replaced). The local Connect server listens
on a free port with a token of its own, not on Connect's usual 15002, so another server
on the machine (or one still shutting down) cannot stop it from starting.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from payback.errors import PaybackError
from payback.schema import TABLES
from payback.store import Store

#: Tries of the first request to a Spark Connect server (~1 s in all), before the error
#: naming the address; later requests use PySpark's own policy (retries for minutes).
CONNECT_PROBE_RETRIES = 3


class SparkUnavailableError(PaybackError):
    """Spark cannot be reached: pyspark, Java, the Connect packages or the server missing."""


def spark_target(master: str | None = None, remote: str | None = None) -> tuple[str, str]:
    """Where the Spark engine runs: ``("master", URL)`` or ``("remote", URL)``.

    ``master`` and ``remote`` default to ``$PAYBACK_SPARK_MASTER`` and
    ``$PAYBACK_SPARK_REMOTE``; a master written ``sc://...`` is a Spark Connect address.
    Without either, a local session on two cores (``local[2]``).

    >>> spark_target()
    ('master', 'local[2]')
    >>> spark_target(master="sc://spark.internal:15002")
    ('remote', 'sc://spark.internal:15002')
    >>> spark_target(master="spark://head:7077", remote="sc://head:15002")
    Traceback (most recent call last):
    ...
    payback.errors.PaybackError: both a Spark master (spark://head:7077) and a Spark Connect ...
    """
    master = master or os.environ.get("PAYBACK_SPARK_MASTER") or None
    remote = remote or os.environ.get("PAYBACK_SPARK_REMOTE") or None
    if master and master.startswith("sc://") and not remote:
        master, remote = None, master
    if master and remote:
        raise PaybackError(
            f"both a Spark master ({master}) and a Spark Connect server ({remote}) were given: "
            f"expected one. Fix: drop --spark-master/PAYBACK_SPARK_MASTER or "
            f"--spark-remote/PAYBACK_SPARK_REMOTE"
        )
    if remote:
        if not (remote.startswith("sc://") or remote.split("[")[0] == "local"):
            raise PaybackError(
                f"--spark-remote {remote!r} is not a Spark Connect address: expected "
                f"sc://host:port (e.g. sc://localhost:15002), or local to start a server here"
            )
        return "remote", remote
    return "master", master or "local[2]"


def is_local(master: str | None = None, remote: str | None = None) -> bool:
    """True when the Spark engine runs on this machine (it can read this machine's files).

    >>> is_local(), is_local(master="spark://head:7077"), is_local(remote="local")
    (True, False, True)
    """
    _, url = spark_target(master, remote)
    return url.split("[")[0] == "local"


def spark_session(master: str | None = None, remote: str | None = None):
    """The Spark session the engine runs on (created once per process, then reused).

    Parameters
    ----------
    master : str, optional
        A Spark master: ``local[*]``, ``spark://host:7077``, ``yarn`` ... (default
        ``$PAYBACK_SPARK_MASTER``, else ``local[2]``).
    remote : str, optional
        A Spark Connect server, ``sc://host:port`` (default ``$PAYBACK_SPARK_REMOTE``);
        ``local`` starts a local one.

    Raises
    ------
    SparkUnavailableError
        pyspark not installed, no Java (or one that cannot start Spark), the Spark Connect
        packages missing, or no server answering at the address: each named, with the fix.
    """
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        import pyspark  # noqa: F401
        from pyspark.sql import SparkSession  # noqa: F401
    except ImportError as e:
        raise SparkUnavailableError(
            f"the Spark engine needs pyspark, which is not installed in {sys.prefix} "
            f"({e}). Fix: pip install 'payback[spark]', or use --engine duckdb"
        ) from None
    target = spark_target(master, remote)
    with _LOCK:
        session = _SESSIONS.get(target)
        if session is None or not _alive(session, target):
            kind, url = target
            session = _connect_session(url) if kind == "remote" else _classic_session(url)
            _SESSIONS[target] = session
    return session


_LOCK = threading.Lock()


#: The sessions of this process, by target (``("master", URL)`` / ``("remote", URL)``).
_SESSIONS: dict[tuple[str, str], Any] = {}

#: The local Spark Connect servers started in this process: master -> (the Spark session
#: serving it, its ``sc://`` address with the token).
_SERVERS: dict[str, tuple[Any, str]] = {}


def runs_here(session) -> bool:
    """True when ``session`` is one this process started on this machine (a local master
    or ``--spark-remote local``): it reads and writes this machine's folders.

    >>> runs_here(object())
    False
    """
    return any(s is session and _is_local_url(url) for (_, url), s in _SESSIONS.items())


def _alive(session, target: tuple[str, str]) -> bool:
    """The session is usable: not stopped (by anyone), and for ``--spark-remote local``
    its server still runs."""
    kind, url = target
    if kind == "master":
        return session.sparkContext._jsc is not None
    if session.is_stopped:
        return False
    server = _SERVERS.get(url)
    return not _is_local_url(url) or (server is not None and _alive(server[0], ("master", "")))


#: Settings of every session payback starts (UTC, quiet, no web UI, sized for 2 cores).
_LOCAL_CONFIG = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "2",
    "spark.sql.ansi.enabled": "false",
}


def find_java() -> str | None:
    """The ``java`` Spark would start: ``$JAVA_HOME/bin/java``, else ``java`` on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        java = Path(home, "bin", "java")
        return str(java) if java.is_file() else None
    return shutil.which("java")


def _classic_session(master: str, config: Mapping[str, str] | None = None):
    """A classic (py4j) session on ``master``; ``config``: settings beyond the usual ones."""
    from pyspark import SparkContext
    from pyspark.errors import PySparkRuntimeError
    from pyspark.sql import SparkSession

    active = SparkContext._active_spark_context is not None
    java = find_java()
    if not active and java is None:
        where = (
            f"JAVA_HOME={os.environ['JAVA_HOME']} has no bin/java"
            if os.environ.get("JAVA_HOME")
            else "no java on PATH and JAVA_HOME is not set"
        )
        raise SparkUnavailableError(
            f"the Spark engine needs Java (17 or later) to run Spark, and found none: {where}. "
            f"Fix: install a JDK (e.g. apt-get install openjdk-17-jre-headless) or point "
            f"JAVA_HOME at one; or use --engine duckdb, or a Spark Connect server "
            f"(--spark-remote sc://host:port), which needs no Java here"
        )
    builder = SparkSession.builder.master(master).appName("payback")
    for key, value in {**_LOCAL_CONFIG, **(config or {})}.items():
        builder = builder.config(key, value)
    builder = builder.config("spark.driver.bindAddress", os.environ["SPARK_LOCAL_IP"])
    try:
        session = builder.getOrCreate()
    except PySparkRuntimeError as e:
        if "JAVA_GATEWAY_EXITED" not in str(e):
            raise
        raise SparkUnavailableError(
            f"Java ({java}) could not start Spark for master {master} "
            f"(JAVA_GATEWAY_EXITED; its own message is above). Fix: check `{java} -version` "
            f"says 17 or later and that JAVA_HOME points at a JDK; or use --engine duckdb"
        ) from None
    session.sparkContext.setLogLevel("ERROR")
    return session


def _is_local_url(url: str) -> bool:
    return url.split("[")[0] == "local"


def _connect_session(url: str):
    """A Spark Connect session to ``url``; ``local`` (or ``local[N]``) first starts a
    server in this process (:func:`_local_server`), once."""
    missing = [m for m in ("grpc", "grpc_status", "google.protobuf") if not _importable(m)]
    if missing:
        raise SparkUnavailableError(
            f"Spark Connect ({url}) needs pyspark's connect packages; missing: "
            f"{', '.join(missing)}. Fix: pip install 'payback[spark]' "
            f"(it brings pyspark[connect]: grpcio, grpcio-status, googleapis-common-protos)"
        )
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    address = _local_server(url) if _is_local_url(url) else url
    # a session of its own (getOrCreate would hand back any other Connect session of the
    # process, whatever its address); a remote server keeps its own settings (and a
    # setting given here is a request, sent with PySpark's retries of minutes: before the
    # probe below, none is sent)
    builder = ConnectSession.builder.remote(address)
    if _is_local_url(url):
        for key, value in _LOCAL_CONFIG.items():
            if key.startswith("spark.sql."):  # the runtime settings: the server has the rest
                builder = builder.config(key, value)
    session = builder.create()
    # as PySpark's own builder does: pyspark.sql.functions and the like build Connect
    # expressions from now on (this process's Spark is Spark Connect)
    os.environ["SPARK_CONNECT_MODE_ENABLED"] = "1"
    _probe(session, url)
    return session


def _local_server(master: str) -> str:
    """The ``sc://`` address (with its token) of the Spark Connect server this process
    runs on ``master`` (``local``, ``local[N]``), started by the first call.

    PySpark's own ``remote("local")`` listens on port 15002 and stops the server with the
    first session that ends; this server listens on a free port (another Connect server
    on the machine is no obstacle), needs a token of its own, and lives as long as the
    process (or until someone stops its Spark context: then the next call starts another).
    """
    known = _SERVERS.get(master)
    if known is not None and known[0].sparkContext._jsc is not None:
        return known[1]
    from pyspark import SparkContext

    if SparkContext._active_spark_context is not None:
        raise SparkUnavailableError(
            f"--spark-remote {master} starts a Spark Connect server in this process, which "
            f"already runs a local Spark session ({SparkContext._active_spark_context.master}) "
            f"without one. Fix: run the command in its own process, or use that session "
            f"(--spark-master)"
        )
    token = secrets.token_hex(16)
    config = {
        "spark.plugins": "org.apache.spark.sql.connect.SparkConnectPlugin",
        "spark.connect.grpc.binding.port": "0",  # any free port: asked of the server below
        "spark.connect.authenticate.token": token,
        "spark.sql.artifact.isolation.enabled": "true",
        "spark.sql.artifact.isolation.alwaysApplyClassloader": "true",
    }
    try:
        with _classic_mode():
            session = _classic_session(master, config)
        service = getattr(session._jvm, "org.apache.spark.sql.connect.service.SparkConnectService$")
        port = getattr(service, "MODULE$").localPort()
    except SparkUnavailableError:
        raise
    except Exception as e:  # the server did not start: Java, memory
        raise SparkUnavailableError(
            f"could not start a local Spark Connect server ({master}): {_first_line(e)}. Fix: "
            f"check Java (17 or later) is installed, or connect to a running server with "
            f"--spark-remote sc://host:port"
        ) from None
    address = f"sc://localhost:{port}/;token={token}"
    _SERVERS[master] = (session, address)
    return address


@contextlib.contextmanager
def _classic_mode():
    """PySpark's Connect switches off while the server's own (classic) session starts (a
    server restarted after a Connect session set them would otherwise be refused)."""
    names = ("SPARK_CONNECT_MODE_ENABLED", "SPARK_REMOTE", "SPARK_API_MODE")
    saved = {name: os.environ.pop(name) for name in names if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def _probe(session, url: str) -> None:
    """Ask the server its version with few retries: an address where no server answers
    fails in about a second, naming the address, instead of retrying for minutes."""
    from pyspark.sql.connect.client.retries import DefaultPolicy

    client = session.client
    policies = client.get_retry_policies()
    client.set_retry_policies([DefaultPolicy(max_retries=CONNECT_PROBE_RETRIES)])
    try:
        session.version  # noqa: B018 - a request to the server
    except Exception as e:  # RetriesExceeded, gRPC errors
        cause = e.__cause__ or e.__context__ or e
        details = getattr(cause, "details", None)  # a gRPC error's own words
        detail = details() if callable(details) else _first_line(cause)
        _close(session)
        raise SparkUnavailableError(
            f"no Spark Connect server answers at {url} ({detail}). Fix: start one there "
            f"($SPARK_HOME/sbin/start-connect-server.sh), check the host and port "
            f"(default 15002), or use --spark-remote local for a server on this machine"
        ) from None
    finally:
        client.set_retry_policies(policies)


def _close(session) -> None:
    """Close a Connect session's client (its server-side session released) and forget it
    as PySpark's default: never ``stop()``, which would also stop a server PySpark started
    in this process (``remote("local")``), whoever's it is."""
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    if not session.is_stopped:
        with contextlib.suppress(Exception):  # best effort: the server may be gone
            session.client.release_session()
        session.client.close()
    if ConnectSession._default_session is session:
        ConnectSession._default_session = None
    if getattr(ConnectSession._active_session, "session", None) is session:
        ConnectSession._active_session.session = None


@atexit.register
def _release_connect_sessions() -> None:
    """At exit, release the server-side sessions payback opened (a shared Connect server
    frees them now, not after its idle timeout); the servers and Spark contexts end with
    the process (PySpark stops its JVM)."""
    for (kind, _), session in list(_SESSIONS.items()):
        if kind == "remote":
            with contextlib.suppress(Exception):  # the interpreter is ending
                _close(session)
    _SESSIONS.clear()


def _importable(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class SparkStore(Store):
    """A store whose tables are temporary views of a Spark session.

    Closing it drops what it made (a local Parquet copy of a DuckDB file) but never stops
    the session: the process's Spark session serves every store of the process, and
    starting one costs seconds to tens of seconds.
    """

    def close(self) -> None:
        for cleanup in getattr(self, "_cleanups", ()):
            cleanup()
        self._cleanups = []

    def on_close(self, cleanup) -> None:
        """Run ``cleanup()`` when the store is closed."""
        self._cleanups = [*getattr(self, "_cleanups", []), cleanup]


#: The Ibis backend of each Spark session (one per session: a backend drops the
#: temporary views of its in-memory tables when it is garbage collected, views another
#: backend on the same session may be using).
_BACKENDS: dict[int, tuple[Any, Any]] = {}


def spark_store(session) -> SparkStore:
    """A :class:`SparkStore` on ``session`` (views are added by the caller)."""
    import ibis

    known = _BACKENDS.get(id(session))
    if known is None or known[0] is not session:
        known = _BACKENDS[id(session)] = (session, _backend(ibis.pyspark.connect(session)))
    return SparkStore(backend=known[1], path=None, engine="spark")


def _backend(backend):
    """Ibis 12's PySpark backend, with ``expr.cache()`` registering the in-memory tables
    the expression names first (as every other way of running an expression does;
    without it ``payback segments rfm`` fails with TABLE_OR_VIEW_NOT_FOUND), and without
    Ibis's ``assert frame.is_cached``: on Spark Connect the server may answer that a plan
    it was just asked to cache is not (``payback segments patterns`` failed so); a view
    of the query gives the same rows either way, the cache only saves recomputing it."""

    def create_cached_table(name, expr):
        backend._register_in_memory_tables(expr)
        frame = backend._session.sql(backend.compile(expr)).cache()
        frame.createTempView(name)
        backend._cached_dataframes[name] = frame  # unpersisted when Ibis releases it
        return backend.table(name)

    backend._create_cached_table = create_cached_table
    return backend


def open_spark(
    tables: Mapping[str, Any] | None = None,
    *,
    master: str | None = None,
    remote: str | None = None,
) -> SparkStore:
    """A store on a Spark session (:func:`spark_session`) holding ``tables``.

    ``tables`` (name -> pyarrow.Table or pandas DataFrame) are loaded as temporary views
    (sent through the driver: for small data and tests; a lake is read where it lies, see
    :func:`payback.lake.open_lake`); canonical tables not given are created empty, so
    every query of the project runs.
    """
    store = spark_store(spark_session(master, remote))
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

    The tables are read from ``source`` (whole, through Arrow and the driver) and
    registered in the Spark session as temporary views; the base currency is carried
    over. For tests of small stores; ``--engine spark`` on a store file goes through
    Parquet instead (:func:`payback.lake.open_store_on_spark`), never through the driver.
    """
    tables = {name: source.to_pyarrow(source.table(name)) for name in TABLES}
    store = open_spark(tables)
    if source.base_currency:
        store.set_meta("base_currency", source.base_currency)
    return store


__all__ = [
    "SparkStore",
    "SparkUnavailableError",
    "copy_to_spark",
    "find_java",
    "is_local",
    "load_into",
    "open_spark",
    "spark_session",
    "spark_store",
    "spark_target",
]
