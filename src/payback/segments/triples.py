"""Cross-sell triples: two items bought together, and the third that goes with them.

The baskets, items, big-basket guard and thresholds are those of
:func:`payback.segments.pairs.pairs`, except the default ``min_support``
(:data:`TRIPLE_SUPPORT`, 0.1 % of the baskets). Triples ``{A, B, C}`` are counted in the
engine the apriori way, from the self-join of the pairs: a triple can reach the floor
``max(ceil(min_support x n), min_count)`` only if its three pairs do, so the frequent
pairs' (basket, A, B) rows are joined on the basket and the first item (``A < B < C``
in integer codes, rarest item first) and the pair ``(B, C)`` is checked against the
frequent pairs. Never a one-hot frame, and never every triple of a basket.

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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from payback._lazy import lazy_module
from payback.errors import InputError
from payback.metrics.filters import Where
from payback.segments.pairs import PairsResult, basket_items, rule_table
from payback.segments.stats import association, bh_adjust

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import numpy as np
    import pandas as pd

    from payback.store import Store
else:
    np = lazy_module("numpy")
    pd = lazy_module("pandas")
ibis = lazy_module("ibis")

__all__ = ["JOIN", "TRIPLE_SUPPORT", "triples"]

#: How the two items of a rule's antecedent are written.
JOIN = " + "
#: The default ``min_support`` of triples: 0.1 % of the baskets (with ``min_count``, 5,
#: whichever is stricter). Triples from 5 baskets on cost ten times more on wholesale
#: data (UCI Online Retail: 1.8 M triples, 2 M rules nobody reads) and add noise.
TRIPLE_SUPPORT = 0.001


def triples(
    store: Store,
    *,
    by: str = "product_id",
    within: str = "order",
    min_support: float = TRIPLE_SUPPORT,
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
        counted = _count(store, bi, floor)
    k = len(counted.names)
    m = 3 * math.comb(k, 3)
    frame = _rules(counted, n, m, fdr)
    table = rule_table(frame, n, m, fdr=fdr, min_confidence=min_confidence, min_lift=min_lift,
                       both_ways=False)  # fmt: skip
    return PairsResult(table, n, k, m, floor, dropped, len(counted.found))


@dataclass(frozen=True)
class _Counted:
    """Integer-coded counts: ``names[i]`` and ``n_item[i]`` of item ``i``; the frequent
    pairs ``x < y`` with ``n``; the frequent triples ``x < y < z`` with ``n_xyz``."""

    names: np.ndarray
    n_item: np.ndarray
    pairs: pd.DataFrame
    found: pd.DataFrame


def _count(store: Store, bi: ir.Table, floor: int) -> _Counted:
    """The apriori counts in the engine, on integer item codes.

    Items are numbered by ascending count (ties by name), so a triple's first item, the
    one the wedges ``(x, y), (x, z)`` of a basket are joined on, is its rarest: fewer
    wedges than in name order. Only the (basket, x, y) rows of the frequent pairs are
    kept (cached), joined on (basket, x) with ``y < z``, the pair ``(y, z)`` checked
    against the frequent pairs by a packed integer key, then grouped.
    """
    per_item = bi.group_by("item").aggregate(n_item=bi.count())
    rank = ibis.row_number().over(order_by=[per_item.n_item, per_item.item])
    with per_item.mutate(i=rank.cast("int64")).cache() as ids:
        codes = store.execute(ids.order_by("i"))
        k = len(codes)
        basket = ibis.dense_rank().over(order_by=bi.basket)
        coded = bi.mutate(b=basket.cast("int64")).join(ids, "item").select("b", "i")
        with coded.cache() as c:
            left = c.select(b="b", x="i")
            right = c.view().select(b2="b", y="i")
            co = left.join(right, [left.b == right.b2, left.x < right.y]).select("b", "x", "y")
            per_pair = co.group_by(["x", "y"]).aggregate(n=co.count())
            with per_pair.filter(per_pair.n >= floor).cache() as fp:
                pair_n = store.execute(fp)
                with co.semi_join(fp, ["x", "y"]).cache() as r:
                    second = r.view().select(b2="b", x2="x", z="y")
                    fy = fp.view()
                    keys = fy.select(key=fy.x * k + fy.y)  # the frequent pairs, packed
                    w = r.join(second, [r.b == second.b2, r.x == second.x2, r.y < second.z])
                    w = w.join(keys, r.y * k + second.z == keys.key).select("x", "y", "z")
                    per = w.group_by(["x", "y", "z"]).aggregate(n_xyz=w.count())
                    found = store.execute(per.filter(per.n_xyz >= floor))
    return _Counted(
        names=codes["item"].astype(str).to_numpy(dtype=object),
        n_item=codes["n_item"].to_numpy(dtype="int64"),
        pairs=pair_n,
        found=found,
    )


def _rules(counted: _Counted, n: int, m: int, fdr: float) -> pd.DataFrame:
    """The three rules of each triple as the counts :func:`rule_table` takes; the rules
    whose Benjamini-Hochberg q-value is above ``fdr`` are dropped first, which leaves
    the q-values of the others as they are (BH keeps the smallest p-values, and a kept
    rule's q is a minimum over ranks that are all kept)."""
    k = len(counted.names)
    fp = counted.pairs
    keys = fp.x.to_numpy("int64") * k + fp.y.to_numpy("int64")
    order = np.argsort(keys)
    keys, pair_count = keys[order], fp.n.to_numpy("int64")[order]
    t = counted.found
    xyz = {c: t[c].to_numpy("int64") for c in ("x", "y", "z")}
    n_xyz = np.tile(t.n_xyz.to_numpy("int64"), 3)
    first = np.concatenate([xyz["x"], xyz["x"], xyz["y"]])
    second = np.concatenate([xyz["y"], xyz["z"], xyz["z"]])
    cons = np.concatenate([xyz["z"], xyz["y"], xyz["x"]])
    n_pair = pair_count[np.searchsorted(keys, first * k + second)]
    n_cons = counted.n_item[cons]
    p = association(n_ab=n_xyz, n_a=n_pair, n_b=n_cons, n=n).p_value
    keep = np.flatnonzero(bh_adjust(p, m) <= fdr)
    names = counted.names
    first, second = first[keep], second[keep]
    by_name = np.argsort(np.argsort(names.astype(str)))  # the antecedent's two by name
    swap = by_name[first] > by_name[second]
    first, second = np.where(swap, second, first), np.where(swap, first, second)
    return pd.DataFrame(
        {
            "item_a": pd.Series(names[first]) + JOIN + pd.Series(names[second]),
            "item_b": names[cons[keep]],
            "n_ab": n_xyz[keep],
            "n_a": n_pair[keep],
            "n_b": n_cons[keep],
            "p_value": p[keep],
        }
    )
