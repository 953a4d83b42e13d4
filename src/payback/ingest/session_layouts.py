"""The layouts of ``payback import sessions``: recognised by header, each one SQL per
canonical column over the file's text columns (:mod:`payback.ingest.sessions` reads, checks
and stores).

Examples
--------
>>> detect_layout(["ym:s:visitID", "ym:s:dateTime", "ym:s:clientID"], "v.tsv").name
'metrica'
>>> detect_layout(["event_date", "event_timestamp", "event_name", "user_pseudo_id",
...                "ga_session_id"], "e.csv").name
'ga4'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from payback.errors import DataError
from payback.ingest import attribution
from payback.ingest.goals import Goal, lookup
from payback.ingest.parsing import ident, lit, number_sql, whole_sql

#: The staged text columns of the file (with ``_row``, its line).
SRC = "_pb_sess_src"

#: Source/medium values that are no campaign tag (GA4 fills them itself).
NOT_A_TAG = ("(direct)", "(none)", "(not set)", "(organic)", "(referral)", "")
UNTAGGED_MEDIA = ("organic", "referral", "(none)", "(not set)", "none")


@dataclass(frozen=True)
class SessionLayout:
    """A sessions layout: its name, what it is, and the header keys that recognise it."""

    name: str
    label: str
    needs: tuple[str, ...]


LAYOUTS = {
    "ga4": SessionLayout(
        "ga4",
        "GA4 BigQuery events export",
        ("event_timestamp", "event_name", "user_pseudo_id", "ga_session_id"),
    ),
    "ga4-ui": SessionLayout("ga4-ui", "GA4 UI report export", ("sessions",)),
    "metrica": SessionLayout(
        "metrica", "Yandex Metrica Logs API visits", ("ym:s:visitid", "ym:s:datetime")
    ),
    "generic": SessionLayout("generic", "generic sessions file", ("session_id", "time")),
}


def key(header: str) -> str:
    """A header as a lookup key: lower-case, runs of other characters as ``_``.

    >>> key("session_traffic_source_last_click.manual_campaign.source"), key("Total users")
    ('session_traffic_source_last_click_manual_campaign_source', 'total_users')
    >>> key("ym:s:lastUTMSource"), key("event_params.ga_session_id")
    ('ym:s:lastutmsource', 'event_params_ga_session_id')
    """
    return re.sub(r"[^a-z0-9:]+", "_", header.strip().lower()).strip("_")


_SYNONYMS = {
    "ga_session_id": ("event_params_ga_session_id", "event_params_ga_session_id_int_value"),
    "ga_session_number": ("event_params_ga_session_number",),
    "page_location": ("event_params_page_location",),
    "engagement_time_msec": ("event_params_engagement_time_msec",),
    "session_engaged": ("event_params_session_engaged",),
    "ym:s:datetime": ("ym:s:date",),
}


def _keys(columns: Sequence[str]) -> dict[str, str]:
    """Lookup key -> the file's column (first one wins), synonyms included."""
    out: dict[str, str] = {}
    for c in columns:
        out.setdefault(key(c), c)
    for main, others in _SYNONYMS.items():
        for o in others:
            if main not in out and o in out:
                out[main] = out[o]
    return out


def detect_layout(columns: Sequence[str], file: str, layout: str = "auto") -> SessionLayout:
    """The layout of a sessions file from its header (or the one asked for).

    Raises
    ------
    DataError
        When no layout fits: the message says what each one needs.
    """
    keys = _keys(columns)
    if layout not in ("auto", *LAYOUTS):
        raise DataError(
            f"unknown sessions layout {layout!r}",
            file=file,
            expected=f"auto or one of {', '.join(LAYOUTS)}",
        )
    order = ("metrica", "ga4", "generic", "ga4-ui") if layout == "auto" else (layout,)
    for name in order:
        if all(k in keys for k in LAYOUTS[name].needs):
            return LAYOUTS[name]
    needs = "; ".join(f"{lay.label}: {', '.join(lay.needs)}" for lay in LAYOUTS.values())
    raise DataError(
        "the header fits no sessions layout",
        file=file,
        value=", ".join(columns[:8]),
        expected=needs,
        fix="rename the columns of a plain file to session_id, time (and client_id, is_new, "
        "bounce, page_views, duration, goals, utm_source ...)",
    )


