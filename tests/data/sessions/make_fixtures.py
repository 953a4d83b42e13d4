"""Write the synthetic sessions fixtures of this folder (run: python make_fixtures.py).

Deterministic (seeded); the layouts are the documented ones (see README.md). The files are
committed: the tests read them, never this script.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
START = dt.datetime(2024, 3, 1)
SITE = "https://shop.example.com"
# (source, medium, campaign, content, term, platform-for-ads, weight)
SOURCES = [
    ("google", "cpc", "tea_search", "green_tea", "green tea", "google", 5),
    ("google", "cpc", "brand", "brand_exact", "payback tea", "google", 2),
    ("facebook", "paid_social", "spring_sale", "teapots_carousel", None, "meta", 3),
    ("yandex", "cpc", "tea_ru", "chai", "зелёный чай", "yandex", 2),
    ("google", "organic", None, None, None, None, 4),
    (None, None, None, None, None, None, 3),  # direct
    ("newsletter", "email", "march_news", None, None, None, 1),
]
GOAL_ODDS = {"add_to_cart": 0.30, "sign_up": 0.12, "phone_click": 0.06, "purchase": 0.10}


def _write(path: Path, header: list[str], rows: list[list], delimiter: str = ",", pre=()):
    with open(path, "w", newline="", encoding="utf-8") as f:
        for line in pre:
            f.write(line + "\n")
        w = csv.writer(f, delimiter=delimiter, lineterminator="\n")
        w.writerow(header)
        w.writerows([["" if v is None else v for v in r] for r in rows])


def _visits(rng: random.Random, n: int):
    """n visits: (start, user, visit number of the user, source row, pages, seconds, goals)."""
    users: dict[str, int] = {}
    out = []
    for _ in range(n):
        if users and rng.random() < 0.35:
            user = rng.choice(sorted(users))
        else:
            user = f"{rng.randrange(10**9, 10**10)}.{rng.randrange(10**9, 10**10)}"
        users[user] = users.get(user, 0) + 1
        start = START + dt.timedelta(seconds=rng.randrange(7 * 86400))
        source = rng.choices(SOURCES, weights=[s[-1] for s in SOURCES])[0]
        pages = rng.choice([1, 1, 1, 2, 3, 4, 6])
        seconds = 0 if pages == 1 and rng.random() < 0.7 else rng.randrange(5, 600)
        goals = [g for g, p in GOAL_ODDS.items() if pages > 1 and rng.random() < p * 2]
        out.append((start, user, users[user], source, pages, seconds, goals))
    out.sort(key=lambda v: v[0])
    # a user's visit number follows time
    seen: dict[str, int] = {}
    fixed = []
    for start, user, _, source, pages, seconds, goals in out:
        seen[user] = seen.get(user, 0) + 1
        fixed.append((start, user, seen[user], source, pages, seconds, goals))
    return fixed


def _landing(source) -> str:
    src, medium, campaign, content, term = source[:5]
    if src is None or medium == "organic":
        return f"{SITE}/tea"
    q = [f"utm_source={src}", f"utm_medium={medium}", f"utm_campaign={campaign}"]
    q += [f"utm_content={content}"] if content else []
    q += [f"utm_term={term.replace(' ', '+')}"] if term else []
    return f"{SITE}/tea?" + "&".join(q)


def ga4(rng: random.Random) -> None:
    lc = "session_traffic_source_last_click.manual_campaign."
    header = ["event_date", "event_timestamp", "event_name", "user_pseudo_id", "ga_session_id",
              "ga_session_number", "page_location", "engagement_time_msec", "session_engaged",
              lc + "source", lc + "medium", lc + "campaign_name", lc + "content", lc + "term",
              "session_traffic_source_last_click.google_ads_campaign.campaign_name",
              "collected_traffic_source.manual_source", "collected_traffic_source.manual_medium",
              "collected_traffic_source.manual_campaign_name",
              "collected_traffic_source.manual_content", "collected_traffic_source.manual_term",
              "collected_traffic_source.gclid", "device.category", "geo.country"]  # fmt: skip
    rows = []
    for start, user, number, source, pages, seconds, goals in _visits(rng, 160):
        sid = int(start.timestamp())
        src, medium, campaign, content, term = source[:5]
        auto_tagged = src == "google" and medium == "cpc" and rng.random() < 0.5
        last_click = rng.random() < 0.6  # older exports lack the session last-click record
        device = rng.choice(["desktop", "mobile", "mobile", "tablet"])
        country = rng.choice(["United States", "Germany", "United Kingdom"])
        names = ["session_start"] + (["first_visit"] if number == 1 else [])
        names += ["page_view"] * pages + goals
        engaged = "1" if pages > 1 or seconds > 10 else "0"
        t = start
        for i, name in enumerate(names):
            t = t + dt.timedelta(seconds=i * 3)
            first = i == 0
            page = _landing(source) if not auto_tagged else f"{SITE}/tea?gclid=Cj0{sid}"
            if auto_tagged:  # GA4 reads the Google Ads campaign from the gclid
                lc_vals = ["google", "cpc", None, None, None] if last_click else [None] * 5
                ads = campaign if last_click else None
                coll = [None] * 5
                gclid = f"Cj0{sid}" if first else None
            else:
                tag = [src or "(direct)", medium or "(none)", campaign, content, term]
                lc_vals = tag if last_click else [None] * 5
                ads = None
                coll = [src, medium, campaign, content, term] if first and src else [None] * 5
                gclid = None
            ts = int(t.timestamp() * 1_000_000) + rng.randrange(1000)
            msec = (
                (seconds * 1000 // len(names)) if name in ("page_view", "user_engagement") else None
            )
            rows.append([t.strftime("%Y%m%d"), ts, name, user, sid, number,
                         page if name in ("page_view", "session_start") else None, msec,
                         engaged, *lc_vals, ads, *coll, gclid, device, country])  # fmt: skip
    rows.append([START.strftime("%Y%m%d"), int(START.timestamp() * 1e6), "page_view",
                 "999.999", None, None, f"{SITE}/", None, None] + [None] * 14)  # fmt: skip
    _write(HERE / "ga4_events.csv", header, rows)


def metrica(rng: random.Random) -> None:
    ids = {"purchase": 3001, "sign_up": 3002, "add_to_cart": 3003, "phone_click": 3004}
    header = ["ym:s:visitID", "ym:s:counterID", "ym:s:dateTime", "ym:s:clientID",
              "ym:s:isNewUser", "ym:s:startURL", "ym:s:pageViews", "ym:s:visitDuration",
              "ym:s:bounce", "ym:s:lastTrafficSource", "ym:s:lastAdvEngine",
              "ym:s:lastUTMSource", "ym:s:lastUTMMedium", "ym:s:lastUTMCampaign",
              "ym:s:lastUTMContent", "ym:s:lastUTMTerm", "ym:s:goalsID", "ym:s:goalsDateTime",
              "ym:s:deviceCategory", "ym:s:regionCountry"]  # fmt: skip
    rows = []
    clients: dict[str, int] = {}
    for n, (start, user, number, source, pages, seconds, goals) in enumerate(_visits(rng, 140)):
        client = str(abs(hash(user)) % 10**19) if False else user.replace(".", "")[:19]
        src, medium, campaign, content, term, platform = source[:6]
        yclid = platform == "yandex" and rng.random() < 0.4
        traffic = "ad" if platform else ("organic" if medium == "organic" else
                                         ("direct" if src is None else "referral"))  # fmt: skip
        engine = {"yandex": "ya_direct", "google": "google_adwords"}.get(platform or "", "")
        utm = [src, medium, campaign, content, term] if src and medium != "organic" else [None] * 5
        url = _landing(source)
        if yclid:  # a Direct click without UTM: only the yclid in the URL
            utm, url = [None] * 5, f"{SITE}/tea?yclid=77{n}"
        extra = [3999] if rng.random() < 0.2 else []  # a scroll goal the config does not map
        goal_ids = [ids[g] for g in goals] + extra
        times = [(start + dt.timedelta(seconds=30 * (i + 1))).strftime("%Y-%m-%d %H:%M:%S")
                 for i in range(len(goal_ids))]  # fmt: skip
        clients[client] = clients.get(client, 0) + 1
        rows.append([20240301000000 + n * 7919, 44147844, start.strftime("%Y-%m-%d %H:%M:%S"),
                     client, int(number == 1), url, pages, seconds,
                     int(pages == 1 and seconds < 15), traffic, engine, *utm,
                     "[" + ",".join(map(str, goal_ids)) + "]",
                     "[" + ",".join(f"'{t}'" for t in times) + "]",
                     rng.choice([1, 2, 2, 3]), rng.choice(["Russia", "Kazakhstan"])])  # fmt: skip
    _write(HERE / "metrica_visits.tsv", header, rows, "\t")


def ga4_ui() -> None:
    pre = [
        "# ----------------------------------------",
        "# Traffic acquisition: Session source / medium",
        "# Account: Payback demo",
        "# Property: shop.example.com",
        "# ----------------------------------------",
        "#",
        "# Start date: 20240301",
        "# End date: 20240303",
    ]
    header = ["Date", "Session source / medium", "Session campaign", "Sessions", "Total users",
              "New users", "Engaged sessions", "Engagement rate", "Views",
              "Average session duration", "Key events"]  # fmt: skip
    table = """\
