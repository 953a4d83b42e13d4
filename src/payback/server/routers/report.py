"""The self-contained HTML report for the dashboard's period and filters."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from payback.server.deps import Services, services
from payback.server.params import ViewQuery, view_query
from payback.server.payloads import report_payload

router = APIRouter()


@router.get(
    "/api/report",
    responses={200: {"content": {"text/html": {}}, "description": "HTML report"}},
    response_class=Response,
    summary="The self-contained HTML report for the same period and filters",
)
async def report(v: ViewQuery = Depends(view_query), s: Services = Depends(services)) -> Response:
    task = partial(report_payload, start=v.start, end=v.end, where=v.where)
    return await s.response(
        v.key("report"), task, "text/html; charset=utf-8",
        {"Content-Disposition": 'attachment; filename="payback-report.html"'},
    )  # fmt: skip
