"""Query parameters of the dashboard API: typed declarations, validation, normalised keys.

Names are checked against the metric catalogue and the grains (an unknown name raises
:class:`ApiError`, a 400 listing the valid names); values stay data and reach the engine
as bound literals.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query

from payback.errors import InputError


class ApiError(Exception):
    """A refused request (400): the message and, for unknown names, the valid ones; other
    statuses (409, 503) with the ``headers`` they need (``Retry-After``)."""

    def __init__(
        self,
        detail: str,
        valid: Sequence[str] | None = None,
        status: int = 400,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail)
        self.detail = detail
        self.valid = list(valid) if valid is not None else None
        self.status = status
        self.headers = dict(headers or {})


# -- query parameters (typed; documented in the OpenAPI schema) --------------------------------
From = Annotated[
    dt.date | None, Query(alias="from", description="First day, YYYY-MM-DD (inclusive).")
]
To = Annotated[dt.date | None, Query(alias="to", description="Last day, YYYY-MM-DD.")]
Where = Annotated[
    list[str] | None,
    Query(
        description="Filters dim=value, repeatable (platform=google&where=campaign=Brand).",
    ),
]
Limit = Annotated[int | None, Query(ge=1, le=100_000, description="Keep the largest-spend groups.")]

By = Annotated[
    list[str] | None,
    Query(description="Grain: dimensions, comma-separated or repeated (campaign,month)."),
]
Metrics = Annotated[
    list[str] | None,
    Query(description="Metric names, comma-separated or repeated (cost,orders,cpo)."),
]


# -- parameters --------------------------------------------------------------------------------
def split_names(values: Sequence[str] | None) -> list[str]:
    """``["campaign,month", "keyword"]`` -> ``["campaign", "month", "keyword"]``.

    >>> split_names(["campaign, month", "", "keyword"])
    ['campaign', 'month', 'keyword']
    """
    return [p.strip() for v in values or () for p in str(v).split(",") if p.strip()]


def parse_metric_names(values: Sequence[str] | None, default: Sequence[str]) -> tuple[str, ...]:
    from payback.metrics import CATALOGUE, resolve_metrics

    names = split_names(values)
    if not names:
        return tuple(default)
    try:
        return resolve_metrics(names)
    except InputError as e:
        raise ApiError(str(e), list(CATALOGUE)) from None


def parse_dimensions(values: Sequence[str] | None, default: Sequence[str]) -> tuple[str, ...]:
    from payback.metrics import GRAINS, parse_by

    names = split_names(values)
    if not names:
        return tuple(default)
    try:
        return parse_by(names)
    except InputError as e:
        raise ApiError(str(e), list(GRAINS)) from None


def parse_filters(values: Sequence[str] | None) -> dict[str, list[str]]:
    """``where`` items (``dim=value``) checked against the grains; values stay text."""
    from payback.metrics import GRAINS, parse_where

    items = [v for v in values or () if v != ""]
    try:
        parse_where(items)  # validates dimensions and date values
    except InputError as e:
        raise ApiError(str(e), list(GRAINS)) from None
    from payback.report.views import normalise_where

    canonical: dict[str, list[str]] = {}
    for dim, vals in normalise_where(items).items():
        key = _canonical_dimension(dim)
        for v in vals:
            if v not in canonical.setdefault(key, []):
                canonical[key].append(v)
    return {k: sorted(v) for k, v in sorted(canonical.items())}


def _canonical_dimension(name: str) -> str:
    from payback.metrics import parse_by

    return parse_by([name])[0]


def check_known(given: Sequence[str], accepted: Sequence[str], path: str) -> None:
    """Refuse query parameters the endpoint does not take (a typo would otherwise be ignored).

    Raises
    ------
    ApiError
        Naming each unknown parameter (with the closest accepted one) and listing the
        accepted ones in ``valid``.

    >>> check_known(["by", "metrics"], ["by", "metrics", "from"], "/api/metrics")
    >>> check_known(["metric"], ["by", "metrics", "from"], "/api/metrics")
    Traceback (most recent call last):
    ...
    payback.server.params.ApiError: unknown query parameter 'metric' (did you mean 'metrics'?): \
