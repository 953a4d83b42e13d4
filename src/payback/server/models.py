"""Response models of the dashboard's JSON API (they document the OpenAPI schema).

Rates are fractions (CTR 1 % is 0.01); money is in ``currency``; a value the engine
cannot compute is null and its reason is given. Fields named ``text`` hold the same
value formatted for humans (thousands separators, currency, percentages).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

Scalar = str | float | int | bool | None


class ErrorResponse(BaseModel):
    """A refused request: what was wrong, and the valid names when a name was unknown."""

    detail: str = Field(description="What was expected, what was got and how to fix it.")
    valid: list[str] | None = Field(
        default=None, description="The valid names when an unknown metric/dimension was given."
    )


class MetricInfo(BaseModel):
    name: str
    label: str
    formula: str
    unit: str = Field(description="money, count, rate (a fraction) or ratio")
    lower_is_better: bool | None
    description: str
    numerator: str | None = None
    denominator: str | None = None


class DimensionInfo(BaseModel):
    name: str
    description: str


class CatalogueResponse(BaseModel):
    metrics: list[MetricInfo]
    dimensions: list[DimensionInfo]
    views: list[str] = Field(
        description="Views this server offers (headline, timeseries, table, ltv, economics ...)."
    )
    whole_history: list[str] = Field(
        default_factory=list,
        description="Views computed on the whole history: they take no from, to or where.",
    )


class PeriodModel(BaseModel):
    start: date
    end: date


class FiltersResponse(BaseModel):
    """What the dashboard's filters can choose from."""

    period: PeriodModel | None = Field(description="First and last day with data.")
    currency: str | None
    platform: list[str]
    campaign: list[str]
    partner: list[str]


class MetricsResponse(BaseModel):
    """Metrics at a grain: one row per group (dimensions then metrics) and the totals."""

    by: list[str]
    metrics: list[str]
    currency: str | None
    rows: list[dict[str, Scalar]]
    total: dict[str, Scalar] | None
    reasons: dict[str, str] = Field(description="Metric -> why some of its values are missing.")
    row_count: int = Field(description="Groups before `limit` cut the rows.")


class CardInputModel(BaseModel):
    metric: str
    label: str
    value: float | None
    previous: float | None
    text: str
    previous_text: str


class CardModel(BaseModel):
    metric: str
    label: str
    unit: str
    value: float | None
    previous: float | None
    change: float | None = Field(
        description="Relative change; for rates the difference of the fractions."
    )
    verdict: str | None = Field(description="better, worse or null")
    formula: str
    explanation: str
    reason: str | None
    text: str = Field(description="The value for a card (millions shortened: 212.36 M USD).")
    exact_text: str = Field(description="The value with every digit.")
    previous_text: str
    change_text: str
    inputs: list[CardInputModel]


class HeadlineResponse(BaseModel):
    period: PeriodModel | None
    previous_period: PeriodModel | None
    previous_has_data: bool
    currency: str | None
    cards: list[CardModel]


class TimeseriesResponse(BaseModel):
    grain: str
    currency: str | None
    rows: list[dict[str, Scalar]]
    total: dict[str, Scalar] | None
    figure: dict[str, Any] = Field(description="The Plotly figure of the view.")


class ColumnModel(BaseModel):
    key: str
    label: str
    unit: str | None
    title: str


class CellModel(BaseModel):
    text: str
    title: str
    sort: str
    missing: bool


class TableRowModel(BaseModel):
    values: dict[str, Scalar]
    cells: list[CellModel]


class TableResponse(BaseModel):
    """A formatted metric table (drill-down level) with the CPO/CAC chart of its rows."""

    by: list[str]
    metrics: list[str]
    currency: str | None
    columns: list[ColumnModel]
    rows: list[TableRowModel]
    total: list[CellModel] | None
    row_count: int
    figure: dict[str, Any]


class SectionResponse(BaseModel):
    """An optional view (CLV, economics): charts and formatted tables."""

    id: str
    title: str
    intro: str
    figures: list[dict[str, Any]]
    tables: list[dict[str, Any]]
    notes: list[str]
