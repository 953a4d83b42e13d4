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
    total: dict[str, Scalar] | None = Field(
        description="Each metric's total: ratios of ad spend to orders (CPO, CAC, DRR, ROMI "
        "...) over paid traffic (rows with ad statistics), the rest over every row."
    )
    totals: list[dict[str, Scalar]] = Field(
        description="The totals rows, each with its total_kind: 'paid' (rows with ad "
        "statistics), then 'all' (every row; ad ratios null there)."
    )
    reasons: dict[str, str] = Field(description="Metric -> why some of its values are missing.")
    row_count: int = Field(description="Groups before `limit` cut the rows.")


class CardInputModel(BaseModel):
    metric: str
    label: str
    value: float | None
    current: float | None
    previous: float | None
    text: str
    current_text: str
    previous_text: str


class CardModel(BaseModel):
    metric: str
    label: str
    unit: str
    basis: str | None = Field(
        description="'paid traffic' when the value covers the rows with ad statistics only."
    )
    value: float | None = Field(description="Over the whole period.")
    current: float | None = Field(description="In the compared period (compared_period).")
    previous: float | None = Field(description="In the period before it (previous_period).")
    change: float | None = Field(
        description="current vs previous: relative; for rates the difference of the fractions."
    )
    blended: float | None = Field(
        description="With a basis: the same formula over every order, organic included."
    )
    verdict: str | None = Field(description="better, worse or null")
    formula: str
    explanation: str
    blended_explanation: str | None
    reason: str | None
    text: str = Field(description="The value for a card (millions shortened: 212.36 M USD).")
    exact_text: str = Field(description="The value with every digit.")
    current_text: str
    previous_text: str
    change_text: str
    blended_text: str | None
    inputs: list[CardInputModel]


class HeadlineResponse(BaseModel):
    period: PeriodModel | None = Field(description="What the values cover.")
    compared_period: PeriodModel | None = Field(
        description="The later period of the change: the period itself when from/to are "
        "given, else the last complete calendar month of the data."
    )
    previous_period: PeriodModel | None = Field(description="The earlier period of the change.")
    comparison: str = Field(
        description="'Dec 2025 vs Nov 2025' or 'vs the previous 31 days (...)'."
    )
    compared_name: str = Field("", description="compared_period as a month: 'Dec 2025'.")
    previous_name: str = Field("", description="previous_period as a month: 'Nov 2025'.")
    whole_history: bool = Field(description="The values cover more than compared_period.")
    intro: str = Field(description="What the cards cover and compare, for a human.")
    previous_has_data: bool
    note: str | None = Field(description="What the cards say when they show no change.")
    currency: str | None
    cards: list[CardModel] = Field(
        description="Without the LTV/CAC card, which needs the CLV fit: see /api/ltv_cac."
    )


class LtvCacResponse(BaseModel):
    card: CardModel | None = Field(
        description="The headline's LTV/CAC card (its CAC over the same periods), or null."
    )
    note: str = Field(description="Why there is no card (empty when there is one).")


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
    labels: dict[str, str] = Field(
        default_factory=dict, description="Each dimension's value as shown: '(none)', '2024-01'."
    )
    cells: list[CellModel]


class TableResponse(BaseModel):
    """A formatted metric table (drill-down level) with the CPO/CAC chart of its rows."""

    by: list[str]
    metrics: list[str]
    currency: str | None
    columns: list[ColumnModel]
    rows: list[TableRowModel]
    totals: list[list[CellModel]] = Field(
        description="Totals rows: 'Total (paid)' (rows with ad statistics) and 'Total (all)'."
    )
    row_count: int
    row_count_text: str = Field("", description="row_count as shown: '1,204'.")
    figure: dict[str, Any]


class SectionResponse(BaseModel):
    """An optional view (CLV, economics): charts and formatted tables."""

    id: str
    title: str
    intro: str
    figures: list[dict[str, Any]]
    tables: list[dict[str, Any]]
    notes: list[str]
