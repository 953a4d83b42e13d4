"""The campaigns' unit economics differ as designed: one to scale, one to hold, one to cut.

Recomputed here from the raw tables (not from the plan): CAC = ad cost / customers whose
first order came through the campaign; CPO = ad cost / its confirmed orders; LTV = a
customer's confirmed revenue (or revenue - cost of goods) in the 12 months from the first
order, for customers acquired in the first year; marginal CPO (the ceiling) = LTV - all
non-advertising costs / customers. DOMAIN.md's rule: scale when LTV/CAC >= 3 with headroom,
cut when CAC is above the ceiling or LTV/CAC < 1, hold otherwise (the checks below also
keep the CPO of a campaign to cut above its ceiling, and of the others under it).
"""

from __future__ import annotations

import pandas as pd
import pytest

from payback.demo import catalog


@pytest.fixture(scope="module")
def economics(frames, shop) -> pd.DataFrame:
    orders, ads, costs = frames["orders"], frames["ad_stats"], frames["costs"]
    first = orders.sort_values("time").drop_duplicates("customer_id").set_index("customer_id")
    confirmed = orders[orders["status"] == "confirmed"]
    start = pd.Timestamp(shop.start)
    cohort = first[first["time"] < start + pd.Timedelta(days=365)]
    o = confirmed.join(first["time"].rename("t0"), on="customer_id")
    o = o[o["time"] < o["t0"] + pd.Timedelta(days=365)]
    value = o.groupby("customer_id").agg(revenue=("revenue", "sum"), cogs=("cogs", "sum"))
    c = cohort[["platform", "campaign"]].join(value).fillna({"revenue": 0.0, "cogs": 0.0})
    c["margin"] = c["revenue"] - c["cogs"]
    keys = ["platform", "campaign"]
    out = pd.concat(
        [
            ads.groupby(keys)["cost"].sum(),
            first.groupby(keys).size().rename("new_customers"),
            confirmed.groupby(keys).size().rename("orders"),
            c.groupby(keys)[["revenue", "margin"]].mean().add_prefix("ltv_"),
        ],
        axis=1,
    ).dropna(subset=["cost"])
    other = costs["amount"].sum() / shop.customers.num_rows
    out["cac"] = out["cost"] / out["new_customers"]
    out["cpo"] = out["cost"] / out["orders"]
    for basis in ("revenue", "margin"):
        out[f"ratio_{basis}"] = out[f"ltv_{basis}"] / out["cac"]
        out[f"ceiling_{basis}"] = out[f"ltv_{basis}"] - other
    return out.reset_index()


def verdict(row: pd.Series, basis: str) -> str:
    ratio, ceiling = row[f"ratio_{basis}"], row[f"ceiling_{basis}"]
    if row["cpo"] > ceiling or row["cac"] > ceiling or ratio < 1:
        return "cut"
    if ratio >= 3 and ceiling - max(row["cpo"], row["cac"]) > 0.5 * row["cac"]:
        return "scale"
    return "hold"


def test_designed_verdicts_come_out_of_the_data(economics):
    for c in catalog.CAMPAIGNS:
        if c.verdict is None:
            continue
        row = economics[
            (economics["platform"] == c.platform) & (economics["campaign"] == c.name)
        ].iloc[0]
        # the same verdict whether LTV is counted on revenue or on gross margin
        assert verdict(row, "margin") == c.verdict, (c.name, row.to_dict())
        assert verdict(row, "revenue") == c.verdict, (c.name, row.to_dict())


def test_scale_hold_cut_margins_are_clear(economics):
    e = economics.set_index("campaign")
    scale, hold, cut = (
        e.loc["Teaware - Exact"],
        e.loc["Gift Sets - Interests"],
        e.loc["Giveaway - Broad"],
    )
    assert scale["ratio_margin"] > 6 and scale["ceiling_margin"] > 5 * scale["cpo"]
    assert 1.2 < hold["ratio_margin"] < 2.2 and hold["ratio_revenue"] < 2.9
    assert hold["ceiling_margin"] > 1.05 * max(hold["cpo"], hold["cac"])
    assert cut["ratio_revenue"] < 0.5 and cut["cpo"] > cut["ceiling_revenue"]
    # every verdict appears at least once on the margin basis
    verdicts = {verdict(row, "margin") for _, row in economics.iterrows()}
    assert verdicts == {"scale", "hold", "cut"}
