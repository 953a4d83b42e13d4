"""The steps of one import after the file is read: plan, check, stage, attribute, convert, write.

:func:`_import` runs them on a read file and its recognised layout (the order and what
each step does: :mod:`payback.ingest.api`) and returns the :class:`ImportResult`.

Examples
--------
>>> import datetime as dt
>>> [_window(dt.timedelta(seconds=s)) for s in (86400, 3 * 86400, 90)]
['24h', '3d', '90s']
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from payback.errors import CurrencyError, DataError
from payback.ingest import attribution, extras, fx, ledger, results, stage
from payback.ingest.import_result import ImportResult
from payback.ingest.parsing import ident
from payback.ingest.platforms import Layout, Plan
from payback.ingest.readers import RawFile, strip_quotes
from payback.ingest.staging import _drop_staging
from payback.ingest.validate import Problems, check_plan
from payback.schema import Table
from payback.store import Store

#: Rows of a DuckDB row group (the store's default). The file is handed to DuckDB in
#: Arrow batches of exactly this many rows (:func:`_row_group_batches`).
_ROW_GROUP = 122_880


def _row_group_batches(batches: deque[pa.RecordBatch], schema: pa.Schema) -> pa.Table:
    """The rows of ``batches`` (emptied on the way: each is let go once copied) in
    batches of :data:`_ROW_GROUP` rows (the last one shorter), in order.

    DuckDB's ordered inserts (the staging table, then the store's table) write a batch of
    at least a row group as it is and merge smaller ones by copying them. A block of the
    CSV reader (16 MB, about 170,000 rows of an ads report) became a full row group and a
    partial one, which the store's checkpoint then merged by rewriting every row (2.8 s
    of CPU in a 10 s import of 2M rows); batches of half a row group were merged at the
    insert instead (+0.9 s). Row-group batches are written as they come: one copy of the
    Arrow rows here (0.1 s), none in DuckDB.

    >>> rows = pa.record_batch({"a": list(range(5))})
    >>> [b.num_rows for b in _row_group_batches(deque([rows] * 60_000), rows.schema).to_batches()]
    [122880, 122880, 54240]
    """
    out: list[pa.RecordBatch] = []
    pending: list[pa.RecordBatch] = []
    size = 0
    while batches:
        batch = batches.popleft()
        while batch.num_rows:
            take = min(_ROW_GROUP - size, batch.num_rows)
            pending.append(batch.slice(0, take))
            batch, size = batch.slice(take), size + take
            if size == _ROW_GROUP:
                out.extend(pa.Table.from_batches(pending, schema).combine_chunks().to_batches())
                pending, size = [], 0
    if size:
        out.extend(pa.Table.from_batches(pending, schema).combine_chunks().to_batches())
    return pa.Table.from_batches(out, schema)


def _import(con, store, table: Table, raw: RawFile, layout: Layout, options, bar) -> ImportResult:
    file = raw.label
    problems = Problems(file, columns=raw.columns)
    warnings: list[str] = []
    stage.report_malformed(raw, problems)
    goals, notes = results.goal_columns(raw.table, layout.name)
    if notes:  # Yandex Direct per-goal columns: their sums are the platform's results
        added = tuple(c for c in goals.column_names[raw.table.num_columns :])
        raw = replace(raw, table=goals, columns=raw.columns + added)
        warnings += notes
    kept = extras.chosen(raw.columns, options["keep"], options["declared"], file)
    table = extras.extended(table, kept)
    options = {**options, "mapping": {**options["mapping"], **extras.mapping(kept)}}
    plan = _plan(table, raw, layout, options, file)
    check_plan(raw, plan, options)
    warnings += plan.notes
    data = stage.attach_constants(raw.table, plan)
    raw = replace(raw, table=data.slice(0, 0))  # keep one copy of the rows: ``data``
    data, skipped = stage.data_rows(
        data, layout, plan, text=raw.format != "parquet", columns=raw.columns
    )
    warnings += skipped
    warnings += results.mixed_results(data, plan)
    if raw.footer:
        shown = "; ".join(strip_quotes(f) for f in raw.footer[:2] if strip_quotes(f))
        warnings.append(f"{len(raw.footer)} footer line(s) skipped: {shown}")
    rows_read = data.num_rows
    if not rows_read:
        problems.raise_if_any()  # rows with a wrong number of fields say more
        if not options["allow_empty"]:
            raise _no_rows(file, skipped)
        warnings.append("the file has no data rows: nothing was imported (--allow-empty)")
    schema, blocks = data.schema, deque(data.to_batches())
    del data  # each block goes once copied
    data = _row_group_batches(blocks, schema)
    con.register(stage.SRC, data)
    stage.check_footer_counts(raw, rows_read, problems)
    checks = stage.parse(con, table, data, layout, plan, options, file)
    con.unregister(stage.SRC)
    del data  # parsed into DuckDB: the Arrow copy can go
    problems.run(con, stage.PARSED, checks)
    stage.check_duplicate_keys(con, table, plan, problems)
    problems.raise_if_any()
    columns = [c for c in table.column_names if c in plan.sources]
    # each step that materialises a table lets the tables before it go (memory), and says
    # whether the rows are still in file order
    relation, ordered = stage.PARSED, True
    if table.name == "order_items" and "line" not in plan.sources:
        con.execute(
            f"CREATE TEMP TABLE _pb_lined AS SELECT *, row_number() OVER "
            f"(PARTITION BY order_id ORDER BY _row) AS line FROM {relation}"
        )
        relation, ordered = "_pb_lined", False
        _drop_staging(con, keep=relation)
        columns.append("line")
        warnings.append("line numbers generated from the order of the rows in the file")
    if "platform" in columns or table.name in ("orders", "leads"):
        has_attribution = "utm_source" in table.column_names
        columns, kept_order = attribution.attribute(
            con,
            relation,
            columns,
            source_map=options["source_map"],
            has_attribution=has_attribution,
            out="_pb_attributed",
        )
        relation, ordered = "_pb_attributed", ordered and kept_order
        if has_attribution:  # a table (else a view of the parsed rows)
            _drop_staging(con, keep=relation)
    duplicates = 0
    if table.name == "leads" and options["window"] is not None:
        earlier = _stored_leads(store)
        duplicates = attribution.mark_duplicate_leads(con, relation, options["window"], earlier)
        warnings.append(
            f"{duplicates:,} lead(s) marked duplicate: the same contact came within "
            f"{_window(options['window'])} before"
        )
    outcome, converted = _currency(con, store, table, relation, file)
    if converted != relation:  # a table joined with the rates
        relation, ordered = converted, False
        _drop_staging(con, keep=relation)
    warnings += [c.describe(outcome.base) for c in outcome.conversions]
    constant = {c for c, s in plan.sources.items() if s.constant is not None}
    warnings += _table_warnings(con, table, relation, columns, constant)
    unattributed = None
    if table.name in ("orders", "leads"):
        unattributed = con.execute(
            f"SELECT count(*) FROM {relation} WHERE platform IS NULL"
            + (" AND partner_id IS NULL" if "partner_id" in columns else "")
        ).fetchone()[0]
        if unattributed:
            warnings.append(
                f"{unattributed:,} of {rows_read:,} {table.name} have no attribution (no platform, "
                f"utm_source or click id"
                + (", no partner" if "partner_id" in columns else "")
                + "): they count in totals but join no ad rows"
            )
    date_min, date_max = _date_span(con, table, relation, columns)
    bar.phase(f"Writing {table.name}")
    rows = _final_rows(con, relation, columns, ordered)
    rows, companions, columns = extras.split(rows, columns)
    meta = {"base_currency": outcome.base} if outcome.new_base and outcome.base else {}
    record, in_store = ledger.write_import(
        store,
        table.name,
        rows,
        path=_ledger_path(raw),
        content_hash=options["record"]["hash"],
        kind=options["record"]["kind"],
        options=options["record"]["options"],
        rows_read=rows_read,
        meta=meta,
        companions=companions,
    )
    if record.replaced:
        warnings.append(
            f"{record.rows_replaced:,} row(s) already in the store with the same "
            f"{'/'.join(table.key)} were replaced: "
            + "; ".join(r.describe() for r in record.replaced)
            + f" (`payback imports undo {record.id}` puts them back)"
        )
    superseded = {r.id: r.rows_added for r in ledger.list_imports(store, table=table.name)}
    return ImportResult(
        kind=table.kind,
        table=table.name,
        file=file,
        platform=layout.name,
        layout=layout.label,
        rows_read=int(rows_read),
        rows_in_store=in_store,
        currency=outcome.base if "currency" in table.column_names else None,
        file_currencies=outcome.currencies,
        date_min=date_min,
        date_max=date_max,
        columns=tuple(
            (c, plan.sources[c].describe)
            for c in table.column_names
            if c in plan.sources and not c.startswith(extras.PREFIX)
        ),
        kept=tuple(kept.items()),
        conversions=outcome.conversions,
        duplicates_marked=duplicates,
        unattributed=unattributed,
        warnings=tuple(warnings),
        import_id=record.id,
        replaced=record.replaced,
        supersedes=tuple((i, superseded[i]) for i in record.supersedes),
    )


def _ledger_path(raw: RawFile) -> Path:
    """The file as the ledger records it; a workbook's sheet after a ``#``."""
    path = raw.path.resolve()
    return path if raw.sheet is None else path.with_name(f"{path.name}#{raw.sheet}")


