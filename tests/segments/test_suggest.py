"""Products to offer each customer (`--suggest`): recomputed in pandas from the rules and
the customers' order lines of the demo shop."""

from __future__ import annotations

import pandas as pd

from payback.cli import main
from payback.segments import pairs, suggestions
from payback.store import open_store


def test_suggestions_match_pandas(demo):
    path, orders = demo
    with open_store(path, read_only=True) as store:
        rules = pairs(store).rules
        items = store.to_pyarrow(store.table("order_items")).to_pandas()
        got = suggestions(store, rules, top=2).frame
    confirmed = orders[orders.status == "confirmed"][["order_id", "customer_id"]]
    owned = items.merge(confirmed, on="order_id")[["customer_id", "product_id"]].drop_duplicates()
    hits = owned.merge(rules.frame, left_on="product_id", right_on="antecedent")
    have = set(zip(owned.customer_id, owned.product_id, strict=True))
    new = [(c, p) not in have for c, p in zip(hits.customer_id, hits.consequent, strict=True)]
    hits = hits[new].sort_values(
        ["customer_id", "confidence", "lift", "consequent", "antecedent"],
        ascending=[True, False, False, True, True],
    )
    best = hits.drop_duplicates(["customer_id", "consequent"])
    top = best.groupby("customer_id").head(2)
    expected = pd.DataFrame(
        {"customer_id": top.customer_id, "product": top.consequent, "because": top.antecedent}
    ).reset_index(drop=True)
    assert len(expected) > 1000
    pd.testing.assert_frame_equal(
        got[["customer_id", "product", "because"]].reset_index(drop=True), expected
    )
    assert got.groupby("customer_id")["rank"].max().max() == 2


def test_cli_suggest_csv(demo, tmp_path):
    out = tmp_path / "offers.csv"
    argv = ["segments", "pairs", "--db", demo[0], "--suggest", "3", "-f", "csv", "-o", str(out)]
    assert main(argv) == 0
    frame = pd.read_csv(out)
    columns = ["customer_id", "product", "rank", "confidence", "lift", "because"]
    assert list(frame.columns) == columns
    assert frame["rank"].between(1, 3).all() and len(frame) > 1000
