"""Customer profile (`payback segments profile`): shares, intervals and tests recomputed
in pandas and scipy from the demo shop's tables; Newcombe's published intervals."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import false_discovery_control, fisher_exact

from payback.cli import main
from payback.errors import InputError
from payback.segments import profile, rfm
from payback.segments.profile import ATTRIBUTES
from payback.segments.stats import newcombe_interval
from payback.store import open_store


@pytest.mark.parametrize(
    ("counts", "published"),
    [
        ((56, 70, 48, 80), (0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.1705, 0.8090)),
        ((6, 7, 2, 7), (0.0582, 0.8062)),
        ((5, 56, 0, 29), (-0.0381, 0.1926)),
        ((0, 10, 0, 20), (-0.1611, 0.2775)),
        ((10, 10, 0, 20), (0.6791, 1.0)),
    ],
)
def test_newcombe_interval_matches_the_published_table(counts, published):
    """Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10."""
    low, high = newcombe_interval(*(np.array([c]) for c in counts))
    assert (round(float(low[0]), 4), round(float(high[0]), 4)) == published


@pytest.fixture(scope="module")
def tables(demo):
    with open_store(demo[0], read_only=True) as store:
        return {
            name: store.to_pyarrow(store.table(name)).to_pandas()
            for name in ("orders", "customers", "order_items")
        }


def _first_orders(orders: pd.DataFrame) -> pd.DataFrame:
    bought = orders[orders.status == "confirmed"]
    return bought.sort_values(["customer_id", "time", "order_id"]).groupby("customer_id").head(1)


def test_top_customers_profile_matches_pandas(demo, tables):
    orders = tables["orders"]
    bought = orders[orders.status == "confirmed"]
    revenue = bought.groupby("customer_id").revenue.sum().round(2).reset_index()
    ranked = revenue.sort_values(["revenue", "customer_id"], ascending=[False, True])
    top = set(ranked.customer_id.head(math.ceil(0.2 * len(revenue))))
    first = _first_orders(orders).set_index("customer_id")
    lines = tables["order_items"]
    lines = lines[lines.order_id.isin(first.order_id)].assign(value=lambda t: t.quantity * t.price)
    biggest = lines.sort_values(["order_id", "value", "line"], ascending=[True, False, True])
    category = biggest.groupby("order_id").head(1).set_index("order_id").category
    attrs = pd.DataFrame(
        {
            "source": first.platform.fillna("(none)"),
            "first_category": first.order_id.map(category).fillna("(none)"),
        }
    )
    inside = attrs.index.isin(top)
    with open_store(demo[0], read_only=True) as store:
        got = profile(store, "top", min_count=0)
    frame = got.table.frame.set_index(["attribute", "value"])
    n1, n2 = int(inside.sum()), int((~inside).sum())
    assert (got.segment_customers, got.other_customers) == (n1, n2) == (284, 1133)
    for attribute in ("source", "first_category"):
        a = attrs.loc[inside, attribute].value_counts()
        b = attrs.loc[~inside, attribute].value_counts()
        for value in set(a.index) | set(b.index):
            x, y = int(a.get(value, 0)), int(b.get(value, 0))
            row = frame.loc[(attribute, value)]
            assert (row.customers, row.others) == (x, y)
            assert row.segment_share == pytest.approx(x / n1)
            assert row.lift == pytest.approx((x / n1) / ((x + y) / (n1 + n2)))
            p = fisher_exact([[x, n1 - x], [y, n2 - y]]).pvalue
            assert row.p_value == pytest.approx(p, rel=1e-9)
    q = false_discovery_control(got.table.frame.p_value.to_numpy(), method="bh")
    np.testing.assert_allclose(got.table.frame.q_value, q, rtol=1e-12)
    # the best customers' first orders are large: the top band is over-represented
    band = frame.loc["first_order_value"]
    top_band = band[band.index.str.startswith("Q4")].iloc[0]
    assert top_band.difference > 0.2 and top_band.ci_low > 0 and top_band.q_value < 1e-10


def _tie_store(reverse: bool):
    """c0 spends 10.00; c1 and c2 each 0.60 in three orders, 0.1 + 0.2 + 0.3 for one and
    0.3 + 0.2 + 0.1 for the other (float sums that differ in the last bit, which one
    depends on the row order); c3..c9 0.50 each. Sources name the customers."""
    import datetime as dt

    import pyarrow as pa

    day = dt.datetime(2024, 6, 1)
    rows = [("c0", 10.0, "bing"), ("c1", 0.3, "google"), ("c1", 0.2, "google"),
            ("c1", 0.1, "google"), ("c2", 0.1, "meta"), ("c2", 0.2, "meta"),
            ("c2", 0.3, "meta")] + [(f"c{i}", 0.5, "tiktok") for i in range(3, 10)]  # fmt: skip
    rows = [(f"o{k:02d}", *r) for k, r in enumerate(rows)]
    if reverse:
        rows = rows[::-1]
    store = open_store(":memory:")
    store.write({"orders": pa.table({
        "order_id": [r[0] for r in rows], "customer_id": [r[1] for r in rows],
        "time": [day] * len(rows), "revenue": [r[2] for r in rows],
        "status": ["confirmed"] * len(rows), "currency": ["EUR"] * len(rows),
        "platform": [r[3] for r in rows]})})  # fmt: skip
    return store


@pytest.mark.parametrize("reverse", [False, True])
def test_top_cut_ties_to_the_cent_go_by_customer_id(reverse):
    # top 20 % of 10 = c0 and one of the tied c1 / c2: c1, the smaller id, whatever the
    # order the engine summed in (unrounded, 0.6000000000000001 > 0.6 would decide)
    with _tie_store(reverse) as store:
        got = profile(store, "top", top=0.2, attributes=["source"], min_count=0)
    frame = got.table.frame.set_index("value")
    assert (got.segment_customers, got.other_customers) == (2, 8)
    assert frame.customers.to_dict() == {"bing": 1, "google": 1, "meta": 0, "tiktok": 0}
    assert frame.others.to_dict() == {"bing": 0, "google": 0, "meta": 1, "tiktok": 7}


def test_every_attribute_partitions_the_customers(demo):
    with open_store(demo[0], read_only=True) as store:
        got = profile(store, "top", min_count=0)
    sums = got.table.frame.groupby("attribute")[["customers", "others"]].sum()
    assert set(sums.index) == set(ATTRIBUTES)
    assert (sums.customers == got.segment_customers).all()
    assert (sums.others == got.other_customers).all()


def test_rfm_segment_profile_counts_its_members(demo):
    with open_store(demo[0], read_only=True) as store:
        members = rfm(store, predict=False).customers.frame
        got = profile(store, "at risk", attributes=["source"], min_count=0)
        significant = profile(store, "champions", significant_only=True, fdr=0.01)
    assert got.segment_customers == int((members.segment == "at risk").sum()) > 0
    assert got.other_customers == len(members) - got.segment_customers
    assert (significant.table.frame.q_value <= 0.01).all()


def test_errors(demo):
    with open_store(demo[0], read_only=True) as store:
        with pytest.raises(InputError, match="unknown segment 'vip': expected top or"):
            profile(store, "vip")
        with pytest.raises(InputError, match="unknown attribute"):
            profile(store, attributes=["shoe_size"])
        with pytest.raises(InputError, match="top must lie between 0 and 1"):
            profile(store, top=1.5)


def test_cli_json(capsys, demo):
    argv = ["segments", "profile", "top", "--db", demo[0], "--attributes", "source",
            "--format", "json"]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["segment_customers"] == 284
    assert {r["attribute"] for r in out["rows"]} == {"source"}


def test_top_by_predicted_clv_is_asked_of_payback_clv(demo, tables):
    from payback.clv import predict_ltv

    with open_store(demo[0], read_only=True) as store:
        got = profile(store, "top", value="predicted", attributes=["source"], min_count=0)
        pred = predict_ltv(store, model="mbgnbd").customers.frame
    ranked = pred.assign(clv=pred.clv.astype("float64")).sort_values(
        ["clv", "customer_id"], ascending=[False, True]
    )
    top = ranked.head(math.ceil(0.2 * len(pred)))
    assert got.segment_customers == len(top)
    platform = _first_orders(tables["orders"]).set_index("customer_id").platform
    shares = top.customer_id.map(platform).fillna("(none)").value_counts()
    frame = got.table.frame.set_index("value")
    for source, count in shares.items():
        assert frame.loc[source, "customers"] == count
    with open_store(demo[0], read_only=True) as store, pytest.raises(InputError, match="value"):
        profile(store, "top", value="future")


def test_uci_top_customers_country_matches_pandas(retail):
    """UCI Online Retail imported with --build-orders (tests/data): the top 20 % by net
    revenue and their first confirmed invoice's country, from the orders recomputed in
    pandas (tests/segments/conftest.py)."""
    path, orders = retail
    invoices = orders[orders.status == "confirmed"]
    per = invoices.groupby("customer_id").revenue.sum().reset_index()
    ranked = per.sort_values(["revenue", "customer_id"], ascending=[False, True])
    top = set(ranked.customer_id.head(math.ceil(0.2 * len(per))))
    first = invoices.sort_values(["customer_id", "time", "order_id"])
    first = first.groupby("customer_id").head(1)
    inside = first.customer_id.isin(top).to_numpy()
    with open_store(path, read_only=True) as store:
        got = profile(store, "top", attributes=["country"], min_count=0)
    n1, n2 = int(inside.sum()), int((~inside).sum())
    assert (got.segment_customers, got.other_customers) == (n1, n2) == (23, 92)
    frame = got.table.frame.set_index("value")
    a = first.country[inside].value_counts()
    b = first.country[~inside].value_counts()
    assert set(frame.index) == set(a.index) | set(b.index)
    for value in frame.index:
        x, y = int(a.get(value, 0)), int(b.get(value, 0))
        row = frame.loc[value]
        assert (row.customers, row.others) == (x, y)
        assert row.lift == pytest.approx((x / n1) / ((x + y) / (n1 + n2)))
        p = fisher_exact([[x, n1 - x], [y, n2 - y]]).pvalue
        assert row.p_value == pytest.approx(p, rel=1e-9)
