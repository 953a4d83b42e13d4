"""Per customer, the products to offer next: the consequents of the cross-sell rules whose
antecedent the customer bought and whose consequent they have not.

For each customer and candidate product ``Y`` (never bought by them), the score is the
highest ``confidence`` of a rule ``X -> Y`` with ``X`` among their products (ties: the
higher ``lift``, then the product id); the ``top`` best per customer are kept, ``rank``
1 first. Joined in the engine: the customers' distinct items
(:func:`payback.segments.pairs.basket_items`) with the rules, less what they own.

Examples
--------
>>> import pandas as pd
>>> from payback.present import Table
>>> rules = Table(pd.DataFrame({"antecedent": ["tea", "tea", "pot"],
...     "consequent": ["pot", "cup", "cup"], "confidence": [0.5, 0.3, 0.6],
...     "lift": [2.0, 1.5, 3.0]}))
>>> import datetime as dt, pyarrow as pa
>>> from payback.store import open_store
>>> store = open_store(":memory:")
>>> _ = store.write({
...     "orders": pa.table({"order_id": ["1", "2"], "customer_id": ["a", "b"],
...         "time": [dt.datetime(2024, 1, 1)] * 2, "revenue": [5.0, 9.0],
...         "status": ["confirmed"] * 2, "currency": ["EUR"] * 2}),
...     "order_items": pa.table({"order_id": ["1", "2", "2"], "line": [1, 1, 2],
...         "product_id": ["tea", "tea", "pot"], "quantity": [1.0] * 3,
...         "price": [5.0, 5.0, 4.0], "currency": ["EUR"] * 3})})
>>> suggestions(store, rules, top=2).frame
  customer_id product  rank  confidence  lift because
0           a     pot     1         0.5   2.0     tea
1           a     cup     2         0.3   1.5     tea
2           b     cup     1         0.6   3.0     pot
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from payback._lazy import lazy_module
from payback.errors import InputError
from payback.present import Table
from payback.segments.pairs import basket_items

if TYPE_CHECKING:
    from payback.store import Store
ibis = lazy_module("ibis")
pd = lazy_module("pandas")

__all__ = ["suggestions"]


def suggestions(
    store: Store, rules: Table, *, top: int = 3, by: str = "product_id", as_of: Any = None
) -> Table:
    """The ``top`` products to offer each customer (see the module's description).

    Parameters
    ----------
    store : payback.store.Store
    rules : payback.present.Table
        Rules with ``antecedent, consequent, confidence, lift`` (``pairs(...).rules`` or
        ``next_purchases(...).rules``), on the same ``by``.
    top : int
        Products per customer.

    Returns
    -------
    payback.present.Table
        ``customer_id, product, rank, confidence, lift, because`` (the antecedent of
        the best rule), by customer and rank.
    """
    if top < 1:
        raise InputError(f"top must be at least 1, got {top}")
    frame = rules.frame[["antecedent", "consequent", "confidence", "lift"]]
    if frame.empty:
        columns = ["customer_id", "product", "rank", "confidence", "lift", "because"]
        empty = pd.DataFrame({c: [] for c in columns})
        return Table(empty, {"confidence": "rate", "lift": "ratio"})
    table = ibis.memtable(frame.astype({"antecedent": str, "consequent": str}))
    owned = basket_items(store, by=by, within="customer", as_of=as_of)
    hits = owned.join(table, owned.item == table.antecedent)
    hits = hits.select(
        customer_id=hits.basket, product=hits.consequent, confidence=hits.confidence,
        lift=hits.lift, because=hits.antecedent,
    )  # fmt: skip
    have = owned.view().select(_cid="basket", _item="item")
    hits = hits.anti_join(have, [hits.customer_id == have._cid, hits["product"] == have._item])
    best = ibis.row_number().over(
        group_by=[hits.customer_id, hits.product],
        order_by=[hits.confidence.desc(), hits.lift.desc(), hits.because],
    )
    hits = hits.mutate(_best=best)
    hits = hits.filter(hits._best == 0).drop("_best")
    rank = ibis.row_number().over(
        group_by=hits.customer_id,
        order_by=[hits.confidence.desc(), hits.lift.desc(), hits["product"]],
    )
    hits = hits.mutate(rank=(rank + 1).cast("int64"))
    hits = hits.filter(hits["rank"] <= top)
    out = store.execute(
        hits.select("customer_id", "product", "rank", "confidence", "lift", "because").order_by(
            ["customer_id", "rank"]
        )
    )
    return Table(out.reset_index(drop=True), {"confidence": "rate", "lift": "ratio"})
