"""Cross-sell: products bought together, counted in the engine by a self-join.

A **basket** is one confirmed order (``within="order"``) or all the confirmed orders of
one customer (``within="customer"``); an **item** is a product id, a product name or a
category (``by``) of its lines (:data:`payback.metrics.scope.confirmed_orders` joined
with ``order_items``). Each basket counts an item once, whatever the quantity.

With ``n`` baskets, ``n_a`` holding A, ``n_b`` holding B and ``n_ab`` holding both
(:mod:`payback.segments.stats`)::

    support = n_ab / n      confidence(A -> B) = n_ab / n_a      lift = n_ab n / (n_a n_b)

and the one-sided Fisher exact p-value of the pair. Pairs are counted by a self-join of
the distinct (basket, item) rows on the basket with ``item_a < item_b``, grouped by the
pair and kept from ``min_count = max(ceil(min_support x n), min_count)`` baskets on:
never a one-hot frame. The cost grows with the sum over baskets of ``items^2 / 2``, so
baskets of more than ``max_items`` distinct items (a wholesaler's order, a test
account) are left out of every count (``n`` too) and their number is reported.

**Noise control**: the Benjamini-Hochberg adjusted p-value (``q_value``) is computed over
the family of every pair of the ``k`` items, ``m = k (k - 1) / 2`` tests, and pairs with
``q_value > fdr`` are dropped: a pair that two popular products reach by chance is not a
rule. Each kept pair gives two rules, A -> B and B -> A (same support, lift and
p-value), then ``min_confidence`` and ``min_lift`` filter the rules. A stricter
threshold never adds a rule.

Examples
--------
>>> import datetime as dt, pyarrow as pa
>>> from payback.store import open_store
>>> store = open_store(":memory:")
>>> day = dt.datetime(2024, 6, 1)
>>> n = 40
>>> _ = store.write({
...     "orders": pa.table({"order_id": [str(i) for i in range(n)],
...         "customer_id": [f"c{i}" for i in range(n)], "time": [day] * n,
...         "revenue": [10.0] * n, "status": ["confirmed"] * n, "currency": ["EUR"] * n}),
...     "order_items": pa.table({
...         "order_id": [str(i) for i in range(n)] * 2,
...         "line": [1] * n + [2] * n,
...         "product_id": ["tea"] * 10 + ["cake"] * 30 + ["pot"] * 10 + ["cup"] * 30,
...         "quantity": [1.0] * (2 * n), "price": [5.0] * (2 * n),
...         "currency": ["EUR"] * (2 * n)})})
>>> result = pairs(store, min_count=2)
>>> result.rules.frame[["antecedent", "consequent", "support", "confidence", "lift"]].round(2)
  antecedent consequent  support  confidence  lift
0        pot        tea     0.25         1.0  4.00
1        tea        pot     0.25         1.0  4.00
2       cake        cup     0.75         1.0  1.33
3        cup       cake     0.75         1.0  1.33
>>> result.baskets, result.items, result.tests
(40, 4, 6)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from payback._lazy import lazy_module
from payback.errors import InputError
from payback.metrics.filters import Where, parse_where
from payback.metrics.scope import confirmed_orders, in_period, matches
from payback.present import Table
from payback.segments.stats import association, bh_adjust

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from payback.store import Store
else:
    pd = lazy_module("pandas")
ibis = lazy_module("ibis")
np = lazy_module("numpy")

__all__ = ["ITEMS", "WITHIN", "PairsResult", "basket_items", "pairs", "rule_table"]

#: What an item is: a column of ``order_items``.
ITEMS = ("product_id", "product_name", "category")
#: What a basket is: the key of its orders.
WITHIN = {"order": "order_id", "customer": "customer_id"}
#: Order columns ``where`` can filter on (dimension -> column).
_ORDER_COLUMNS = {"partner": "partner_id"}

#: Columns and units of a rule table.
RULE_UNITS = {
    "support": "rate",
    "confidence": "rate",
    "lift": "ratio",
    "count": "count",
    "antecedent_count": "count",
    "consequent_count": "count",
}


@dataclass(frozen=True)
class PairsResult:
    """Result of :func:`pairs`.

    Attributes
    ----------
    rules : payback.present.Table
        One row per rule, strongest first: ``antecedent, consequent, count,
        antecedent_count, consequent_count, support, confidence, lift, p_value,
        q_value``.
    baskets : int
        ``n``: the baskets counted.
    items : int
        ``k``: the distinct items in them.
    tests : int
        ``m``: the family of the false-discovery control.
    min_count : int
        The fewest baskets a counted pair is in.
    dropped_baskets : int
        Baskets left out for holding more than ``max_items`` items.
    tested : int
        Pairs counted (from ``min_count`` baskets), before the false-discovery control.
    """

    rules: Table
    baskets: int
    items: int
    tests: int
    min_count: int
    dropped_baskets: int
    tested: int


def _check(by: str, within: str) -> None:
    if by not in ITEMS:
        raise InputError(f"by must be one of {', '.join(ITEMS)}, got {by!r}")
    if within not in WITHIN:
        raise InputError(f"within must be one of {', '.join(WITHIN)}, got {within!r}")


def _filtered_orders(store: Store, where: Where, as_of: Any) -> ir.Table:
    """Confirmed orders, up to ``as_of`` and matching ``where`` (order dimensions)."""
    from payback.metrics.filters import parse_date

    orders = confirmed_orders(store)
    if as_of is not None:
        orders = orders.filter(in_period(orders, "time", None, parse_date(as_of)))
    for dim, values in parse_where(where).items():
        column = _ORDER_COLUMNS.get(dim, dim)
        if column not in orders.columns:
            known = [c for c in ("platform", "campaign", "country", "device") if c in orders]
            raise InputError(
                f"--where {dim}=...: orders have no {column!r} column; filter on one of "
                f"{', '.join(known)}"
            )
        orders = orders.filter(matches(orders[column], dim, values))
    return orders


def basket_items(
    store: Store, *, by: str = "product_id", within: str = "order", where: Where = None,
    as_of: Any = None, with_time: bool = False, distinct: bool = True,
) -> ir.Table:  # fmt: skip
    """Distinct ``(basket, item[, time])`` rows of the confirmed orders' lines.

    ``time`` (with ``with_time``) is the order's time; the basket is ``within``'s key.
    ``distinct=False``: one row per line (an item repeated in a basket repeats).
    """
    _check(by, within)
    orders = _filtered_orders(store, where, as_of)
    lines = store.table("order_items")
    joined = lines.join(orders, lines.order_id == orders.order_id)
    columns = {"basket": joined[WITHIN[within]], "item": joined[by]}
    if with_time:
        columns["time"] = joined.time
    out = joined.select(**columns)
    out = out.filter(out.item.notnull())
    return out.distinct() if distinct else out


def pairs(
    store: Store,
    *,
    by: str = "product_id",
    within: str = "order",
    min_support: float | None = None,
    min_count: int = 5,
    min_confidence: float = 0.0,
    min_lift: float = 1.0,
    fdr: float = 0.05,
    max_items: int | None = 250,
    where: Where = None,
    as_of: Any = None,
    size: int = 2,
) -> PairsResult:
    """Items bought together: support, confidence, lift, Fisher p-value and BH q-value.

    Parameters
    ----------
    store : payback.store.Store
    by : {"product_id", "product_name", "category"}
        What an item is.
    within : {"order", "customer"}
        What a basket is: one order, or all the orders of one customer.
    min_support : float, optional
        Fewest share of baskets holding the pair (0..1); default 0 for pairs, and
        :data:`payback.segments.triples.TRIPLE_SUPPORT` (0.1 %) for triples.
    min_count : int
        Fewest baskets holding the pair (whichever of the two is stricter).
    min_confidence, min_lift : float
        Fewest confidence and lift of a rule.
    fdr : float
        False discovery rate: rules with a Benjamini-Hochberg ``q_value`` above it are
        dropped (1 keeps every counted pair).
    max_items : int or None
        Baskets with more distinct items are left out (None: none).
    where : "dim=value" filters or a mapping, optional
        On the orders: ``country=France``, ``platform=google``, ``campaign=...``.
    as_of : date, optional
        Orders up to this day.
    size : {2, 3}
        Items per itemset: 3 gives the rules ``A + B -> C`` of
        :func:`payback.segments.triples.triples`.

    Returns
    -------
    PairsResult

    Raises
    ------
    payback.errors.InputError
        No order lines, an unknown ``by``/``within``/filter, thresholds out of range.
    """
    if size not in (2, 3):
        raise InputError(f"size must be 2 (pairs) or 3 (triples), got {size}")
    if size == 3:
        from payback.segments.triples import TRIPLE_SUPPORT, triples

        support = TRIPLE_SUPPORT if min_support is None else min_support
        return triples(store, by=by, within=within, min_support=support,
                       min_count=min_count, min_confidence=min_confidence, min_lift=min_lift,
                       fdr=fdr, max_items=max_items, where=where, as_of=as_of)  # fmt: skip
    min_support = 0.0 if min_support is None else min_support
    if not 0.0 <= min_support <= 1.0 or not 0.0 <= fdr <= 1.0 or min_count < 1:
        raise InputError(
            f"min_support and fdr must lie in 0..1 and min_count be at least 1, got "
            f"min_support={min_support}, fdr={fdr}, min_count={min_count}"
        )
    if store.engine == "duckdb":  # bitmasks or one query (payback.segments.pair_counts)
        from payback.segments.pair_counts import count_pairs

        lines = basket_items(store, by=by, within=within, where=where, as_of=as_of,
                             distinct=False)  # fmt: skip
        c = count_pairs(store, lines, item_column=by, max_items=max_items,
                        min_support=min_support, min_count=min_count)  # fmt: skip
        _no_baskets(c.baskets, where, c.dropped, max_items)
        frame, n, k, floor, dropped = c.frame, c.baskets, c.items, c.floor, c.dropped
    else:
        rows = basket_items(store, by=by, within=within, where=where, as_of=as_of)
        frame, n, k, floor, dropped = _count_ibis(store, rows, max_items, min_support,
                                                  min_count, where)  # fmt: skip
    m = k * (k - 1) // 2
    rules = rule_table(frame, n, m, fdr=fdr, min_confidence=min_confidence, min_lift=min_lift,
                       both_ways=True)  # fmt: skip
    return PairsResult(rules, n, k, m, floor, dropped, len(frame))


def _no_baskets(n: int, where: Where, dropped: int, max_items: int | None) -> None:
    if n == 0:
        raise InputError(
            f"no basket to count: no confirmed order with lines"
            f"{' matching ' + str(where) if where else ''} ({dropped} baskets above "
            f"max_items={max_items} left out); import order lines "
            f"(`payback import order-items FILE`) or run `payback demo`"
        )


def _count_ibis(store, rows, max_items, min_support, min_count, where) -> tuple:
    """The pair counts by Ibis expressions (any engine): ``frame, n, k, floor, dropped``."""
    sizes = rows.group_by("basket").aggregate(size=rows.count())
    big = sizes.filter(sizes.size > max_items) if max_items is not None else None
    with rows.cache() as bi:
        if big is not None:
            kept = bi.anti_join(big.select(big.basket), "basket").cache()
            dropped = int(store.execute(big.count()))
        else:
            kept, dropped = bi, 0
        n = int(store.execute(kept.basket.nunique()))
        _no_baskets(n, where, dropped, max_items)
        floor = max(math.ceil(min_support * n - 1e-9), int(min_count))
        frame, k = count_item_pairs(store, kept, floor, lambda a, b: [a.item_a < b.item_b])
        if kept is not bi:
            kept.release()
    return frame, n, k, floor, dropped


def count_item_pairs(store, baskets, floor: int, on, *, time: str | None = None) -> tuple:
    """Count the pairs of items sharing a basket, in the engine: ``(frame, k)``.

    ``baskets`` has one row per (``basket``, ``item``) (and the ``time`` column if given);
    the pairs are its rows joined with themselves on ``basket`` and the conditions
    ``on(a, b)`` (``a``: ``item_a`` [, ``t_a``]; ``b``: ``item_b`` [, ``t_b``]), e.g.
    ``a.item_a < b.item_b`` for unordered pairs, or a time window for sequences. ``frame``
    holds ``item_a, item_b, n_ab, n_a, n_b`` for the pairs counted at least ``floor``
    times (``n_a``, ``n_b``: the baskets of each item); ``k`` is the number of items.
    """
    items = baskets.group_by("item").aggregate(n_item=baskets.count())
    a = baskets.select(basket="basket", item_a="item", **({"t_a": time} if time else {}))
    b = baskets.select(basket="basket", item_b="item", **({"t_b": time} if time else {}))
    co = a.join(b, [a.basket == b.basket, *on(a, b)])
    counted = co.group_by(["item_a", "item_b"]).aggregate(n_ab=co.count())
    counted = counted.filter(counted.n_ab >= floor)
    ia = items.select(item_a="item", n_a="n_item")
    ib = items.select(item_b="item", n_b="n_item")
    counted = counted.join(ia, "item_a").join(ib, "item_b")
    frame = store.execute(counted.select("item_a", "item_b", "n_ab", "n_a", "n_b"))
    return frame, int(store.execute(items.count()))


def rule_table(
    counts: pd.DataFrame, n: int, m: int, *, fdr: float, min_confidence: float,
    min_lift: float, both_ways: bool,
) -> Table:  # fmt: skip
    """Rules from pair counts ``item_a, item_b, n_ab, n_a, n_b`` (A -> B, and B -> A with
    ``both_ways``): the statistics, the BH q-value over ``m`` tests, the filters. A
    ``p_value`` column of ``counts`` (already computed) is used as it is."""
    known = counts.p_value.to_numpy() if "p_value" in counts else None
    columns = (counts.n_ab.to_numpy(), counts.n_a.to_numpy(), counts.n_b.to_numpy())
    p = association(*columns, n, p_value=known)
    q = bh_adjust(p.p_value, m)
    base = pd.DataFrame(
        {
            "antecedent": counts.item_a.astype(str).to_numpy(),
            "consequent": counts.item_b.astype(str).to_numpy(),
            "count": counts.n_ab.astype("int64").to_numpy(),
            "antecedent_count": counts.n_a.astype("int64").to_numpy(),
            "consequent_count": counts.n_b.astype("int64").to_numpy(),
            "support": p.support,
            "confidence": p.confidence,
            "lift": p.lift,
            "p_value": p.p_value,
            "q_value": q,
        }
    )
    base = base[base.q_value <= fdr]
    if both_ways:
        swap = {"antecedent": "consequent", "antecedent_count": "consequent_count"}
        back = base.rename(columns=swap | {v: k for k, v in swap.items()})
        back["confidence"] = back["count"] / back["antecedent_count"]
        base = pd.concat([base, back[base.columns]], ignore_index=True)
    keep = (base.confidence >= min_confidence - 1e-12) & (base.lift >= min_lift - 1e-12)
    out = base[keep].sort_values(
        ["lift", "count", "antecedent", "consequent"], ascending=[False, False, True, True]
    )
    return Table(out.reset_index(drop=True), RULE_UNITS)
