"""The cross-sell pairs the demo plants (payback.demo.baskets) are found, and noise is
not: the same order lines with their products shuffled give no rule."""

from __future__ import annotations

import numpy as np
import pytest

from payback.demo.baskets import companion_pairs, planted_pairs
from payback.segments import next_purchases, pairs
from payback.store import open_store


def _found(frame) -> set[tuple[str, str]]:
    return {(min(a, b), max(a, b)) for a, b in zip(frame.antecedent, frame.consequent, strict=True)}


@pytest.fixture(scope="module")
def found(demo):
    with open_store(demo[0], read_only=True) as store:
        return pairs(store).rules.frame


def test_every_planted_pair_is_found_and_they_are_the_strongest(found):
    got = _found(found)
    assert planted_pairs() <= got
    strongest = found.drop_duplicates("lift").head(len(planted_pairs()))
    assert _found(strongest) == planted_pairs()
    assert (found.lift > 1).all() and (found.q_value <= 0.05).all()


def test_what_else_is_found_is_a_companion_chain_or_one_category(found):
    """Pairs beyond the planted ones come from the generator's structure too: two
    companions in a row, or the customer tier's favourite category (same first digit)."""
    extra = _found(found) - planted_pairs()
    unexplained = {(a, b) for a, b in extra if (a, b) not in companion_pairs(2) and a[:2] != b[:2]}
    assert unexplained == set()


@pytest.fixture(scope="module")
def shuffled(demo, tmp_path_factory):
    """The demo's orders and lines with the products permuted over the lines: the same
    baskets and product counts, no association."""
    with open_store(demo[0], read_only=True) as store:
        orders = store.to_pyarrow(store.table("orders")).to_pandas()
        items = store.to_pyarrow(store.table("order_items")).to_pandas()
    rng = np.random.default_rng(2026)
    items["product_id"] = rng.permutation(items.product_id.to_numpy())
    path = tmp_path_factory.mktemp("shuffled") / "shuffled.duckdb"
    with open_store(path) as store:
        store.write({"orders": orders, "order_items": items}, meta={"base_currency": "USD"})
    return str(path)


def test_shuffled_products_give_no_rule(shuffled):
    with open_store(shuffled, read_only=True) as store:
        rules = pairs(store)
        loose = pairs(store, fdr=1.0, min_lift=0.0)
        later = next_purchases(store)
    assert rules.rules.frame.empty
    assert later.rules.frame.empty
    assert len(loose.rules.frame) > 100  # the pairs were counted, and judged noise
    assert loose.rules.frame.p_value.min() > 1e-4
