"""The local dashboard: a FastAPI app serving the report's views as a page and a JSON API.

Endpoints (all GET; ``/docs`` (rendered here, no CDN) and ``/openapi.json`` describe them):

=========================  ==========================================================
``/``                      the dashboard page (its data comes from the API below)
``/api/catalogue``         metrics (formula, unit, better direction), dimensions, views
``/api/filters``           the data's period and the platforms, campaigns, partners
``/api/metrics``           metrics at any grain (``by``, ``metrics``, ``from``, ``to``,
                           ``where``, ``limit``); ``.csv`` and ``.parquet`` downloads
``/api/headline``          headline cards with the change against the previous period
``/api/ltv_cac``           the headline's LTV/CAC card (it waits for the CLV fit)
``/api/timeseries``        spend, revenue and DRR per day/week/month, with its chart
``/api/table``             a formatted drill-down table (platform → campaign → keyword)
``/api/ltv``               cohort LTV, predicted CLV by source (``by``; whole history)
``/api/economics``         ceilings and verdicts per campaign (``by``), period, filters
``/api/report``            the self-contained HTML report for the same filters
=========================  ==========================================================

Security: parameters are validated against the metric catalogue and the grains (an
unknown name gives 400 with the valid names) and reach the engine as bound values,
never as SQL text. With a token, every ``/api`` request must carry
``Authorization: Bearer <token>`` (401 otherwise); the page itself holds no data. The
``Host`` header must be one of ``allowed_hosts`` (loopback names by default), which
blocks DNS-rebinding pages from reading a loopback server. Every asset (plotly.js too)
is served by the app; the Content Security Policy forbids requests to any other origin.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.middleware.trustedhost import TrustedHostMiddleware

from payback.cache import QueryCache
from payback.errors import CurrencyError, PaybackError
from payback.server.deps import (
    Services,
    StoreSource,
    api_dependencies,
    error_responses,
)
from payback.server.network import LOOPBACK_HOSTS
from payback.server.openapi import api_docs_page, openapi_schema, query_parameters
from payback.server.params import ApiError
from payback.server.payloads import default_jobs
from payback.server.pool import ComputePool
from payback.server.routers import meta, metrics, page, report, sections, views

__all__ = ["CSP", "LOOPBACK_HOSTS", "api_docs_page", "create_app", "query_parameters"]

CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


# -- the app -----------------------------------------------------------------------------------
def create_app(
    db: Any,
    *,
    token: str | None = None,
    allowed_hosts: Sequence[str] | None = None,
    cache_size: int = 256,
    warm: bool = False,
    workers: int | None = None,
    processes: bool = False,
) -> FastAPI:
    """Build the dashboard app on a store file (or an open Store).

    The app only assembles: its settings, the middleware and error handlers, and the
    routers of :mod:`payback.server.routers`; what the routes share (store, cache, token,
    parameter checks) is in :mod:`payback.server.deps`.

    Parameters
    ----------
    db : path or payback.store.Store
        The store file (opened read-only for each computation) or an open store.
    token : str, optional
        When given, every ``/api`` request needs ``Authorization: Bearer <token>``.
    allowed_hosts : sequence of str, optional
        Accepted ``Host`` header names; default the loopback names (``127.0.0.1``,
        ``localhost``, ``::1``). ``["*"]`` accepts any (use it only with a token).
    cache_size : int
        Responses kept in the LRU cache (dropped when the store file changes).
    warm : bool
        When the server starts, compute the views the dashboard opens with in a
        background thread, so the first page load finds them cached (``payback serve``).
    workers : int, optional
        Views computed at once (default two, one on a one-core machine); the others wait
        in a queue, the views the page shows first first, and a cached answer never waits
        (:mod:`payback.server.pool`).
    processes : bool
        Compute in that many worker processes (started with the server) instead of
        threads: Python work then uses every core and never slows the cached answers
        (``payback serve``). Needs a store file.

    Examples
    --------
    >>> from payback.store import open_store
    >>> app = create_app(open_store(":memory:"))
    >>> list(app.openapi()["paths"])[:3]
    ['/api/catalogue', '/api/filters', '/api/metrics']
    """
    source = StoreSource(db)
    if processes and source.path is None:
        raise ValueError("processes=True needs a store file, not an in-memory store")
    pool = ComputePool(workers, processes=processes, db=source.path)
    services = Services(source, QueryCache(cache_size), token, pool)
    app = FastAPI(
        title="payback dashboard API",
        version=page.version(),
        description=(
            "Marketing metrics (CPO, CAC, DRR, ROMI ...) of a payback store at any grain. "
            "Rates are fractions; money is in the store's currency; missing values are null "
            "with a reason."
        ),
        docs_url=None,  # FastAPI's Swagger UI loads its assets from a CDN: /docs is ours
        redoc_url=None,
        lifespan=_lifespan(services, warm),
    )
    app.state.services = services
    app.state.cache = services.cache
    app.state.source = services.source

    hosts = list(allowed_hosts) if allowed_hosts is not None else list(LOOPBACK_HOSTS)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    app.middleware("http")(_security_headers)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(PaybackError, _payback_error)

    _add_routes(app, page.router)
    deps, errors = api_dependencies(token), error_responses(token)
    for router in (meta.router, metrics.router, views.router, report.router, sections.router()):
        _add_routes(app, router, deps, errors)

    app.openapi = lambda: openapi_schema(app)  # type: ignore[method-assign]
    return app


def _add_routes(
    app: FastAPI,
    router: APIRouter,
    dependencies: Sequence[Any] = (),
    responses: dict[int | str, dict[str, Any]] | None = None,
) -> None:
    """Add ``router``'s routes to the app itself, each with ``dependencies`` first and
    ``responses`` documented (what ``include_router`` does, but the app's ``routes`` list
    the operations themselves rather than one lazily included router)."""
    for route in router.routes:
        assert isinstance(route, APIRoute), route
        app.add_api_route(
            route.path,
            route.endpoint,
            methods=route.methods,
            name=route.name,
            response_model=route.response_model,
            response_class=route.response_class,
            status_code=route.status_code,
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses={**(responses or {}), **route.responses},
            dependencies=[*dependencies, *route.dependencies],
            include_in_schema=route.include_in_schema,
            openapi_extra=route.openapi_extra,
        )


# -- middleware and error handlers ---------------------------------------------------------------
async def _security_headers(request: Request, call_next):
    response = await call_next(request)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.url.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    body: dict[str, Any] = {"detail": exc.detail}
    if exc.valid is not None:
        body["valid"] = exc.valid
    return JSONResponse(body, status_code=exc.status, headers=exc.headers or None)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "query")
        problems.append(f"{where}: {err.get('msg')} (got {err.get('input')!r})")
    return JSONResponse({"detail": "; ".join(problems) or "invalid request"}, status_code=400)


async def _payback_error(request: Request, exc: Exception) -> JSONResponse:
    status = 409 if isinstance(exc, CurrencyError) else 400
    return JSONResponse({"detail": str(exc)}, status_code=status)


# -- warm-up -----------------------------------------------------------------------------------
def _warm_up(services: Services, stop: threading.Event) -> None:
    """Queue the opening views in the pool (their priority orders them) and wait for them."""
    for key, compute in default_jobs():
        if stop.is_set():
            return
        try:
            services.start(key, compute).result()
        except Exception:  # best effort: the request itself reports the error
            continue


def _lifespan(services: Services, warm: bool):
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        assert services.pool is not None
        await asyncio.to_thread(services.pool.start)  # worker processes import now
        stop = threading.Event()
        thread = threading.Thread(target=_warm_up, args=(services, stop), name="payback-warm-up")
        if warm:  # when the server starts, not when the app is merely built
            thread.start()
        yield
        # at shutdown, let the view being computed finish: a query still running in
        # the store's native threads when the interpreter exits aborts the process
        stop.set()
        await asyncio.to_thread(services.pool.shutdown)
        if thread.is_alive():
            await asyncio.to_thread(thread.join)

    return lifespan
