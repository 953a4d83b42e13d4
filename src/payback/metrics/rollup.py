"""The same metrics at several nested grains from one scan of each data side.

A report asks the same metrics by platform, by campaign and by keyword. Asked one by
one (:func:`payback.metrics.compute_metrics`), each grain scans and groups every side
again: the confirmed orders, the acquisitions, the ad statistics. Here the sides are
summed once, to the finest grain, and every coarser grain is that table summed again
to its own keys (the parts are additive: counts and sums, a missing ad sum staying
missing where no ad row is). Each grain then gets its totals rows and its metrics by
the engine's own steps (:mod:`payback.metrics.engine`), and all of them come back from
ONE query (a ``UNION ALL`` of the grains over the shared sums, which DuckDB computes
once), compiled once per store version like any metric query
(:func:`payback.metrics.plans.compiled`, kept on disk too).

The figures are those of one query per grain: counts are equal, and money sums are
rounded to micro-units after each sum (:func:`payback.metrics.engine._tidy`), so a sum
of sums equals the sum of the rows unless their binary floating-point noise crosses a
rounding boundary, the same noise DuckDB's parallel sums already have.

Grains share the scan when each one's keys are among the finest one's (``platform`` and
``campaign`` are within ``keyword``: a campaign is keyed with its platform) and they
need the same sides and parts; the others, and every grain on an engine other than
DuckDB, are computed one by one.

Examples
--------
>>> import datetime as dt, pyarrow as pa
>>> from payback.store import open_store
>>> store = open_store(":memory:")
>>> _ = store.write({
...     "ad_stats": pa.table({"date": [dt.date(2024, 3, 1)] * 2, "platform": ["google"] * 2,
...         "campaign": ["brand", "sale"], "cost": [200.0, 100.0], "currency": ["EUR"] * 2}),
...     "orders": pa.table({"order_id": ["1", "2", "3"], "customer_id": ["a", "b", "c"],
...         "time": [dt.datetime(2024, 3, 1, 9)] * 3, "revenue": [50.0, 20.0, 5.0],
...         "status": ["confirmed"] * 3, "currency": ["EUR"] * 3,
...         "platform": ["google", "google", None], "campaign": ["brand", "sale", None]})})
>>> by_platform, by_campaign = compute_metrics_at_grains(
...     store, ["platform", "campaign"], metrics="cost,orders,cpo")
>>> by_platform.frame[["platform", "cost", "orders", "cpo", "total_kind"]]
  platform   cost  orders    cpo total_kind
0   google  300.0       2  150.0       None
1     None   <NA>       1   <NA>       None
2     None  300.0       2  150.0       paid
3     None  300.0       3   <NA>        all
>>> by_campaign.frame[["campaign", "cost", "cpo"]].head(2)
  campaign   cost    cpo
0    brand  200.0  200.0
1     sale  100.0  100.0
"""

from __future__ import annotations

import base64
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import replace
from typing import Any

import ibis

from payback.metrics.engine import (
    _currency,
    _fetch_sql,
    _fine,
    _joined_sums,
    _request,
    _result,
    _rows,
    _shape,
    _sort_keys,
    _sum,
    compute_metrics,
)
from payback.metrics.filters import GRAINS, Where
from payback.metrics.plans import PLAN_FILES, Disk, Plan, compiled
from payback.metrics.result import MetricsResult


def compute_metrics_at_grains(
    store,
    grains: Iterable[Iterable[str] | str],
    metrics: Iterable[str] | str = ("cost", "orders", "cpo"),
    where: Where = None,
    start: object = None,
    end: object = None,
    totals: bool = True,
    *,
    hierarchy: bool = True,
    check_currency: bool = True,
) -> list[MetricsResult]:
    """The same metrics at each grain of ``grains``, the nested ones from one scan.

    Parameters
    ----------
    grains : iterable
        Grains as :func:`payback.metrics.compute_metrics` takes its ``by``
        (``["platform", "campaign", "keyword"]``).
    metrics, where, start, end, totals, hierarchy, check_currency
        As :func:`payback.metrics.compute_metrics`, for every grain.

    Returns
    -------
    list of MetricsResult
        One per grain, in order, each equal to ``compute_metrics(store, grain, ...)``
        (money sums within their floating-point noise: see the module docstring).
    """
    grains = list(grains)
    requests = [_request(store, by, metrics, where, start, end, hierarchy) for by in grains]
    shared: tuple[Any, ...] = ((None,) * len(grains), None, None, None)
    if store.engine == "duckdb" and len(grains) > 1:
        key = ("grains", tuple(requests), totals)
        shared = compiled(store, key, lambda: _compile(store, requests, totals), SHARED_FILES)
    plans, sql, schemas, schema = shared
    table = None
    results = []
    for i, (by, request, plan) in enumerate(zip(grains, requests, plans, strict=True)):
        if plan is None:  # not nested in the others: its own query
            alone = compute_metrics(store, by, metrics, where, start, end, totals,
                                    hierarchy=hierarchy, check_currency=check_currency)  # fmt: skip
            results.append(alone)
            continue
        currency = _currency(store, request, plan, check_currency)
        if table is None:
            table = _fetch_sql(store, sql, schema)
        rows = _rows_of(table, i).select(schemas[i].names).cast(schemas[i])
        results.append(_result(store, request, plan, rows, currency, as_arrow=False))
    return results


