"""Property tests: ratio of sums at every grain, totals from the summed parts, no fan-out."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from payback.metrics import CATALOGUE, compute_metrics

from .conftest import build_store
from .strategies import AD_ONLY_BLANK_COUNTRY_SHOP, BLANK_COUNTRY_SHOP, shops

METRICS = (
    "impressions", "clicks", "cost", "platform_conversions", "leads", "orders", "new_customers",
    "revenue", "cogs", "gross_profit", "conversion_gap", "ctr", "cr", "lead_cr", "cpm", "cpc",
    "cpa", "cpo", "cac", "aov", "drr", "roas", "roi", "romi",
)  # fmt: skip
ORDER_SIDE = ("orders", "revenue", "cogs", "cogs_missing", "new_customers", "leads")
ADDITIVE = ("impressions", "clicks", "cost", "leads", "orders", "new_customers", "revenue")

#: (fine grain, a coarser grain whose groups are unions of the fine ones)
COARSENINGS = [
    ("campaign,keyword,date", "campaign"),
    ("platform,date", "platform,month"),
    ("date", "week"),
    ("keyword,country,week", "keyword"),
    ("partner,campaign", "partner"),
    ("platform,campaign", ""),
]


def _div(a: pd.Series, b: pd.Series) -> pd.Series:
    return a.astype("Float64") / b.astype("Float64").where(b != 0)


def expected_values(p: pd.DataFrame) -> dict[str, pd.Series]:
    """The catalogue written out again by hand, from summed parts (the second computation)."""
    cogs = p["cogs"].where(p["cogs_missing"] == 0)
    gross_profit = p["revenue"] - cogs
    return {
        "impressions": p["impressions"], "clicks": p["clicks"], "cost": p["cost"],
        "platform_conversions": p["platform_conversions"], "leads": p["leads"],
        "orders": p["orders"], "new_customers": p["new_customers"], "revenue": p["revenue"],
        "cogs": cogs, "gross_profit": gross_profit,
        "conversion_gap": p["platform_conversions"] - p["orders"],
        "ctr": _div(p["clicks"], p["impressions"]), "cr": _div(p["orders"], p["clicks"]),
        "lead_cr": _div(p["leads"], p["clicks"]), "cpm": _div(p["cost"], p["impressions"]) * 1000,
        "cpc": _div(p["cost"], p["clicks"]), "cpa": _div(p["cost"], p["leads"]),
        "cpo": _div(p["cost"], p["orders"]), "cac": _div(p["cost"], p["new_customers"]),
        "aov": _div(p["revenue"], p["orders"]), "drr": _div(p["cost"], p["revenue"]),
        "roas": _div(p["revenue"], p["cost"]), "roi": _div(p["revenue"] - p["cost"], p["cost"]),
        "romi": _div(gross_profit - p["cost"], p["cost"]),
    }  # fmt: skip


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _coarse_key(frame: pd.DataFrame, fine: tuple[str, ...], coarse: tuple[str, ...]) -> pd.Series:
    """One text key per row of ``frame`` naming its coarse group (calendar dims from the day)."""
    parts = []
    for dim in coarse:
        if dim in fine:
            col = frame[dim]
        else:  # a calendar coarsening of the fine day
            col = frame["date"].map(_week_start if dim == "week" else _month_start)
        parts.append(col.astype(object).where(col.notna(), "<null>").astype(str))
    key = pd.Series("all", index=frame.index, dtype=object)
    for col in parts:
        key = key + "|" + col
    return key


def assert_same(actual: pd.Series, expected: pd.Series, what: str) -> None:
    a, e = actual.reset_index(drop=True), expected.reset_index(drop=True)
    assert (a.isna() == e.isna()).all(), f"{what}: missing values differ\n{a}\n{e}"
    both = a.notna()
    assert a[both].astype(float).tolist() == pytest.approx(
        e[both].astype(float).tolist(), rel=1e-9, abs=1e-9
    ), what


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shop=shops, pair=st.sampled_from(COARSENINGS))
@example(shop=BLANK_COUNTRY_SHOP, pair=("keyword,country,week", "keyword"))
@example(shop=AD_ONLY_BLANK_COUNTRY_SHOP, pair=("keyword,country,week", "keyword"))
def test_coarse_grain_is_the_ratio_of_the_summed_fine_parts(shop, pair):
    ads, orders, leads = shop
    fine, coarse = (tuple(x for x in g.split(",") if x) for g in pair)
    with build_store(ads=ads, orders=orders, leads=leads) as store:
        f = compute_metrics(store, by=fine, metrics=METRICS)
        c = compute_metrics(store, by=coarse, metrics=METRICS)
        refined = {r.by: _paid_parts(store, r.by) for r in (f, c) if _has_paid(r)}
    # the grains with the parents of campaign / ad_group / keyword (c.by is in f.by)
    fine, coarse = f.by, c.by
    # ads without a country cannot be split by country: the fine grain then has no ad
    # sums to add up, and only the order-side metrics coarsen
    names = METRICS
    ads_only_coarse = _ads_left_out(ads, fine) and not _ads_left_out(ads, coarse)
    if ads_only_coarse:
        names = tuple(m for m in METRICS if "ads" not in CATALOGUE[m].sides)
    fine_parts = f.parts[~f.frame["is_total"]].reset_index(drop=True)
    summed = fine_parts.groupby(_coarse_key(f.groups, fine, coarse).to_numpy()).sum(min_count=1)
    coarse_key = _coarse_key(c.groups, coarse, coarse).to_numpy()
    got = c.groups.set_index(coarse_key)
    if coarse:
        if ads_only_coarse:
            # the coarse grain also has the groups that only ad rows make (the fine grain
            # left those rows out): they hold ad rows and no orders, leads or revenue
            coarse_parts = c.parts[~c.frame["is_total"]].set_axis(coarse_key)
            extra = got.index.difference(summed.index)
            assert (coarse_parts.loc[extra, "ad_rows"] > 0).all()
            for part in ("orders", "leads", "new_customers", "revenue"):
                if part in coarse_parts:
                    assert (coarse_parts.loc[extra, part].fillna(0) == 0).all(), part
            got = got.loc[got.index.isin(summed.index)]
        assert sorted(got.index) == sorted(summed.index)
        expected = expected_values(summed.loc[got.index])
        for name in names:
            assert_same(got[name], expected[name], f"{name} at {coarse} from {fine}")
    # Total (all) is the same whatever the grain: the ratio of the parts of every group
    # (its ad ratios are missing when Total (paid) holds them)
    all_parts = fine_parts.sum(min_count=1).to_frame().T
    # orders and leads that match nothing count 0 (ad sums stay unknown without ad rows)
    all_parts = all_parts.fillna({p: 0 for p in ORDER_SIDE if p in all_parts})
    total_expected = expected_values(all_parts)
    for r in (f, c):
        for name in names:
            blank = CATALOGUE[name].paid_only and _has_paid(r)
            want = pd.Series([None], dtype="Float64") if blank else total_expected[name]
            got_total = pd.Series([r.total("all")[name]], dtype="Float64")
            assert_same(got_total, want, f"total (all) {name} by {r.by}")
    # Total (paid) is the ratio of the parts of the groups with ad statistics, at the
    # grain refined by platform
    for r in (f, c):
        if _has_paid(r):
            paid_expected = expected_values(refined[r.by])
            for name in METRICS:
                got_total = pd.Series([r.total("paid")[name]], dtype="Float64")
                assert_same(got_total, paid_expected[name], f"total (paid) {name} by {r.by}")


def _ads_left_out(ads, by) -> bool:
    """Every ad row lacks a country or device of the grain."""
    return bool(ads) and any(
        d in ("country", "device") and all(a.get(d) is None for a in ads) for d in by
    )


def _has_paid(r) -> bool:
    return bool((r.frame["total_kind"] == "paid").any())


def _paid_parts(store, by: tuple[str, ...]) -> pd.DataFrame:
    """The summed parts of the groups that have ad statistics, at ``by`` + platform."""
    refined = compute_metrics(store, by=(*by, "platform"), metrics=METRICS)
    groups = refined.parts[~refined.frame["is_total"]]
    paid = groups[groups["ad_rows"].notna()].sum(min_count=1).to_frame().T
    return paid.fillna({p: 0 for p in ORDER_SIDE if p in paid})


@settings(max_examples=25, deadline=None)
@given(shop=shops, dim=st.sampled_from(["campaign", "platform", "keyword", "country", "date"]))
@example(shop=BLANK_COUNTRY_SHOP, dim="country")
def test_totals_are_sums_of_groups_and_match_the_raw_rows(shop, dim):
    ads, orders, leads = shop
    with build_store(ads=ads, orders=orders, leads=leads) as store:
        r = compute_metrics(store, by=dim, metrics=ADDITIVE)
    for name in ADDITIVE:
        groups_sum = r.groups[name].sum(min_count=0 if name in ORDER_SIDE else 1)
        assert (r.totals[name] is None) == pd.isna(groups_sum), name
        if r.totals[name] is not None:
            assert r.totals[name] == pytest.approx(float(groups_sum)), name
    # an independent computation from the raw rows, row by row in Python
    raw = _raw_totals(ads, orders, leads, r.by)
    got = {
        tuple(None if pd.isna(k) else k for k in key): {
            n: (None if pd.isna(v) else v) for n, v in zip(ADDITIVE, values, strict=True)
        }
        for key, values in zip(
            r.groups[list(r.by)].itertuples(index=False, name=None),
            r.groups[list(ADDITIVE)].itertuples(index=False, name=None),
            strict=True,
        )
    }
    assert got.keys() == raw.keys()
    for k, values in raw.items():
        for n, v in values.items():
            assert got[k][n] == (None if v is None else pytest.approx(v)), (k, n)


def _raw_totals(ads, orders, leads, dims: tuple[str, ...]) -> dict:
    """Additive sums per key of the grain ``dims`` (a tuple), row by row."""
    out: dict = {}
    if _ads_left_out(ads, dims):  # ads without a country cannot be split by country
        ads = []

    def row(key):
        return out.setdefault(
            key, {n: 0 for n in ADDITIVE if n not in ("impressions", "clicks", "cost")}
        )

    def key_of(r, time_col):
        return tuple(
            r[time_col].date() if d == "date" and time_col == "time" else r.get(d) for d in dims
        )

    for a in ads:
        r = row(key_of(a, "date"))
        for n in ("impressions", "clicks", "cost"):
            r[n] = (r.get(n) or 0) + a[n]
    confirmed = sorted(
        (o for o in orders if o["status"] == "confirmed"), key=lambda o: (o["time"], o["order_id"])
    )
    seen: set[str] = set()
    for o in confirmed:
        r = row(key_of(o, "time"))
        r["orders"] += 1
        r["revenue"] += o["revenue"]
        if o["customer_id"] not in seen:
            seen.add(o["customer_id"])
            r["new_customers"] += 1
    for lead in leads:
        if lead["status"] == "valid":
            row(key_of(lead, "time"))["leads"] += 1
    for r in out.values():  # keys without ad rows have no cost (null), not 0
        for n in ("impressions", "clicks", "cost"):
            r.setdefault(n, None)
    return out
