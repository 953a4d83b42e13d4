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
>>> sorted(LAYOUTS)
['ga4', 'ga4-ui', 'generic', 'metrica']
>>> key("session_traffic_source_last_click.manual_campaign.source")
'session_traffic_source_last_click_manual_campaign_source'
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from payback.errors import DataError
from payback.ingest import attribution, ledger
from payback.ingest.goals import Goal, load_goals, lookup
from payback.ingest.parsing import ident, lit
from payback.ingest.readers import peek_file
from payback.ingest.session_layouts import (
    LAYOUTS,
    SRC,
    Cols,
    SessionLayout,
    detect_layout,
    ga4_sql,
    ga4_ui_sql,
    generic_sql,
    key,
    metrica_sql,
    origin_label,
)
from payback.schema import TABLES

SESSIONS = TABLES["sessions"]
STAGED = "_pb_sess"
#: Canonical columns the layouts fill (before attribution).
COLUMNS = tuple(SESSIONS.column_names)


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
        select = _parquet_columns(path)
        body = ", ".join(f"CAST({expr} AS VARCHAR) AS {ident(name)}" for name, expr in select)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {SRC} AS SELECT row_number() OVER () AS _row, "
            f"{body} FROM read_parquet({lit(str(path))})"
        )
        return [name for name, _ in select], [], True
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


#: ``event_params`` keys a GA4 export read as nested Parquet gives as columns.
EVENT_PARAMS = (
    "ga_session_id",
    "ga_session_number",
    "page_location",
    "engagement_time_msec",
    "session_engaged",
)


def _parquet_columns(path: Path) -> list[tuple[str, str]]:
    """(column, SQL) of a Parquet file, the GA4 export's nesting flattened: a record's
    fields as ``record.field`` (``collected_traffic_source.manual_source``), the
    ``event_params`` of :data:`EVENT_PARAMS` as ``event_params.<key>``; other lists are
    left out."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out: list[tuple[str, str]] = []

    def walk(name: str, expr: str, dtype: pa.DataType) -> None:
        if pa.types.is_struct(dtype):
            for f in dtype:
                walk(f"{name}.{f.name}", f"struct_extract({expr}, {lit(f.name)})", f.type)
        elif name == "event_params" and pa.types.is_list(dtype):
            for k in EVENT_PARAMS:
                v = f"list_extract(list_filter({expr}, x -> x.key = {lit(k)}), 1).value"
                kinds = ("string_value", "int_value", "double_value", "float_value")
                parts = [f"CAST(struct_extract({v}, {lit(t)}) AS VARCHAR)" for t in kinds]
                out.append((f"event_params.{k}", f"COALESCE({', '.join(parts)})"))
        elif not pa.types.is_list(dtype) and not pa.types.is_map(dtype):
            out.append((name, expr))

    for field in pq.read_schema(path):
        walk(field.name, ident(field.name), field.type)
    return out


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
    payback.ingest.import_result.ImportResult
    """
    from payback.ingest.staging import _connection, _drop_staging, _threads

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
    from payback.ingest.import_result import ImportResult
    from payback.schema import DEFAULT_SOURCE_MAP

    columns, comments, staged = _read(con, path, file)
    found = detect_layout(columns, file, layout)
    if not staged:
        _stage_block(con, path, file)
    cols = Cols(columns)
    relation = SRC
    if found.name == "ga4":
        sel, checks, relation, labels = ga4_sql(con, cols, goal_list)
    elif found.name == "metrica":
        sel, checks = metrica_sql(cols, goal_list)
    elif found.name == "ga4-ui":
        sel, checks = ga4_ui_sql(cols, comments, file)
    else:
        sel, checks = generic_sql(cols, goal_list)
    if found.name != "ga4":
        labels = {k: origin_label(v) for k, v in sel.items()}
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
            _check(con, SRC, canon, raw, parsed, expected, file)
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
    from payback.metrics.visits import record_goals  # the metrics of its goals, later

    record_goals(store, goal_list)
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


def _check(con, relation, canon, raw, parsed, expected, file) -> None:
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


def _warnings(con, found: SessionLayout, cols: Cols, goals: Sequence[Goal], file: str):
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
