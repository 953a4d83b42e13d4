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

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from payback.cache import QueryCache, store_version

T = TypeVar("T")

#: How many compiled requests are kept (of one store version).
MAX_PLANS = 256

_PLANS = QueryCache(maxsize=MAX_PLANS)


def registries() -> tuple[Any, ...]:
    """What a plan depends on besides the request and the store: the registered metrics
    and data sides, by identity (the objects are kept with the key, so an identity is
    never reused while its plan is cached)."""
    from payback.metrics.catalogue import CATALOGUE
    from payback.metrics.sides import SIDES

    return (tuple(CATALOGUE.values()), tuple(SIDES.values()))


def compiled(store, key: Hashable, build: Callable[[], T]) -> T:
    """``build()`` once per ``key`` and version of ``store``; a store that is not a
    DuckDB file builds every time.

    Parameters
    ----------
    store : payback.store.Store
    key : hashable
        The normalised request (see the module docstring).
    build : callable
        Builds the plan (called with no arguments); an error is raised, never cached.
    """
    version = store_version(store) if store.engine == "duckdb" else None
    if version is None:
        return build()
    objects = registries()
    full = (version[0], key, tuple(map(id, objects[0])), tuple(map(id, objects[1])))
    return _PLANS.get_or_compute(full, version=version, compute=lambda: (objects, build()))[1]


def clear() -> None:
    """Forget every compiled plan (they are dropped by themselves when a store changes)."""
    _PLANS.clear()


__all__ = ["MAX_PLANS", "clear", "compiled", "registries"]
