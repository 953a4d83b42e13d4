"""Cross-sell triples: two items bought together, and the third that goes with them.

The baskets, items, big-basket guard and thresholds are those of
:func:`payback.segments.pairs.pairs`. Triples ``{A, B, C}`` are counted in the engine
the apriori way, from the self-join of the pairs: a triple can reach ``min_count``
baskets only if its three pairs do, so the frequent pairs' (basket, A, B) rows are
joined on the basket and the first item (``A < B < C``) and the pair ``(B, C)`` is
checked against the frequent pairs. Never a one-hot frame, and never every triple of a
basket.

Each counted triple gives three rules, ``A + B -> C``, ``A + C -> B`` and ``B + C -> A``;
with ``n_xyz`` baskets holding the three, ``n_pair`` holding the antecedent pair and
``n_item`` the consequent (:mod:`payback.segments.stats`, the same statistics as the
pairs with the pair as the antecedent)::

    support = n_xyz / n    confidence = n_xyz / n_pair    lift = n_xyz n / (n_pair n_item)

and the one-sided Fisher p-value of the table (n, n_pair, n_item, n_xyz). The three
rules of a triple test different tables, so the Benjamini-Hochberg family is every
rule over ``k`` items: ``m = 3 C(k, 3)``. That family is large: only strong triples
survive, which is the point (a triple is three times as easy to find by chance).

Examples
--------
>>> import datetime as dt, pyarrow as pa
>>> from payback.store import open_store
>>> store = open_store(":memory:")
>>> n = 40
>>> baskets = [["tea", "pot", "cup"]] * 12 + [["tea"], ["pot"], ["cup"], ["cake"]] * 7
>>> lines = [(str(i), j, p) for i, b in enumerate(baskets) for j, p in enumerate(b)]
>>> _ = store.write({
...     "orders": pa.table({"order_id": [str(i) for i in range(n)],
...         "customer_id": [f"c{i}" for i in range(n)], "time": [dt.datetime(2024, 6, 1)] * n,
...         "revenue": [10.0] * n, "status": ["confirmed"] * n, "currency": ["EUR"] * n}),
...     "order_items": pa.table({"order_id": [r[0] for r in lines],
...         "line": [r[1] for r in lines], "product_id": [r[2] for r in lines],
...         "quantity": [1.0] * len(lines), "price": [5.0] * len(lines),
...         "currency": ["EUR"] * len(lines)})})
>>> result = triples(store, min_count=5)
>>> result.rules.frame[["antecedent", "consequent", "count", "confidence"]]
    antecedent consequent  count  confidence
0    cup + pot        tea     12         1.0
1    cup + tea        pot     12         1.0
2    pot + tea        cup     12         1.0
>>> result.tests
12
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from payback._lazy import lazy_module
from payback.errors import InputError
from payback.metrics.filters import Where
from payback.segments.pairs import PairsResult, basket_items, rule_table

if TYPE_CHECKING:
    from payback.store import Store
pd = lazy_module("pandas")

__all__ = ["JOIN", "triples"]

#: How the two items of a rule's antecedent are written.
JOIN = " + "


def triples(
    store: Store,
    *,
    by: str = "product_id",
    within: str = "order",
    min_support: float = 0.0,
    min_count: int = 5,
    min_confidence: float = 0.0,
    min_lift: float = 1.0,
    fdr: float = 0.05,
    max_items: int | None = 250,
    where: Where = None,
    as_of: Any = None,
) -> PairsResult:
    """Rules ``A + B -> C`` from the triples bought together (see the module's description).

    Parameters and result are those of :func:`payback.segments.pairs.pairs`;
    ``tested`` counts the triples, ``tests`` is ``3 C(k, 3)``.
    """
    if not 0.0 <= min_support <= 1.0 or not 0.0 <= fdr <= 1.0 or min_count < 1:
        raise InputError(
            f"min_support and fdr must lie in 0..1 and min_count be at least 1, got "
            f"min_support={min_support}, fdr={fdr}, min_count={min_count}"
        )
    rows = basket_items(store, by=by, within=within, where=where, as_of=as_of)
    sizes = rows.group_by("basket").aggregate(size=rows.count())
    big = sizes.filter(sizes.size > max_items) if max_items is not None else None
    dropped = int(store.execute(big.count())) if big is not None else 0
    kept = rows.anti_join(big.select(big.basket), "basket") if big is not None else rows
    with kept.cache() as bi:
        n = int(store.execute(bi.basket.nunique()))
        if n == 0:
            raise InputError(
                f"no basket to count: no confirmed order with lines ({dropped} baskets above "
                f"max_items={max_items} left out); import order lines "
                f"(`payback import order-items FILE`) or run `payback demo`"
            )
        floor = max(math.ceil(min_support * n - 1e-9), int(min_count))
        items = store.execute(bi.group_by("item").aggregate(n_item=bi.count()))
        a = bi.select(basket="basket", item_a="item")
        b = bi.select(basket="basket", item_b="item")
        co = a.join(b, [a.basket == b.basket, a.item_a < b.item_b])
        counted = co.group_by(["item_a", "item_b"]).aggregate(n_ab=co.count())
        with counted.filter(counted.n_ab >= floor).cache() as fp:
            p = co.semi_join(fp, [co.item_a == fp.item_a, co.item_b == fp.item_b])
            p1 = p.select(basket="basket", x="item_a", y="item_b")
            p2 = p.view().select(basket2="basket", x2="item_a", z="item_b")
            tri = p1.join(p2, [p1.basket == p2.basket2, p1.x == p2.x2, p1.y < p2.z])
            f2 = fp.view()
            tri = tri.semi_join(f2, [tri.y == f2.item_a, tri.z == f2.item_b])
            found = tri.group_by(["x", "y", "z"]).aggregate(n_xyz=tri.count())
            found = store.execute(found.filter(found.n_xyz >= floor))
            pair_n = store.execute(fp)
    k = len(items)
    m = 3 * math.comb(k, 3)
    n_item = items.rename(columns={"item": "item_b", "n_item": "n_b"})
    n_pair = pair_n.rename(columns={"item_a": "a1", "item_b": "a2", "n_ab": "n_a"})
    parts = []
    for a1, a2, cons in (("x", "y", "z"), ("x", "z", "y"), ("y", "z", "x")):
        part = found.rename(columns={a1: "a1", a2: "a2", cons: "item_b", "n_xyz": "n_ab"})
        part = part[["a1", "a2", "item_b", "n_ab"]].merge(n_pair, on=["a1", "a2"])
        parts.append(part.merge(n_item, on="item_b"))
    frame = pd.concat(parts, ignore_index=True)
    frame["item_a"] = frame.a1.astype(str) + JOIN + frame.a2.astype(str)
    table = rule_table(frame, n, m, fdr=fdr, min_confidence=min_confidence, min_lift=min_lift,
                       both_ways=False)  # fmt: skip
    return PairsResult(table, n, k, m, floor, dropped, len(found))
