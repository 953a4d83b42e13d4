"""The local dashboard: a FastAPI app serving the report's views as a page and a JSON API.

Endpoints (all GET; ``/docs`` (rendered here, no CDN) and ``/openapi.json`` describe them):

=========================  ==========================================================
``/``                      the dashboard page (its data comes from the API below)
``/api/catalogue``         metrics (formula, unit, better direction), dimensions, views
``/api/filters``           the data's period and the platforms, campaigns, partners
``/api/metrics``           metrics at any grain (``by``, ``metrics``, ``from``, ``to``,
                           ``where``, ``limit``); ``.csv`` and ``.parquet`` downloads
``/api/headline``          headline cards with the change against the previous period
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
import functools
import secrets
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.middleware.trustedhost import TrustedHostMiddleware

from payback.errors import CurrencyError, PaybackError
from payback.server import models
from payback.server.cache import QueryCache, StoreSource
from payback.server.params import (
    ApiError,
    GrainQuery,
    Limit,
    ViewQuery,
    check_known,
    grain_query,
    parse_section_grain,
    view_query,
)
from payback.server.payloads import (
    TABLE_LIMIT,
    default_jobs,
    dumps,
    export_bytes,
    filters_job,
    headline_job,
    section_job,
    table_job,
    timeseries_job,
    views_offered,
)

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
STATIC = Path(__file__).parent / "static"
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
) -> FastAPI:
    """Build the dashboard app on a store file (or an open Store).

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
    """
    source = StoreSource(db)
    cache = QueryCache(cache_size)
    bearer = HTTPBearer(auto_error=False, description="The token given to `payback serve`.")

    def require_token(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
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
        check_known(list(request.query_params.keys()), query_parameters(app.openapi(), path), path)

    api_deps = [Depends(require_token)] if token is not None else []
    api_deps.append(Depends(known_parameters))
    errors: dict[int | str, dict[str, Any]] = {400: {"model": models.ErrorResponse}}
    if token is not None:
        errors[401] = {"model": models.ErrorResponse}

    app = FastAPI(
        title="payback dashboard API",
        version=_version(),
        description=(
            "Marketing metrics (CPO, CAC, DRR, ROMI ...) of a payback store at any grain. "
            "Rates are fractions; money is in the store's currency; missing values are null "
            "with a reason."
        ),
        docs_url=None,  # FastAPI's Swagger UI loads its assets from a CDN: /docs is ours
        redoc_url=None,
    )
    app.state.cache = cache
    app.state.source = source
    hosts = list(allowed_hosts) if allowed_hosts is not None else list(LOOPBACK_HOSTS)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        body: dict[str, Any] = {"detail": exc.detail}
        if exc.valid is not None:
            body["valid"] = exc.valid
        return JSONResponse(body, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "query")
            problems.append(f"{where}: {err.get('msg')} (got {err.get('input')!r})")
        return JSONResponse({"detail": "; ".join(problems) or "invalid request"}, status_code=400)

    @app.exception_handler(PaybackError)
    async def payback_error(request: Request, exc: PaybackError):
        status = 409 if isinstance(exc, CurrencyError) else 400
        return JSONResponse({"detail": str(exc)}, status_code=status)

    def cached(key: tuple, compute: Callable[[Any], Any]) -> Any:
        def run() -> Any:
            with source.open() as store:
                return compute(store)

        return cache.get_or_compute(key, version=source.version(), compute=run)

    def cached_json(key: tuple, compute: Callable[[Any], Any]) -> bytes:
        return cached(key, lambda store: dumps(compute(store)))

    def json_response(key: tuple, compute: Callable[[Any], Any]) -> Response:
        return Response(cached_json(key, compute), media_type="application/json")

    def warm_up(stop: threading.Event) -> None:
        for key, compute in default_jobs():
            if stop.is_set():
                return
            try:
                cached_json(key, compute)
            except Exception:  # best effort: the request itself reports the error
                continue

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        stop = threading.Event()
        thread = threading.Thread(target=warm_up, args=(stop,), name="payback-warm-up")
        if warm:  # when the server starts, not when the app is merely built
            thread.start()
        yield
        # at shutdown, let the view being computed finish: a query still running in
        # the store's native threads when the interpreter exits aborts the process
        stop.set()
        if thread.is_alive():
            await asyncio.to_thread(thread.join)

    app.router.lifespan_context = lifespan

    # -- page and assets --------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        page = (STATIC / "index.html").read_text(encoding="utf-8")
        page = page.replace("{{version}}", _version()).replace("{{store}}", _html(source.name))
        return HTMLResponse(page)

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(api_docs_page(app.openapi()))

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        found = _asset(name)
        if found is None:
            raise HTTPException(404, f"no asset {name!r}")
        body, media = found
        return Response(body, media_type=media, headers={"Cache-Control": "max-age=3600"})

    # -- API ------------------------------------------------------------------------------------
    @app.get(
        "/api/catalogue",
        response_model=models.CatalogueResponse,
        dependencies=api_deps,
        responses=errors,
        summary="The metric catalogue, the dimensions and the views offered",
    )
    def catalogue() -> Response:
        from payback.metrics import CATALOGUE, GRAINS
        from payback.report.extensions import extensions

        body = {
            "metrics": [
                {
                    "name": m.name,
                    "label": m.label,
                    "formula": m.formula,
                    "unit": m.unit,
                    "lower_is_better": m.lower_is_better,
                    "description": m.description,
                    "numerator": m.numerator,
                    "denominator": m.denominator,
                }
                for m in CATALOGUE.values()
            ],
            "dimensions": [{"name": d.name, "description": d.description} for d in GRAINS.values()],
            "views": views_offered(),
            "whole_history": [e.name for e in extensions() if not e.filtered],
        }
        return Response(dumps(body), media_type="application/json")

    @app.get(
        "/api/filters",
        response_model=models.FiltersResponse,
        dependencies=api_deps,
        responses=errors,
        summary="The data's period and the values the filters can take",
    )
    def filters() -> Response:
        return json_response(*filters_job())

    @app.get(
        "/api/metrics",
        response_model=models.MetricsResponse,
        dependencies=api_deps,
        responses=errors,
        summary="Metrics at any grain, as ratios of sums, with a totals row",
    )
    def metrics_json(q: GrainQuery = Depends(grain_query), limit: Limit = None) -> Response:
        from payback.metrics import DEFAULT_METRICS
        from payback.report.views import metric_table

        dims, names, v = q.dimensions(("campaign",)), q.metric_names(DEFAULT_METRICS), q.view

        def compute(store):
            t = metric_table(
                store, dims, names, where=v.where, start=v.start, end=v.end, limit=limit,
                explain=False,
            )  # fmt: skip
            return {
                "by": list(t.by),
                "metrics": list(t.metrics),
                "currency": t.currency,
                "rows": list(t.rows),
                "total": t.total,
                "totals": list(t.totals),
                "reasons": t.reasons,
                "row_count": t.row_count,
            }

        return json_response(v.key("metrics", by=dims, metrics=names, n=limit), compute)

    def export(fmt: str, q: GrainQuery) -> Response:
        from payback.metrics import DEFAULT_METRICS, compute_metrics

        dims, names, v = q.dimensions(("campaign",)), q.metric_names(DEFAULT_METRICS), q.view

        def compute(store) -> bytes:
            result = compute_metrics(
                store, by=dims, metrics=names, where=v.where or None, start=v.start, end=v.end
            )
            return export_bytes(result.frame, fmt)

        body = cached(v.key("export", f=fmt, by=dims, metrics=names), compute)
        stem = "metrics-by-" + ("-".join(dims) or "total")
        media = "text/csv; charset=utf-8" if fmt == "csv" else "application/vnd.apache.parquet"
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
        )

    @app.get(
        "/api/metrics.csv",
        dependencies=api_deps,
        responses={**errors, 200: {"content": {"text/csv": {}}, "description": "CSV file"}},
        response_class=Response,
        summary="The same as /api/metrics, as spreadsheet-safe CSV (every row)",
    )
    def metrics_csv(q: GrainQuery = Depends(grain_query)) -> Response:
        return export("csv", q)

    @app.get(
        "/api/metrics.parquet",
        dependencies=api_deps,
        responses={
            **errors,
            200: {"content": {"application/vnd.apache.parquet": {}}, "description": "Parquet"},
        },
        response_class=Response,
        summary="The same as /api/metrics, as a Parquet file (every row)",
    )
    def metrics_parquet(q: GrainQuery = Depends(grain_query)) -> Response:
        return export("parquet", q)

    @app.get(
        "/api/headline",
        response_model=models.HeadlineResponse,
        dependencies=api_deps,
        responses=errors,
        summary="Headline cards and their change against the previous period",
    )
    def headline(v: ViewQuery = Depends(view_query)) -> Response:
        return json_response(*headline_job(v))

    @app.get(
        "/api/timeseries",
        response_model=models.TimeseriesResponse,
        dependencies=api_deps,
        responses=errors,
        summary="Spend, revenue and DRR over time, with its chart",
    )
    def timeseries(
        v: ViewQuery = Depends(view_query),
        grain: Annotated[
            str | None, Query(description="date, week or month (default: by the period's length)")
        ] = None,
    ) -> Response:
        if grain is not None and grain not in ("date", "week", "month"):
            raise ApiError(f"unknown time grain {grain!r}", ["date", "week", "month"])
        return json_response(*timeseries_job(v, grain))

    @app.get(
        "/api/table",
        response_model=models.TableResponse,
        dependencies=api_deps,
        responses=errors,
        summary="A formatted table at one grain (drill-down), with its CPO/CAC chart",
    )
    def table(
        q: GrainQuery = Depends(grain_query),
        limit: Annotated[int, Query(ge=1, le=5_000, description="Rows kept.")] = TABLE_LIMIT,
    ) -> Response:
        from payback.report.views import TABLE_METRICS, available

        dims = q.dimensions(("platform",))
        names = q.metric_names(available(TABLE_METRICS))
        return json_response(*table_job(q.view, dims, names, limit))

    @app.get(
        "/api/report",
        dependencies=api_deps,
        responses={**errors, 200: {"content": {"text/html": {}}, "description": "HTML report"}},
        response_class=Response,
        summary="The self-contained HTML report for the same period and filters",
    )
    def report(v: ViewQuery = Depends(view_query)) -> Response:
        from payback.report.build import render_report

        body = cached(
            v.key("report"),
            lambda store: render_report(store, start=v.start, end=v.end, where=v.where).encode(),
        )
        return Response(
            body,
            media_type="text/html; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="payback-report.html"'},
        )

    from payback.report.extensions import extensions

    def section_endpoint(ext) -> Callable[..., Response]:
        path = f"/api/{ext.name}"
        what = "acquisition source" if not ext.filtered else "grain"
        grains = ", ".join(ext.grains)

        def grain(
            by: str | None = Query(None, description=f"The {what}: {grains} (default first)."),
        ) -> str:
            return parse_section_grain(by, ext.grains, path)

        if not ext.filtered:  # whole history: no period, no filters

            def whole(by: str = Depends(grain)) -> Response:
                return json_response(*section_job(ext, ViewQuery(None, None, {}), by))

            return whole

        def endpoint(v: ViewQuery = Depends(view_query), by: str = Depends(grain)) -> Response:
            return json_response(*section_job(ext, v, by))

        return endpoint

    for ext in extensions():
        app.get(
            f"/api/{ext.name}",
            response_model=models.SectionResponse,
            dependencies=api_deps,
            responses=errors,
            summary=ext.summary,
        )(section_endpoint(ext))

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            for item in schema.get("paths", {}).values():  # 400 replaces FastAPI's 422
                for op in item.values():
                    op.get("responses", {}).pop("422", None)
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


#: The order parameters are listed in (grain, metrics, period, filters, then the rest).
_PARAMETER_ORDER = ("by", "metrics", "from", "to", "where", "grain", "limit")


def query_parameters(schema: dict[str, Any], path: str) -> list[str]:
    """The query parameters the OpenAPI ``schema`` documents for ``GET path``.

    >>> query_parameters({"paths": {"/a": {"get": {"parameters": [
    ...     {"name": "limit", "in": "query"}, {"name": "authorization", "in": "header"},
    ...     {"name": "from", "in": "query"}]}}}}, "/a")
    ['from', 'limit']
    """
    operation = schema.get("paths", {}).get(path, {}).get("get", {})
    names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
    rank = {name: i for i, name in enumerate(_PARAMETER_ORDER)}
    return sorted(names, key=lambda n: rank.get(n, len(rank)))


def _schema_type(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " or ".join(_schema_type(s) for s in schema["anyOf"] if s.get("type") != "null")
    if schema.get("type") == "array":
        return "list of " + _schema_type(schema.get("items", {}))
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    return schema.get("format") or schema.get("type", "any")


def api_docs_page(schema: dict[str, Any]) -> str:
    """A readable page of the OpenAPI schema, rendered here (no CDN, unlike Swagger UI)."""
    import jinja2

    operations = []
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            responses = []
            for code, resp in op.get("responses", {}).items():
                content = resp.get("content", {})
                ref = next(
                    (c["schema"].get("$ref", "") for c in content.values() if "schema" in c), ""
                )
                responses.append(
                    {"code": code, "description": resp.get("description", ""),
                     "schema": ref.rsplit("/", 1)[-1]}
                )  # fmt: skip
            operations.append(
                {
                    "id": (method + path).replace("/", "-").replace(".", "-"),
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "type": _schema_type(p.get("schema", {})),
                            "description": p.get("description")
                            or p.get("schema", {}).get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "responses": responses,
                }
            )
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string((STATIC / "docs.html.j2").read_text(encoding="utf-8"))
    info = schema.get("info", {})
    return template.render(
        title=info.get("title", "API"),
        version=info.get("version", ""),
        description=info.get("description", ""),
        operations=operations,
    )


@functools.cache
def _plotly_js() -> bytes:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode("utf-8")


def _asset(name: str) -> tuple[bytes, str] | None:
    """An asset by name: the dashboard's own files, the report's CSS, plotly.js."""
    if name == "plotly.min.js":
        return _plotly_js(), "text/javascript; charset=utf-8"
    if name in ("payback.css", "report.js"):
        from payback.report.build import asset

        media = "text/css" if name.endswith(".css") else "text/javascript"
        source = "report.css" if name == "payback.css" else name
        return asset(source).encode(), media + "; charset=utf-8"
    media = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
    path = STATIC / name
    if path.suffix not in media or path.name != name or not path.is_file():
        return None
    return path.read_bytes(), media[path.suffix]


def _html(text: str) -> str:
    import html

    return html.escape(text)


def _version() -> str:
    from payback import __version__

    return __version__
