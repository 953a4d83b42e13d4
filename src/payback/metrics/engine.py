"""The metric engine: catalogue metrics at any grain as ONE lazy Ibis expression.

How a query is built (:func:`metrics_expr`):

1. **Each data side the metrics need is aggregated to the grain first**
   (:data:`payback.metrics.sides.SIDES`): the ads sum ``ad_stats`` (impressions, clicks,
   cost, platform conversions); the orders sum confirmed ``orders`` (orders, revenue, cost
   of goods); the new customers count the store's ``acquisitions`` (each customer's first
   confirmed order, kept per store version); the leads count valid ``leads``. Filters and
   the date range apply to each side's rows before they are summed
   (:mod:`payback.metrics.scope`: ``--from/--to`` on the ad ``date`` and on the day of
   the order/lead ``time``).
2. **The sides are outer-joined on the grain keys**, null-safely (``IS NOT DISTINCT
   FROM``: a null keyword on the ad side meets a null keyword on the order side). Each
   side has at most one row per key, so nothing fans out: every order and every ad row
   is counted exactly once.
3. **Ratios are computed from the sums**: ``cpo = cost / orders`` at the grain, never a
   mean of per-row ratios. A zero denominator gives null (``NULLIF``), and
   :func:`compute_metrics` says why.
4. **Two totals rows** sum the parts, then apply the same ratios (ratio of sums, never
   a sum of ratios). ``Total (paid)`` (``total_kind = "paid"``) sums the rows that have
   ad statistics, at the grain refined by ``platform``: CPO, CAC, CPA, DRR, ROAS, ROI,
   ROMI, CR and the platform gaps are totalled there, over the ad-attributed orders
   only. ``Total (all)`` sums every row: the blended orders, revenue, new customers;
   its ad ratios are missing (an organic order is not bought by the ad cost). Only
   ``Total (all)`` exists when the metrics do not relate ads to orders or leads.

Missing values
--------------
- Order and lead counts and sums of a row that has ad rows but no orders are 0 (the
  orders were imported; none matched), so a campaign that spent without selling shows
  ``orders = 0``, ``cpo`` null ("no confirmed orders") and ``romi = -100 %``.
- Ad sums of a row without ad rows (organic orders, partner orders, a platform whose ad
  statistics were not imported) are null: "no ad statistics match this row".
- A side that lacks a dimension of the grain or of a filter (the ads have no
  ``partner``) is left out: its metrics are null in every row, with that reason.
- Cost of goods (and gross profit, ROMI) is null when a confirmed order of the row has
  no ``cogs``: a missing cost is never read as 0.

Examples
--------
>>> import datetime as dt, pyarrow as pa
>>> from payback.store import open_store
>>> store = open_store(":memory:")
>>> _ = store.write({
...     "ad_stats": pa.table({"date": [dt.date(2024, 3, 1)], "platform": ["google"],
...         "campaign": ["banner"], "impressions": [10_000], "clicks": [100],
...         "cost": [200.0], "currency": ["EUR"]}),
...     "orders": pa.table({"order_id": [f"o{i}" for i in range(50)],
...         "customer_id": [f"c{i}" for i in range(50)],
...         "time": [dt.datetime(2024, 3, 1, 12)] * 50, "revenue": [10.0] * 50,
...         "status": ["confirmed"] * 50, "currency": ["EUR"] * 50,
...         "platform": ["google"] * 40 + [None] * 10,  # 10 organic orders
...         "campaign": ["banner"] * 40 + [None] * 10})})
>>> result = compute_metrics(store, by="campaign", metrics="cost,orders,cpo,ctr,drr")
>>> result.frame[["campaign", "cost", "orders", "cpo", "ctr", "drr", "total_kind"]]
  campaign   cost  orders   cpo   ctr   drr total_kind
0   banner  200.0      40   5.0  0.01   0.5       None
1     None   <NA>      10  <NA>  <NA>  <NA>       None
2     None  200.0      40   5.0  0.01   0.5       paid
3     None  200.0      50  <NA>  0.01  <NA>        all
>>> result.totals  # each metric from its honest total: CPO over the paid orders
{'cost': 200.0, 'orders': 50, 'cpo': 5.0, 'ctr': 0.01, 'drr': 0.5}
>>> result.currency
'EUR'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import ibis
import numpy as np
import pandas as pd

from payback.errors import CurrencyError
from payback.metrics.catalogue import CATALOGUE, resolve_metrics
from payback.metrics.filters import (
    GRAINS,
    Where,
    expand_grain,
    parse_by,
    parse_range,
    parse_where,
)
from payback.metrics.plans import PLAN_FILES, Plan, compiled
from payback.metrics.probes import blank_dimensions, unmatched_filters
from payback.metrics.reasons import Reasons, summarise_codes
from payback.metrics.result import MetricsResult, to_pandas
from payback.metrics.sides import PART_SIDE, PARTS, SIDES
from payback.metrics.visits import register_store_goals

_MONEY_DIGITS = 6


# -- building blocks ------------------------------------------------------------------------------
def _part_aggs(t, side: str, parts: Iterable[str]) -> dict[str, Any]:
    """The sums of ``parts`` that ``side`` contributes, over its rows ``t``."""
    return {
        p.name: _tidy(p.total(t).cast(p.dtype), p.name)
        for p in SIDES[side].parts
        if p.name in parts
    }


def _sum(column, part: str):
    return _tidy(column.sum(), part)


def _tidy(total, part: str):
    """Money sums rounded to 6 decimals: 0.1 + 0.2 is 0.3 again, not 0.30000000000000004.

    Amounts carry at most micro-units (Yandex reports money in millionths), so this only
    removes the binary floating-point error of the sum, never a real digit.
    """
    return total.round(_MONEY_DIGITS) if PARTS[part].money else total


def _part_type(part: str) -> str:
    return PARTS[part].dtype


def _excluded_sides(store, sides: Iterable[str], by: Sequence[str], filters) -> dict[str, str]:
    """The sides that cannot be split by (or filtered on) a dimension, with the reason.

    A side lacks a dimension its record has no column for (the ads have no
    ``partner``); and where every row of a side leaves an optional column empty (ad
    exports without a ``country`` or ``device`` breakdown), it cannot be split by it
    either: its sums would all sit in the ``(none)`` row.
    """
    out: dict[str, str] = {}
    for name in sides:
        side = SIDES[name]
        what = f"{side.words.split()[0]} metrics" if side.paid else f"metrics of the {side.words}"
        lacking = [d for d in by if d not in side.columns]
        if lacking:
            d = lacking[0]
            out[name] = f"{side.words} have no {d} dimension, so {what} cannot be split by {d}"
            continue
        lacking = [d for d in filters if d not in side.columns]
        if lacking:
            out[name] = f"{side.words} have no {lacking[0]} dimension to filter on"
            continue
        blank = blank_dimensions(store, side, [*by, *filters])
        for d in by:
            if d in blank:
                out[name] = f"the {side.words} carry no {d}, so {what} cannot be split by {d}"
                break
        else:
            for d in filters:
                if d in blank:
                    out[name] = f"the {side.words} carry no {d} to filter on"
                    break
    return out


def _request(store, by, metrics, where, start, end, hierarchy: bool) -> tuple:
    """The request normalised: grain, canonical metric names, filters, period (hashable)."""
    by = expand_grain(parse_by(by), hierarchy)
    register_store_goals(store)  # the goals of the user's own config, recorded at import
    names = resolve_metrics(metrics, at_grain=True)
    filters = tuple(parse_where(where).items())
    return (by, names, filters, *parse_range(start, end))


def _plan(store, by, metrics, where, start, end, *, totals: bool, hierarchy: bool) -> Plan:
    return _build(store, *_request(store, by, metrics, where, start, end, hierarchy), totals)


def _build(store, by, names, filters, start, end, totals: bool) -> Plan:
    plan = _shape(store, by, names, filters, start, end, totals)
    joined = _joined_sums(store, plan.filtered, plan.parts, _fine(plan))
    return replace(plan, expr=_sorted(_rows(plan, joined, totals), plan.by))


def _shape(store, by, names, filters, start, end, totals: bool) -> Plan:
    """The plan of a request without its expression: which sides take part (and which are
    left out, why), their parts, their filtered rows, whether a paid total is split off."""
    filters = dict(filters)
    wanted = {p for n in names for p in CATALOGUE[n].parts}
    needed = [s for s in SIDES if any(PART_SIDE[p] == s for p in wanted)]
    excluded = _excluded_sides(store, needed, by, filters)
    sides = tuple(s for s in needed if s not in excluded)
    paid = [SIDES[s].presence for s in sides if SIDES[s].paid]
    wanted.update(p for p in paid if p)  # marks the rows that have ad statistics
    parts = tuple(sorted(wanted, key=list(PART_SIDE).index))
    # paid and blended totals differ only when the paid side meets another side
    split = bool(paid) and len(sides) > 1 and (totals or not by)
    filtered = {s: SIDES[s].rows(store, filters, start, end) for s in sides}
    return Plan(by, names, parts, sides, excluded, filtered, split, None, filters, (start, end))


def _fine(plan: Plan) -> tuple[str, ...]:
    """The keys the sides are summed to: the grain, refined by ``platform`` when a paid
    total is split off, so that organic, newsletter and partner orders stay out of it at
    every grain (by month, by country ...)."""
    by = plan.by
    return by if not plan.split or "platform" in by else (*by, "platform")


def _rows(plan: Plan, joined, totals: bool):
    """The rows of a plan (groups, then its totals) with its metrics, unsorted, from the
    sides summed to :func:`_fine` and joined (``joined``)."""
    by, parts, split = plan.by, plan.parts, plan.split
    paid = [SIDES[s].presence for s in plan.sides if SIDES[s].paid]
    kinds = []
    if split:
        is_paid = ibis.or_(*(joined[p].notnull() for p in paid))
        kinds.append(_total(joined.filter(is_paid), by, parts, "paid", plan.sides))
    kinds.append(_total(joined, by, parts, "all", plan.sides))
    if not by:  # no grain: the rows are the totals
        rows = ibis.union(*kinds, distinct=False) if len(kinds) > 1 else kinds[0]
    else:
        groups = joined
        if _fine(plan) != by:  # roll the platform refinement up to the grain
            groups = joined.group_by(list(by)).aggregate(**{p: _sum(joined[p], p) for p in parts})
        groups = groups.mutate(is_total=False, total_kind=ibis.null("string"))
        rows = ibis.union(groups, *kinds, distinct=False) if totals else groups
    blended = (rows.total_kind == "all").fill_null(False)
    values = {}
    cols = {p: rows[p] for p in parts}
    for n in plan.metrics:
        value = CATALOGUE[n].evaluate(cols).cast(_metric_type(n))
        if split and CATALOGUE[n].paid_only:  # over the paid rows only: see Total (paid)
            value = ibis.ifelse(blended, ibis.null(value.type()), value)
        values[n] = value
    hidden = [rows[p].name(f"_part_{p}") for p in parts if p not in _shown_parts(plan.metrics)]
    return rows.select(*by, *hidden, **values, is_total=rows.is_total, total_kind=rows.total_kind)


def _sort_keys(expr, by: Sequence[str]) -> list:
    """The order of a plan's rows: the groups by dimension (text in natural order, nulls
    last), then the totals, paid before all."""
    keys = []
    for d in by:
        keys += _natural_order(expr[d]) if GRAINS[d].dtype == "string" else [expr[d]]
    order = [ibis.asc("is_total"), ibis.desc("total_kind")]
    return order + [ibis.asc(k, nulls_first=False) for k in keys]


def _sorted(expr, by: Sequence[str]):
    return expr.order_by(_sort_keys(expr, by))


def _joined_sums(store, filtered: Mapping[str, Any], parts: Sequence[str], keys: Sequence[str]):
    """Each side summed to the ``keys``, the sides full-joined: one row per key with every
    part; order and lead parts of a key without orders or leads are 0 (they were imported,
    none matched), ad parts of a key without ad rows stay null."""
    summed = []
    for side, rows in filtered.items():
        grain = {d: SIDES[side].value(rows, d) for d in keys}
        aggs = _part_aggs(rows, side, parts)
        summed.append(rows.group_by(**grain).aggregate(**aggs) if grain else rows.aggregate(**aggs))
    if not summed:  # every needed side left out: no rows, only the (empty) totals
        nothing = store.table("orders").filter(ibis.literal(False))
        nulls = {d: ibis.null(GRAINS[d].dtype) for d in keys}
        joined = nothing.select(**(nulls or {"_nothing": ibis.literal(0)}))
    else:
        joined = summed[0]
        for other in summed[1:]:
            joined = _full_join(joined, other, keys)
    missing = {p: ibis.null(_part_type(p)) for p in parts if p not in joined.columns}
    joined = joined.mutate(**missing).select(*keys, *parts)
    return _zero_filled(joined, parts, tuple(filtered))


def _zero_filled(t, parts: Sequence[str], sides: Sequence[str]):
    """Parts of the unpaid sides that take part null -> 0 (orders, leads, new customers
    were imported, none matched the key); parts of the paid side stay null (no ad rows is
    not 0 cost), and so do the parts of a side left out (it cannot be split so)."""
    zero = [p for p in parts if PART_SIDE[p] in sides and not SIDES[PART_SIDE[p]].paid]
    return t.mutate(**{p: t[p].fill_null(0) for p in zero}) if zero else t


def _total(t, by: Sequence[str], parts: Sequence[str], kind: str, sides: Sequence[str]):
    """One totals row of ``kind`` (``"paid"``, ``"all"``): the parts of ``t`` summed."""
    summed = _zero_filled(t.aggregate(**{p: _sum(t[p], p) for p in parts}), parts, sides)
    dims = {d: ibis.null(GRAINS[d].dtype) for d in by}
    flags = {"is_total": ibis.literal(True), "total_kind": ibis.literal(kind)}
    return summed.mutate(**dims, **flags).select(*by, *parts, *flags)


def _natural_order(value) -> list:
    """Sort keys putting numeric-looking text in number order (campaign id 9 before 10):
    digits-only values first, by length then text, then the other values by text."""
    digits = value.re_search(r"^[0-9]+$")
    return [
        ibis.ifelse(digits, 0, 1),
        ibis.ifelse(digits, value.length(), ibis.null("int32")),
        value,
    ]


def _shown_parts(names: Iterable[str]) -> frozenset[str]:
    """Parts whose metric column already holds them (the query need not return them twice)."""
    return frozenset(n for n in names if CATALOGUE[n].kind == "sum" and not CATALOGUE[n].needs_cogs)


def _full_join(left, right, by: Sequence[str]):
    """Null-safe full outer join of two per-side sums on the grain keys (no fan-out).

    Each side holds one row per key, so the join pairs rows one to one; a key on one side
    only keeps null parts for the other. ``IS NOT DISTINCT FROM`` makes a null keyword on
    the ad side meet a null keyword on the order side.
    """
    if not by:  # one row each
        return left.cross_join(right)
    left, renamed = left.view(), right.rename({f"_key_{d}": d for d in by})
    joined = left.outer_join(renamed, [left[d].identical_to(renamed[f"_key_{d}"]) for d in by])
    keys = {d: ibis.coalesce(joined[d], joined[f"_key_{d}"]) for d in by}
    values = [c for c in joined.columns if c not in by and not c.startswith("_key_")]
    return joined.select(**keys, **{c: joined[c] for c in values})


def _metric_type(name: str) -> str:
    """Counts that are sums of integer parts are int64; the rest (platform conversions may be
    fractional, ratios) float64."""
    m = CATALOGUE[name]
    return "int64" if m.kind == "sum" and PARTS[name].count else "float64"


# -- public API -----------------------------------------------------------------------------------
def metrics_expr(
    store,
    by: Iterable[str] | str | None = ("campaign",),
    metrics: Iterable[str] | str = ("cost", "orders", "cpo"),
    where: Where = None,
    start: object = None,
    end: object = None,
    *,
    totals: bool = False,
    hierarchy: bool = True,
):
    """The lazy Ibis expression of metrics at a grain (the metrics are not computed).

    Building it runs one small look-up only when the grain or a filter uses ``country``
    or ``device``: whether every ad row leaves it empty (then the ads cannot take part,
    :func:`payback.metrics.probes.blank_dimensions`).

    Parameters
    ----------
    store : payback.store.Store
        The store whose ``ad_stats``, ``orders`` and ``leads`` are read.
    by : str or iterable of str
        Grain dimensions (``"campaign,date"``); see :data:`payback.metrics.filters.GRAINS`.
        Campaigns, ad groups and keywords are keyed with their parents: ``campaign``
        by (platform, campaign), ``ad_group`` by (platform, campaign, ad_group),
        ``keyword`` by (platform, campaign, ad_group, keyword); the parent columns are
        added to the output (:func:`payback.metrics.filters.expand_grain`).
    metrics : str or iterable of str
        Metric names from :data:`payback.metrics.CATALOGUE` (aliases ``cpl``, ``acos``).
    where : mapping or iterable of "dim=value", optional
        Filters; values are bound as literals, never pasted into SQL.
    start, end : date or "YYYY-MM-DD", optional
        Inclusive date range on the ad date and the day of the order/lead time.
    totals : bool
        Append the totals rows (ratios of summed parts): ``is_total`` marks them and
        ``total_kind`` tells ``"paid"`` (the rows with ad statistics) from ``"all"``;
        see :class:`MetricsResult`.
    hierarchy : bool
        False (``--flat``) keeps the grain as written: ``keyword`` alone pools a keyword
        across ad groups, campaigns and platforms.

    Returns
    -------
    ibis.Table
        Columns: the dimensions, the metrics, ``is_total``, ``total_kind``; sorted by
        dimension, the totals last (paid, then all).

    Examples
    --------
    >>> from payback.store import open_store
    >>> expr = metrics_expr(open_store(":memory:"), by="platform", metrics="cpc,cpo")
    >>> expr.columns
    ('platform', 'cpc', 'cpo', 'is_total', 'total_kind')
    """
    plan = _plan(store, by, metrics, where, start, end, totals=totals, hierarchy=hierarchy)
    return plan.expr.select(*plan.by, *plan.metrics, "is_total", "total_kind")


def compute_metrics(
    store,
    by: Iterable[str] | str | None = ("campaign",),
    metrics: Iterable[str] | str = ("cost", "orders", "cpo"),
    where: Where = None,
    start: object = None,
    end: object = None,
    totals: bool = True,
    *,
    hierarchy: bool = True,
    check_currency: bool = True,
    as_arrow: bool = False,
) -> MetricsResult:
    """Compute metrics at a grain, with totals rows and the reason of every missing value.

    Parameters are those of :func:`metrics_expr`; ``check_currency`` refuses money in more
    than one currency (a :class:`payback.errors.CurrencyError` naming the currencies).
    ``as_arrow`` keeps the rows as the query's Arrow table (:meth:`MetricsResult.to_arrow`
    without a pandas copy, for large results written to Parquet); ``frame``, ``parts``
    and ``cell_reasons`` are then built on first use.

    Returns
    -------
    MetricsResult
        ``frame`` (dimensions, metrics, ``is_total``), ``reasons``, ``currency`` ...

    Raises
    ------
    payback.errors.InputError
        Unknown metric or dimension (the message lists the valid names), bad date.
    payback.errors.CurrencyError
        The money to aggregate is in several currencies.

    Examples
    --------
    >>> from payback.store import open_store
    >>> r = compute_metrics(open_store(":memory:"), by=(), metrics="cpo")
    >>> r.total("paid"), r.cell_reasons["cpo"].tolist()
    ({'cpo': None}, ['no confirmed orders', 'Total (all) holds no ad ratios (see Total (paid))'])
    """
    request = _request(store, by, metrics, where, start, end, hierarchy)
    plan, sql, schema = compiled(
        store, ("plan", request, totals), lambda: _compile(store, request, totals), PLAN_FILES
    )
    currency = _currency(store, request, plan, check_currency)
    table = _fetch_arrow(store, plan.expr) if sql is None else _fetch_sql(store, sql, schema)
    return _result(store, request, plan, table, currency, as_arrow=as_arrow)


def _currency(store, request: tuple, plan: Plan, check: bool) -> str | None:
    """The currency of a plan's money, checked (:func:`_check_currency`) unless ``check``
    is false (then the store's base currency)."""
    if not check:
        return store.base_currency
    return compiled(store, ("currency", request), lambda: _check_currency(store, plan))


def _result(store, request: tuple, plan: Plan, table, currency, *, as_arrow: bool):
    """The :class:`MetricsResult` of a plan from its query's Arrow ``table``: the filter
    warnings and the reason of every missing value."""
    shown = _shown_parts(plan.metrics)
    hidden = [p for p in plan.parts if p not in shown]
    columns = [*plan.by, *plan.metrics, "is_total", "total_kind"]
    warned = compiled(
        store,
        ("unmatched", plan.sides, request[2:]),
        lambda: tuple(unmatched_filters(store, plan.sides, plan.filters, *plan.period)),
    )
    fields = {"by": plan.by, "metrics": plan.metrics, "currency": currency, "warnings": warned}
    # the reasons are classified on the Arrow columns, before (or without) pandas
    import pyarrow.compute as pc

    parts = {p: table[p] if p in shown else table[f"_part_{p}"] for p in plan.parts}
    blended = None
    if plan.split:
        blended = np.asarray(pc.fill_null(pc.equal(table["total_kind"], "all"), False), bool)
    why = Reasons(parts, plan.excluded)
    codes = why.codes({n: table[n] for n in plan.metrics}, plan.metrics, blended)
    fields |= {
        "reasons": summarise_codes(codes, why.texts),
        "part_names": plan.parts,
        "reason_codes": codes,
        "reason_texts": tuple(why.texts),
    }
    if as_arrow:  # no pandas copy of the rows
        return MetricsResult(rows=table, **fields)
    schema = table.select(columns).schema
    shown_table = table.select(columns)
    extra_table = table.select([f"_part_{p}" for p in hidden])
    del table, parts  # each Arrow buffer is freed as soon as it is converted (self_destruct)
    frame, extra = to_pandas(shown_table), to_pandas(extra_table)
    parts = pd.DataFrame(
        {p: frame[p] if p in shown else extra[f"_part_{p}"] for p in plan.parts}, copy=False
    )
    return MetricsResult.from_frames(frame, parts, schema, **fields)


# -- helpers --------------------------------------------------------------------------------------
def _compile(store, request: tuple, totals: bool) -> tuple[Plan, str | None, Any]:
    """The plan of a request with its SQL and Arrow schema (DuckDB), kept per store version
    (:func:`payback.metrics.plans.compiled`) without its Ibis expressions, which hold the
    store's connection; on another engine the plan keeps them and the SQL is None."""
    plan = _build(store, *request, totals)
    if store.engine != "duckdb":
        return plan, None, None
    sql, schema = store.backend.compile(plan.expr), plan.expr.schema().to_pyarrow()
    return replace(plan, expr=None, filtered=None), sql, schema


def _fetch_sql(store, sql: str, schema):
    """Run compiled SQL on DuckDB; its Arrow result cast to ``schema`` (a no-op for the
    columns already right)."""
    result = store.backend.con.execute(sql)
    fetch = getattr(result, "to_arrow_table", None) or result.fetch_arrow_table
    return fetch().cast(schema)


def _fetch_arrow(store, expr):
    """Run the plan and return Arrow in the expression's schema.

    On DuckDB the compiled query's Arrow result is cast to the schema directly (a no-op for
    columns already right): ibis' generic path converts column by column, which costs
    another copy of a result that can hold millions of rows.
    """
    if store.engine != "duckdb":
        return store.to_pyarrow(expr)
    return _fetch_sql(store, store.backend.compile(expr), expr.schema().to_pyarrow())


def _check_currency(store, plan: Plan) -> str | None:
    """The one currency of the money the plan aggregates; CurrencyError for several.

    The store knows the currencies of each table (:meth:`payback.store.Store.currencies`,
    recorded when the table is written): one code, the base currency, settles it for
    every subset without a query. Otherwise the lowest and highest code of the filtered
    rows are asked, and only when they differ are the distinct codes listed for the
    message.
    """
    money = [s for s in plan.sides if any(p.money and p.name in plan.parts for p in SIDES[s].parts)]
    if not money:
        return store.base_currency
    base = store.base_currency
    # every row of the tables in one currency, the base one: so is any subset of them
    whole = sorted({c for s in money for c in store.currencies(SIDES[s].table)})
    if len(whole) <= 1 and (not whole or not base or whole[0] == base):
        return whole[0] if whole else base
    filtered = {s: SIDES[s].rows(store, plan.filters, *plan.period) for s in money}
    currencies = _currency_range(store, list(filtered.values()))
    if len(currencies) > 1 or (currencies and base and currencies[0] != base):
        listed = [
            filtered[s].select(table=ibis.literal(SIDES[s].table), currency="currency")
            for s in money
        ]
        rows = store.to_pyarrow(ibis.union(*listed, distinct=True)).to_pylist()
        currencies = sorted({r["currency"] for r in rows if r["currency"] is not None})
        where_found = sorted({f"{r['table']}: {r['currency']}" for r in rows if r["currency"]})
        raise CurrencyError(
            f"the money to aggregate is in {', '.join(currencies)}"
            + (f" but the store's base currency is {base}" if base else "")
            + f" ({'; '.join(where_found)}): money never mixes currencies. Convert with an "
            f"FX table (`payback import fx-rates`), or filter to one currency's rows "
            f"(e.g. --where platform=...)"
        )
    return currencies[0] if currencies else base


def _currency_range(store, tables) -> list[str]:
    """The lowest and highest currency code over ``tables`` (one, two or no codes)."""
    ranges = [t.aggregate(lo=t.currency.min(), hi=t.currency.max()) for t in tables]
    found = store.to_pyarrow(ibis.union(*ranges, distinct=False)).to_pylist()
    return sorted({c for r in found for c in (r["lo"], r["hi"]) if c is not None})


def catalogue_frame() -> pd.DataFrame:
    """The catalogue as a table (name, label, formula, unit, better, description).

    Examples
    --------
    >>> catalogue_frame().set_index("name").loc["cpo", "formula"]
    'cost / confirmed orders'
    """
    better = {True: "lower", False: "higher", None: "—"}
    return pd.DataFrame(
        [
            {
                "name": m.name,
                "label": m.label,
                "formula": m.formula,
                "unit": m.unit,
                "better": better[m.lower_is_better],
                "description": m.description,
            }
            for m in CATALOGUE.values()
        ]
    )


__all__ = ["MetricsResult", "catalogue_frame", "compute_metrics", "metrics_expr"]