def _no_rows(file: str, skipped: list[str]) -> DataError:
    """The error for a file with a header but no data rows."""
    return DataError(
        "no data rows" + (f" ({'; '.join(skipped)})" if skipped else ""),
        file=file,
        expected="at least one row under the header",
        fix="export the data again (a filter or date range may have left it empty), or "
        "pass --allow-empty to import nothing",
    )


def _final_rows(con, relation: str, columns: list[str], ordered: bool):
    """The rows to write, in file order: the staged relation itself when its rows are in
    order (no copy), else a sorted copy (then the other staging tables go first)."""
    select = ", ".join(ident(c) for c in columns)
    if ordered:
        return con.sql(f"SELECT {select} FROM {relation}")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _pb_final AS SELECT {select} FROM {relation} ORDER BY _row"
    )
    _drop_staging(con, keep="_pb_final")
    return con.sql("SELECT * FROM _pb_final")


def _window(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    units = (("h", 3600), ("m", 60)) if seconds < 2 * 86400 else (("d", 86400), ("h", 3600))
    for unit, size in units:
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _plan(table: Table, raw: RawFile, layout: Layout, options, file: str) -> Plan:
    from payback.ingest.platforms import resolve_columns

    set_values = dict(options["set"])
    cur = options["currency"]
    origin = {}
    if cur and "currency" not in set_values and "currency" not in options["mapping"]:
        # --currency fills the currency when the file (and its layout) has none
        probe = resolve_columns(
            table,
            layout,
            raw.columns,
            mapping=options["mapping"],
            set_values=set_values,
            file=file,
            require=False,
        )
        if "currency" not in probe.sources:
            set_values["currency"], origin["currency"] = cur, "--currency"
    plan = resolve_columns(
        table,
        layout,
        raw.columns,
        mapping=options["mapping"],
        set_values=set_values,
        file=file,
        set_origin=origin,
    )
    src = plan.sources.get("currency")
    if cur and src is not None and src.constant is not None and src.constant != cur:
        raise DataError(
            f"the file's money is in {src.constant} ({src.label}) but --currency says {cur}",
            file=file,
            fix="drop --currency, or import the file that is really in " + cur,
        )
    return plan


def _stored_leads(store: Store) -> pa.Table:
    leads = store.table("leads")
    return store.to_pyarrow(
        leads.filter(leads.contact.notnull()).select("lead_id", "time", "contact")
    )


def _currency(con, store: Store, table: Table, relation: str, file: str):
    if table.name == "fx_rates":
        bases = [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT base_currency FROM {relation} ORDER BY 1"
            ).fetchall()
        ]
        base = store.base_currency
        if base is None and len(bases) > 1:
            raise CurrencyError(
                f"{file} has rates into {', '.join(bases)}: a store has one base currency; "
                f"import the rates into one base (rate = base units per 1 unit of currency)"
            )
        other = [b for b in bases if base is not None and b != base]
        if other:
            raise CurrencyError(
                f"{file} has rates into {', '.join(other)} but the store's base currency is "
                f"{base}: give rates into {base} (rate = {base} per 1 unit of the currency)"
            )
        new = base is None and bool(bases)
        return fx.FxOutcome(bases[0] if new else base, new, (), tuple(bases)), relation
    if "currency" not in table.column_names:
        return fx.FxOutcome(store.base_currency, False, (), ()), relation
    return fx.convert(con, store, table, relation, file=file)


