"""What every route of the dashboard shares: the store, the response cache, the token check
and the parameter check, as FastAPI dependencies.

:func:`create_app <payback.server.app.create_app>` builds one :class:`Services` (the store
source, the cache, the token) and keeps it in ``app.state.services``; a route reaches it
with ``Depends(services)``. The query parameters themselves (``by``, ``metrics``,
``from``, ``to``, ``where``) are parsed by :mod:`payback.server.params`.

:class:`StoreSource` opens the store for one computation at a time (read-only), so an
import in another process can write between requests; its :meth:`StoreSource.version`
(:func:`payback.cache.file_stamp`) changes whenever the store file (or its write-ahead
log) changes, and the cache drops every older response.

Cold work goes through the app's :class:`~payback.server.pool.ComputePool` (a few workers,
the views the page shows first first): a route awaits :meth:`Services.body`, which
answers a cached key at once, on the event loop, whatever the pool is busy with. While a
writer holds the store, a view is answered from the last store version's cache (header
``X-Payback-Stale: 1``) or refused with 503 and ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from payback.cache import QueryCache, file_stamp
from payback.server import models
from payback.server.openapi import query_parameters
from payback.server.params import ApiError, check_known
from payback.server.pool import RETRY_AFTER, ComputePool, StoreBusy, TaskError, priority


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
        return 0 if self.path is None else file_stamp(self.path)

    @contextmanager
    def open(self) -> Iterator[Any]:
        """A store to compute on (closed afterwards when this source opened it)."""
        if self._store is not None:
            with self._lock:
                yield self._store
            return
        from payback.store import open_store

        # never wait for a writer's lock here: the request answers from the cache or 503
        store = open_store(self.path, read_only=True, wait=0)
        try:
            yield store
        finally:
            store.close()


@dataclass(frozen=True)
class Services:
    """One app's store, response cache, token and pool for cold work (``app.state.services``)."""

    source: StoreSource
    cache: QueryCache
    token: str | None = None
    pool: ComputePool | None = None
    _pending: dict = field(default_factory=dict, repr=False)
    _pending_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def start(self, key: tuple, task: Callable[[Any], Any]) -> Future:
        """The response body of ``task(store)`` as a future: at once when cached, else
        computed by the pool (once per key and store version, however many ask)."""
        version = self.source.version()
        found, value = self.cache.lookup(key, version)
        if found:
            done: Future = Future()
            done.set_result(value)
            return done
        assert self.pool is not None, "Services.start needs a pool"
        with self._pending_lock:
            future = self._pending.get((key, version))
            created = future is None
            if created:
                future = self.pool.run(priority(key), task, self.source)
                self._pending[(key, version)] = future
        if created:  # outside the lock: a future already done calls back at once
            future.add_done_callback(lambda f: self._finished(key, version, f))
        return future

    def _finished(self, key: tuple, version: Any, future: Future) -> None:
        with self._pending_lock:
            self._pending.pop((key, version), None)
        if not future.cancelled() and future.exception() is None:
            self.cache.put(key, version, future.result())

    async def body(self, key: tuple, task: Callable[[Any], Any]) -> tuple[bytes, bool]:
        """The response body of ``task(store)`` and whether it is stale (the last store
        version's, while a writer holds the store).

        Raises
        ------
        ApiError
            400/409 when the task refused its input; 503 (``Retry-After``) when a writer
            holds the store and nothing was cached for ``key`` before.
        """
        try:
            # shielded: a client that goes away must not cancel what others wait for
            return await asyncio.shield(asyncio.wrap_future(self.start(key, task))), False
        except TaskError as e:
            raise ApiError(e.detail, e.valid, e.status) from None
        except StoreBusy as e:
            found, value = self.cache.stale(key)
            if found:
                return value, True
            raise ApiError(
                f"{e}; try again in a few seconds", status=503,
                headers={"Retry-After": str(RETRY_AFTER)},
            ) from None  # fmt: skip

    async def response(
        self,
        key: tuple,
        task: Callable[[Any], Any],
        media_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> Response:
        """A response of :meth:`body` (``X-Payback-Stale: 1`` when stale)."""
        content, stale = await self.body(key, task)
        extra = {**(headers or {}), **({"X-Payback-Stale": "1"} if stale else {})}
        return Response(content, media_type=media_type, headers=extra)


async def services(request: Request) -> Services:
    """FastAPI dependency: the app's :class:`Services`."""
    return request.app.state.services


#: The ``Authorization: Bearer`` scheme of the OpenAPI schema (checked by require_token).
bearer = HTTPBearer(auto_error=False, description="The token given to `payback serve`.")


async def require_token(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> None:
    """401 unless the request carries ``Authorization: Bearer <the app's token>``."""
    token = request.app.state.services.token
    if token is None:
        return
    given = credentials.credentials if credentials is not None else ""
    if not secrets.compare_digest(given.encode(), token.encode()):
        raise HTTPException(
            status_code=401,
            detail="missing or wrong token: send the header 'Authorization: Bearer <token>' "
            "with the token given to `payback serve --token` (or PAYBACK_TOKEN)",
            headers={"WWW-Authenticate": "Bearer"},
        )


async def known_parameters(request: Request) -> None:
    """400 for a query parameter the operation does not document (after the token)."""
    path = getattr(request.scope.get("route"), "path", request.url.path)
    schema = request.app.openapi()
    check_known(list(request.query_params.keys()), query_parameters(schema, path), path)


def api_dependencies(token: str | None) -> list[Any]:
    """What every ``/api`` route depends on: the token (when there is one), then the
    parameter check."""
    deps = [Depends(require_token)] if token is not None else []
    deps.append(Depends(known_parameters))
    return deps


def error_responses(token: str | None) -> dict[int | str, dict[str, Any]]:
    """The refusals every ``/api`` route documents: 400, 503 (a writer holds the store),
    and 401 with a token."""
    errors: dict[int | str, dict[str, Any]] = {
        400: {"model": models.ErrorResponse},
        503: {
            "model": models.ErrorResponse,
            "description": "The store is being written (an import): try again after "
            "Retry-After seconds.",
        },
    }
    if token is not None:
        errors[401] = {"model": models.ErrorResponse}
    return errors
