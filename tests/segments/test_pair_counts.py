"""The pair counts of `payback segments pairs` on DuckDB (payback.segments.pair_counts):
the basket bitmasks and the one-statement self-join give the same counts, row for row,
as the Ibis path the other engines use, and as plain pandas over the distinct lines, on
the demo shop's order lines (22 products: the masks) and on the UCI Online Retail lines
of one customer in forty (thousands of products: the statement), with and without
baskets left out for their size and with a support floor."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.segments import test_pairs

from payback.segments import pair_counts
from payback.segments.pairs import _count_ibis, basket_items, pairs
from payback.store import open_store

#: The UCI store with order lines: (store file, raw lines).
uci = test_pairs.uci

CASES = [
    {"max_items": 250, "min_support": 0.0, "min_count": 5},
    {"max_items": 2, "min_support": 0.0, "min_count": 2},
    {"max_items": None, "min_support": 0.01, "min_count": 1},
]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[["item_a", "item_b", "n_ab", "n_a", "n_b"]].astype(
        {"item_a": str, "item_b": str, "n_ab": "int64", "n_a": "int64", "n_b": "int64"}
    )
    return frame.sort_values(["item_a", "item_b"]).reset_index(drop=True)


def _pandas_counts(store, max_items, min_support, min_count):
    """Pair counts by plain pandas over the distinct (basket, item) rows."""
    rows = store.execute(basket_items(store)).drop_duplicates()
    sizes = rows.groupby("basket").item.transform("size")
    dropped = rows.loc[sizes > max_items, "basket"].nunique() if max_items else 0
    kept = rows[sizes <= max_items] if max_items else rows
    n = kept.basket.nunique()
    n_item = kept.groupby("item").size()
    both = kept.merge(kept, on="basket")
    both = both[both.item_x < both.item_y]
    co = both.groupby(["item_x", "item_y"]).size().rename("n_ab").reset_index()
    floor = max(int(-(-(min_support * n - 1e-9) // 1)), min_count)
    co = co[co.n_ab >= floor]
    frame = pd.DataFrame({"item_a": co.item_x, "item_b": co.item_y, "n_ab": co.n_ab,
                          "n_a": co.item_x.map(n_item).to_numpy(),
                          "n_b": co.item_y.map(n_item).to_numpy()})  # fmt: skip
    return _sorted(frame), n, len(n_item), floor, dropped


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("masks", [True, False])
def test_demo_counts_match_pandas_and_ibis(demo, case, masks, monkeypatch):
    if not masks:  # 22 products: force the one-statement path
        monkeypatch.setattr(pair_counts, "MASK_ITEMS", 0)
    with open_store(demo[0], read_only=True) as store:
        lines = basket_items(store, distinct=False)
        got = pair_counts.count_pairs(store, lines, item_column="product_id", **case)
        expected, n, k, floor, dropped = _pandas_counts(store, **case)
        args = case["max_items"], case["min_support"], case["min_count"], None
        ibis_frame, *ibis_rest = _count_ibis(store, basket_items(store), *args)
    assert len(expected) > 0
    pd.testing.assert_frame_equal(_sorted(got.frame), expected)
    pd.testing.assert_frame_equal(_sorted(ibis_frame), expected)
    assert (got.baskets, got.items, got.floor, got.dropped) == (n, k, floor, dropped)
    assert tuple(ibis_rest) == (n, k, floor, dropped)
    if case["max_items"] == 2:
        assert dropped > 0


@pytest.mark.parametrize("case", CASES[:2])
def test_uci_statement_counts_match_pandas(uci, case):
    with open_store(uci[0], read_only=True) as store:
        lines = basket_items(store, distinct=False)
        got = pair_counts.count_pairs(store, lines, item_column="product_id", **case)
        expected, n, k, floor, dropped = _pandas_counts(store, **case)
        products = store.execute(store.table("order_items").product_id.nunique())
    assert products > pair_counts.MASK_ITEMS  # the statement, not the masks
    pd.testing.assert_frame_equal(_sorted(got.frame), expected)
    assert (got.baskets, got.items, got.floor, got.dropped) == (n, k, floor, dropped)


def test_rules_are_the_same_either_way(demo, monkeypatch):
    """The whole rule table (p-values, q-values, order) does not depend on the path."""
    with open_store(demo[0], read_only=True) as store:
        by_masks = pairs(store, max_items=3)
        monkeypatch.setattr(pair_counts, "MASK_ITEMS", 0)
        by_query = pairs(store, max_items=3)
    assert len(by_masks.rules.frame) > 0
    pd.testing.assert_frame_equal(by_masks.rules.frame, by_query.rules.frame)
    assert (by_masks.baskets, by_masks.items, by_masks.tests, by_masks.dropped_baskets) == (
        by_query.baskets, by_query.items, by_query.tests, by_query.dropped_baskets)  # fmt: skip
