"""The self-contained HTML report for the dashboard's period and filters."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from payback.server.deps import Services, services
from payback.server.params import ViewQuery, view_query

router = APIRouter()


@router.get(
    "/api/report",
    responses={200: {"content": {"text/html": {}}, "description": "HTML report"}},
    response_class=Response,
    summary="The self-contained HTML report for the same period and filters",
)
def report(v: ViewQuery = Depends(view_query), s: Services = Depends(services)) -> Response:
    from payback.report.build import render_report

    body = s.cached(
        v.key("report"),
        lambda store: render_report(store, start=v.start, end=v.end, where=v.where).encode(),
    )
    return Response(
        body,
        media_type="text/html; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="payback-report.html"'},
    )
