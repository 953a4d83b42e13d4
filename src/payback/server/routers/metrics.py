"""Metrics at any grain (``/api/metrics``) and the same as CSV or Parquet downloads."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from payback.server import models
from payback.server.deps import Services, services
from payback.server.params import GrainQuery, Limit, grain_query
from payback.server.payloads import export_bytes

router = APIRouter()


@router.get(
    "/api/metrics",
    response_model=models.MetricsResponse,
    summary="Metrics at any grain, as ratios of sums, with a totals row",
)
def metrics_json(
    q: GrainQuery = Depends(grain_query), limit: Limit = None, s: Services = Depends(services)
) -> Response:
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

    return s.json_response(v.key("metrics", by=dims, metrics=names, n=limit), compute)


def export(fmt: str, q: GrainQuery, s: Services) -> Response:
    """Every row of the query's metrics as a ``csv`` or ``parquet`` attachment."""
    from payback.metrics import DEFAULT_METRICS, compute_metrics

    dims, names, v = q.dimensions(("campaign",)), q.metric_names(DEFAULT_METRICS), q.view

    def compute(store) -> bytes:
        result = compute_metrics(
            store, by=dims, metrics=names, where=v.where or None, start=v.start, end=v.end
        )
        return export_bytes(result.table, fmt)

    body = s.cached(v.key("export", f=fmt, by=dims, metrics=names), compute)
    stem = "metrics-by-" + ("-".join(dims) or "total")
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/vnd.apache.parquet"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
    )


@router.get(
    "/api/metrics.csv",
    responses={200: {"content": {"text/csv": {}}, "description": "CSV file"}},
    response_class=Response,
    summary="The same as /api/metrics, as spreadsheet-safe CSV (every row)",
)
def metrics_csv(q: GrainQuery = Depends(grain_query), s: Services = Depends(services)) -> Response:
    return export("csv", q, s)


@router.get(
    "/api/metrics.parquet",
    responses={200: {"content": {"application/vnd.apache.parquet": {}}, "description": "Parquet"}},
    response_class=Response,
    summary="The same as /api/metrics, as a Parquet file (every row)",
)
def metrics_parquet(
    q: GrainQuery = Depends(grain_query), s: Services = Depends(services)
) -> Response:
    return export("parquet", q, s)
