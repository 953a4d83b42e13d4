"""The report's views for the dashboard: headline cards, the time series, drill-down tables."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from payback.server import models
from payback.server.deps import Services, services
from payback.server.params import ApiError, GrainQuery, ViewQuery, grain_query, view_query
from payback.server.payloads import (
    TABLE_LIMIT,
    cac_of_headline,
    headline_job,
    ltv_cac_job,
    table_job,
    timeseries_job,
)

router = APIRouter()


@router.get(
    "/api/headline",
    response_model=models.HeadlineResponse,
    summary="Headline cards and their change against the previous period",
)
async def headline(v: ViewQuery = Depends(view_query), s: Services = Depends(services)) -> Response:
    return await s.response(*headline_job(v))


@router.get(
    "/api/ltv_cac",
    response_model=models.LtvCacResponse,
    summary="The headline's LTV/CAC card (predicted LTV of a new customer over its CAC)",
)
async def ltv_cac(v: ViewQuery = Depends(view_query), s: Services = Depends(services)) -> Response:
    """The card the headline leaves out: it needs the CLV fit (seconds on a large store),
    so the page asks for it once ``/api/ltv`` is there."""
    body, _ = await s.body(*headline_job(v))
    return await s.response(*ltv_cac_job(v, cac_of_headline(json.loads(body))))


@router.get(
    "/api/timeseries",
    response_model=models.TimeseriesResponse,
    summary="Spend, revenue and DRR over time, with its chart",
)
async def timeseries(
    v: ViewQuery = Depends(view_query),
    grain: Annotated[
        str | None, Query(description="date, week or month (default: by the period's length)")
    ] = None,
    s: Services = Depends(services),
) -> Response:
    if grain is not None and grain not in ("date", "week", "month"):
        raise ApiError(f"unknown time grain {grain!r}", ["date", "week", "month"])
    return await s.response(*timeseries_job(v, grain))


@router.get(
    "/api/table",
    response_model=models.TableResponse,
    summary="A formatted table at one grain (drill-down), with its CPO/CAC chart",
)
async def table(
    q: GrainQuery = Depends(grain_query),
    limit: Annotated[int, Query(ge=1, le=5_000, description="Rows kept.")] = TABLE_LIMIT,
    s: Services = Depends(services),
) -> Response:
    from payback.report.views import table_metrics

    dims = q.dimensions(("platform",))
    names = q.metric_names(table_metrics())
    return await s.response(*table_job(q.view, dims, names, limit))
