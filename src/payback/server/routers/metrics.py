"""Metrics at any grain (``/api/metrics``) and the same as CSV or Parquet downloads."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from payback.server import models
from payback.server.deps import Services, services
from payback.server.params import GrainQuery, Limit, grain_query
from payback.server.payloads import export_payload, metrics_payload

router = APIRouter()


@router.get(
    "/api/metrics",
    response_model=models.MetricsResponse,
    summary="Metrics at any grain, as ratios of sums, with a totals row",
)
async def metrics_json(
    q: GrainQuery = Depends(grain_query), limit: Limit = None, s: Services = Depends(services)
) -> Response:
    from payback.metrics import DEFAULT_METRICS

    dims, names, v = q.dimensions(("campaign",)), q.metric_names(DEFAULT_METRICS), q.view
    task = partial(metrics_payload, by=dims, metrics=names, start=v.start, end=v.end,
                   where=v.where, limit=limit)  # fmt: skip
    return await s.response(v.key("metrics", by=dims, metrics=names, n=limit), task)


async def export(fmt: str, q: GrainQuery, s: Services) -> Response:
    """Every row of the query's metrics as a ``csv`` or ``parquet`` attachment."""
    from payback.metrics import DEFAULT_METRICS

    dims, names, v = q.dimensions(("campaign",)), q.metric_names(DEFAULT_METRICS), q.view
    task = partial(export_payload, fmt=fmt, by=dims, metrics=names, start=v.start, end=v.end,
                   where=v.where)  # fmt: skip
    stem = "metrics-by-" + ("-".join(dims) or "total")
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/vnd.apache.parquet"
    return await s.response(
        v.key("export", f=fmt, by=dims, metrics=names), task, media,
        {"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
    )  # fmt: skip


@router.get(
    "/api/metrics.csv",
    responses={200: {"content": {"text/csv": {}}, "description": "CSV file"}},
    response_class=Response,
    summary="The same as /api/metrics, as spreadsheet-safe CSV (every row)",
)
async def metrics_csv(
    q: GrainQuery = Depends(grain_query), s: Services = Depends(services)
) -> Response:
    return await export("csv", q, s)


@router.get(
    "/api/metrics.parquet",
    responses={200: {"content": {"application/vnd.apache.parquet": {}}, "description": "Parquet"}},
    response_class=Response,
    summary="The same as /api/metrics, as a Parquet file (every row)",
)
async def metrics_parquet(
    q: GrainQuery = Depends(grain_query), s: Services = Depends(services)
) -> Response:
    return await export("parquet", q, s)
