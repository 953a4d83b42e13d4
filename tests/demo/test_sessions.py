"""The demo's visits: ``sessions.csv`` imports, and sessions, new/returning, bounce, CR per
goal and CPV by platform and by day are what plain pandas counts from the file; the demo's
other tables are untouched by them."""

from __future__ import annotations

import pandas as pd
import pytest

from payback.demo.generator import generate_shop
from payback.demo.runner import run_demo
from payback.metrics import compute_metrics
from payback.store import open_store

SOURCE = {
    "google": "google",
    "meta": "meta",
    "microsoft": "microsoft",
    "yandex": "yandex",
    "newsletter": "newsletter",
    "facebook": "meta",
    "instagram": "meta",
    "bing": "microsoft",
}
GOALS = ("purchase", "sign_up", "add_to_cart", "phone_click")


def _reached(goals: pd.Series, sessions: pd.Series, goal: str) -> pd.Series:
    """Visits of each row reaching ``goal``: 1 per visit row, N for ``goal=N``."""
    items = goals.fillna("").str.split(",")

    def one(xs: list[str]) -> str:
        hits = [x.split("=")[1] if "=" in x else "v" for x in xs if x.split("=")[0] == goal]
        return hits[0] if hits else "0"

    count = items.apply(one)
    return pd.Series(
        [int(s) if c == "v" else int(c) for c, s in zip(count, sessions, strict=True)],
        index=goals.index,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    result = run_demo(folder / "shop", customers=600, db=folder / "demo.duckdb")
    return result


@pytest.mark.parametrize("by", ["platform", "date"])
def test_demo_visit_metrics_match_the_file(demo, by):
    visits = pd.read_csv(demo.directory / "sessions.csv", dtype={"goals": str})
    url_source = visits.landing_url.str.extract(r"utm_source=([^&]+)")[0]
    issuer = {"gclid": "google", "fbclid": "meta", "yclid": "yandex", "msclkid": "microsoft"}
    clicks = visits.landing_url.str.extract(r"(gclid|fbclid|yclid|msclkid)=")[0].map(issuer)
    visits["platform"] = visits.utm_source.fillna(url_source).map(SOURCE).fillna(clicks)
    visits["date"] = pd.to_datetime(visits.time).dt.date
    for g in GOALS:
        visits[g] = _reached(visits.goals, visits.sessions, g)
    want = visits.groupby(by, dropna=False)[["sessions", "new_sessions", "bounces", *GOALS]].sum()
    ads = demo.shop.ad_stats.to_pandas()
    cost = ads.groupby("platform" if by == "platform" else "date").cost.sum()
    with open_store(demo.db, read_only=True) as store:
        metrics = "sessions,new_sessions,returning_sessions,bounce_rate,cpv," + ",".join(
            f"cr_{g}" for g in GOALS
        )
        got = compute_metrics(store, by=by, metrics=metrics, totals=False).frame
    got[by] = got[by].astype(object).where(got[by].notna(), "(none)")
    want.index = want.index.astype(object).where(want.index.notna(), "(none)")
    got = got.set_index(by)
    assert sorted(map(str, got.index)) == sorted(map(str, want.index))
    for key, row in want.iterrows():
        g = got.loc[key]
        assert int(g.sessions) == row.sessions and int(g.new_sessions) == row.new_sessions
        assert int(g.returning_sessions) == row.sessions - row.new_sessions
        assert g.bounce_rate == pytest.approx(row.bounces / row.sessions)
        for goal in GOALS:
            assert g[f"cr_{goal}"] == pytest.approx(row[goal] / row.sessions), (key, goal)
        if key in cost.index and by == "platform":
            assert g.cpv == pytest.approx(cost[key] / row.sessions)


def test_paid_platforms_show_sessions_cpv_and_cr(demo):
    with open_store(demo.db, read_only=True) as store:
        frame = compute_metrics(store, by="platform", metrics="cpc,cpv,cr_purchase,cr_orders").frame
    paid = frame[frame.platform.isin(["google", "meta", "microsoft", "yandex"])]
    assert len(paid) == 4
    # about 88 % of the clicks land: a visit costs a little more than a click
    assert ((paid.cpv > paid.cpc) & (paid.cpv < paid.cpc * 1.25)).all()
    # GA4-style purchases count every order placed; confirmed orders are fewer
    assert (paid.cr_purchase > paid.cr_orders).all()


def test_the_visits_are_drawn_after_and_apart_from_the_shop():
    shop = generate_shop(300, seed=7)
    other = generate_shop(300, seed=8)
    assert shop.sessions.equals(generate_shop(300, seed=7).sessions)
    assert not shop.sessions.equals(other.sessions)
    orders = shop.orders.to_pandas()
    visits = shop.sessions.to_pandas()
    assert visits.goals.str.contains("purchase").sum() == len(orders)
