"""Cross-sell triples (`payback segments pairs --size 3`) against every triple of every
basket counted in pandas (itertools.combinations), Fisher p-values from scipy and BH
from scipy.stats.false_discovery_control, on the UCI Online Retail lines of one
customer in forty (baskets of at most 30 items) and on the demo shop."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from scipy.stats import false_discovery_control, fisher_exact
from tests.segments.test_pairs import uci  # noqa: F401  (the UCI store fixture)

from payback.cli import main
from payback.errors import InputError
from payback.segments import pairs
from payback.store import open_store


def _baskets(path: str, max_items: int) -> list[frozenset]:
    """The confirmed orders' distinct products, baskets above ``max_items`` left out."""
    with open_store(path, read_only=True) as store:
        orders = store.to_pyarrow(store.table("orders")).to_pandas()
        lines = store.to_pyarrow(store.table("order_items")).to_pandas()
    ok = orders.order_id[orders.status == "confirmed"]
    lines = lines[lines.order_id.isin(ok) & lines.product_id.notna()]
    sets = lines.groupby("order_id").product_id.agg(frozenset)
    return [s for s in sets if len(s) <= max_items]


def _oracle(baskets: list[frozenset], min_count: int) -> tuple[pd.DataFrame, int, int]:
    n = len(baskets)
    items = Counter(i for b in baskets for i in b)
    pair = Counter(p for b in baskets for p in itertools.combinations(sorted(b), 2))
    triple = Counter(t for b in baskets for t in itertools.combinations(sorted(b), 3))
    rows = []
    for (x, y, z), c in triple.items():
        if c < min_count:
            continue
        for ante, cons in (((x, y), z), ((x, z), y), ((y, z), x)):
            na, nb = pair[ante], items[cons]
            p = fisher_exact([[c, na - c], [nb - c, n - na - nb + c]], alternative="greater")
            rows.append({"antecedent": " + ".join(ante), "consequent": cons, "count": c,
                         "antecedent_count": na, "consequent_count": nb,
                         "lift": c * n / (na * nb), "p_value": p.pvalue})  # fmt: skip
    return pd.DataFrame(rows), n, len(items)


@pytest.fixture(scope="module", params=["uci", "demo"])
def case(request):
    path = request.getfixturevalue(request.param)[0]
    max_items, min_count = (30, 4) if request.param == "uci" else (250, 5)
    with open_store(path, read_only=True) as store:
        got = pairs(store, size=3, min_count=min_count, fdr=1.0, min_lift=0.0,
                    max_items=max_items)  # fmt: skip
    expect, n, k = _oracle(_baskets(path, max_items), min_count)
    return got, expect, n, k


def test_triples_match_every_basket_counted(case):
    got, expect, n, k = case
    assert (got.baskets, got.items, got.tests) == (n, k, 3 * math.comb(k, 3))
    assert len(expect) >= 30 and got.tested * 3 == len(expect)
    g = got.rules.frame.sort_values(["antecedent", "consequent"]).reset_index(drop=True)
    e = expect.sort_values(["antecedent", "consequent"]).reset_index(drop=True)
    cols = ["antecedent", "consequent", "count", "antecedent_count", "consequent_count"]
    pd.testing.assert_frame_equal(g[cols], e[cols], check_dtype=False)
    np.testing.assert_allclose(g.lift, e.lift, rtol=1e-12)
    np.testing.assert_allclose(g.p_value, e.p_value, rtol=1e-6, atol=1e-300)
    np.testing.assert_allclose(g.q_value, _bh(g.p_value.to_numpy(), got.tests), rtol=1e-6)
    if got.tests < 10**6:  # scipy wants the whole family in memory (UCI: 1.3e9 tests)
        padded = np.concatenate([e.p_value.to_numpy(), np.ones(got.tests - len(e))])
        q = false_discovery_control(padded, method="bh")[: len(e)]
        np.testing.assert_allclose(q, _bh(e.p_value.to_numpy(), got.tests), rtol=1e-9)
        np.testing.assert_allclose(g.q_value, q, rtol=1e-6)


def _bh(p: np.ndarray, m: int) -> np.ndarray:
    """Benjamini-Hochberg over ``m`` tests of which the untested have p = 1: by hand,
    q_(i) = min(1, min over j >= i of p_(j) m / j) (those at p = 1 give 1)."""
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, len(p) + 1)
    q = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    out = np.empty_like(q)
    out[order] = q
    return out


def test_a_stricter_threshold_never_adds_a_rule(demo):
    with open_store(demo[0], read_only=True) as store:
        loose = pairs(store, size=3, min_count=5).rules.frame
        strict = pairs(store, size=3, min_count=8, min_lift=2.0, fdr=0.01).rules.frame
        with pytest.raises(InputError, match="size must be 2"):
            pairs(store, size=4)
    assert 0 < len(strict) < len(loose)
    key = ["antecedent", "consequent"]
    assert set(map(tuple, strict[key].to_numpy())) <= set(map(tuple, loose[key].to_numpy()))


def test_cli_size_3(demo, capsys):
    args = ["segments", "pairs", "--db", demo[0], "--size", "3", "--format", "json"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert '"antecedent": "P101 + P603", "consequent": "P501"' in out
    assert main([*args, "--suggest", "2"]) != 0
    assert "--suggest works on pairs" in capsys.readouterr().err


def test_triples_have_a_default_minimum_support(demo):
    """0.1 % of the baskets (or min_count, whichever is stricter); pairs have none."""
    with open_store(demo[0], read_only=True) as store:
        tri = pairs(store, size=3, min_count=1, fdr=1.0, min_lift=0.0)
        every = pairs(store, size=3, min_count=1, min_support=0.0, fdr=1.0, min_lift=0.0)
        two = pairs(store, min_count=1)
    assert tri.min_count == math.ceil(0.001 * tri.baskets) > 1
    assert (every.min_count, two.min_count) == (1, 1)
    assert 0 < tri.tested < every.tested
    assert (tri.rules.frame["count"] >= tri.min_count).all()
