"""Next purchases: what customers who bought X buy next, within a window.

Per customer, the first time they bought each item (:func:`payback.segments.pairs.basket_items`
with the customer as the basket). A customer follows **X with Y** when their first
purchase of Y comes after their first purchase of X (a later order, strictly later
time) and at most ``window_days`` days after it: Y is new to them, so the rule names
what to offer a customer who has X and not yet Y. With ``n`` customers, ``n_x`` who
bought X, ``n_y`` who bought Y and ``n_xy`` who followed X with Y
(:mod:`payback.segments.stats`)::

    support = n_xy / n    confidence = n_xy / n_x    lift = n_xy n / (n_x n_y)

and the one-sided Fisher exact p-value of ``n_xy`` in the table (n, n_x, n_y) (a
conservative test: ``n_xy`` is at most the customers with both). The Benjamini-Hochberg
``q_value`` runs over every ordered pair of the ``k`` items, ``m = k (k - 1)`` tests;
rules above ``fdr``, below ``min_confidence`` or ``min_lift`` are dropped. Customers
whose first X is less than ``window_days`` before the end of the data had less time to
follow it; ``as_of`` moves the end.

Examples
--------
>>> import datetime as dt, pyarrow as pa
>>> from payback.store import open_store
>>> store = open_store(":memory:")
>>> day = dt.datetime(2024, 6, 1)
>>> ids = [f"c{i}" for i in range(30)]
>>> rows = [(c, 0, "phone") for c in ids[:10]] + [(c, 20, "case") for c in ids[:10]]
>>> rows += [(c, 0, "book") for c in ids[10:]] + [(c, 400, "case") for c in ids[10:13]]
>>> _ = store.write({
...     "orders": pa.table({"order_id": [str(i) for i in range(len(rows))],
...         "customer_id": [r[0] for r in rows],
...         "time": [day + dt.timedelta(r[1]) for r in rows],
...         "revenue": [10.0] * len(rows), "status": ["confirmed"] * len(rows),
...         "currency": ["EUR"] * len(rows)}),
...     "order_items": pa.table({"order_id": [str(i) for i in range(len(rows))],
...         "line": [1] * len(rows), "product_id": [r[2] for r in rows],
...         "quantity": [1.0] * len(rows), "price": [10.0] * len(rows),
...         "currency": ["EUR"] * len(rows)})})
>>> result = next_purchases(store, window_days=90, min_count=3)
>>> result.rules.frame[["antecedent", "consequent", "count", "confidence"]]
  antecedent consequent  count  confidence
0      phone       case     10         1.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from payback._lazy import lazy_module
from payback.errors import InputError
from payback.metrics.filters import Where
from payback.segments.pairs import PairsResult, basket_items, count_item_pairs, rule_table

if TYPE_CHECKING:
    from payback.store import Store
ibis = lazy_module("ibis")

__all__ = ["next_purchases"]


def next_purchases(
    store: Store,
    *,
    window_days: int = 90,
    by: str = "product_id",
    min_count: int = 5,
    min_support: float = 0.0,
    min_confidence: float = 0.0,
    min_lift: float = 1.0,
    fdr: float = 0.05,
    where: Where = None,
    as_of: Any = None,
) -> PairsResult:
    """Rules "bought X, then Y within ``window_days`` days" (see the module's description).

    Parameters are those of :func:`payback.segments.pairs.pairs` (the basket is the
    customer) and ``window_days``, the most days from the first X to the first Y.

    Returns
    -------
    PairsResult
        ``baskets`` are customers; ``tests`` = k (k - 1); ``dropped_baskets`` is 0.

    Raises
    ------
    payback.errors.InputError
        No order lines, a window below one day, bad thresholds.
    """
    import math

    if window_days < 1:
        raise InputError(f"window_days must be at least 1, got {window_days}")
    if not 0.0 <= min_support <= 1.0 or not 0.0 <= fdr <= 1.0 or min_count < 1:
        raise InputError(
            f"min_support and fdr must lie in 0..1 and min_count be at least 1, got "
            f"min_support={min_support}, fdr={fdr}, min_count={min_count}"
        )
    rows = basket_items(store, by=by, within="customer", where=where, as_of=as_of, with_time=True)
    first = rows.group_by(["basket", "item"]).aggregate(first=rows.time.min())
    with first.cache() as f:
        n = int(store.execute(f.basket.nunique()))
        if n == 0:
            raise InputError(
                "no customer to count: no confirmed order with lines; import order lines "
                "(`payback import order-items FILE`) or run `payback demo`"
            )
        floor = max(math.ceil(min_support * n - 1e-9), int(min_count))
        frame, k = count_item_pairs(
            store,
            f,
            floor,
            lambda a, b: [
                b.t_b > a.t_a,
                b.t_b <= a.t_a + ibis.interval(days=int(window_days)),
            ],
            time="first",
        )
    m = k * (k - 1)
    rules = rule_table(frame, n, m, fdr=fdr, min_confidence=min_confidence, min_lift=min_lift,
                       both_ways=False)  # fmt: skip
    return PairsResult(rules, n, k, m, floor, 0, len(frame))
