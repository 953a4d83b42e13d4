"""Compiled metric queries kept per store version: a repeated query skips Ibis.

Building a metric query (:func:`payback.metrics.engine.compute_metrics`) costs a fixed
time whatever the size of the data: the Ibis expression is built, compiled to SQL
(sqlglot), and the store's currencies and blank dimensions are looked up. At a coarse
grain (platform x month) that is most of the time of a query the dashboard, the report
or a notebook asks again and again. :func:`compiled` keeps, per store file version
(:func:`payback.cache.store_version`: it changes whenever the file changes), the plan
of a request with its SQL and Arrow schema, so the next identical request runs the SQL
directly. Its result is the same: the SQL is the one Ibis compiled for the same data.

The key is the normalised request (grain, canonical metric names, parsed filters and
period, totals, hierarchy) and the identity of every registered metric and data side
(a metric or side registered later, a custom metric or a goal of the store's config,
makes new keys). A store that is not a file (``":memory:"``) or not DuckDB (Spark) is
never cached: its changes cannot be seen.

**Across processes** (:class:`Disk`): the first query of a process (a CLI run, a report)
would compile again. A plan that can be written as data (the engine's SQL, Arrow schema
and plan fields) is also kept as a small JSON file in :func:`cache_dir`
(``$PAYBACK_CACHE_DIR``, else ``$XDG_CACHE_HOME/payback`` or ``~/.cache/payback``;
an empty ``PAYBACK_CACHE_DIR`` turns it off), named by a SHA-256 digest of its content
key: the store file's path and version stamp (:func:`payback.cache.store_version`:
any write makes a new one), the request, the *content* of every registered metric and
data side (:func:`content`: their fields, and the code and closure of their functions),
payback's source files (path, size, modification time) and the versions of Python,
Ibis, sqlglot, DuckDB and pyarrow. Anything that changes the SQL changes the digest, so
a stale file is never read; a registry that cannot be written as content (an object
without a stable description) is not kept on disk at all. A file that cannot be read
back (corrupt, truncated, another format) is ignored and written again.

Examples
--------
>>> import datetime as dt, tempfile, pyarrow as pa
>>> from payback.store import open_store
>>> with tempfile.TemporaryDirectory() as tmp, open_store(f"{tmp}/s.duckdb") as store:
...     _ = store.write({"orders": pa.table({"order_id": ["1"], "revenue": [5.0],
...         "status": ["confirmed"], "currency": ["EUR"]})})
...     built = []
...     def build():
...         built.append(1)
...         return "the plan"
...     first = compiled(store, ("request",), build)
...     again = compiled(store, ("request",), build)
...     _ = store.write({"orders": pa.table({"order_id": ["2"], "revenue": [7.0],
...         "status": ["confirmed"], "currency": ["EUR"]})})
...     changed = compiled(store, ("request",), build)  # a new store version: built again
>>> first, again, len(built)
('the plan', 'the plan', 2)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import json
import os
import sys
import types
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

from payback.cache import QueryCache, store_version

T = TypeVar("T")

#: How many compiled requests are kept (of one store version).
MAX_PLANS = 256
#: The layout of a plan file; another number is ignored (and written again).
DISK_FORMAT = 1

_PLANS = QueryCache(maxsize=MAX_PLANS)


def registries() -> tuple[Any, ...]:
    """What a plan depends on besides the request and the store: the registered metrics
    and data sides, by identity (the objects are kept with the key, so an identity is
    never reused while its plan is cached)."""
    from payback.metrics.catalogue import CATALOGUE
    from payback.metrics.sides import SIDES

    return (tuple(CATALOGUE.values()), tuple(SIDES.values()))


@dataclasses.dataclass(frozen=True)
class Disk(Generic[T]):
    """How a plan is written to and read from its file: ``dump(plan) -> dict`` of JSON
    values, ``load(data, key) -> plan`` (``key``: the request the plan was asked for);
    ``load`` raises (any error) on data it cannot use, and the plan is built again."""

    dump: Callable[[T], dict]
    load: Callable[[dict, Hashable], T]


@dataclasses.dataclass(frozen=True)
class Plan:
    """A metric request built by the engine (:func:`payback.metrics.engine.compute_metrics`).

    Kept per store version without its Ibis expressions (``filtered``, ``expr`` None),
    which hold the store's connection, beside its SQL and Arrow schema.
    """

    by: tuple[str, ...]
    metrics: tuple[str, ...]
    parts: tuple[str, ...]
    sides: tuple[str, ...]  # sides that contribute
    excluded: Mapping[str, str]  # sides needed but left out, and why
    filtered: Mapping[str, Any] | None  # filtered side tables (before aggregation)
    split: bool  # a "paid" total row precedes the "all" one
    expr: Any  # groups (+ totals) with dims, parts, metrics, is_total, total_kind
    filters: Mapping[str, tuple[object, ...]]  # parsed --where
    period: tuple[Any, Any]  # parsed --from, --to


def _dump_plan(compiled_plan: tuple[Plan, str | None, Any]) -> dict:
    """A compiled plan as JSON values: its fields but the request's own (filters,
    period), its SQL, its Arrow schema (IPC, base64)."""
    import base64

    plan, sql, schema = compiled_plan
    if sql is None:
        raise ValueError("only a DuckDB plan (with its SQL) is kept on disk")
    return {
        "by": list(plan.by),
        "metrics": list(plan.metrics),
        "parts": list(plan.parts),
        "sides": list(plan.sides),
        "excluded": dict(plan.excluded),
        "split": plan.split,
        "sql": sql,
        "schema": base64.b64encode(schema.serialize().to_pybytes()).decode("ascii"),
    }


def _load_plan(data: dict, key: Hashable) -> tuple[Plan, str, Any]:
    """:func:`_dump_plan` read back for the request in ``key``
    (``("plan", (by, metrics, filters, start, end), totals)``)."""
    import base64

    import pyarrow as pa

    by, names, filters, start, end = key[1]  # type: ignore[index]
    if tuple(data["by"]) != by or tuple(data["metrics"]) != names:
        raise ValueError("the file holds another request")
    plan = Plan(
        by=tuple(data["by"]),
        metrics=tuple(data["metrics"]),
        parts=tuple(data["parts"]),
        sides=tuple(data["sides"]),
        excluded={str(k): str(v) for k, v in data["excluded"].items()},
        filtered=None,
        split=bool(data["split"]),
        expr=None,
        filters=dict(filters),
        period=(start, end),
    )
    schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(data["schema"])))
    return plan, str(data["sql"]), schema


#: the engine's compiled plans ``(Plan, SQL, Arrow schema)`` in their files
PLAN_FILES = Disk(dump=_dump_plan, load=_load_plan)


def compiled(store, key: Hashable, build: Callable[[], T], disk: Disk[T] | None = None) -> T:
    """``build()`` once per ``key`` and version of ``store``; a store that is not a
    DuckDB file builds every time.

    Parameters
    ----------
    store : payback.store.Store
    key : hashable
        The normalised request (see the module docstring).
    build : callable
        Builds the plan (called with no arguments); an error is raised, never cached.
    disk : Disk, optional
        Keep the plan in a file too, for the next process (see the module docstring).
    """
    version = store_version(store) if store.engine == "duckdb" else None
    if version is None:
        return build()
    objects = registries()
    full = (version[0], key, tuple(map(id, objects[0])), tuple(map(id, objects[1])))

    def compute():
        path = _plan_file(version, key, objects) if disk is not None else None
        plan = _read(path, disk, key) if path is not None else None
        if plan is None:
            plan = build()
            if path is not None:
                _write(path, disk.dump(plan))
        return objects, plan

    return _PLANS.get_or_compute(full, version=version, compute=compute)[1]


def clear() -> None:
    """Forget every compiled plan of this process (they are dropped by themselves when a
    store changes); the files of :func:`cache_dir` stay."""
    _PLANS.clear()


def cache_dir() -> Path | None:
    """Where compiled plans are kept across processes: ``$PAYBACK_CACHE_DIR`` (empty:
    nowhere), else ``$XDG_CACHE_HOME/payback`` or ``~/.cache/payback``, with ``plans/``.

    >>> import os
    >>> saved = os.environ.get("PAYBACK_CACHE_DIR")
    >>> os.environ["PAYBACK_CACHE_DIR"] = "/tmp/somewhere"
    >>> str(cache_dir())
    '/tmp/somewhere/plans'
    >>> os.environ["PAYBACK_CACHE_DIR"] = ""
    >>> cache_dir() is None
    True
    >>> _ = os.environ.pop("PAYBACK_CACHE_DIR") if saved is None else os.environ.update(
    ...     PAYBACK_CACHE_DIR=saved)
    """
    chosen = os.environ.get("PAYBACK_CACHE_DIR")
    if chosen is not None:
        return Path(chosen) / "plans" if chosen.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "payback" / "plans"


def content(obj: Any) -> str:
    """A description of ``obj`` that is the same in every process for the same content:
    numbers, strings, containers, dataclasses (type and fields), enums, functions (their
    module, name, code, defaults and closure: a lambda that sums another column, or that
    closes over another goal, reads differently). ``TypeError`` for anything else (an
    object whose only description is its address).

    >>> content(("cost", 1.5, None)) == content(("cost", 1.5, None))
    True
    >>> content(lambda t: t.cost.sum()) == content(lambda t: t.clicks.sum())
    False
    """
    if obj is None or isinstance(obj, (bool, int, float, str, bytes)):
        return repr(obj)
    if isinstance(obj, (dt.date, dt.time, dt.timedelta)):  # (datetime is a date)
        return f"{type(obj).__name__}({obj})"
    if isinstance(obj, enum.Enum):
        return f"{type(obj).__qualname__}.{obj.name}"
    if isinstance(obj, (tuple, list)):
        return "(" + ",".join(map(content, obj)) + ")"
    if isinstance(obj, (set, frozenset)):
        return "{" + ",".join(sorted(map(content, obj))) + "}"
    if isinstance(obj, Mapping):
        return "{" + ",".join(sorted(f"{content(k)}:{content(v)}" for k, v in obj.items())) + "}"
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = (f"{f.name}={content(getattr(obj, f.name))}" for f in dataclasses.fields(obj))
        return f"{type(obj).__module__}.{type(obj).__qualname__}({','.join(fields)})"
    if isinstance(obj, functools.partial):
        return f"partial({content(obj.func)},{content(obj.args)},{content(obj.keywords)})"
    if isinstance(obj, types.FunctionType):
        cells = tuple(c.cell_contents for c in obj.__closure__ or ())
        return (
            f"fn({obj.__module__}.{obj.__qualname__},{_module_stamp(obj.__module__)},"
            f"{content(obj.__code__)},{content(obj.__defaults__)},"
            f"{content(obj.__kwdefaults__)},{content(cells)})"
        )
    if isinstance(obj, types.CodeType):
        return f"code({obj.co_code.hex()},{content(obj.co_consts)},{content(obj.co_names)})"
    if isinstance(obj, type):
        return f"type({obj.__module__}.{obj.__qualname__})"
    raise TypeError(f"no stable description of a {type(obj).__qualname__}")


@functools.cache
def _module_stamp(name: str) -> str:
    """Size and modification time of a module's source file outside payback (a user's
    module defining a data side: its helper functions are part of the side's SQL too);
    payback's own files are in :func:`_code_stamp`."""
    path = getattr(sys.modules.get(name), "__file__", None)
    if name == "payback" or name.startswith("payback.") or not path:
        return ""
    try:
        st = os.stat(path)
    except OSError:
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}"


