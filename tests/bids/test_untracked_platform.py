"""A platform without one conversion in the window keeps its bids, and says why.

Before, its keywords' conversion rate came out as a certain 0 (the shrinkage had nothing
but zeros to shrink towards: "CR 0.0 % (90 %: 0.0 %-0.0 %)" from 0 orders in 1 click), so
every bid was cut by the step cap: on the public Meta export (KAG_conversion_data.csv,
imported as docs/import.md shows, without the shop's orders) `payback bids recommend
--target-cpo 30` lowered 936 of 1,143 bids by about 30 % and printed "confirmed orders
-0.0". Whether the orders were never imported or carry no utm_source, payback cannot tell
a rate of 0 from orders it does not see; a DRR target without revenue already kept the
bids. The platform's keywords are now left out of the others' fit, so an untracked
platform beside a tracked one changes none of the tracked one's numbers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from payback.bids import BidRules, Target, recommend
from payback.cli import main
from payback.store import open_store

from .conftest import DAY, write_account

KAG = Path(__file__).parents[1] / "data" / "ads" / "KAG_conversion_data.csv"


@pytest.fixture(scope="module")
def kag_db(tmp_path_factory) -> str:
    db = str(tmp_path_factory.mktemp("kag") / "kag.duckdb")
    assert main(["import", "ads", str(KAG), "--platform", "generic", "--map",
                 "cost=Spent,campaign=xyz_campaign_id,ad_group=fb_campaign_id,keyword=ad_id,"
                 "conversions=Total_Conversion", "--set", "date=2017-08-31,platform=meta",
                 "--currency", "USD", "--db", db]) == 0  # fmt: skip
    return db


def test_ads_without_orders_keep_every_bid(kag_db, capsys):
    with open_store(kag_db, read_only=True) as store:
        result = recommend(store, Target("cpo", 30.0))
    f = result.frame
    assert len(f) == 1143 and (f["action"] == "hold").all()
    assert f["cr"].isna().all() and f["max_cpc"].isna().all()
    assert (f["new_bid"].dropna() == f["bid"].dropna()).all()
    # the account's clicks, summed by hand from the file: 38,165
    clicks = int(pd.read_csv(KAG, encoding="utf-8-sig")["Clicks"].sum())
    assert clicks == 38_165
    assert f["reason"].iloc[0] == (
        "no confirmed orders attributed to meta from 2017-08-04 to 2017-08-31 (38,165 clicks): "
        "its conversion rate is not known; bid kept (do its orders carry utm_source or click "
        "ids? docs/import.md)"
    )
    assert result.summary() == (
        "raise 0, lower 0, hold 1143, pause 0; expected cost +0.00 and confirmed orders +0.0 "
        "over 28 days"
    )
    assert result.table.reasons["cr"] == "no confirmed orders attributed to meta in the window"
    assert main(["bids", "recommend", "--db", kag_db, "--target-cpo", "30"]) == 0
    assert "-0.0" not in capsys.readouterr().out


def _meta_ads(store) -> None:
    """Two Meta ad sets with clicks and cost and no order attributed to them."""
    store.write({"ad_stats": pa.table({
        "date": [DAY] * 2, "platform": ["meta"] * 2, "campaign": ["Prospecting"] * 2,
        "ad_group": ["Lookalike"] * 2, "keyword": ["Video A", "Video B"],
        "impressions": [30_000, 9_000], "clicks": [700, 4], "cost": [650.0, 3.0],
        "currency": ["EUR"] * 2})})  # fmt: skip


def test_an_untracked_platform_changes_nothing_of_a_tracked_one(tmp_path):
    rules = BidRules(pause_alpha=0.05)
    with open_store(tmp_path / "google.duckdb") as alone:
        write_account(alone)
        before = recommend(alone, Target("cpo", 30.0), rules=rules).frame
    with open_store(tmp_path / "both.duckdb") as both:
        write_account(both)
        _meta_ads(both)
        after = recommend(both, Target("cpo", 30.0), rules=rules)
    f = after.frame
    google = f[f["platform"] == "google"].reset_index(drop=True)
    columns = ["keyword", "cr", "cr_low", "cr_high", "max_cpc", "new_bid", "action", "reason"]
    pd.testing.assert_frame_equal(google[columns], before[columns])
    assert (before["action"] != "hold").any()  # the comparison moves bids
    meta = f[f["platform"] == "meta"]
    assert list(meta["action"]) == ["hold", "hold"]  # 0 orders in 700 clicks: not paused
    assert meta["cr"].isna().all() and np.allclose(meta["conversion_change"], 0)
    assert (
        meta["reason"]
        .iloc[0]
        .startswith(
            f"no confirmed orders attributed to meta from {DAY - dt.timedelta(days=27)} to {DAY} "
            "(704 clicks): its conversion rate is not known; bid kept"
        )
    )


def test_orders_without_revenue_keep_the_drr_reason(tmp_path):
    """Orders attributed but all of revenue 0: the rate is known, the value per order is
    not, so a DRR target keeps the bids for want of revenue (the reason before)."""
    from .conftest import ACCOUNT

    with open_store(tmp_path / "free.duckdb") as store:
        write_account(store, [(c, g, k, n, cost, x, 0.0) for c, g, k, n, cost, x, _ in ACCOUNT])
        f = recommend(store, Target("drr", 0.2), rules=BidRules(pause_alpha=1e-9)).frame
    assert (f["action"] == "hold").all() and f["max_cpc"].isna().all()
    assert f["cr"].notna().all()
    clicked = f[f["clicks"] > 0]
    assert clicked["reason"].str.startswith("no confirmed order with revenue in the window").all()