def _table_warnings(
    con, table: Table, relation: str, columns: list[str], constant: Collection[str] = ()
) -> list[str]:
    """Warnings about the rows to write; ``constant``: columns with one value in every row
    (``--set``, a layout's platform)."""
    notes = []
    if table.name == "ad_stats":
        keys = ", ".join(ident(k) if k in columns else "NULL" for k in table.key)
        # distinct hashes mean distinct keys: count exactly only when some may repeat.
        # Sorting the hashes in NumPy takes about 80 % of the CPU of DuckDB's
        # count(DISTINCT hash(...)) (2M rows: 0.36 against 0.45 s, medians of 5). The key
        # columns with one value in every row (a layout's platform) tell no rows apart:
        # they are left out of the hash (2M rows: about 0.06 s of CPU less)
        varying = [ident(k) for k in table.key if k in columns and k not in constant]
        hashes = np.asarray(
            con.execute(
                f"SELECT hash({', '.join(varying) or keys}) AS h FROM {relation}"
            ).fetchnumpy()["h"]
        )
        hashes.sort()
        extra = (
            0
            if not (hashes[1:] == hashes[:-1]).any()
            else con.execute(
                f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {relation} "
                f"GROUP BY {keys} HAVING count(*) > 1)"
            ).fetchone()[0]
        )
        if extra:
            notes.append(
                f"{extra:,} row(s) repeat the date/platform/campaign/ad group/keyword of another "
                f"row (e.g. device or audience rows); they are kept as separate rows"
            )
    if table.name == "order_items":
        neg, first = con.execute(
            f"SELECT count(*), arg_min(order_id, _row) FROM {relation} WHERE quantity < 0"
        ).fetchone()
        if neg:
            notes.append(
                f"{neg:,} line(s) have a negative quantity (returns or cancellations, e.g. order "
                f"{first!r}); imported as they are: they lower the revenue of their order"
            )
    return notes


def _date_span(con, table: Table, relation: str, columns: list[str]):
    name = fx.DATE_COLUMN.get(table.name) or ("signup_time" if table.name == "customers" else None)
    if name not in columns:
        return None, None
    return con.execute(f"SELECT min({ident(name)}), max({ident(name)}) FROM {relation}").fetchone()
