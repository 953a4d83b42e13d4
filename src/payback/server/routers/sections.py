"""One route per section of the capability registry: ``/api/ltv``, ``/api/economics`` ...

Each :class:`payback.report.extensions.Extension` is served at ``/api/<name>`` with its
``by`` (one of its grains) and, when its section follows the period and filters
(``filtered``), ``from``, ``to`` and ``where``; a whole-history section takes neither.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from payback.server import models
from payback.server.deps import Services, services
from payback.server.params import ViewQuery, parse_section_grain, view_query
from payback.server.payloads import section_job


def router() -> APIRouter:
    """The routes of the sections registered now (read when the app is built)."""
    from payback.report.extensions import extensions

    routes = APIRouter()
    for ext in extensions():
        routes.get(f"/api/{ext.name}", response_model=models.SectionResponse, summary=ext.summary)(
            section_endpoint(ext)
        )
    return routes


def section_endpoint(ext) -> Callable[..., Response]:
    """The endpoint of one section: its ``by``, and its period and filters when it has them."""
    path = f"/api/{ext.name}"
    what = "acquisition source" if not ext.filtered else "grain"
    grains = ", ".join(ext.grains)

    async def grain(
        by: str | None = Query(None, description=f"The {what}: {grains} (default first)."),
    ) -> str:
        return parse_section_grain(by, ext.grains, path)

    if not ext.filtered:  # whole history: no period, no filters

        async def whole(by: str = Depends(grain), s: Services = Depends(services)) -> Response:
            return await s.response(*section_job(ext, ViewQuery(None, None, {}), by))

        return whole

    async def endpoint(
        v: ViewQuery = Depends(view_query),
        by: str = Depends(grain),
        s: Services = Depends(services),
    ) -> Response:
        return await s.response(*section_job(ext, v, by))

    return endpoint
