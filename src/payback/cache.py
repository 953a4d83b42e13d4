"""Values computed once per store version: the cache the report and the dashboard share.

Neither capability owns it: the report memoises its CLV fits in it
(:mod:`payback.report.clv_section`) and the dashboard keeps its responses in it
(:mod:`payback.server`). Entries belong to one *version* of the store, a key that changes
whenever the store file changes (:func:`file_stamp`); every entry is dropped when the
version changes.

:func:`per_store_version` computes a value once per store version for any capability
(one store at a time: asking for another store's values drops the first store's);
:class:`QueryCache` is an LRU cache of computed values keyed by the normalised query.
Concurrent requests for the same missing key compute it once (the others wait for the
result).

Examples
--------
>>> cache = QueryCache(maxsize=2)
>>> calls = []
>>> def compute():
...     calls.append(1)
...     return b"42"
>>> cache.get_or_compute(("metrics", "by=campaign"), version=1, compute=compute)
b'42'
>>> cache.get_or_compute(("metrics", "by=campaign"), version=1, compute=compute)
b'42'
>>> len(calls), cache.hits, cache.misses
(1, 1, 1)
>>> _ = cache.get_or_compute(("metrics", "by=campaign"), version=2, compute=compute)
>>> len(calls)   # the store changed: computed again
2
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def file_stamp(path: str | os.PathLike[str]) -> Hashable:
    """The version of a store file: (mtime, size) of the file and of its write-ahead log.

    It changes whenever a writer (an import in another process) changes the file; a
    missing file or log counts as ``None``.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = Path(tmp) / "s.duckdb"
    ...     missing = file_stamp(p)
    ...     _ = p.write_bytes(b"x")
    ...     written = file_stamp(p)
    >>> missing
    (None, None)
    >>> written[0][1], written[1]   # one byte, no write-ahead log
    (1, None)
    """
    path = Path(path)
    stamps: list[tuple[int, int] | None] = []
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            st = p.stat()
        except FileNotFoundError:
            stamps.append(None)
        else:
            stamps.append((st.st_mtime_ns, st.st_size))
    return tuple(stamps)


class QueryCache:
    """A thread-safe LRU cache whose entries belong to one store version."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._stale: dict[Hashable, Any] = {}
        self._version: Hashable = None
        self._lock = threading.Lock()
        self._inflight: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._stale.clear()

    def _lookup(self, key: Hashable, version: Hashable) -> tuple[bool, Any]:
        with self._lock:
            if version != self._version:
                if self._data:  # kept for stale(): a store being written cannot be read
                    self._stale = dict(self._data)
                self._data.clear()
                self._version = version
            if key in self._data:
                self._data.move_to_end(key)
                return True, self._data[key]
            return False, None

    def lookup(self, key: Hashable, version: Hashable) -> tuple[bool, Any]:
        """``(True, value)`` when ``key`` is cached for this store ``version`` (counted as
        a hit), else ``(False, None)``; never computes, never waits for a computation."""
        found, value = self._lookup(key, version)
        if found:
            with self._lock:
                self.hits += 1
        return found, value

    def put(self, key: Hashable, version: Hashable, value: Any) -> None:
        """Keep ``value`` of ``key`` computed on store ``version`` (counted as a miss);
        dropped when the store has changed since."""
        with self._lock:
            self.misses += 1
            if version == self._version:
                self._data[key] = value
                self._data.move_to_end(key)
                while len(self._data) > self.maxsize:
                    self._data.popitem(last=False)

    def stale(self, key: Hashable) -> tuple[bool, Any]:
        """The value ``key`` had on the last store version that held any value, for
        answering while a writer holds the store (``(False, None)`` when there is none)."""
        with self._lock:
            if key in self._data:
                return True, self._data[key]
            if key in self._stale:
                return True, self._stale[key]
            return False, None

    def get_or_compute(self, key: Hashable, *, version: Hashable, compute: Callable[[], T]) -> T:
        """The cached value of ``key`` for this store ``version``, computed once when missing."""
        found, value = self._lookup(key, version)
        if found:
            with self._lock:
                self.hits += 1
            return value
        with self._lock:
            gate = self._inflight.setdefault(key, threading.Lock())
        with gate:
            found, value = self._lookup(key, version)  # another thread may have computed it
            if found:
                with self._lock:
                    self.hits += 1
                return value
            try:
                value = compute()
                self.put(key, version, value)
            finally:
                # only once the value is stored: a thread arriving in between would find
                # neither the value nor the gate and compute the key a second time
                with self._lock:
                    if self._inflight.get(key) is gate:
                        del self._inflight[key]
        return value


