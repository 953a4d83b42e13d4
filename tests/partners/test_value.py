"""`payback partners value` on the demo shop: every column recomputed from the raw rows
with plain pandas, and the ranking by customer value differs from the ranking by orders
as the demo plants it (tea_blog premium, home_magazine loyal, coupon_hub standard,
cashback_plus bargain)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from payback.cli import main
from payback.partners import reconcile, value
from payback.store import open_store

HORIZON = 12


@pytest.fixture(scope="module")
def table(demo_db):
    with open_store(demo_db, read_only=True) as store:
        return value(store)


@pytest.fixture(scope="module")
def expected(raw) -> pd.DataFrame:
    """Per partner from the raw orders (independent of the engine and payback.clv)."""
    orders = raw["orders"]
    confirmed = orders[orders["status"] == "confirmed"].copy()
    confirmed["m"] = confirmed["time"].dt.year * 12 + confirmed["time"].dt.month - 1
    first = confirmed.sort_values(["time", "order_id"]).drop_duplicates("customer_id")
    first = first.set_index("customer_id")[["partner_id", "m"]].rename(columns={"m": "m0"})
    end = confirmed["time"].max()
    last = end.year * 12 + end.month - 1 - (0 if end.day == end.days_in_month else 1)
    o = confirmed.join(first["m0"], on="customer_id")
    o["k"] = o["m"] - o["m0"]
    o["margin"] = o["revenue"] - o["cogs"]
    per_k = o[o["k"] < HORIZON].groupby(["customer_id", "k"])["margin"].sum().unstack(fill_value=0)
    per_k = per_k.reindex(columns=range(HORIZON), fill_value=0.0)
    cum = per_k.cumsum(axis=1).reindex(first.index, fill_value=0.0)[HORIZON - 1]
    observed = (last - first["m0"]) >= HORIZON - 1
    ltv = cum[observed].groupby(first.loc[observed, "partner_id"]).mean()
    via = orders[orders["partner_id"].notna()]
    n_orders = confirmed.groupby("partner_id").size()
    counts = confirmed.groupby("customer_id").size()
    acquired = first[first["partner_id"].notna()]
    repeat = (counts.reindex(acquired.index) >= 2).groupby(acquired["partner_id"]).mean()
    status = via.groupby("partner_id")["status"].value_counts(normalize=True).unstack(fill_value=0)
    return pd.DataFrame(
        {
            "orders": n_orders,
            "revenue": confirmed.groupby("partner_id")["revenue"].sum(),
            "new_customers": acquired.groupby("partner_id").size(),
            "ltv": ltv,
            "repeat_rate": repeat,
            "cancel_rate": status["cancelled"],
            "return_rate": status["returned"],
        }
    )


def test_every_column_is_recomputed(table, expected, demo_db):
    got = table.frame.set_index("partner")
    e = expected.loc[got.index]
    for col in ("orders", "new_customers"):
        assert got[col].tolist() == e[col].tolist(), col
    for col in ("revenue", "ltv", "repeat_rate", "cancel_rate", "return_rate"):
        np.testing.assert_allclose(got[col], e[col], rtol=1e-9, err_msg=col)
    with open_store(demo_db, read_only=True) as store:
        owed = reconcile(store).owed()
    np.testing.assert_allclose(got["commission"], owed.loc[got.index])
    np.testing.assert_allclose(got["cpo"], got["commission"] / e["orders"])
    np.testing.assert_allclose(got["cac"], got["commission"] / e["new_customers"])
    np.testing.assert_allclose(got["ltv_cac"], e["ltv"] / got["cac"])
    assert round(got.loc["P01", "commission"], 2) == 2439.66  # reconciled, not 2,561.69


def test_ranking_by_value_differs_from_ranking_by_orders(table, expected):
    by_value = expected.sort_values("ltv", ascending=False).index.tolist()
    by_orders = expected.sort_values("orders", ascending=False).index.tolist()
    assert by_value == ["P01", "P04", "P03", "P02"]  # premium, loyal, standard, bargain
    assert by_orders == ["P01", "P02", "P03", "P04"]
    assert table.frame["partner"].tolist() == by_value
    ranks = table.frame.set_index("partner")["rank_by_orders"]
    assert [by_orders[r - 1] for r in ranks.loc[by_value]] == by_value


def test_the_cli_prints_the_same_rows(demo_db, table, capsys):
    assert main(["partners", "value", "--db", demo_db, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [r["partner"] for r in rows] == table.frame["partner"].tolist()
    assert rows[0]["commission"] == pytest.approx(table.frame["commission"].iloc[0])


def test_without_the_model_fit_every_other_column_is_the_same(demo_db, table):
    """``predicted=False`` (the report's section) skips the per-partner fit: the cohort LTV,
    the ranking and every other column stay as they are, the predicted CLV is missing."""
    with open_store(demo_db, read_only=True) as store:
        fast = value(store, predicted=False)
    predictions = ["predicted_ltv", "predicted_clv"]
    full = table.frame.drop(columns=predictions)
    pd.testing.assert_frame_equal(fast.frame.drop(columns=predictions), full)
    for column in predictions:
        assert fast.frame[column].isna().all()
        assert fast.reasons[column] == "not computed (predicted=False)"
