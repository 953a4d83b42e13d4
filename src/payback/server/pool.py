"""The dashboard's bounded pool for cold work: a few workers, the views the page shows first
first, so cached answers never queue behind a computation.

Every view the cache does not hold yet is a *task*: a picklable callable ``task(store)``
returning JSON-ready data (or bytes), run by :func:`run_task` on a store opened read-only
for it. :class:`ComputePool` runs at most ``workers`` tasks at a time, the lowest
``priority`` number first (ties in arrival order); the rest wait in its queue, not in
threads. With ``processes=True`` the workers are separate processes (spawned once, when
the pool starts): Python work (Ibis compilation, pandas, the CLV fits) then runs on every
core instead of sharing one interpreter lock with the server answering cached requests.

A store held by a writer (an import committing) cannot be opened:
:func:`run_task` raises :class:`StoreBusy` instead of the store's lock error, and the app
answers with the last cached answer or 503 with ``Retry-After``.

Examples
--------
>>> pool = ComputePool(workers=1)
>>> pool.submit(5, pow, 2, 10).result()
1024
>>> pool.shutdown()
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import (
    CancelledError,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
)
from concurrent.futures.process import BrokenProcessPool
from typing import Any

#: The order cold work runs in (lower first): what the page shows at its top, and what is
#: cheap, before the heavy sections below it and the downloads.
PRIORITY = {
    "filters": 0,
    "headline": 1,
    "economics": 2,
    "table": 3,
    "timeseries": 3,
    "metrics": 3,
    "ltv": 4,
    "ltv_cac": 4,
    "export": 6,
    "report": 7,
}
#: Sections not named above (capabilities registered later) run between ltv and downloads.
OTHER_PRIORITY = 5
#: Seconds a client is told to wait (``Retry-After``) while a writer holds the store.
RETRY_AFTER = 2


def priority(key: tuple) -> int:
    """The priority of a view from its cache key (its first item is the view's name).

    >>> priority(("headline", ("s", "null"))), priority(("report",)), priority(("segments",))
    (1, 7, 5)
    """
    return PRIORITY.get(str(key[0]) if key else "", OTHER_PRIORITY)


class StoreBusy(Exception):
    """The store is locked by a writer (an import committing): try again shortly."""


class TaskError(Exception):
    """A task refused its input (a 400 or 409 for the client), in a picklable form.

    Parameters
    ----------
    detail : str
        The message the client gets.
    status : int
        400 (bad request) or 409 (the data cannot answer, e.g. mixed currencies).
    valid : list of str, optional
        The accepted values, when the problem is an unknown name.
    """

    def __init__(self, detail: str, status: int = 400, valid: list[str] | None = None):
        super().__init__(detail, status, valid)
        self.detail, self.status, self.valid = detail, status, valid


def default_workers() -> int:
    """Two workers, or one on a one-core machine."""
    return max(1, min(2, os.cpu_count() or 1))


# -- in the worker -----------------------------------------------------------------------------
_WORKER_DB: Any = None


def _init_worker(db: Any) -> None:
    """A worker process's start: remember the store, import what every view needs and ask
    the store once (the query engine's first use costs seconds: not in a user's request)."""
    global _WORKER_DB
    _WORKER_DB = db
    import payback.report.build
    import payback.report.extensions
    import payback.server.payloads
    from payback.metrics.custom import use_metrics_file
    from payback.report.views import data_period

    use_metrics_file()  # the one the server was started with ($PAYBACK_METRICS_FILE)
    payback.report.extensions.extensions()
    with contextlib.suppress(Exception):  # a store being written: its first request says so
        run_task(db, data_period)


def _in_worker(task: Callable[[Any], Any]) -> bytes:
    return run_task(_WORKER_DB, task)


def run_task(source: Any, task: Callable[[Any], Any]) -> bytes:
    """``task(store)`` on a store opened read-only from ``source`` (a path, or an open
    :class:`payback.server.deps.StoreSource`), as the response body: bytes as they are,
    text encoded, anything else as JSON.

    Raises
    ------
    StoreBusy
        When a writer holds the store's lock.
    TaskError
        When the task refused its input (:class:`payback.errors.PaybackError` or a
        refused parameter).
    """
    import duckdb

    from payback.errors import CurrencyError, PaybackError, StoreLockedError
    from payback.server.deps import StoreSource
    from payback.server.params import ApiError
    from payback.server.payloads import dumps

    if not isinstance(source, StoreSource):
        source = StoreSource(source)
    try:
        with source.open() as store:
            value = task(store)
    except duckdb.IOException as e:
        if "lock" in str(e).lower():
            raise StoreBusy(f"the store is being written (an import is running): {e}") from None
        raise
    except StoreLockedError as e:
        raise StoreBusy(f"the store is being written (an import is running): {e}") from None
    except ApiError as e:
        raise TaskError(e.detail, e.status, e.valid) from None
    except CurrencyError as e:
        raise TaskError(str(e), 409) from None
    except PaybackError as e:
        raise TaskError(str(e), 400) from None
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return dumps(value)


# -- the pool ----------------------------------------------------------------------------------
class ComputePool:
    """At most ``workers`` tasks at a time, the lowest priority number first.

    Parameters
    ----------
    workers : int
        Tasks run at once (default :func:`default_workers`).
    processes : bool
        Run tasks in worker processes (spawned) instead of threads of this process;
        needs ``db``, a store file (an open in-memory store cannot be shared).
    db : path, optional
        The store file the worker processes open (``processes=True``).
    """

    def __init__(self, workers: int | None = None, *, processes: bool = False, db: Any = None):
        self.workers = workers or default_workers()
        self.processes = processes
        self._db = db
        self._executor: Executor | None = None
        self._queue: list[tuple[int, int, Callable[..., Any], tuple, Future]] = []
        self._order = itertools.count()
        self._running = 0
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the workers now (worker processes import the views' modules before the
        first request instead of during it)."""
        with self._lock:
            executor = self._ensure()
        if self.processes:  # spawn every worker and wait for their imports
            assert isinstance(executor, ProcessPoolExecutor)
            for f in [executor.submit(os.getpid) for _ in range(self.workers)]:
                f.result()

    def _ensure(self) -> Executor:
        if self._executor is None:
            if self.processes:
                self._executor = ProcessPoolExecutor(
                    self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_init_worker,
                    initargs=(self._db,),
                )
            else:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="payback-view")
        return self._executor

    @property
    def queued(self) -> int:
        """Tasks waiting for a worker."""
        return len(self._queue)

    def submit(self, priority: int, fn: Callable[..., Any], *args: Any) -> Future:
        """Run ``fn(*args)`` when a worker is free and nothing of a lower number waits."""
        future: Future = Future()
        with self._lock:
            heapq.heappush(self._queue, (priority, next(self._order), fn, args, future))
        self._pump()
        return future

    def run(self, priority: int, task: Callable[[Any], Any], source: Any) -> Future:
        """:func:`run_task` of ``task`` (in a worker process on its own store connection,
        or in a thread on ``source``); the future's result is the response body."""
        if self.processes:
            return self.submit(priority, _in_worker, task)
        return self.submit(priority, run_task, source, task)

    def _pump(self) -> None:
        while True:
            with self._lock:
                if self._running >= self.workers or not self._queue:
                    return
                _, _, fn, args, outer = heapq.heappop(self._queue)
                if not outer.set_running_or_notify_cancel():
                    continue
                try:
                    inner = self._ensure().submit(fn, *args)
                except Exception as e:  # a broken or shut-down executor: this task fails
                    outer.set_exception(e)
                    self._executor = None
                    continue
                self._running += 1
            inner.add_done_callback(lambda f, outer=outer: self._done(f, outer))

    def _done(self, inner: Future, outer: Future) -> None:
        with self._lock:
            self._running -= 1
        if inner.cancelled():  # shut down before it ran
            outer.set_exception(CancelledError())
            return
        error = inner.exception()
        if isinstance(error, BrokenProcessPool):  # a worker died (killed, out of memory):
            with self._lock:  # the next task starts new workers
                broken = self._executor
                if broken is not None and getattr(broken, "_broken", False):
                    self._executor = None
                else:
                    broken = None
            if broken is not None:
                broken.shutdown(wait=False, cancel_futures=True)
        if error is not None:
            outer.set_exception(error)
        else:
            outer.set_result(inner.result())
        self._pump()

    def shutdown(self) -> None:
        """Drop what waits, let what runs finish (a DuckDB query still running when the
        interpreter exits aborts the process) and stop the workers; a later task starts
        new ones."""
        with self._lock:
            waiting, self._queue = self._queue, []
            executor, self._executor = self._executor, None
        for *_, future in waiting:
            future.cancel()
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