def store_version(store: Any) -> Hashable | None:
    """The version of an open store: its file's absolute path and :func:`file_stamp`; for
    a read-only store that is not a file (a lake, Delta tables, a Spark catalog, any
    Spark store) its name and the opening, so that one command (or one ``serve --engine
    spark``) computes a shared value once while the store is open and a later opening
    reads the data again; ``None`` for an in-memory DuckDB store, whose changes cannot
    be seen.

    >>> from payback.store import open_store
    >>> store_version(open_store(":memory:")) is None
    True
    """
    path = getattr(store, "path", None)
    if _read_only_elsewhere(store):
        return (f"{path or 'spark'}#opened", ("opened", store.opening))
    if not path or path == ":memory:" or not os.path.exists(path):
        return None
    return (os.path.abspath(path), file_stamp(path))


def is_file_version(version: Hashable | None) -> bool:
    """The version (:func:`store_version`) is a store file's.

    >>> is_file_version(None), is_file_version(("parquet:/lake#opened", ("opened", 3)))
    (False, False)
    """
    return isinstance(version, tuple) and not str(version[0]).endswith("#opened")


def _read_only_elsewhere(store: Any) -> bool:
    from payback.store import NOT_A_FILE

    path = str(getattr(store, "path", None) or "")
    return getattr(store, "engine", None) == "spark" or path.startswith(NOT_A_FILE)


#: Values computed once per store version, shared by every capability and thread.
_PER_VERSION = QueryCache(maxsize=64)


def kept_per_store_version(store: Any, key: Hashable) -> bool:
    """Whether :func:`per_store_version` holds the value of ``key`` for the store's current
    version (never computes, never waits for a computation under way): a caller that can
    compute several values in one statement leaves out those already kept.

    >>> import tempfile
    >>> from payback.store import open_store
    >>> with tempfile.TemporaryDirectory() as tmp, open_store(f"{tmp}/s.duckdb") as store:
    ...     before = kept_per_store_version(store, ("kept?",))
    ...     _ = per_store_version(store, ("kept?",), lambda: 1)
    ...     after = kept_per_store_version(store, ("kept?",))
    >>> before, after
    (False, True)
    """
    version = store_version(store)
    if version is None:
        return False
    return _PER_VERSION.lookup((version[0], key), version)[0]


def per_store_version(store: Any, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per ``key`` and version of ``store`` (:func:`store_version`).

    For work that depends on the store's data only (a model fit, every customer's
    first order, whole-history cohort curves), not on a request's period or filters.
    Thread-safe: two threads asking for the same key wait for one computation; a newer
    store file (or a newer opening of a lake) drops every older value. An in-memory
    store computes every time.

    Parameters
    ----------
    store : payback.store.Store
    key : hashable
        What is computed, with its arguments: ``("cohort_ltv", "campaign")``.
    compute : callable
        Computes the value (called with no arguments).

    Examples
    --------
    >>> import tempfile
    >>> from payback.store import open_store
    >>> calls = []
    >>> with tempfile.TemporaryDirectory() as tmp, open_store(f"{tmp}/s.duckdb") as store:
    ...     first = per_store_version(store, ("answer",), lambda: calls.append(1) or 42)
    ...     again = per_store_version(store, ("answer",), lambda: calls.append(1) or 42)
    >>> first, again, len(calls)
    (42, 42, 1)
    """
    version = store_version(store)
    if version is None:
        return compute()
    return _PER_VERSION.get_or_compute((version[0], key), version=version, compute=compute)
