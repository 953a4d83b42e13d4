"""Recommendations on a hand-made account: the numbers recomputed from the counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from payback.bids import BidRules, Target, parse_target, recommend, write_upload
from payback.bids.shrinkage import shrink_rates
from payback.errors import InputError
from payback.metrics.catalogue import CATALOGUE

from .conftest import ACCOUNT


def _by_keyword(result):
    return result.frame.set_index("keyword")


def test_max_cpc_is_target_times_the_shrunk_cr(account):
    r = recommend(account, Target("cpo", 30.0))
    f = _by_keyword(r)
    clicks = np.array([a[3] for a in ACCOUNT], float)
    orders = np.array([a[5] for a in ACCOUNT], float)
    campaign = pd.factorize(pd.Series([a[0] for a in ACCOUNT]))[0]
    group = pd.factorize(pd.Series([a[0] + a[1] for a in ACCOUNT]))[0]
    fit = shrink_rates(orders, clicks, [np.zeros(7, int), campaign, group])
    expected = dict(zip([a[2] for a in ACCOUNT], fit.mean, strict=True))
    for keyword, row in f.iterrows():
        assert row.cr == pytest.approx(expected[keyword])
        assert row.max_cpc == pytest.approx(30.0 * expected[keyword])
    # the bid is the average CPC in the window: cost / clicks
    assert f.loc["teacups", "bid"] == 1.0 and f.loc["payback tea", "bid"] == 0.5
    assert r.start.isoformat() == "2024-03-01" and r.end.isoformat() == "2024-03-28"


def test_actions_and_reasons(account):
    f = _by_keyword(recommend(account, Target("cpo", 30.0)))
    # brand converts at 6 %: max CPC ~1.8 against 0.50: raise by the cap, to 0.65
    assert f.loc["payback tea", "action"] == "raise"
    assert f.loc["payback tea", "new_bid"] == 0.65
    assert "(step or bid limit)" in f.loc["payback tea", "reason"]
    # 0 orders in 300 clicks where the ad group converts at ~2.3 %: beyond chance
    assert f.loc["cup set", "action"] == "pause"
    assert f.loc["cup set", "new_bid"] == f.loc["cup set", "bid"]
    assert f.loc["cup set", "reason"].startswith("0 orders in 300 clicks: at the ad group's")
    # 0 of 3 clicks is chance: the keyword keeps the ad group's CR, not zero
    assert f.loc["porcelain cups", "action"] != "pause"
    assert f.loc["porcelain cups", "cr"] > 0.015
    # no clicks and no bids file: no bid known, left as is
    assert f.loc["iron teapot", "action"] == "hold" and pd.isna(f.loc["iron teapot", "bid"])
    assert "no bid known" in f.loc["iron teapot", "reason"]


def test_expected_change_follows_the_response_curve(account):
    rules = BidRules(elasticity=0.5)
    f = _by_keyword(recommend(account, Target("cpo", 30.0), rules=rules))
    row = f.loc["payback tea"]
    ratio = row.new_bid / row.bid
    assert row.cost_change == pytest.approx(200.0 * (ratio**1.5 - 1))
    assert row.conversion_change == pytest.approx(400 * row.cr * (ratio**0.5 - 1))
    paused = f.loc["cup set"]
    assert paused.cost_change == -300.0


def test_drr_target_uses_revenue_per_click(account):
    f = _by_keyword(recommend(account, Target("drr", 0.2)))
    for _, row in f.iterrows():
        rpc = row.cr * row.value
        expected = CATALOGUE["max_cpc_drr"].evaluate({"target_drr": 0.2, "revenue_per_click": rpc})
        assert row.max_cpc == pytest.approx(expected)
    # one value per campaign's orders: 60 brand, 80 / 100 teaware, shrunk between them
    assert f.loc["payback tea", "value"] == pytest.approx(60.0, rel=0.05)
    assert 80 <= f.loc["glass teapot", "value"] <= 100


def test_a_higher_target_never_lowers_a_bid_on_the_store(account):
    low = recommend(account, Target("cpo", 20.0)).frame["new_bid"].astype(float)
    high = recommend(account, Target("cpo", 40.0)).frame["new_bid"].astype(float)
    assert (high.fillna(0) >= low.fillna(0)).all() and (high > low).any()


def test_a_bids_file_gives_the_bids_and_ids(account, tmp_path):
    path = tmp_path / "editor.csv"
    path.write_text(
        "Campaign,Ad group,Keyword,Criterion Type,Max CPC,Keyword ID,Ad group ID\n"
        "Teaware,Pots,iron teapot,Exact,0.80,777,55\n"
        "Teaware,Pots,glass teapot,Exact,1.10,778,55\n"
    )
    r = recommend(account, Target("cpo", 30.0), bids=path)
    f = _by_keyword(r)
    # a keyword without clicks keeps the bid the file gives
    assert f.loc["iron teapot", ["bid", "new_bid", "action"]].tolist() == [0.8, 0.8, "hold"]
    assert f.loc["iron teapot", "keyword_id"] == "777"
    assert f.loc["glass teapot", "bid"] == 1.1
    assert pd.isna(f.loc["teacups", "keyword_id"]) and f.loc["teacups", "bid"] == 1.0
    # a Google account's changes: a Microsoft upload holds no row, an Editor file does
    assert write_upload(r, "microsoft-bulk", tmp_path / "bulk.csv") == 0
    assert write_upload(r, "google-editor", tmp_path / "up.csv") == (f["action"] != "hold").sum()


def test_derived_target_comes_from_the_economics(account, monkeypatch):
    from payback.bids import targets

    calls = {}

    def fake(store, target, **kw):
        calls["kind"] = target.kind
        return pd.DataFrame({"platform": ["google", "google"], "campaign": ["Brand", "Teaware"],
                             "target": [50.0, 20.0]})  # fmt: skip

    monkeypatch.setattr(targets, "target_per_campaign", fake)
    monkeypatch.setattr("payback.bids.advice.target_per_campaign", fake)
    f = _by_keyword(recommend(account, Target("marginal")))
    assert calls["kind"] == "marginal"
    assert f.loc["payback tea", "target"] == 50.0 and f.loc["teacups", "target"] == 20.0
    assert "the campaign's marginal CPO 20.00" in f.loc["teacups", "reason"]


def test_derived_target_on_the_real_economics(account):
    # one day of data, no cost of goods: no cohort LTV, so no marginal CPO anywhere; the
    # error says why (it said "(no value)" before the ceilings gave it a reason)
    with pytest.raises(InputError, match="give a fixed target instead") as refused:
        recommend(account, Target("marginal"))
    assert "no marginal_cpo for any campaign (no cohort old enough for LTV in 4 row(s))" in str(
        refused.value
    )


def test_targets_parse_and_refuse():
    assert parse_target(cpo="1,000") == Target("cpo", 1000.0)
    assert parse_target(drr="15%").value == pytest.approx(0.15)
    with pytest.raises(InputError, match=r"give exactly one target.*got cpo, drr"):
        parse_target(cpo="30", drr="10%")
    with pytest.raises(InputError, match="target cpo needs its amount"):
        parse_target("cpo")
    with pytest.raises(InputError, match="unknown target 'roas'"):
        parse_target("roas")
    with pytest.raises(InputError, match="target DRR must be a share"):
        Target("drr", 15)


def test_an_empty_window_names_the_fix(account):
    with pytest.raises(InputError, match="no keyword has ad statistics from 2023-01-01"):
        recommend(account, Target("cpo", 30.0), start="2023-01-01", end="2023-01-31")


def test_a_campaign_can_have_its_own_target(account):
    r = recommend(account, Target("cpo", 30.0), campaign_targets={"Brand": 60.0})
    f = _by_keyword(r)
    assert f.loc["payback tea", "target"] == 60.0 and f.loc["teacups", "target"] == 30.0
    assert f.loc["payback tea", "max_cpc"] == pytest.approx(60.0 * f.loc["payback tea", "cr"])
    assert "at target CPO 60.00 vs bid" in f.loc["payback tea", "reason"]
    with pytest.raises(InputError, match=r"no keyword of campaign 'Nope'.*expected one of Brand"):
        recommend(account, Target("cpo", 30.0), campaign_targets={"Nope": 1.0})
    with pytest.raises(InputError, match="target drr needs a positive value"):
        recommend(account, Target("drr", 0.2), campaign_targets={"Brand": -1.0})


def test_a_drr_target_without_any_revenue_keeps_the_bids(tmp_path):
    from payback.store import open_store

    from .conftest import write_account

    store = open_store(tmp_path / "no-orders.duckdb")
    write_account(store, [(c, g, k, n, cost, 0, v) for c, g, k, n, cost, _, v in ACCOUNT])
    f = recommend(store, Target("drr", 0.2), rules=BidRules(pause_alpha=1e-9)).frame
    store.close()
    assert (f["action"] == "hold").all() and f["max_cpc"].isna().all()
    # no order at all: the platform's conversion rate is not known (test_untracked_platform)
    assert f["reason"].iloc[0].startswith("no confirmed orders attributed to google")