@functools.cache
def _code_stamp() -> str:
    """payback's source files (path, size, modification time) and the libraries' versions,
    once per process (the code a process runs is the code it imported)."""
    import duckdb
    import ibis
    import pyarrow
    import sqlglot

    root = Path(__file__).resolve().parents[1]
    files = []
    for path in sorted(root.rglob("*.py")):
        st = path.stat()
        files.append(f"{path.relative_to(root)}:{st.st_size}:{st.st_mtime_ns}")
    versions = (sys.version, ibis.__version__, sqlglot.__version__, duckdb.__version__)
    return hashlib.sha256("\n".join([*files, *versions, pyarrow.__version__]).encode()).hexdigest()


_CONTENTS: dict[tuple[int, ...], tuple[Any, str | None]] = {}


def _registry_content(objects: tuple[Any, ...]) -> str | None:
    """:func:`content` of the registries, once per set of registered objects (kept, so
    their identities stay theirs); None when some object has no stable description."""
    ids = tuple(id(o) for group in objects for o in group)
    kept = _CONTENTS.get(ids)
    if kept is None:
        try:
            described: str | None = content(objects)
        except TypeError:
            described = None
        kept = _CONTENTS[ids] = (objects, described)
    return kept[1]


def _plan_file(version: Hashable, key: Hashable, objects: tuple[Any, ...]) -> Path | None:
    """The file of a plan, named by the digest of everything it depends on; None when
    plans are not kept on disk or the key has no stable description."""
    folder = cache_dir()
    registered = _registry_content(objects) if folder is not None else None
    if registered is None:
        return None
    try:
        described = content((DISK_FORMAT, _code_stamp(), version, key, registered))
    except TypeError:
        return None
    return folder / f"{hashlib.sha256(described.encode()).hexdigest()}.json"


def _read(path: Path, disk: Disk[T], key: Hashable) -> T | None:
    """The plan kept in ``path``, or None: missing, unreadable or not of this format."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != DISK_FORMAT:
            return None
        return disk.load(data["plan"], key)
    except Exception:  # a bad file is only a missed cache: built again
        return None


def _write(path: Path, data: dict) -> None:
    """Write a plan file whole or not at all (a temporary file renamed); a cache folder
    that cannot be written (read-only home) keeps nothing, silently."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"format": DISK_FORMAT, "plan": data}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


__all__ = [
    "DISK_FORMAT",
    "MAX_PLANS",
    "PLAN_FILES",
    "Disk",
    "Plan",
    "cache_dir",
    "clear",
    "compiled",
    "content",
    "registries",
]
