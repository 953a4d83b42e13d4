"""Visit metrics (sessions, new/returning, bounce, CR per goal, CPV) by platform, campaign and
day: each recomputed independently from the fixture files with plain pandas and compared
with what the engine computes after ``payback import sessions``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from payback.ingest import import_file
from payback.metrics import compute_metrics
from payback.store import open_store

DATA = Path(__file__).resolve().parents[1] / "data" / "sessions"
GOALS = ("purchase", "sign_up", "add_to_cart", "phone_click")
PLATFORMS = {"google": "google", "facebook": "meta", "yandex": "yandex", "newsletter": "newsletter"}
UNTAGGED = {"organic", "referral", "(none)"}
METRICS = "sessions,new_sessions,returning_sessions,bounce_rate,cpv," + ",".join(
    f"cr_{g}" for g in GOALS
)


def _first(frame: pd.DataFrame, *columns: str) -> pd.Series:
    """Per session, the first (by time) non-empty value of the first column that has one."""
    value = frame[columns[0]]
    for c in columns[1:]:
        value = value.where(value.notna(), frame[c])
    return value.groupby([frame.user_pseudo_id, frame.ga_session_id]).first()


def ga4_truth() -> pd.DataFrame:
    ev = pd.read_csv(DATA / "ga4_events.csv", dtype=str)
    ev = ev[ev.ga_session_id.notna()].copy()
    ev["ts"] = ev.event_timestamp.astype("int64")
    ev = ev.sort_values("ts", kind="stable")
    lc, co = "session_traffic_source_last_click.manual_campaign.", "collected_traffic_source."
    medium = ev[lc + "medium"].fillna(ev[co + "manual_medium"])
    tagged = ~medium.isin(UNTAGGED)
    for c in (
        lc + "source",
        lc + "campaign_name",
        co + "manual_source",
        co + "manual_campaign_name",
    ):
        ev[c] = ev[c].where(tagged & ~ev[c].isin(["(direct)"]))
    keys = [ev.user_pseudo_id, ev.ga_session_id]
    g = ev.groupby(keys)
    first = (ev.ga_session_number == "1") | (ev.event_name == "first_visit")
    s = pd.DataFrame({
        "start": g.ts.min(),
        "new": first.groupby(keys).any(),
        "bounce": ~g.session_engaged.apply(lambda x: (x == "1").any()),
        "source": _first(ev, lc + "source", co + "manual_source"),
        "ads": g["session_traffic_source_last_click.google_ads_campaign.campaign_name"].first(),
        "gclid": g[co + "gclid"].first(),
        "campaign": _first(ev, lc + "campaign_name",
                           "session_traffic_source_last_click.google_ads_campaign.campaign_name",
                           co + "manual_campaign_name"),
    })  # fmt: skip
    for goal in GOALS:
        s[goal] = g.event_name.apply(lambda x, goal=goal: (x == goal).any())
    s["platform"] = s.source.map(PLATFORMS)
    s.loc[s.platform.isna() & s.ads.notna(), "platform"] = "google"
    s.loc[s.platform.isna() & s.gclid.notna(), "platform"] = "google"
    s["date"] = pd.to_datetime(s.start, unit="us").dt.date
    return s.reset_index(drop=True)


def metrica_truth() -> pd.DataFrame:
    v = pd.read_csv(DATA / "metrica_visits.tsv", sep="\t", dtype=str)
    engine = v["ym:s:lastAdvEngine"].map({"ya_direct": "yandex", "google_adwords": "google"})
    yclid = v["ym:s:startURL"].str.contains("yclid=", regex=False)
    platform = engine.fillna(v["ym:s:lastUTMSource"].map(PLATFORMS))
    platform = platform.fillna(pd.Series(np.where(yclid, "yandex", None), index=v.index))
    ids = {"3001": "purchase", "3002": "sign_up", "3003": "add_to_cart", "3004": "phone_click"}
    reached = v["ym:s:goalsID"].str.strip("[]").str.split(",")
    s = pd.DataFrame({
        "platform": platform,
        "campaign": v["ym:s:lastUTMCampaign"],
        "date": pd.to_datetime(v["ym:s:dateTime"]).dt.date,
        "new": v["ym:s:isNewUser"] == "1",
        "bounce": v["ym:s:bounce"] == "1",
    })  # fmt: skip
    for goal_id, goal in ids.items():
        s[goal] = reached.apply(lambda x, i=goal_id: i in x)
    return s


def _expected(s: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    ads = pd.read_csv(DATA / "ads.csv", parse_dates=["date"])
    ads["date"] = ads.date.dt.date
    out = s.groupby(by, dropna=False).agg(
        sessions=("new", "size"), new_sessions=("new", "sum"), bounces=("bounce", "sum"),
        **{g: (g, "sum") for g in GOALS},
    )  # fmt: skip
    out["returning_sessions"] = out.sessions - out.new_sessions
    out["bounce_rate"] = out.bounces / out.sessions
    for g in GOALS:
        out[f"cr_{g}"] = out[g] / out.sessions
    cost = ads.groupby(by).cost.sum()
    out["cpv"] = cost.reindex(out.index) / out.sessions
    return out


def _store(tmp_path, name: str):
    store = open_store(tmp_path / "s.duckdb")
    import_file(store, "sessions", DATA / name, goals=DATA / "goals.toml")
    import_file(store, "ads", DATA / "ads.csv")
    return store


@pytest.mark.parametrize("name,truth", [("ga4_events.csv", ga4_truth),
                                        ("metrica_visits.tsv", metrica_truth)])  # fmt: skip
@pytest.mark.parametrize("by", [["platform"], ["platform", "campaign"], ["date"]])
def test_metrics_match_an_independent_count_of_the_file(tmp_path, name, truth, by):
    expected = _expected(truth(), by)
    store = _store(tmp_path, name)
    result = compute_metrics(store, by=",".join(by), metrics=METRICS, totals=False)
    got = _keyed(result.frame, by)
    expected = _keyed(expected.reset_index(), by)
    assert sorted(got.index) == sorted(expected.index) and len(got) > 2
    for key, row in expected.iterrows():
        g = got.loc[key]
        for m in ("sessions", "new_sessions", "returning_sessions"):
            assert int(g[m]) == int(row[m]), (key, m)
        for m in ["bounce_rate", *(f"cr_{x}" for x in GOALS)]:
            assert float(g[m]) == pytest.approx(row[m]), (key, m)
        if pd.isna(row.cpv):
            assert pd.isna(g.cpv), key
        else:
            assert float(g.cpv) == pytest.approx(row.cpv), key


def _keyed(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The rows keyed by the grain, an empty key as "(none)"."""
    frame = frame.copy()
    for c in by:
        frame[c] = frame[c].astype(object).where(frame[c].notna(), "(none)").astype(str)
    return frame.set_index(by)


