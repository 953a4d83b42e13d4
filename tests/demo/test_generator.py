"""The generator does what it claims: fit-free checks on a 40,000-customer shop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from payback.demo import catalog, generate_shop
from payback.errors import InputError
from payback.schema import TABLES


def test_canonical_columns_and_counts(shop):
    for name, table in shop.tables.items():
        canonical = TABLES[name].column_names
        assert set(table.column_names) <= set(canonical), name
        for column in TABLES[name].required_columns:
            assert column.name in table.column_names, (name, column.name)
            assert table[column.name].null_count == 0, (name, column.name)
    assert shop.customers.num_rows == 40_000
    assert shop.start.isoformat() == "2024-01-01" and shop.end.isoformat() == "2025-12-31"
    # every customer has a first order; ids are unique
    orders = shop.orders.to_pandas()
    assert orders["customer_id"].nunique() == 40_000
    assert orders["order_id"].is_unique


def test_repeat_purchases_follow_the_source_tier(frames):
    orders, truth = frames["orders"], frames["truth"]
    per_customer = orders.groupby("customer_id").size().rename("orders")
    by_tier = truth.join(per_customer, on="customer_id").groupby("tier")["orders"].mean()
    assert by_tier["premium"] > by_tier["loyal"] > by_tier["standard"] > by_tier["bargain"]
    assert by_tier["standard"] > by_tier["gift"]
    # the designed means: about 1 + r/alpha * days while alive; premium at least twice bargain
    assert by_tier["premium"] > 2 * by_tier["bargain"]
    # by acquisition campaign too
    by_campaign = truth.join(per_customer, on="customer_id").groupby("campaign")["orders"].mean()
    assert by_campaign["Teaware - Exact"] > 2 * by_campaign["Giveaway - Broad"]


def test_bgnbd_dropout_more_one_time_buyers_where_p_is_high(frames):
    orders, truth = frames["orders"], frames["truth"]
    per_customer = orders.groupby("customer_id").size().rename("orders")
    t = truth.join(per_customer, on="customer_id")
    one_time = (t["orders"] == 1).groupby(t["tier"]).mean()
    assert one_time["bargain"] > one_time["standard"] > one_time["premium"]
    # drawn parameters match the tiers' Gamma / Beta means within 5 %
    for name, tier in catalog.TIERS.items():
        rows = t[t["tier"] == name]
        assert rows["p_dropout"].mean() == pytest.approx(tier.mean_dropout, rel=0.05)


def test_spend_is_gamma_gamma_like(frames):
    orders, truth = frames["orders"], frames["truth"]
    joined = orders.merge(truth[["customer_id", "tier", "nu"]], on="customer_id")
    aov = joined.groupby("tier")["revenue"].mean()
    assert aov["gift"] > aov["premium"] > aov["standard"] > aov["bargain"]
    # a customer's spend level follows 1 / nu: the lowest nu quintile spends most
    per_customer = joined.groupby("customer_id").agg(
        revenue=("revenue", "mean"), nu=("nu", "first")
    )
    quintile = pd.qcut(per_customer["nu"], 5, labels=False)
    means = per_customer.groupby(quintile)["revenue"].mean().to_numpy()
    assert np.all(np.diff(means) < 0)


def test_items_add_up_and_sell_together(frames):
    orders, items = frames["orders"], frames["order_items"]
    lines = (items["price"] * items["quantity"]).groupby(items["order_id"]).sum()
    cogs = items.groupby("order_id")["cogs"].sum()
    o = orders.set_index("order_id")
    assert np.allclose(lines.reindex(o.index), o["revenue"], atol=0.005)
    assert np.allclose(cogs.reindex(o.index), o["cogs"], atol=0.005)
    # margin differs by category as planned
    margin = 1 - items.groupby("category")["cogs"].sum() / (
        (items["price"] * items["quantity"]).groupby(items["category"]).sum()
    )
    assert margin["Candles"] > margin["Tableware"] > margin["Tea"]
    # kitchen towels and teacups are bought together far more often than by chance
    n_orders = items["order_id"].nunique()
    has = items.pivot_table(index="order_id", columns="product_id", values="line", aggfunc="size")
    towels, cups = has["P401"].notna(), has["P101"].notna()
    lift = (towels & cups).sum() * n_orders / (towels.sum() * cups.sum())
    assert lift > 3


def test_statuses(frames):
    orders = frames["orders"]
    share = orders["status"].value_counts(normalize=True)
    assert 0.8 < share["confirmed"] < 0.95
    assert 0.03 < share["cancelled"] < 0.1 and 0.02 < share["returned"] < 0.08
    pending = orders[orders["status"] == "pending"]
    # pending orders are mostly the last days' ones
    assert (pending["time"] > pd.Timestamp("2025-12-21")).mean() > 0.7


def test_ad_metrics_differ_by_platform(frames):
    ads, orders = frames["ad_stats"], frames["orders"]
    sums = ads.groupby("platform")[["impressions", "clicks", "cost", "conversions"]].sum()
    ctr = sums["clicks"] / sums["impressions"]
    cpc = sums["cost"] / sums["clicks"]
    crm = orders.groupby("platform").size()
    cr = crm.reindex(sums.index) / sums["clicks"]
    assert ctr.idxmin() == "meta" and ctr.idxmax() == "microsoft"
    assert cpc.idxmax() == "google" and cpc.idxmin() == "yandex"
    assert cr.max() / cr.min() > 1.5
    assert (ads["clicks"] <= ads["impressions"]).all() and (ads["cost"] >= 0).all()
    # the platforms' own conversions differ from the CRM by the planned factors
    gap = sums["conversions"] / crm.reindex(sums.index)
    for platform, factor in catalog.PLATFORM_CONVERSION_FACTOR.items():
        assert gap[platform] == pytest.approx(factor, rel=0.06), platform
    # keyword-level CTR, CPC and CR differ inside a campaign
    kw = ads[ads["campaign"] == "Teaware - Exact"].groupby("keyword")[["clicks", "cost"]].sum()
    assert (kw["cost"] / kw["clicks"]).std() > 0.02


def test_attribution_of_orders(frames):
    orders = frames["orders"]
    ad = orders[orders["platform"].isin(catalog.PLATFORM_CONVERSION_FACTOR)]
    url, cols = ad["landing_url"].notna(), ad["utm_source"].notna()
    assert (url ^ cols).all()  # one or the other
    assert 0.45 < url.mean() < 0.65
    google_url = ad[url & (ad["platform"] == "google")]["landing_url"]
    assert google_url.str.contains("gclid=").all() and google_url.str.contains("utm_term=").any()
    assert set(ad.loc[cols, "utm_source"]) == {"google", "facebook", "instagram", "bing", "yandex"}
    partner = orders[orders["partner_id"].notna()]
    assert set(partner["partner_id"]) == {p.partner_id for p in catalog.PARTNERS}
    assert partner["utm_source"].isna().all() and partner["platform"].isna().all()
    unattributed = orders["platform"].isna() & orders["partner_id"].isna()
    assert 0.3 < unattributed.mean() < 0.7


def test_leads(frames):
    leads = frames["leads"]
    share = leads["status"].value_counts(normalize=True)
    assert set(share.index) == {"valid", "failed", "duplicate", "spam"}
    assert (leads.loc[leads["status"] == "failed", "kind"] == "call").all()
    calls = leads[(leads["kind"] == "call") & leads["customer_id"].isna()]
    failed = (calls["status"] == "failed").mean()
    assert failed == pytest.approx(0.35 * (1 - 0.04) * (1 - 0.08), abs=0.04)
    # a duplicate repeats an earlier lead's contact the same day
    leads = leads.assign(day=leads["time"].dt.normalize())
    dup = leads[leads["status"] == "duplicate"]
    first = leads[leads["status"] != "duplicate"].groupby(["contact", "day"])["time"].min()
    earlier = first.reindex(pd.MultiIndex.from_frame(dup[["contact", "day"]])).to_numpy()
    assert (earlier <= dup["time"].to_numpy()).all()
    # the giveaway campaign brings more spam than search
    spam = (leads["status"] == "spam").groupby(leads["campaign"]).mean()
    assert spam["Giveaway - Broad"] > 2 * spam["Teaware - Exact"]
    # leads that became customers carry their customer id
    assert leads["customer_id"].notna().mean() > 0.3


def test_subscription_churn_hazard_decreases(frames):
    subs = frames["subscriptions"]
    start = pd.to_datetime(subs["start"])
    end = pd.to_datetime(subs["end"])
    observed_end = pd.Timestamp("2025-12-31")
    last = end.fillna(observed_end) + pd.Timedelta(days=1)
    months = (last.dt.year - start.dt.year) * 12 + last.dt.month - start.dt.month
    churned = end.notna().to_numpy()
    months = months.to_numpy()
    hazard = []
    for k in range(1, 9):
        at_risk = (months >= k).sum()
        hazard.append(((months == k) & churned).sum() / at_risk)
    assert hazard[0] > hazard[2] > hazard[5]
    assert np.mean(hazard[:2]) > 1.3 * np.mean(hazard[5:8])
    assert subs["end"].isna().any() and (subs["price"] == catalog.SUBSCRIPTION_PRICE).all()


def test_attributes_point_at_an_ideal_customer(frames):
    orders, customers = frames["orders"], frames["customers"]
    value = orders[orders["status"] == "confirmed"].groupby("customer_id")["revenue"].sum()
    c = customers.join(value.rename("value"), on="customer_id").fillna({"value": 0.0})
    by_age = c.groupby("age_band")["value"].mean()
    assert by_age["45-54"] > 1.5 * by_age["18-24"]
    by_gender = c.groupby("gender")["value"].mean()
    assert by_gender["female"] > by_gender["male"]
    assert c["language"].notna().all() and c["city"].notna().all()
    assert set(c.loc[c["country"] == "DE", "language"]) <= {"de", "en"}


def test_costs(frames, shop):
    costs = frames["costs"]
    assert len(costs) == 24 * len(catalog.COST_LINES)
    assert set(costs["category"]) == {c for c, _, _ in catalog.COST_LINES}
    fixed = costs[costs["category"] == "salaries"]["amount"].sum()
    assert fixed == pytest.approx(5.0 * shop.customers.num_rows, rel=1e-4)
    per_customer = costs["amount"].sum() / shop.customers.num_rows
    assert 15 < per_customer < 35


def test_partner_claims_carry_every_discrepancy(frames):
    claims, issues, orders = frames["partner_claims"], frames["claim_issues"], frames["orders"]
    assert (claims["claim_id"] == issues["claim_id"]).all()
    kinds = issues["issue"].value_counts()
    for kind in ("ok", "cancelled_order", "returned_order", "duplicate", "unknown_order",
                 "outside_window", "inflated_revenue"):  # fmt: skip
        assert kinds.get(kind, 0) > 5, kind
    o = orders.set_index("order_id")
    c = claims.join(issues.set_index("claim_id")["issue"], on="claim_id")
    unknown = c[c["issue"] == "unknown_order"]
    assert not unknown["order_id"].isin(o.index).any()
    known = c[c["issue"] != "unknown_order"]
    assert known["order_id"].isin(o.index).all()
    cancelled = c.loc[c["issue"] == "cancelled_order", "order_id"]
    assert (o.loc[cancelled, "status"] == "cancelled").all()
    inflated = c[c["issue"] == "inflated_revenue"]
    claimed = inflated["revenue"].to_numpy()
    assert (claimed > o.loc[inflated["order_id"], "revenue"].to_numpy()).all()
    dup = c[c["issue"] == "duplicate"]["order_id"]
    assert (c["order_id"].value_counts()[dup] >= 2).all()
    late = c[c["issue"] == "outside_window"]
    assert o.loc[late["order_id"], "partner_id"].isna().all()
    ok = c[c["issue"] == "ok"]
    assert np.allclose(ok["revenue"].to_numpy(), o.loc[ok["order_id"], "revenue"].to_numpy())


def test_fx_option(shop):
    fx = generate_shop(40_000, seed=11, fx=("yandex", "EUR"))
    ads = fx.ad_stats.to_pandas()
    assert set(ads.loc[ads["platform"] == "yandex", "currency"]) == {"EUR"}
    assert set(ads.loc[ads["platform"] != "yandex", "currency"]) == {"USD"}
    rates = fx.fx_rates.to_pandas()
    assert len(rates) == 731 and rates["rate"].between(0.9, 1.3).all()
    assert (rates["base_currency"] == "USD").all()
    # converted back at the day's rate the EUR cost is the USD cost of the plain shop
    usd = shop.ad_stats.to_pandas()
    yandex = ads[ads["platform"] == "yandex"].merge(rates[["date", "rate"]], on="date")
    plain = usd[usd["platform"] == "yandex"]
    assert (yandex["cost"] * yandex["rate"]).sum() == pytest.approx(plain["cost"].sum(), rel=1e-4)


def test_bad_arguments():
    with pytest.raises(InputError, match="at least 100"):
        generate_shop(10)
    with pytest.raises(InputError, match="yandex:EUR"):
        generate_shop(500, fx=("tiktok", "EUR"))


def test_progress_phases_reported():
    seen = []
    generate_shop(200, seed=1, progress=seen.append)
    from payback.demo import PHASES

    assert tuple(seen) == PHASES