# -- the layouts: canonical column -> SQL over the staged text ----------------------------
class Cols:
    """The file's columns by lookup key, as raw SQL text (NULL when empty)."""

    def __init__(self, columns: Sequence[str]):
        self.keys = _keys(columns)

    def __contains__(self, k: str) -> bool:
        return k in self.keys

    def raw(self, *names: str) -> str | None:
        found = [f"NULLIF(trim({ident(self.keys[n])}), '')" for n in names if n in self.keys]
        if not found:
            return None
        return found[0] if len(found) == 1 else f"COALESCE({', '.join(found)})"

    def label(self, *names: str) -> str:
        return next((self.keys[n] for n in names if n in self.keys), names[0])


def _flag(raw: str) -> str:
    """0/1 from 1/0, true/false, yes/no; NULL otherwise."""
    return (
        f"(CASE WHEN lower({raw}) IN ('1', 'true', 'yes', 'y', 't') THEN 1 "
        f"WHEN lower({raw}) IN ('0', 'false', 'no', 'n', 'f') THEN 0 END)"
    )


def _goal_case(value: str, table: Mapping[str, str]) -> str:
    if not table:
        return "CAST(NULL AS VARCHAR)"
    whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in table.items())
    return f"(CASE {value} {whens} END)"


def _goal_list(items: str, table: Mapping[str, str]) -> str:
    """A list of goal words or ids -> the goal names, sorted, comma-joined (NULL if none);
    ``word=N`` (N visits of an aggregated row) keeps its count: ``name=N``."""
    name = _goal_case("trim(split_part(x, '=', 1))", table)
    each = (
        f"CASE WHEN strpos(x, '=') > 0 THEN {name} || '=' || trim(split_part(x, '=', 2)) "
        f"ELSE {name} END"
    )
    mapped = f"list_transform({items}, x -> {each})"
    kept = f"list_sort(list_distinct(list_filter({mapped}, x -> x IS NOT NULL)))"
    return f"NULLIF(array_to_string({kept}, ','), '')"


def _tag(value: str | None, medium: str | None) -> str | None:
    """A GA4 source/medium value, NULL when it is no campaign tag (organic, direct ...)."""
    if value is None:
        return None
    skip = ", ".join(lit(v) for v in NOT_A_TAG)
    media = ", ".join(lit(v) for v in UNTAGGED_MEDIA)
    cond = f"lower(trim({value})) IN ({skip})"
    if medium is not None:
        cond += f" OR lower(COALESCE({medium}, '')) IN ({media})"
    return f"(CASE WHEN {cond} THEN NULL ELSE {value} END)"


#: Checks: (canonical column, raw SQL, parsed SQL, what was expected).
Check = tuple[str, str, str, str]


