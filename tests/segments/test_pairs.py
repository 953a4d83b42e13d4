"""Cross-sell rules (`payback segments pairs|next`) against counts recomputed in pandas,
mlxtend-style (a one-hot basket frame, column sums and products), on the UCI Online
Retail lines imported with ``--build-orders`` (tests/data/online_retail, 115 customers'
whole year) and on the demo shop's order lines; Fisher p-values from
scipy.stats.fisher_exact and BH from scipy.stats.false_discovery_control, not the
project's code."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import false_discovery_control, fisher_exact

from payback.cli import main
from payback.errors import InputError
from payback.segments import next_purchases, pairs
from payback.store import open_store


@pytest.fixture(scope="module")
def uci(uci_import):
    """(store file, raw lines with their order's status) of the UCI lines imported with
    ``--build-orders`` (tests/segments/conftest.py)."""
    return uci_import[0], uci_import[2]


def _confirmed_lines(raw: pd.DataFrame) -> pd.DataFrame:
    """Lines of the invoices whose order is confirmed in the pandas recomputation (not
    a cancellation, not a sale cancelled in full, not without a customer)."""
    out = raw[raw.status == "confirmed"].copy()
    out["customer"] = out.CustomerID
    return out


def _oracle_pairs(baskets: pd.Series, min_count: int) -> tuple[pd.DataFrame, int, int]:
    """mlxtend-style counts: one-hot basket x item frame, pair counts by column products.

    ``baskets``: basket -> set of items. Returns (rules frame, n, k) with every pair
    counted in at least ``min_count`` baskets, both directions, and the Fisher p-value.
    """
    long = baskets.map(sorted).explode()
    onehot = pd.crosstab(long.index, long.to_numpy()) > 0
    n, k = onehot.shape
    support = onehot.sum()
    rows = []
    matrix = onehot.to_numpy().astype(np.int64)
    together = matrix.T @ matrix
    names = list(onehot.columns)
    for i, j in itertools.combinations(range(k), 2):
        n_ab = int(together[i, j])
        if n_ab < min_count:
            continue
        a, b = names[i], names[j]
        n_a, n_b = int(support[a]), int(support[b])
        table = [[n_ab, n_a - n_ab], [n_b - n_ab, n - n_a - n_b + n_ab]]
        p = fisher_exact(table, alternative="greater").pvalue
        for x, y, nx, ny in ((a, b, n_a, n_b), (b, a, n_b, n_a)):
            rows.append(dict(antecedent=x, consequent=y, count=n_ab, antecedent_count=nx,
                             consequent_count=ny, support=n_ab / n, confidence=n_ab / nx,
                             lift=n_ab / n / (nx / n * ny / n), p_value=p))  # fmt: skip
    return pd.DataFrame(rows), n, k


def _with_q(frame: pd.DataFrame, tests: int) -> pd.DataFrame:
    """BH q-values over ``tests`` hypotheses, the uncounted ones at p = 1 (scipy)."""
    unique = frame[frame.antecedent < frame.consequent]
    padded = np.concatenate([unique.p_value.to_numpy(), np.ones(tests - len(unique))])
    q = false_discovery_control(padded, method="bh")[: len(unique)]
    key = dict(zip(zip(unique.antecedent, unique.consequent, strict=True), q, strict=True))
    pair = [tuple(sorted(t)) for t in zip(frame.antecedent, frame.consequent, strict=True)]
    return frame.assign(q_value=[key[p] for p in pair])


def _rules(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame.antecedent, frame.consequent, strict=True))


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["antecedent", "consequent"]).reset_index(drop=True)


COLUMNS = ["antecedent", "consequent", "count", "antecedent_count", "consequent_count",
           "support", "confidence", "lift", "p_value", "q_value"]  # fmt: skip


@pytest.fixture(scope="module")
def oracle(uci):
    """(rules with q-values, n, k) of the UCI invoices' pairs in 3+ baskets, in pandas."""
    lines = _confirmed_lines(uci[1])
    baskets = lines.groupby("InvoiceNo").StockCode.agg(set)
    expected, n, k = _oracle_pairs(baskets, min_count=3)
    return _with_q(expected, k * (k - 1) // 2), n, k


def test_uci_pairs_match_one_hot_counts(uci, oracle):
    path = uci[0]
    expected, n, k = oracle
    with open_store(path, read_only=True) as store:
        got = pairs(store, min_count=3, min_lift=0.0, fdr=1.0, max_items=None)
    assert (got.baskets, got.items, got.tests) == (n, k, k * (k - 1) // 2)
    # the subset's 404 sales less the one cancelled in full; the 83 invoices without a
    # customer and the bad-debt adjustments are in order_items but in no confirmed order
    assert got.baskets == 403 and got.items == 2028
    assert len(expected) > 1000
    pd.testing.assert_frame_equal(
        _sorted(got.rules.frame[COLUMNS]), _sorted(expected[COLUMNS]), check_dtype=False,
        rtol=1e-9,
    )  # fmt: skip


def test_uci_false_discovery_control_drops_noise_pairs(uci, oracle):
    path = uci[0]
    expected = oracle[0]
    kept = expected[expected.q_value <= 0.05]
    with open_store(path, read_only=True) as store:
        got = pairs(store, min_count=3, min_lift=0.0, max_items=None).rules.frame
    assert 0 < len(got) < len(expected)  # some pairs are noise, some are not
    assert _rules(got) == _rules(kept)
    assert got.q_value.max() <= 0.05


def test_uci_big_baskets_are_left_out(uci):
    path, raw = uci
    lines = _confirmed_lines(raw)
    baskets = lines.groupby("InvoiceNo").StockCode.agg(set)
    small = baskets[baskets.map(len) <= 40]
    expected, n, _ = _oracle_pairs(small, min_count=3)
    with open_store(path, read_only=True) as store:
        got = pairs(store, min_count=3, min_lift=0.0, fdr=1.0, max_items=40)
    assert got.dropped_baskets == len(baskets) - len(small) > 0
    assert got.baskets == n
    assert len(got.rules.frame) == len(expected)


def test_uci_next_purchases_match_pandas(uci):
    path, raw = uci
    lines = _confirmed_lines(raw)
    lines["time"] = pd.to_datetime(lines.InvoiceDate)
    first = lines.groupby(["customer", "StockCode"]).time.min().reset_index()
    n = first.customer.nunique()
    k = first.StockCode.nunique()
    buyers = first.groupby("StockCode").customer.nunique()
    both = first.merge(first, on="customer", suffixes=("_x", "_y"))
    gap = both.time_y - both.time_x
    follow = both[(gap > pd.Timedelta(0)) & (gap <= pd.Timedelta(days=60))]
    counts = follow.groupby(["StockCode_x", "StockCode_y"]).customer.nunique()
    counts = counts[counts >= 3]
    assert len(counts) > 100
    with open_store(path, read_only=True) as store:
        got = next_purchases(store, window_days=60, min_count=3, min_lift=0.0, fdr=1.0)
    assert (got.baskets, got.items, got.tests) == (n, k, k * (k - 1))
    frame = got.rules.frame.set_index(["antecedent", "consequent"]).sort_index()
    assert list(frame.index) == sorted(counts.index)
    assert frame["count"].tolist() == counts.sort_index().tolist()
    x, y = zip(*frame.index, strict=True)
    n_x, n_y = buyers.loc[list(x)].to_numpy(), buyers.loc[list(y)].to_numpy()
    np.testing.assert_allclose(frame.confidence, frame["count"] / n_x, rtol=1e-12)
    np.testing.assert_allclose(frame.lift, frame["count"] * n / (n_x * n_y), rtol=1e-12)
    i = int(np.argmax(frame.lift.to_numpy()))  # one p-value by scipy
    c, a, b = int(frame["count"].iloc[i]), int(n_x[i]), int(n_y[i])
    p = fisher_exact([[c, a - c], [b - c, n - a - b + c]], alternative="greater").pvalue
    assert frame.p_value.iloc[i] == pytest.approx(p, rel=1e-9)


@pytest.mark.parametrize(
    ("loose", "strict"),
    [
        (dict(min_count=3), dict(min_count=4)),
        (dict(min_count=3), dict(min_count=3, min_support=0.02)),
        (dict(min_count=3), dict(min_count=3, fdr=0.01)),
        (dict(min_count=3), dict(min_count=3, min_lift=5.0)),
        (dict(min_count=3), dict(min_count=3, min_confidence=0.5)),
    ],
    ids=["count", "support", "fdr", "lift", "confidence"],
)
def test_a_stricter_threshold_never_adds_a_rule(uci, loose, strict):
    with open_store(uci[0], read_only=True) as store:
        a = pairs(store, **loose).rules.frame
        b = pairs(store, **strict).rules.frame
    assert _rules(b) < _rules(a)


def test_lift_is_symmetric(uci):
    with open_store(uci[0], read_only=True) as store:
        frame = pairs(store, min_count=3, fdr=1.0).rules.frame
    keyed = frame.set_index(["antecedent", "consequent"])
    swapped = [keyed.lift[(c, a)] for a, c in keyed.index]
    np.testing.assert_allclose(keyed.lift.to_numpy(), swapped, rtol=1e-12)
    assert not np.allclose(keyed.confidence, [keyed.confidence[(c, a)] for a, c in keyed.index])


def test_demo_order_lines_pairs_match_pandas(demo):
    path, orders = demo
    with open_store(path, read_only=True) as store:
        items = store.to_pyarrow(store.table("order_items")).to_pandas()
        got = pairs(store, by="category", within="customer", min_count=5, min_lift=0.0, fdr=1.0)
    confirmed = orders[orders.status == "confirmed"][["order_id", "customer_id"]]
    lines = items.merge(confirmed, on="order_id")
    baskets = lines.groupby("customer_id").category.agg(lambda s: set(s.dropna()))
    baskets = baskets[baskets.map(len) > 0]
    expected, n, k = _oracle_pairs(baskets, min_count=5)
    assert (got.baskets, got.items) == (n, k)
    pd.testing.assert_frame_equal(
        _sorted(got.rules.frame[COLUMNS[:-1]]), _sorted(expected[COLUMNS[:-1]]),
        check_dtype=False, rtol=1e-9,
    )  # fmt: skip


def test_where_filters_the_orders(uci):
    path, raw = uci
    lines = _confirmed_lines(raw)
    france = lines[lines.Country == "France"]
    with open_store(path, read_only=True) as store:
        got = pairs(store, min_count=1, fdr=1.0, min_lift=0.0, where=["country=France"])
    assert got.baskets == france.InvoiceNo.nunique() > 0
    assert got.items == france.StockCode.nunique()


def test_errors_name_what_was_expected(uci, tmp_path):
    with open_store(uci[0], read_only=True) as store:
        with pytest.raises(InputError, match="by must be one of product_id"):
            pairs(store, by="sku")
        with pytest.raises(InputError, match=r"min_support and fdr must lie in 0\.\.1"):
            pairs(store, min_support=2)
        with pytest.raises(InputError, match="window_days must be at least 1"):
            next_purchases(store, window_days=0)
    with (
        open_store(tmp_path / "empty.duckdb") as store,
        pytest.raises(InputError, match="import order lines"),
    ):
        pairs(store)


def test_cli_json(capsys, uci):
    code = main(["segments", "pairs", "--db", uci[0], "--min-count", "3", "-n", "4",
                 "--format", "json"])  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["baskets"] == 403 and len(out["rows"]) == 4
    assert {"antecedent", "consequent", "support", "confidence", "lift", "p_value"} <= set(
        out["columns"]
    )
    code = main(["segments", "next", "--db", uci[0], "--window", "60", "--min-count", "3"])
    assert code == 0
    assert "bought next within 60 days" in capsys.readouterr().out


@pytest.mark.parametrize("n", [4, 30, 404, 18_520, 500_000])
def test_the_vectorised_fisher_tail_matches_scipy(n):
    from scipy.stats import hypergeom

    from payback.segments.stats import fisher_greater

    rng = np.random.default_rng(n)
    a = rng.integers(1, max(2, n // 3), 2000)
    b = rng.integers(1, max(2, n // 3), 2000)
    low, high = np.maximum(0, a + b - n), np.minimum(a, b)
    k = np.minimum(low + (rng.random(2000) * (high - low + 1)).astype(int), high)
    expected = hypergeom.sf(k - 1, n, a, b)
    got = fisher_greater(k, a, b, n)
    np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-15)
    assert (got[k > high] == 0).all() and got.min() >= 0 and got.max() <= 1
