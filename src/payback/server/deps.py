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
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from payback.cache import QueryCache, file_stamp
from payback.server import models
from payback.server.openapi import query_parameters
from payback.server.params import check_known
from payback.server.payloads import dumps


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

        store = open_store(self.path, read_only=True)
        try:
            yield store
        finally:
            store.close()


@dataclass(frozen=True)
class Services:
    """One app's store, response cache and token (``app.state.services``)."""

    source: StoreSource
    cache: QueryCache
    token: str | None = None

    def cached(self, key: tuple, compute: Callable[[Any], Any]) -> Any:
        """``compute(store)`` once per query ``key`` and store version."""

        def run() -> Any:
            with self.source.open() as store:
                return compute(store)

        return self.cache.get_or_compute(key, version=self.source.version(), compute=run)

    def cached_json(self, key: tuple, compute: Callable[[Any], Any]) -> bytes:
        """The JSON bytes of ``compute(store)``, cached as :meth:`cached`."""
        return self.cached(key, lambda store: dumps(compute(store)))

    def json_response(self, key: tuple, compute: Callable[[Any], Any]) -> Response:
        """A JSON response of ``compute(store)``, cached as :meth:`cached`."""
        return Response(self.cached_json(key, compute), media_type="application/json")


def services(request: Request) -> Services:
    """FastAPI dependency: the app's :class:`Services`."""
    return request.app.state.services


#: The ``Authorization: Bearer`` scheme of the OpenAPI schema (checked by require_token).
bearer = HTTPBearer(auto_error=False, description="The token given to `payback serve`.")


def require_token(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> None:
    """401 unless the request carries ``Authorization: Bearer <the app's token>``."""
    token = services(request).token
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


def known_parameters(request: Request) -> None:
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
    """The refusals every ``/api`` route documents: 400, and 401 with a token."""
    errors: dict[int | str, dict[str, Any]] = {400: {"model": models.ErrorResponse}}
    if token is not None:
        errors[401] = {"model": models.ErrorResponse}
    return errors