def generic_sql(c: Cols, goals: Sequence[Goal]) -> tuple[dict[str, str], list[Check]]:
    sel: dict[str, str] = {}
    checks: list[Check] = []
    sel["session_id"] = c.raw("session_id", "visit_id") or "NULL"
    sel["client_id"] = c.raw("client_id", "user_id", "visitor_id") or "NULL"
    t = c.raw("time", "start_time", "datetime")
    sel["time"] = f"TRY_CAST({t} AS TIMESTAMP)"
    checks.append(("time", t, sel["time"], "a date-time like 2024-03-01 12:30:00"))
    counts = {
        "sessions": ("sessions",),
        "new_sessions": ("new_sessions", "is_new", "new"),
        "bounces": ("bounces", "bounce", "is_bounce"),
        "page_views": ("page_views", "pageviews", "views"),
        "users": ("users",),
    }
    for canon, names in counts.items():
        raw = c.raw(*names)
        if raw is None:
            continue
        flag = canon in ("new_sessions", "bounces") and names[0] not in c
        sel[canon] = _flag(raw) if flag else whole_sql(number_sql(raw))
        checks.append((canon, raw, sel[canon], "0 or 1" if flag else "a whole number"))
    if "sessions" not in sel:
        sel["sessions"] = "1"
    d = c.raw("duration", "duration_seconds", "visit_duration")
    if d is not None:
        sel["duration"] = number_sql(d)
        checks.append(("duration", d, sel["duration"], "seconds, a number"))
    g = c.raw("goals")
    if g is not None:
        words = {**{x.name: x.name for x in goals}, **lookup(goals, "events")}
        sel["goals"] = _goal_list(f"string_split(replace({g}, ';', ','), ',')", words)
    for name in (*attribution.URL_PARAMS, "landing_url", "platform", "campaign", "ad_group",
                 "keyword", "partner_id", "country", "device"):  # fmt: skip
        raw = c.raw(name)
        if raw is not None:
            sel[name] = raw
    return sel, checks


_YM_DEVICES = {"1": "desktop", "2": "mobile", "3": "tablet", "4": "tv"}


def metrica_sql(c: Cols, goals: Sequence[Goal]) -> tuple[dict[str, str], list[Check]]:
    sel: dict[str, str] = {"session_id": c.raw("ym:s:visitid") or "NULL"}
    checks: list[Check] = []
    sel["client_id"] = c.raw("ym:s:clientid") or "NULL"
    t = c.raw("ym:s:datetime")
    sel["time"] = f"TRY_CAST({t} AS TIMESTAMP)"
    checks.append(("time", t, sel["time"], "a date-time like 2024-03-01 12:30:00"))
    sel["sessions"] = "1"
    for canon, name, flag in (
        ("new_sessions", "ym:s:isnewuser", True),
        ("bounces", "ym:s:bounce", True),
        ("page_views", "ym:s:pageviews", False),
    ):
        raw = c.raw(name)
        if raw is not None:
            sel[canon] = _flag(raw) if flag else whole_sql(number_sql(raw))
            checks.append((canon, raw, sel[canon], "0 or 1" if flag else "a whole number"))
    d = c.raw("ym:s:visitduration")
    if d is not None:
        sel["duration"] = number_sql(d)
        checks.append(("duration", d, sel["duration"], "seconds, a number"))
    g = c.raw("ym:s:goalsid")
    if g is not None:
        ids = f"string_split(regexp_replace({g}, '[\\[\\]'' \"]', '', 'g'), ',')"
        sel["goals"] = _goal_list(ids, lookup(goals, "metrica"))
    for canon, names in (
        ("utm_source", ("ym:s:lastutmsource", "ym:s:utmsource")),
        ("utm_medium", ("ym:s:lastutmmedium", "ym:s:utmmedium")),
        ("utm_campaign", ("ym:s:lastutmcampaign", "ym:s:utmcampaign")),
        ("utm_content", ("ym:s:lastutmcontent", "ym:s:utmcontent")),
        ("utm_term", ("ym:s:lastutmterm", "ym:s:utmterm")),
        ("gclid", ("ym:s:lastgclid",)),
        ("landing_url", ("ym:s:starturl",)),
        ("country", ("ym:s:regioncountry",)),
    ):
        raw = c.raw(*names)
        if raw is not None:
            sel[canon] = raw
    engine = c.raw("ym:s:lastadvengine")
    if engine is not None:  # the ad engine of the visit: ya_* -> yandex, google* -> google
        sel["platform"] = (
            f"(CASE WHEN lower({engine}) LIKE 'ya%' THEN 'yandex' "
            f"WHEN lower({engine}) LIKE 'google%' THEN 'google' END)"
        )
    dev = c.raw("ym:s:devicecategory")
    if dev is not None:
        sel["device"] = f"COALESCE({_goal_case(dev, _YM_DEVICES)}, {dev})"
    return sel, checks


_LAST_CLICK = "session_traffic_source_last_click_manual_campaign_"
_COLLECTED = "collected_traffic_source_manual_"


