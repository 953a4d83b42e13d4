"""Attribution of orders and leads: UTM tags, click ids, platforms, duplicate leads.

An order (or lead) joins the ad rows of its platform, campaign, ad group and keyword.
The importer fills these from what the file gives, in this order:

- ``utm_*`` and click ids (``gclid``, ``yclid``, ``fbclid``): their own columns, else
  parsed from the landing URL's query string (``+`` and ``%xx`` decoded, as
  ``urllib.parse`` does);
- ``platform``: the file's platform column (``Google Ads`` -> ``google``), else
  ``utm_source`` through the source map (:data:`payback.schema.DEFAULT_SOURCE_MAP`
  plus ``--source-map``; an unknown source keeps its own lower-cased name), else the
  click id (gclid -> google, yclid -> yandex, fbclid -> meta, msclkid -> microsoft);
- ``campaign`` <- ``utm_campaign``, ``ad_group`` <- ``utm_content``, ``keyword`` <-
  ``utm_term`` when the file has no such column.

The work is vectorised: URL parameters are extracted with DuckDB regular expressions;
platform names are mapped once per *distinct* value.

Examples
--------
>>> platform_name("Facebook Ads"), platform_name("bing"), platform_name("TikTok Ads")
('meta', 'microsoft', 'tiktok')
>>> import urllib.parse, duckdb
>>> url = "https://shop.example/p?utm_source=google&utm_campaign=spring+sale%21&gclid=Cj0"
>>> con = duckdb.connect()
>>> con.execute("SELECT " + url_param_sql(lit(url), "utm_campaign")).fetchone()[0]
'spring sale!'
>>> urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["utm_campaign"][0]
'spring sale!'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta

import pyarrow as pa

from payback.ingest.parsing import ident, lit
from payback.schema import DEFAULT_SOURCE_MAP

#: Query parameters read from a landing URL into columns of the same name.
URL_PARAMS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "gclid",
    "yclid",
    "fbclid",
)

#: Click id -> the platform that issued it (used when utm_source is missing).
CLICK_IDS = (("gclid", "google"), ("yclid", "yandex"), ("fbclid", "meta"), ("msclkid", "microsoft"))

#: Platform names as exports and connectors spell them.
PLATFORM_ALIASES: dict[str, str] = {
    "google ads": "google",
    "google adwords": "google",
    "facebook ads": "meta",
    "meta ads": "meta",
    "instagram ads": "meta",
    "microsoft advertising": "microsoft",
    "microsoft ads": "microsoft",
    "bing ads": "microsoft",
    "yandex direct": "yandex",
    "yandex.direct": "yandex",
}


def platform_name(value: str | None, source_map: Mapping[str, str] | None = None) -> str | None:
    """The canonical platform of a platform or utm_source value.

    Lower-cased and trimmed; looked up in the source map and aliases, then with a
    trailing "Ads"/"Advertising" removed; an unknown name is kept (spaces -> ``_``).

    Examples
    --------
    >>> platform_name(" Google "), platform_name("yandex_direct"), platform_name("newsletter")
    ('google', 'yandex', 'newsletter')
    >>> platform_name("partner-x", {"partner-x": "other"})
    'other'
    """
    if value is None:
        return None
    lookup = {**DEFAULT_SOURCE_MAP, **PLATFORM_ALIASES, **(source_map or {})}
    name = " ".join(value.strip().lower().split())
    if not name:
        return None
    if name in lookup:
        return lookup[name]
    short = re.sub(r"[\s_-]*(ads|advertising)$", "", name)
    if short in lookup:
        return lookup[short]
    return re.sub(r"\s+", "_", short or name)


def url_param_sql(url: str, name: str) -> str:
    """SQL reading query parameter ``name`` from a URL expression (decoded, NULL if absent)."""
    pattern = lit(f"(?i)[?&#;]{re.escape(name)}=([^&#;]*)")
    value = f"replace(regexp_extract({url}, {pattern}, 1), '+', ' ')"
    blanks = lit(" \t\r\n")
    return f"NULLIF(trim(COALESCE(try(url_decode({value})), {value}), {blanks}), '')"


#: Up to this many distinct values are mapped with a CASE expression (keeps row order);
#: more go through a join.
_CASE_LIMIT = 500


def _lookup(con, relation: str, expr: str, func, name: str) -> tuple[str, str | None]:
    """Map the distinct values of ``expr`` with ``func``: (SQL expression, join or None)."""
    values = [
        v
        for (v,) in con.execute(
            f"SELECT DISTINCT {expr} AS v FROM {relation} r WHERE {expr} IS NOT NULL"
        ).fetchall()
    ]
    mapped = [func(v) for v in values]
    if len(values) <= _CASE_LIMIT:
        if not values:
            return "CAST(NULL AS VARCHAR)", None
        whens = " ".join(
            f"WHEN {lit(v)} THEN {lit(p) if p is not None else 'NULL'}"
            for v, p in zip(values, mapped, strict=True)
        )
        return f"(CASE {expr} {whens} END)", None
    schema = pa.schema([("v", pa.string()), ("platform", pa.string())])
    con.register(name, pa.table({"v": values, "platform": mapped}, schema=schema))
    return f"{name}.platform", f"LEFT JOIN {name} ON {name}.v = {expr}"


def attribute(
    con,
    relation: str,
    columns: Sequence[str],
    *,
    source_map: Mapping[str, str],
    has_attribution: bool,
    out: str = "attributed",
) -> tuple[list[str], bool]:
    """Create ``out``: ``relation`` with the platform normalised and attribution filled.

    ``out`` is a temporary table for orders and leads, a view otherwise.

    Parameters
    ----------
    relation : str
        A table with canonical columns (``columns``) and ``_row``.
    has_attribution : bool
        Whether the canonical table has utm/click-id columns (orders, leads).

    Returns
    -------
    list of str
        The canonical columns of ``out``.
    bool
        Whether ``out`` keeps the row order of ``relation`` (no join was needed).
    """
    cols = list(columns)
    select: dict[str, str] = {c: f"r.{ident(c)}" for c in cols}
    joins = []
    if "platform" in cols:
        expr, join = _lookup(
            con, relation, "r.platform", lambda v: platform_name(v, source_map), "_pb_pmap"
        )
        select["platform"] = expr
        joins += [join] if join else []
    if has_attribution:
        url = "r.landing_url" if "landing_url" in cols else None
        for p in URL_PARAMS:
            given = f"r.{p}" if p in cols else None
            parsed = url_param_sql(url, p) if url else None
            parts = [x for x in (given, parsed) if x]
            if parts:
                select[p] = f"COALESCE({', '.join(parts)})" if len(parts) > 1 else parts[0]
        fallbacks = [select["platform"]] if "platform" in select else []
        if "utm_source" in select:
            expr, join = _lookup(
                con,
                relation,
                select["utm_source"],
                lambda v: platform_name(v, source_map),
                "_pb_smap",
            )
            fallbacks.append(expr)
            joins += [join] if join else []
        clicks = []
        for click, platform in CLICK_IDS:
            expr = select.get(click) or (url_param_sql(url, click) if url else None)
            if expr:
                clicks.append(f"WHEN {expr} IS NOT NULL THEN {lit(platform)}")
        if clicks:
            fallbacks.append(f"CASE {' '.join(clicks)} END")
        select["platform"] = (
            f"COALESCE({', '.join(fallbacks)})"
            if len(fallbacks) > 1
            else (fallbacks[0] if fallbacks else "CAST(NULL AS VARCHAR)")
        )
        for target, utm in (
            ("campaign", "utm_campaign"),
            ("ad_group", "utm_content"),
            ("keyword", "utm_term"),
        ):
            if utm in select:
                select[target] = (
                    f"COALESCE(r.{target}, {select[utm]})" if target in cols else select[utm]
                )
    body = ", ".join(f"{expr} AS {ident(c)}" for c, expr in select.items())
    kind = "TABLE" if has_attribution else "VIEW"  # leads are updated by the dedupe step
    con.execute(
        f"CREATE OR REPLACE TEMP {kind} {out} AS SELECT r._row, {body} FROM {relation} r "
        + " ".join(joins)
    )
    return list(select), not joins


def contact_key_sql(contact: str) -> str:
    """SQL normalising a contact: phones to their digits, e-mails lower-cased.

    >>> import duckdb
    >>> duckdb.sql("SELECT " + contact_key_sql("'+7 (999) 123-45-67'")).fetchone()[0]
    '79991234567'
    """
    return (
        f"CASE WHEN regexp_full_match(trim({contact}), '[+0-9 ()./-]{{5,}}') "
        f"THEN regexp_replace({contact}, '[^0-9]', '', 'g') ELSE lower(trim({contact})) END"
    )


def mark_duplicate_leads(
    con, relation: str, window: timedelta, earlier: pa.Table | None = None
) -> int:
    """Turn valid leads into ``duplicate`` when the same contact came within ``window``.

    A lead is a duplicate when an earlier lead (in the file, or ``earlier``: the
    store's leads not in the file) has the same contact key and came at most
    ``window`` before it; ties keep file order. Only ``valid`` leads change (failed
    and spam stay what they are). Updates ``relation`` in place.

    Returns
    -------
    int
        The number of leads marked duplicate.
    """
    seconds = float(window.total_seconds())
    key = contact_key_sql("contact")
    union = ""
    if earlier is not None and earlier.num_rows:
        con.register("_pb_earlier", earlier)
        union = (
            f"UNION ALL SELECT NULL AS _row, e.time, {contact_key_sql('e.contact')} AS ck, 0 "
            f"FROM _pb_earlier e WHERE e.contact IS NOT NULL AND e.time IS NOT NULL AND "
            f"e.lead_id NOT IN (SELECT lead_id FROM {relation})"
        )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _pb_dupes AS
        WITH allc AS (
            SELECT _row, time, {key} AS ck, 1 AS in_file FROM {relation}
            WHERE contact IS NOT NULL AND time IS NOT NULL
            {union}
        ), gaps AS (
            SELECT _row, in_file, epoch(time) - lag(epoch(time)) OVER (
                PARTITION BY ck ORDER BY time, in_file, _row) AS gap
            FROM allc
        )
        SELECT _row FROM gaps WHERE in_file = 1 AND gap <= {seconds!r}"""
    )
    count = con.execute(
        f"SELECT count(*) FROM {relation} WHERE status = 'valid' "
        f"AND _row IN (SELECT _row FROM _pb_dupes)"
    ).fetchone()[0]
    con.execute(
        f"UPDATE {relation} SET status = 'duplicate' WHERE status = 'valid' "
        f"AND _row IN (SELECT _row FROM _pb_dupes)"
    )
    return int(count)