def test_some_sessions_of_each_fixture_reach_each_goal():
    """The fixtures exercise what the metrics count (a test that cannot fail is a defect)."""
    for s in (ga4_truth(), metrica_truth()):
        assert all(s[g].sum() > 0 for g in GOALS)
        assert 0 < s.new.sum() < len(s) and 0 < s.bounce.sum() < len(s)
        assert s.platform.isna().sum() > 0  # organic and direct visits stay unattributed


def test_ga4_ui_rows_count_their_sessions(tmp_path):
    store = _store(tmp_path, "ga4_ui_traffic.csv")
    got = compute_metrics(store, by="platform", metrics="sessions,users,new_sessions,bounce_rate,"
                          "pages_per_session,time_per_session,cpv", totals=False,
                          start="2024-03-01", end="2024-03-03").frame  # fmt: skip
    google = got.set_index("platform").loc["google"]
    # google / cpc rows only (google / organic is no campaign tag): 1,204 + 1,150 sessions
    assert int(google.sessions) == 2354 and int(google.users) == 2000
    assert int(google.new_sessions) == 1562
    assert google.bounce_rate == pytest.approx((504 + 460) / 2354)
    assert google.pages_per_session == pytest.approx((3010 + 2950) / 2354)
    assert google.time_per_session == pytest.approx((62.5 * 1204 + 64 * 1150) / 2354)
    ads = pd.read_csv(DATA / "ads.csv")
    cost = ads[
        (ads.platform == "google") & ads.date.isin(["2024-03-01", "2024-03-02", "2024-03-03"])
    ].cost.sum()
    assert google.cpv == pytest.approx(cost / 2354)
    unattributed = got[got.platform.isna()].iloc[0]
    assert int(unattributed.sessions) == 530 + 410


def test_funnel_by_source_from_sessions_through_goals_to_orders(tmp_path):
    store = _store(tmp_path, "generic_sessions.csv")
    frame = pd.read_csv(DATA / "generic_sessions.csv", dtype=str)
    google = frame[frame.utm_source == "google"]
    got = compute_metrics(store, by="platform", metrics="sessions,goal_add_to_cart,cr_add_to_cart,"
                          "cost_per_add_to_cart,orders,cr_orders", totals=False).frame  # fmt: skip
    row = got.set_index("platform").loc["google"]
    carts = google.goals.fillna("").str.contains("add_to_cart").sum()
    assert int(row.sessions) == len(google) and int(row.goal_add_to_cart) == carts > 0
    assert row.cr_add_to_cart == pytest.approx(carts / len(google))
    ads = pd.read_csv(DATA / "ads.csv")
    assert row.cost_per_add_to_cart == pytest.approx(
        ads[ads.platform == "google"].cost.sum() / carts
    )
    assert int(row.orders) == 0 and row.cr_orders == 0.0


def test_a_goal_is_reached_by_its_whole_name_only():
    """The goal rule on the goals text: a name between commas (or the ends), alone or
    with ``=N``; never a name that only starts or ends with it. Counted independently
    by splitting the text in Python."""
    import datetime as dt

    import pyarrow as pa

    goals = ["sign_up", "sign_up_extra", "x,sign_up=2", "sign_up=3,y", None, "",
             "presign_up", "a,sign_up,b", "sign_up2=4", "add_to_cart=2,purchase"]  # fmt: skip
    sessions = [1, 1, 5, 4, 1, 1, 1, 1, 7, 3]
    store = open_store(":memory:")
    store.write({"sessions": pa.table({
        "session_id": [f"s{i}" for i in range(len(goals))],
        "time": [dt.datetime(2024, 3, 1, 9)] * len(goals),
        "sessions": sessions, "goals": goals,
        "platform": ["google"] * 5 + ["meta"] * 5})})  # fmt: skip

    def reached(text: str | None, goal: str, visits: int) -> int:
        for item in (text or "").split(","):
            name, sep, n = item.partition("=")
            if name == goal:
                return int(n) if sep else visits
        return 0

    got = compute_metrics(store, by="platform", metrics=[f"goal_{g}" for g in GOALS],
                          totals=False).frame.set_index("platform")  # fmt: skip
    for goal in GOALS:
        for platform, rows in (("google", range(5)), ("meta", range(5, 10))):
            want = sum(reached(goals[i], goal, sessions[i]) for i in rows)
            assert int(got.loc[platform, f"goal_{goal}"]) == want, (goal, platform)
    assert int(got.loc["google", "goal_sign_up"]) == 1 + 2 + 3
    assert int(got.loc["meta", "goal_sign_up"]) == 1
    assert int(got.loc["meta", "goal_purchase"]) == 3