def ga4_sql(con, c: Cols, goals: Sequence[Goal]) -> tuple[dict[str, str], list[Check], str]:
    """GA4 events -> one row per session (a staged table of the events is grouped)."""
    ts = c.raw("event_timestamp")
    checks: list[Check] = [
        ("event_timestamp", ts, whole_sql(number_sql(ts)), "microseconds since 1970 (UTC)")
    ]
    medium = c.raw(f"{_LAST_CLICK}medium", f"{_COLLECTED}medium")
    src = {
        "utm_source": c.raw(f"{_LAST_CLICK}source", f"{_COLLECTED}source"),
        "utm_medium": medium,
        "utm_campaign": c.raw(
            f"{_LAST_CLICK}campaign_name",
            "session_traffic_source_last_click_google_ads_campaign_campaign_name",
            f"{_COLLECTED}campaign_name",
        ),
        "utm_content": c.raw(f"{_LAST_CLICK}content", f"{_COLLECTED}content"),
        "utm_term": c.raw(f"{_LAST_CLICK}term", f"{_COLLECTED}term"),
        "gclid": c.raw("collected_traffic_source_gclid"),
        "landing_url": c.raw("page_location"),
        "device": c.raw("device_category"),
        "country": c.raw("geo_country"),
    }
    ads = c.raw("session_traffic_source_last_click_google_ads_campaign_campaign_name")
    events = {
        "uid": c.raw("user_pseudo_id"),
        "sid": c.raw("ga_session_id"),
        "ts": f"make_timestamp({whole_sql(number_sql(ts))})",
        "ev": c.raw("event_name"),
        "num": whole_sql(number_sql(c.raw("ga_session_number") or "NULL")),
        "msec": number_sql(c.raw("engagement_time_msec") or "NULL"),
        "engaged": c.raw("session_engaged") or "NULL",
        "ads": ads or "NULL",
        **{k: (_tag(v, medium) if k.startswith("utm_") else v) or "NULL" for k, v in src.items()},
    }
    body = ", ".join(f"{e} AS {ident(k)}" for k, e in events.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE _pb_sess_events AS SELECT _row, {body} FROM {SRC}")
    first = "arg_min({0}, ts) FILTER (WHERE {0} IS NOT NULL)"
    goal = _goal_case("ev", lookup(goals, "events"))
    duration = (
        "sum(msec) / 1000.0" if "engagement_time_msec" in c else "epoch(max(ts)) - epoch(min(ts))"
    )
    engaged = "bool_or(engaged = '1')" if "session_engaged" in c else (
        "count(*) FILTER (WHERE ev = 'page_view') > 1")  # fmt: skip
    sel = {
        "session_id": "uid || '.' || sid",
        "client_id": "uid",
        "time": "min(ts)",
        "sessions": "1",
        "new_sessions": "CASE WHEN bool_or(num = 1 OR ev = 'first_visit') THEN 1 ELSE 0 END",
        "bounces": f"CASE WHEN {engaged} THEN 0 ELSE 1 END",
        "page_views": "count(*) FILTER (WHERE ev = 'page_view')",
        "duration": duration,
        "goals": f"NULLIF(array_to_string(list_sort(list_distinct(list({goal}) "
        f"FILTER (WHERE {goal} IS NOT NULL))), ','), '')",
        **{k: first.format(ident(k)) for k, v in src.items() if v is not None},
    }
    if ads is not None:  # a Google Ads campaign of the session: the platform is google
        sel["platform"] = "CASE WHEN bool_or(ads IS NOT NULL) THEN 'google' END"
    body = ", ".join(f"{e} AS {ident(k)}" for k, e in sel.items())
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _pb_sess_grouped AS SELECT min(_row) AS _row, {body} "
        f"FROM _pb_sess_events WHERE uid IS NOT NULL AND sid IS NOT NULL AND ts IS NOT NULL "
        f"GROUP BY uid, sid"
    )
    labels = {k: origin_label(v) for k, v in src.items() if v is not None}
    labels |= {
        "session_id": "user_pseudo_id + ga_session_id",
        "client_id": "user_pseudo_id",
        "time": "first event_timestamp",
        "sessions": "1 per row",
        "new_sessions": "ga_session_number 1 / first_visit",
        "bounces": "session_engaged" if "session_engaged" in c else "page_view events",
        "page_views": "page_view events",
        "duration": "engagement_time_msec" if "engagement_time_msec" in c else "event times",
        "goals": "event_name",
    }
    sel = {k: ident(k) for k in sel}
    return sel, checks, "_pb_sess_grouped", labels