/api/metrics takes by, metrics, from
    >>> check_known(["by"], [], "/api/filters")
    Traceback (most recent call last):
    ...
    payback.server.params.ApiError: unknown query parameter 'by': /api/filters takes none
    """
    import difflib

    unknown = [name for name in dict.fromkeys(given) if name not in accepted]
    if not unknown:
        return
    named = []
    for name in unknown:
        close = difflib.get_close_matches(name, accepted, n=1, cutoff=0.6)
        named.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    noun = "parameter" if len(unknown) == 1 else "parameters"
    raise ApiError(
        f"unknown query {noun} {', '.join(named)}: {path} takes {', '.join(accepted) or 'none'}",
        list(accepted),
    )


def parse_section_grain(value: str | None, grains: Sequence[str], path: str) -> str:
    """The ``by`` of an optional view (``/api/ltv``, ``/api/economics``): one of ``grains``.

    >>> parse_section_grain(None, ("campaign", "platform"), "/api/economics")
    'campaign'
    >>> parse_section_grain("Partner_ID", ("campaign", "partner"), "/api/economics")
    'partner'
    >>> parse_section_grain("keyword", ("campaign", "platform"), "/api/economics")
    Traceback (most recent call last):
    ...
    payback.server.params.ApiError: /api/economics cannot be computed by 'keyword': by takes \
one of campaign, platform
    """
    if value is None or not value.strip():
        return grains[0]
    from payback.metrics import parse_by

    problem = f"{path} cannot be computed by {value!r}: by takes one of {', '.join(grains)}"
    try:
        names = parse_by([value])
    except InputError:
        raise ApiError(problem, list(grains)) from None
    if len(names) != 1 or names[0] not in grains:
        raise ApiError(problem, list(grains))
    return names[0]


def check_period(start: dt.date | None, end: dt.date | None) -> None:
    from payback.metrics.filters import parse_date

    for name, day in (("from", start), ("to", end)):
        if day is not None:
            try:
                parse_date(day)
            except InputError as e:
                raise ApiError(f"{name}: {e}") from None
    if start is not None and end is not None and start > end:
        raise ApiError(f"empty date range: from {start} is after to {end}; swap them")


def query_key(name: str, **params: Any) -> tuple:
    """A hashable, order-independent key of a normalised query."""
    return (
        name,
        *sorted((k, json.dumps(v, default=str, sort_keys=True)) for k, v in params.items()),
    )


@dataclass(frozen=True)
class ViewQuery:
    """The period and filters every view takes, validated and normalised."""

    start: dt.date | None
    end: dt.date | None
    where: dict[str, list[str]]

    def key(self, name: str, **extra: Any) -> tuple:
        return query_key(name, s=self.start, e=self.end, where=self.where, **extra)


async def view_query(start: From = None, end: To = None, where: Where = None) -> ViewQuery:
    """FastAPI dependency: ``from``, ``to`` and ``where`` checked (400 when wrong)."""
    check_period(start, end)
    return ViewQuery(start, end, parse_filters(where))


@dataclass(frozen=True)
class GrainQuery:
    """A view query plus the grain (``by``) and the metrics, still as given."""

    view: ViewQuery
    by: tuple[str, ...]
    metrics: tuple[str, ...]

    def dimensions(self, default: Sequence[str]) -> tuple[str, ...]:
        return parse_dimensions(self.by, default)

    def metric_names(self, default: Sequence[str]) -> tuple[str, ...]:
        return parse_metric_names(self.metrics, default)


async def grain_query(
    by: By = None, metrics: Metrics = None, view: ViewQuery = Depends(view_query)
) -> GrainQuery:
    """FastAPI dependency: ``by`` and ``metrics`` (validated by the endpoint's defaults)."""
    return GrainQuery(view, tuple(by or ()), tuple(metrics or ()))
