"""``payback import sessions FILE``: web-analytics visits from GA4, Yandex Metrica or a plain file.

The layout is recognised from the header (:func:`detect_layout`):

==============  ===========================================================================
layout          what the file is
==============  ===========================================================================
``ga4``         GA4 BigQuery export flattened to a file: one row per **event**
                (``event_timestamp``, ``event_name``, ``user_pseudo_id``, ``ga_session_id``
                from ``event_params``), grouped into one session per ``user_pseudo_id`` +
                ``ga_session_id``; traffic source from ``session_traffic_source_last_click.*``
                (first non-empty in the session), else ``collected_traffic_source.*``
``ga4-ui``      GA4 UI report exported as CSV: ``#`` comment lines, then rows **aggregated**
                by date and source (``Sessions``, ``Total users``, ``New users``, ``Engaged
                sessions``, ``Views`` ...); each row stands for its sessions
``metrica``     Yandex Metrica Logs API visits (``ym:s:visitID``, ``ym:s:clientID``,
                ``ym:s:dateTime``, ``ym:s:isNewUser``, ``ym:s:bounce``, ``ym:s:lastUTM*``,
                ``ym:s:goalsID`` ...), one row per visit
``generic``     one row per visit: ``session_id``, ``time`` and optional ``client_id``,
                ``is_new``, ``bounce``, ``page_views``, ``duration``, ``goals``, ``utm_*``,
                click ids, ``landing_url``, ``platform`` ... (or ``sessions`` counts)
==============  ===========================================================================

Sessions are attributed to platform, campaign, ad group and keyword by the very rules of
orders and leads (:func:`payback.ingest.attribution.attribute`). GA4's own organic,
referral and direct source/medium (``google / organic``) is not a campaign tag: such
visits carry no UTM and no platform, like untagged orders. Goals reached (GA4 events,
Metrica goal ids, a generic ``goals`` column) are named by the goals config
(:mod:`payback.ingest.goals`) and stored in ``sessions.goals``.

Examples
--------
>>> detect_layout(["ym:s:visitID", "ym:s:dateTime", "ym:s:clientID"], "v.tsv").name
'metrica'
>>> detect_layout(["event_date", "event_timestamp", "event_name", "user_pseudo_id",
...                "ga_session_id"], "e.csv").name
'ga4'
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from payback.errors import DataError
from payback.ingest import attribution, ledger
from payback.ingest.goals import Goal, load_goals, lookup
from payback.ingest.parsing import ident, lit, number_sql, whole_sql
from payback.ingest.readers import peek_file
from payback.schema import TABLES

SESSIONS = TABLES["sessions"]
SRC, STAGED = "_pb_sess_src", "_pb_sess"
#: Canonical columns the layouts fill (before attribution).
COLUMNS = tuple(c for c in SESSIONS.column_names)
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


# -- reading ------------------------------------------------------------------------------
def _text(path: Path, encoding: str) -> str:
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rt", encoding=encoding.replace("-sig", "") + "-sig", newline="") as f:
        return f.read()


def _read(con, path: Path, file: str) -> tuple[list[str], list[str], bool]:
    """Read the header (after ``#`` comment lines) and stage the rows as text columns plus
    ``_row`` (their line in the file) in :data:`SRC`, by DuckDB's CSV reader; a GA4 UI
    export is staged by :func:`_stage_block`. Returns the columns, the comment lines and
    whether the rows are staged yet."""
    peek = peek_file(path)
    if peek.format == "parquet":
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {SRC} AS SELECT row_number() OVER () AS _row, "
            f"COLUMNS(*)::VARCHAR FROM read_parquet({lit(str(path))})"
        )
        cols = [r[0] for r in con.execute(f"DESCRIBE {SRC}").fetchall() if r[0] != "_row"]
        return cols, [], True
    lines = list(peek.lines)
    comments, at = [], 0
    while at < len(lines) and (not lines[at].strip() or lines[at].lstrip().startswith("#")):
        comments.append(lines[at])
        at += 1
    if at == len(lines):
        raise DataError("no header line", file=file, expected="a header row with column names")
    header = lines[at]
    delim = "\t" if "\t" in header else (";" if header.count(";") > header.count(",") else ",")
    cols = next(csv.reader([header], delimiter=delim))
    if comments or not peek.encoding.startswith("utf-8"):
        return cols, comments, False  # a GA4 UI export: its first block, read in Python
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {SRC} AS SELECT row_number() OVER () + {at + 1} AS _row, "
        f"* FROM read_csv({lit(str(path))}, delim = {lit(delim)}, header = true, skip = {at}, "
        f"all_varchar = true, quote = '\"', escape = '\"', null_padding = false, "
        f"auto_detect = true)"
    )
    return cols, comments, True


def _stage_block(con, path: Path, file: str) -> None:
    """Stage the first block of a file with comment lines (a GA4 UI export may hold more
    blocks after a blank or comment line) in :data:`SRC`."""
    import pyarrow as pa

    peek = peek_file(path)
    lines = _text(path, peek.encoding).splitlines()
    at = 0
    while not lines[at].strip() or lines[at].lstrip().startswith("#"):
        at += 1
    header = lines[at]
    delim = "\t" if "\t" in header else (";" if header.count(";") > header.count(",") else ",")
    block = []
    for line in lines[at:]:
        if not line.strip() or line.lstrip().startswith("#"):
            break
        block.append(line)
    rows = list(csv.reader(io.StringIO("\n".join(block)), delimiter=delim))
    cols, width = rows[0], len(rows[0])
    for i, r in enumerate(rows[1:], start=1):
        if len(r) != width:
            raise DataError(
                f"{len(r)} fields where the header has {width}",
                file=file,
                row=at + 1 + i,
                expected=f"{width} fields separated by {delim!r}",
            )
    data = {c: [r[j] or None for r in rows[1:]] for j, c in enumerate(cols)}
    table = pa.table({"_row": list(range(at + 2, at + 1 + len(rows))), **data})
    con.register("_pb_sess_arrow", table)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {SRC} AS SELECT * FROM _pb_sess_arrow")
    con.unregister("_pb_sess_arrow")


# -- the layouts: canonical column -> SQL over the staged text ----------------------------
class _Cols:
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


def _generic(c: _Cols, goals: Sequence[Goal]) -> tuple[dict[str, str], list[Check]]:
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


def _metrica(c: _Cols, goals: Sequence[Goal]) -> tuple[dict[str, str], list[Check]]:
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


def _ga4(con, c: _Cols, goals: Sequence[Goal]) -> tuple[dict[str, str], list[Check], str]:
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
    labels = {k: _label(v) for k, v in src.items() if v is not None}
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


def _ga4_ui(c: _Cols, comments: Sequence[str], file: str) -> tuple[dict[str, str], list[Check]]:
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


# -- the import ---------------------------------------------------------------------------
def import_sessions(
    store,
    path: str | Path,
    *,
    layout: str = "auto",
    source_map: Mapping[str, str] | None = None,
    goals: str | Path | Sequence[Goal] | None = None,
    options: Mapping[str, object] | None = None,
):
    """Import a sessions file (GA4 events, GA4 UI CSV, Metrica visits, generic), all or
    nothing, recorded in the ledger like every import.

    Parameters
    ----------
    store : Store
        An open DuckDB store.
    path : str or Path
    layout : str
        ``auto`` (recognise it from the header) or ``ga4``, ``ga4-ui``, ``metrica``,
        ``generic``.
    source_map : mapping, optional
        utm_source -> platform pairs (the default map plus ``--source-map``).
    goals : path or goals, optional
        The goals config (:mod:`payback.ingest.goals`); default the four standard goals.
    options : mapping, optional
        The options to record in the ledger.

    Returns
    -------
    payback.ingest.api.ImportResult
    """
    from payback.ingest.api import _connection, _drop_staging, _threads

    path = Path(path)
    file = str(path)
    goal_list = tuple(goals) if isinstance(goals, list | tuple) else load_goals(goals)
    con = _connection(store)
    try:
        with _threads(con, peek_file(path)):
            return _import(con, store, path, file, layout, source_map, goal_list, options)
    finally:
        _drop_staging(con)


def _import(con, store, path: Path, file: str, layout, source_map, goal_list, options):
    from payback.ingest.api import ImportResult
    from payback.schema import DEFAULT_SOURCE_MAP

    columns, comments, staged = _read(con, path, file)
    found = detect_layout(columns, file, layout)
    if not staged:
        _stage_block(con, path, file)
    cols = _Cols(columns)
    relation = SRC
    if found.name == "ga4":
        sel, checks, relation, labels = _ga4(con, cols, goal_list)
    elif found.name == "metrica":
        sel, checks = _metrica(cols, goal_list)
    elif found.name == "ga4-ui":
        sel, checks = _ga4_ui(cols, comments, file)
    else:
        sel, checks = _generic(cols, goal_list)
    if found.name != "ga4":
        labels = {k: _label(v) for k, v in sel.items()}
    if found.name == "ga4-ui":
        labels |= {"session_id": "date + source of the row", "bounces": "Engaged sessions"}
    checks = [c for c in checks if c[1] is not None]
    counts = con.execute(
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE {r} IS NOT NULL AND ({p}) IS NULL)"
                    for _, r, p, _ in checks) + f" FROM {SRC}"
    ).fetchone() if checks else ()  # fmt: skip
    for (canon, raw, parsed, expected), n in zip(checks, counts, strict=True):
        if n:  # one scan for every check; the first failing one is named
            _check(con, SRC, canon, raw, parsed, expected, file, cols)
    body = ", ".join(f"{e} AS {ident(k)}" for k, e in sel.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGED} AS SELECT _row, {body} FROM {relation}")
    rows_read = con.execute(f"SELECT count(*) FROM {STAGED}").fetchone()[0]
    if not rows_read:
        raise DataError("no data rows", file=file, expected="at least one visit")
    _check_rows(con, list(sel), file)
    warnings = _warnings(con, found, cols, goal_list, file)
    names, _ = attribution.attribute(
        con,
        STAGED,
        [c for c in COLUMNS if c in sel],
        source_map={**DEFAULT_SOURCE_MAP, **(source_map or {})},
        has_attribution=True,
        out="_pb_attributed",
    )
    names = [c for c in COLUMNS if c in names]
    unattributed = con.execute(
        "SELECT count(*) FROM _pb_attributed WHERE platform IS NULL"
    ).fetchone()[0]
    span = con.execute("SELECT min(time), max(time) FROM _pb_attributed").fetchone()
    rows = con.sql(f"SELECT {', '.join(ident(c) for c in names)} FROM _pb_attributed ORDER BY _row")
    record, in_store = ledger.write_import(
        store,
        "sessions",
        rows,
        path=path.resolve(),
        content_hash=ledger.file_hash(path),
        kind="sessions",
        options=dict(options or {}),
        rows_read=rows_read,
    )
    superseded = {r.id: r.rows_added for r in ledger.list_imports(store, table="sessions")}
    return ImportResult(
        kind="sessions",
        table="sessions",
        file=file,
        platform=found.name,
        layout=found.label,
        rows_read=int(rows_read),
        rows_in_store=in_store,
        currency=None,
        date_min=span[0],
        date_max=span[1],
        columns=tuple((c, labels.get(c, "utm_* / click ids")) for c in names),
        unattributed=int(unattributed),
        warnings=tuple(warnings),
        import_id=record.id,
        replaced=record.replaced,
        supersedes=tuple((i, superseded[i]) for i in record.supersedes),
    )


def _label(expr: str) -> str:
    """Where a column came from, for the summary: the file's first column in ``expr``."""
    found = re.search(r'"((?:[^"]|"")+)"', expr)
    if found:
        return found.group(1).replace('""', '"')
    return "1 per row" if expr == "1" else "derived"


def _check(con, relation, canon, raw, parsed, expected, file, cols: _Cols) -> None:
    """Refuse the file when a cell has text that does not parse (first one named)."""
    if raw is None:
        return
    bad = con.execute(
        f"SELECT _row, {raw} FROM {relation} WHERE {raw} IS NOT NULL AND ({parsed}) IS NULL "
        f"ORDER BY _row"
    ).fetchall()
    if bad:
        name = re.search(r'"((?:[^"]|"")+)"', raw)
        raise DataError(
            f"{canon}: the value does not read",
            file=file,
            row=int(bad[0][0]),
            column=name.group(1).replace('""', '"') if name else canon,
            value=bad[0][1],
            expected=expected,
            fix="correct the cell (or export the file again)",
            more=len(bad) - 1,
        )


def _check_rows(con, columns: list[str], file: str) -> None:
    """Required values present, counts not negative, each visit once."""
    for column in ("session_id", "time"):
        bad = con.execute(
            f"SELECT _row FROM {STAGED} WHERE {ident(column)} IS NULL ORDER BY _row"
        ).fetchall()
        if bad:
            raise DataError(
                f"{column} is empty",
                file=file,
                row=int(bad[0][0]),
                expected=f"a {column} in every row",
                more=len(bad) - 1,
            )
    for column in ("sessions", "new_sessions", "bounces", "page_views", "duration", "users"):
        if column not in columns:
            continue
        bad = con.execute(
            f"SELECT _row, {ident(column)} FROM {STAGED} WHERE {ident(column)} < 0 ORDER BY _row"
        ).fetchall()
        if bad:
            raise DataError(
                f"{column} is negative",
                file=file,
                row=int(bad[0][0]),
                value=bad[0][1],
                expected="0 or more",
                more=len(bad) - 1,
            )
    dupes = con.execute(
        f"SELECT session_id, list(_row ORDER BY _row) FROM {STAGED} GROUP BY session_id "
        f"HAVING count(*) > 1 ORDER BY min(_row)"
    ).fetchall()
    if dupes:
        sid, lines = dupes[0]
        raise DataError(
            f"session {sid!r} is in rows {', '.join(map(str, lines[:5]))}",
            file=file,
            row=int(lines[1]),
            expected="each visit once",
            fix="remove the repeated rows (or give each visit its own id)",
            more=len(dupes) - 1,
        )


def _warnings(con, found: SessionLayout, cols: _Cols, goals: Sequence[Goal], file: str):
    out = []
    if found.name == "metrica" and "ym:s:goalsid" in cols:
        raw = cols.raw("ym:s:goalsid")
        ids = f"string_split(regexp_replace({raw}, '[\\[\\]'' \"]', '', 'g'), ',')"
        known = set(lookup(goals, "metrica"))
        seen = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT unnest({ids}) AS g FROM {SRC} WHERE {raw} IS NOT NULL ORDER BY 1"
            ).fetchall()
            if r[0]
        ]
        unknown = [g for g in seen if g not in known]
        if unknown:
            out.append(
                f"Metrica goal id(s) {', '.join(unknown[:10])} are in no goal of the goals "
                f"config: not stored (map them with --goals FILE: [purchase] metrica = [id])"
            )
    if found.name == "ga4":
        (skipped,) = con.execute(
            "SELECT count(*) FROM _pb_sess_events WHERE uid IS NULL OR sid IS NULL"
        ).fetchone()
        if skipped:
            out.append(f"{skipped:,} event(s) without user_pseudo_id or ga_session_id skipped")
    if found.name == "ga4-ui" and any(k.startswith("key_events") for k in cols.keys):
        out.append(
            "key events of a GA4 UI report count events, not visits: not stored as goals "
            "(import the BigQuery events for goals per visit)"
        )
    return out


__all__ = ["LAYOUTS", "SessionLayout", "detect_layout", "import_sessions", "key"]
