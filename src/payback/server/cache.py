"""The dashboard's store access and its response cache.

:class:`StoreSource` opens the store for one computation at a time (read-only), so an
import in another process can write between requests; its :meth:`StoreSource.version`
changes whenever the store file (or its write-ahead log) changes.

:class:`QueryCache` is an LRU cache of computed responses keyed by the normalised query.
Every entry is dropped when the store's version changes. Concurrent requests for the
same missing key compute it once (the others wait for the result).

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
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class QueryCache:
    """A thread-safe LRU cache whose entries belong to one store version."""

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
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

    def _lookup(self, key: Hashable, version: Hashable) -> tuple[bool, Any]:
        with self._lock:
            if version != self._version:
                self._data.clear()
                self._version = version
            if key in self._data:
                self._data.move_to_end(key)
                return True, self._data[key]
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
                with self._lock:
                    self.misses += 1
                    if version == self._version:
                        self._data[key] = value
                        self._data.move_to_end(key)
                        while len(self._data) > self.maxsize:
                            self._data.popitem(last=False)
            finally:
                # only once the value is stored: a thread arriving in between would find
                # neither the value nor the gate and compute the key a second time
                with self._lock:
                    if self._inflight.get(key) is gate:
                        del self._inflight[key]
        return value


class StoreSource:
    """Where the dashboard reads from: a store file (opened per computation) or a Store.

    Parameters
    ----------
    db : path or payback.store.Store
        A DuckDB file is opened read-only for each computation and closed after it. An
        open :class:`~payback.store.Store` (an in-memory one in tests) is used as it is,
        one computation at a time.
    """

    def __init__(self, db: Any) -> None:
        from payback.store import Store

        self._store: Store | None = db if isinstance(db, Store) else None
        if self._store is not None:
            in_file = self._store.path not in (None, ":memory:")
            self.path = Path(self._store.path) if in_file else None
        else:
            self.path = Path(os.fspath(db))
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.path.name if self.path is not None else "in-memory store"

    def version(self) -> Hashable:
        """Changes when the store file or its write-ahead log changes (size or mtime)."""
        if self.path is None:
            return 0
        stamps = []
        for p in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = p.stat()
            except FileNotFoundError:
                stamps.append(None)
            else:
                stamps.append((st.st_mtime_ns, st.st_size))
        return tuple(stamps)

    @contextmanager
    def open(self) -> Iterator[Any]:
        """A store to compute on (closed afterwards when this source opened it)."""
        if self._store is not None:
            with self._lock:
                yield self._store
            return
        from payback.store import open_store

        store = open_store(self.path, read_only=True)
        try:
            yield store
        finally:
            store.close()
