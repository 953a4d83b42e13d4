"""What can be asked: the metric catalogue, the dimensions, the views and the filter values."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from payback.server import models
from payback.server.deps import Services, services
from payback.server.payloads import dumps, filters_job, views_offered

router = APIRouter()


@router.get(
    "/api/catalogue",
    response_model=models.CatalogueResponse,
    summary="The metric catalogue, the dimensions and the views offered",
)
async def catalogue() -> Response:
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


@router.get(
    "/api/filters",
    response_model=models.FiltersResponse,
    summary="The data's period and the values the filters can take",
)
async def filters(s: Services = Depends(services)) -> Response:
    return await s.response(*filters_job())