def _rows_of(table, grain: int):
    """The rows of one grain in the shared result (sorted by grain, then row)."""
    import pyarrow.compute as pc

    return table.filter(pc.equal(table["_grain"], grain))


def _compile(store, requests: Sequence[tuple], totals: bool) -> tuple[Any, ...]:
    """The plans of the requests that share the finest one's sums (None for the others),
    the SQL of their one query, each grain's Arrow schema and the query's."""
    shapes = [_shape(store, *r, totals) for r in requests]
    # the grain the most others nest in (the first of them)
    finest = max(shapes, key=lambda f: sum(_nested(p, f) for p in shapes))
    keys = _fine(finest)
    nested = [i for i, p in enumerate(shapes) if _nested(p, finest)]
    none: tuple[Any, ...] = ((None,) * len(requests), None, None, None)
    if len(nested) < 2:
        return none
    joined = _joined_sums(store, finest.filtered, finest.parts, keys)
    plans: list[Plan | None] = [None] * len(requests)
    schemas: list[Any] = [None] * len(requests)
    branches = []
    for i in nested:
        plan = shapes[i]
        fine = _fine(plan)
        sums = joined
        if fine != keys:  # the finest sums summed again to this grain's keys
            parts = {p: _sum(joined[p], p) for p in plan.parts}
            sums = joined.group_by(list(fine)).aggregate(**parts)
        rows = _rows(plan, sums, totals)
        schemas[i] = rows.schema().to_pyarrow()
        plans[i] = replace(plan, filtered=None)
        order = ibis.row_number().over(order_by=_sort_keys(rows, plan.by))
        rows = rows.mutate(_row=order, _grain=ibis.literal(i, "int16"))
        nulls = {d: ibis.null(GRAINS[d].dtype) for d in keys if d not in plan.by}
        rest = [c for c in rows.columns if c not in keys]
        branches.append(rows.mutate(**nulls).select(*keys, *rest))
    union = ibis.union(*branches, distinct=False).order_by(["_grain", "_row"])
    sql = store.backend.compile(union)
    return tuple(plans), sql, tuple(schemas), union.schema().to_pyarrow()


def _nested(plan: Plan, finest: Plan) -> bool:
    """Whether ``plan``'s sums are the finest ones summed again: its keys among the
    finest's, the same metrics, sides (and sides left out) and parts."""
    same = ("metrics", "parts", "sides", "excluded", "split")
    return set(_fine(plan)) <= set(_fine(finest)) and all(
        getattr(plan, f) == getattr(finest, f) for f in same
    )


def _schema_text(schema) -> str | None:
    if schema is None:
        return None
    return base64.b64encode(schema.serialize().to_pybytes()).decode("ascii")


def _dump(shared: tuple[Any, ...]) -> dict:
    plans, sql, schemas, schema = shared
    return {
        "sql": sql,
        "schema": _schema_text(schema),
        "plans": [
            None if p is None else PLAN_FILES.dump((p, "", s))
            for p, s in zip(plans, schemas or [None] * len(plans), strict=True)
        ],
    }


def _load(data: dict, key: Hashable) -> tuple[Any, ...]:
    """:func:`_dump` read back for ``("grains", requests, totals)``."""
    import pyarrow as pa

    _, requests, totals = key  # type: ignore[misc]
    if len(data["plans"]) != len(requests):
        raise ValueError("the file holds other requests")
    plans, schemas = [], []
    for saved, request in zip(data["plans"], requests, strict=True):
        plan, schema = (None, None)
        if saved is not None:
            plan, _, schema = PLAN_FILES.load(saved, ("plan", request, totals))
        plans.append(plan)
        schemas.append(schema)
    if data["sql"] is None:
        return (None,) * len(requests), None, None, None
    schema = pa.ipc.read_schema(pa.py_buffer(base64.b64decode(data["schema"])))
    return tuple(plans), str(data["sql"]), tuple(schemas), schema


#: the shared plans in their files (:class:`payback.metrics.plans.Disk`)
SHARED_FILES = Disk(dump=_dump, load=_load)

__all__ = ["SHARED_FILES", "compute_metrics_at_grains"]