def ga4_ui_sql(c: Cols, comments: Sequence[str], file: str) -> tuple[dict[str, str], list[Check]]:
    sel: dict[str, str] = {}
    checks: list[Check] = []
    d = c.raw("date")
    if d is None:
        start = next((m.group(1) for m in map(_START.search, comments) if m), None)
        if start is None:
            raise DataError(
                "a GA4 UI export without a Date column nor a '# Start date:' line",
                file=file,
                expected="the Date dimension in the report, or the export's comment lines",
            )
        d = lit(start)
    sel["time"] = f"COALESCE(try_strptime({d}, '%Y%m%d'), TRY_CAST({d} AS TIMESTAMP))"
    checks.append(("time", d, sel["time"], "a date like 20240301 or 2024-03-01"))
    pair = c.raw("session_source_medium")
    source = c.raw("session_source", "session_manual_source") or (
        f"trim(split_part({pair}, '/', 1))" if pair else None
    )
    medium = c.raw("session_medium", "session_manual_medium") or (
        f"trim(split_part({pair}, '/', 2))" if pair else None
    )
    for canon, value in (
        ("utm_source", source),
        ("utm_medium", medium),
        ("utm_campaign", c.raw("session_campaign", "session_manual_campaign_name")),
        ("utm_content", c.raw("session_manual_ad_content")),
        ("utm_term", c.raw("session_manual_term")),
    ):
        if value is not None:
            sel[canon] = _tag(value, medium)
    nums = {
        "sessions": ("sessions",),
        "users": ("total_users", "active_users", "users"),
        "new_sessions": ("new_users",),
        "page_views": ("views", "screen_page_views"),
    }
    for canon, names in nums.items():
        raw = c.raw(*names)
        if raw is not None:
            sel[canon] = whole_sql(number_sql(raw))
            checks.append((canon, raw, sel[canon], "a whole number"))
    engaged = c.raw("engaged_sessions")
    if engaged is not None:
        sel["bounces"] = f"({sel['sessions']} - {whole_sql(number_sql(engaged))})"
        checks.append(("bounces", engaged, whole_sql(number_sql(engaged)), "a whole number"))
    avg = c.raw("average_session_duration")
    if avg is not None:
        sel["duration"] = f"({number_sql(avg)} * {sel['sessions']})"
        checks.append(("duration", avg, number_sql(avg), "seconds, a number"))
    found = (d, source, medium, sel.get("utm_campaign"), sel.get("utm_content"),
             sel.get("utm_term"))  # fmt: skip
    dims = [f"COALESCE(CAST({x} AS VARCHAR), '')" for x in found if x is not None]
    sel["session_id"] = f"'ga4ui:' || md5(concat_ws('|', {', '.join(dims)}))"
    return sel, checks


_START = re.compile(r"#\s*Start date:\s*(\d{8})", re.I)


def origin_label(expr: str) -> str:
    """Where a column came from, for the summary: the file's first column in ``expr``."""
    found = re.search(r'"((?:[^"]|"")+)"', expr)
    if found:
        return found.group(1).replace('""', '"')
    return "1 per row" if expr == "1" else "derived"


__all__ = [
    "LAYOUTS",
    "SRC",
    "Cols",
    "SessionLayout",
    "detect_layout",
    "ga4_sql",
    "ga4_ui_sql",
    "generic_sql",
    "key",
    "metrica_sql",
    "origin_label",
]