20240301|google / cpc|tea_search|1,204|1,010|802|700|58.14%|3,010|62.5|41
20240301|google / organic|(organic)|530|488|300|333|62.83%|1,500|80|12
20240301|(direct) / (none)|(direct)|410|380|120|200|48.78%|820|45|9
20240302|google / cpc|tea_search|1,150|990|760|690|60%|2,950|64|38
20240302|facebook / paid_social|spring_sale|640|600|520|250|39.06%|900|30|6
20240303|yandex / cpc|tea_ru|300|280|210|150|50%|610|55|5"""
    rows = [line.split("|") for line in table.splitlines()]
    _write(HERE / "ga4_ui_traffic.csv", header, rows, pre=pre)


def generic(rng: random.Random) -> None:
    header = [
        "session_id",
        "client_id",
        "time",
        "is_new",
        "bounce",
        "page_views",
        "duration",
        "goals",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_content",
        "utm_term",
    ]
    rows = []
    for n, (start, user, number, source, pages, seconds, goals) in enumerate(_visits(rng, 60)):
        src, medium, campaign, content, term = source[:5]
        tag = [src, medium, campaign, content, term] if src and medium != "organic" else [None] * 5
        rows.append([f"s{n:04d}", user, start.isoformat(sep=" "), int(number == 1),
                     int(pages == 1), pages, seconds, ";".join(goals), *tag])  # fmt: skip
    _write(HERE / "generic_sessions.csv", header, rows)


def ads() -> None:
    """Daily ad statistics (generic ads layout) for the paid sources above."""
    header = [
        "date",
        "platform",
        "campaign",
        "ad_group",
        "keyword",
        "impressions",
        "clicks",
        "cost",
        "currency",
    ]
    rows = []
    for d in range(7):
        day = (START + dt.timedelta(days=d)).date().isoformat()
        for _, _, campaign, content, term, platform, _ in SOURCES:
            if platform is None:
                continue
            clicks = 20 + 3 * d + len(campaign)
            cost = round(clicks * (0.45 + 0.1 * len(content) / 10), 2)
            rows.append([day, platform, campaign, content, term, clicks * 30, clicks, cost, "USD"])
    _write(HERE / "ads.csv", header, rows)


GOALS_TOML = """# Goals of the fixtures: GA4 recommended events and the Metrica counter's goal ids
[purchase]
kind = "macro"
events = ["purchase"]
metrica = [3001]

[sign_up]
kind = "micro"
events = ["sign_up"]
metrica = [3002]

[add_to_cart]
kind = "micro"
events = ["add_to_cart"]
metrica = [3003]

[phone_click]
kind = "micro"
events = ["phone_click"]
metrica = [3004]
"""

if __name__ == "__main__":
    ga4(random.Random(14))
    metrica(random.Random(41))
    ga4_ui()
    generic(random.Random(7))
    ads()
    (HERE / "goals.toml").write_text(GOALS_TOML, encoding="utf-8")
