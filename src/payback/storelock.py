"""Waiting for the store's file lock: a bounded, configurable time, then a clear error.

DuckDB lets one process write a store file, or several read it, never both: opening a
file another process holds fails at once with ``IO Error: Could not set lock on file
...: Conflicting lock is held in /usr/bin/python3 (PID 12345)``. :func:`connect` retries
such a failure with a short backoff for up to ``wait`` seconds (default
``$PAYBACK_LOCK_TIMEOUT``, else :data:`DEFAULT_WAIT`), so two imports, or an import and
the Python API, run one after the other; then it raises
:class:`~payback.errors.StoreLockedError` naming the holder, how long it waited and the
fix. Any other error is raised at once. The dashboard's workers open the store with
``wait=0``: a request never waits here, it answers from the cache or 503
(:mod:`payback.server.pool`). docs/reliability.md describes the promise and its test.

>>> holder('IO Error: Could not set lock on file "/s.duckdb": Conflicting lock is held '
...        'in /usr/bin/python3.11 (PID 4242) by user ana. See also https://duckdb.org')
('/usr/bin/python3.11 (PID 4242) by user ana', 4242)
>>> holder("IO Error: Could not set lock on file: Resource temporarily unavailable")
('Resource temporarily unavailable', None)
>>> lock_wait(None, env={"PAYBACK_LOCK_TIMEOUT": "2.5"})
2.5
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

from payback.errors import PaybackError, StoreLockedError

#: Seconds an import or the Python API waits for another process's lock by default.
DEFAULT_WAIT = 30.0
#: The environment variable that sets the default wait (seconds; 0 fails at once).
ENV = "PAYBACK_LOCK_TIMEOUT"
#: Backoff between tries: starts here, doubles, at most :data:`MAX_PAUSE`.
FIRST_PAUSE = 0.05
MAX_PAUSE = 0.5

_HOLDER = re.compile(r"Conflicting lock is held in (.+?\(PID (\d+)\)(?: by user \S+?)?)\.?(?:\s|$)")

T = TypeVar("T")


def is_lock_conflict(error: BaseException) -> bool:
    """Whether a connect error is another process's lock on the file."""
    text = str(error)
    return "Could not set lock" in text or "Conflicting lock" in text


def holder(message: str) -> tuple[str, int | None]:
    """Who holds the lock, from DuckDB's message: ``(description, pid)``; without a PID
    the reason DuckDB gave (its text after the last ``: ``)."""
    found = _HOLDER.search(message)
    if found:
        return found.group(1), int(found.group(2))
    first = message.splitlines()[0] if message else ""
    return first.rsplit(": ", 1)[-1].strip(), None


def lock_wait(wait: float | None, *, env: Mapping[str, str] | None = None) -> float:
    """The wait in seconds: ``wait`` when given, else ``$PAYBACK_LOCK_TIMEOUT``, else 30."""
    if wait is None:
        text = (os.environ if env is None else env).get(ENV)
        if text is None or not text.strip():
            return DEFAULT_WAIT
        try:
            wait = float(text)
        except ValueError:
            raise PaybackError(
                f"{ENV}={text!r}: expected a number of seconds like 30 (0 fails at once)"
            ) from None
    if not wait >= 0 or wait == float("inf"):
        raise PaybackError(f"lock wait {wait!r}: expected a finite number of seconds >= 0")
    return float(wait)


def connect(
    open_file: Callable[[], T],
    path: str,
    *,
    wait: float | None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``open_file()``, retried while another process holds ``path``'s lock, for up to
    ``wait`` seconds (see :func:`lock_wait`); then :class:`StoreLockedError`."""
    import duckdb

    limit = lock_wait(wait)
    start = clock()
    pause = FIRST_PAUSE
    while True:
        try:
            return open_file()
        except duckdb.Error as e:
            if not is_lock_conflict(e):
                raise
            waited = clock() - start
            if waited >= limit:
                raise locked(path, str(e), waited, limit) from None
        sleep(min(pause, limit - waited))
        pause = min(pause * 2, MAX_PAUSE)


def locked(path: str, message: str, waited: float, limit: float) -> StoreLockedError:
    """The error for a lock still held after ``waited`` seconds (of ``limit`` allowed)."""
    who, pid = holder(message)
    after = f"after waiting {waited:.1f} s" if limit > 0 else "without waiting (wait 0)"
    return StoreLockedError(
        f"the store {path} is locked by another process: {who}; gave up {after}. "
        f"Fix: wait for the other import to finish, stop `payback serve` or the Python "
        f"session holding it, or wait longer (--lock-timeout SECONDS or {ENV}=SECONDS)",
        path=path,
        holder=who,
        pid=pid,
        waited=waited,
    )
