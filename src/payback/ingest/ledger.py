"""The import ledger: what each import brought, and ``undo_import`` taking it back.

Every import (:func:`payback.ingest.import_file`) is recorded in the store, in the
transaction that writes its rows: the file, the SHA-256 of its content, the kind, the
options, the rows added and the rows it replaced (by the import that had written them),
the time. Each stored row carries the id of its import (a hidden column), and the rows an
import replaced are kept beside their table, so that:

- importing the same file again (the same path, or the same content under another name)
  into the same table, whatever the options, first takes out every row the earlier
  import brought: a different ``--map`` that changes the natural key cannot double a
  total. The earlier import is then *superseded*;
- rows replacing rows of *another* import (an order id already in the store from another
  file) are counted by that import and named in the result;
- :func:`undo_import` removes exactly the rows an import added and puts back what it
  replaced (a superseded import of the same file comes back); a row it replaced that a
  later import has replaced since stays replaced, now by that later import.

An import's states: ``active``, ``superseded`` (by a later import of the same file),
``undone``. Rows written with :meth:`payback.store.Store.write` directly are in no
import (they are never replaced by an undo and never taken out by one).

Examples
--------
>>> import tempfile, pathlib
>>> from payback.store import open_store
>>> from payback.ingest import import_file
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> csv = folder / "costs.csv"
>>> _ = csv.write_text("date,category,amount,currency\\n2024-10-01,rent,1200,EUR\\n")
>>> store = open_store(":memory:")
>>> first = import_file(store, "costs", csv)
>>> again = import_file(store, "costs", csv)
>>> [(r.id, r.state, r.rows_added) for r in list_imports(store)]
[(1, 'superseded', 1), (2, 'active', 1)]
>>> undo_import(store, 2).record.state
'undone'
>>> [(r.id, r.state) for r in list_imports(store)], store.row_count("costs")
([(1, 'active'), (2, 'undone')], 1)
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from payback.errors import InputError
from payback.schema import TABLES
from payback.storage import LEDGER, PROVENANCE, archive_name, key_match
from payback.store import Store

#: Tables whose rows hold money in the store's base currency.
MONEY_TABLES = (
    "ad_stats",
    "orders",
    "order_items",
    "costs",
    "partner_claims",
    "subscriptions",
    "fx_rates",
)


@dataclass(frozen=True)
class Replaced:
    """Rows an import replaced that another import had written.

    Attributes
    ----------
    rows : int
    import_id : int or None
        The import that had written them; None for rows written outside the ledger
        (before it existed, or with ``Store.write``).
    file : str or None
        That import's file name.
    """

    rows: int
    import_id: int | None
    file: str | None = None

    def describe(self) -> str:
        """``3 of import 2 (orders_a.csv)``."""
        if self.import_id is None:
            return f"{self.rows:,} written outside the import ledger"
        return f"{self.rows:,} of import {self.import_id} ({self.file})"


@dataclass(frozen=True)
class ImportRecord:
    """One import in the ledger.

    Attributes
    ----------
    id : int
    file : str
        The file's absolute path when imported.
    name : str
        Its file name.
    content_hash : str
        SHA-256 of the file's bytes.
    kind, table : str
    options : dict
        The options given (``mapping``, ``set_values``, ``currency`` ...; defaults left out).
    rows_read, rows_added : int
    rows_replaced : int
        Rows of other imports (or written outside the ledger) the import replaced.
    replaced : tuple of Replaced
        ``rows_replaced`` by the import that had written them.
    supersedes : tuple of int
        Earlier imports of the same file whose rows this import took out.
    imported_at : datetime
        UTC.
    state : str
        ``active``, ``superseded`` or ``undone``.
    changed_at : datetime or None
        When it was superseded or undone.
    changed_by : int or None
        The import superseding it.
    """

    id: int
    file: str
    name: str
    content_hash: str
    kind: str
    table: str
    options: dict[str, Any] = field(compare=False)
    rows_read: int
    rows_added: int
    rows_replaced: int
    replaced: tuple[Replaced, ...]
    supersedes: tuple[int, ...]
    imported_at: datetime
    state: str
    changed_at: datetime | None = None
    changed_by: int | None = None

    def as_row(self) -> dict[str, Any]:
        """The record as a flat row (``payback imports`` prints these)."""
        state = self.state + (f" by {self.changed_by}" if self.changed_by is not None else "")
        return {
            "id": self.id,
            "imported_at": self.imported_at.isoformat(sep=" ", timespec="seconds"),
            "kind": self.kind,
            "file": self.name,
            "rows_added": self.rows_added,
            "rows_replaced": self.rows_replaced,
            "state": state,
            "options": _options_text(self.options),
            "content_hash": self.content_hash[:12],
            "path": self.file,
        }


def _options_text(options: Mapping[str, Any]) -> str:
    parts = []
    for key, value in options.items():
        if isinstance(value, Mapping):
            value = ",".join(f"{k}={v}" for k, v in value.items())
        parts.append(f"{key}={value}")
    return "; ".join(parts)


def file_hash(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex), read in 1 MiB blocks."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def list_imports(store: Store, *, table: str | None = None) -> list[ImportRecord]:
    """Every import recorded in the store, oldest first (optionally of one table).

    Returns
    -------
    list of ImportRecord
    """
    sql = f"SELECT * FROM {LEDGER}" + (" WHERE table_name = ?" if table else "") + " ORDER BY id"
    try:
        cursor = store._raw.execute(sql, [table] if table else [])
    except duckdb.CatalogException:  # a store written before the ledger, opened read-only
        return []
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    files = {r["id"]: r["name"] for r in rows}
    return [_record(r, files) for r in rows]


def _record(row: dict[str, Any], files: Mapping[int, str]) -> ImportRecord:
    counts = json.loads(row["replaced"]).items()
    by_import = {(None if k == "none" else int(k)): n for k, n in counts}
    replaced = tuple(Replaced(n, k, files.get(k)) for k, n in by_import.items())
    return ImportRecord(
        id=row["id"],
        file=row["file"],
        name=row["name"],
        content_hash=row["content_hash"],
        kind=row["kind"],
        table=row["table_name"],
        options=json.loads(row["options"]),
        rows_read=row["rows_read"],
        rows_added=row["rows_added"],
        rows_replaced=row["rows_replaced"],
        replaced=replaced,
        supersedes=tuple(json.loads(row["supersedes"])),
        imported_at=row["imported_at"],
        state=row["state"],
        changed_at=row["changed_at"],
        changed_by=row["changed_by"],
    )


def get_import(store: Store, import_id: int) -> ImportRecord:
    """The record of one import; an :class:`InputError` listing the ids when unknown."""
    for record in list_imports(store):
        if record.id == import_id:
            return record
    known = [r.id for r in list_imports(store)]
    raise InputError(
        f"{{import_id}} {import_id}: no such import in the store"
        + (f"; its imports are {_ids(known)}" if known else "; nothing was imported yet")
        + " (`payback imports` lists them)"
    )


def _ids(ids: list[int]) -> str:
    return ", ".join(map(str, ids)) if len(ids) <= 12 else f"{ids[0]} to {ids[-1]}"


def write_import(
    store: Store,
    table: str,
    rows: Any,
    *,
    path: Path,
    content_hash: str,
    kind: str,
    options: Mapping[str, Any],
    rows_read: int,
    meta: Mapping[str, str] | None = None,
    companions: Mapping[str, Any] | None = None,
) -> tuple[ImportRecord, int]:
    """Write an import's rows and its ledger record in one transaction.

    Earlier active imports of the same file (same absolute path or same content hash)
    into ``table`` are superseded: their rows are taken out (kept for undo) before the
    rows are upserted. ``meta`` (``base_currency``) is set in the same transaction.
    ``companions`` are rows of the tables that belong to ``table``'s imports
    (:data:`COMPANIONS`: the extra ad columns of ``ad_extras``), written with the same
    import id: superseded and undone with it.

    Returns
    -------
    (ImportRecord, int)
        The record and the rows now in ``table``.
    """
    with store.transaction() as raw:
        (new_id,) = raw.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {LEDGER}").fetchone()
        earlier = [
            r[0]
            for r in raw.execute(
                f"SELECT id FROM {LEDGER} WHERE table_name = ? AND state = 'active' "
                f"AND (file = ? OR content_hash = ?) ORDER BY id",
                [table, str(path), content_hash],
            ).fetchall()
        ]
        if earlier:
            for name in (table, *COMPANIONS.get(table, ())):
                _take_out(raw, name, earlier, new_id)
            raw.execute(
                f"UPDATE {LEDGER} SET state = 'superseded', changed_at = ?, changed_by = ? "
                f"WHERE id IN ({', '.join(map(str, earlier))})",
                [_now(), new_id],
            )
        replaced = store.upsert(raw, table, rows, import_id=new_id)
        for name, extra in (companions or {}).items():
            if name not in COMPANIONS.get(table, ()):
                raise ValueError(f"{name} does not belong to imports of {table}")
            store.upsert(raw, name, extra, import_id=new_id)
        for old in earlier:  # rows of the superseded imports are not replaced by key
            replaced.pop(old, None)
        (added,) = raw.execute(
            f"SELECT count(*) FROM {table} WHERE {PROVENANCE} = ?", [new_id]
        ).fetchone()
        (in_store,) = raw.execute(f"SELECT count(*) FROM {table}").fetchone()
        set_base = (meta or {}).get("base_currency")
        raw.execute(
            f"INSERT INTO {LEDGER} (id, file, name, content_hash, kind, table_name, options, "
            f"rows_read, rows_added, rows_replaced, replaced, supersedes, set_base_currency, "
            f"imported_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active')",
            [
                new_id,
                str(path),
                path.name,
                content_hash,
                kind,
                table,
                json.dumps(dict(options)),
                int(rows_read),
                int(added),
                int(sum(replaced.values())),
                json.dumps({("none" if k is None else k): int(n) for k, n in replaced.items()}),
                json.dumps(earlier),
                set_base,
                _now(),
            ],
        )
        for key, value in (meta or {}).items():
            store.set_raw_meta(raw, key, value)
        store.changed(raw, [table, *(companions or {})])
    return get_import(store, new_id), int(in_store)


#: Tables whose rows belong to the imports of another table: written, superseded and
#: undone with them (the extra columns an ads import keeps, ``--keep``).
COMPANIONS: dict[str, tuple[str, ...]] = {"ad_stats": ("ad_extras",)}


def _take_out(raw, table: str, ids: list[int], by: int) -> None:
    """Move the rows of imports ``ids`` from ``table`` to its archive, replaced by ``by``."""
    cols = ", ".join(f'"{c}"' for c in (*TABLES[table].column_names, PROVENANCE))
    where = f"{PROVENANCE} IN ({', '.join(map(str, ids))})"
    raw.execute(
        f"INSERT INTO {archive_name(table)} ({cols}, _replaced_by) "
        f"SELECT {cols}, {int(by)} FROM {table} WHERE {where}"
    )
    raw.execute(f"DELETE FROM {table} WHERE {where}")


@dataclass(frozen=True)
class UndoResult:
    """What :func:`undo_import` did.

    Attributes
    ----------
    record : ImportRecord
        The import, now ``undone``.
    rows_removed : int
        Its rows taken out of the table.
    rows_restored : int
        Rows it had replaced, back in the table.
    rows_kept_replaced : int
        Rows it had replaced that a later import replaces now (they stay out).
    reactivated : tuple of int
        Earlier imports of the same file that are active again.
    rows_in_store : int
    derived : tuple of UndoResult
        The imports built from this one's rows (:data:`BUILT_FROM`: the orders that
        ``--build-orders`` made of order lines), undone with it.
    """

    record: ImportRecord
    rows_removed: int
    rows_restored: int
    rows_kept_replaced: int
    reactivated: tuple[int, ...]
    rows_in_store: int
    derived: tuple[UndoResult, ...] = ()

    def summary(self) -> str:
        """The text ``payback imports undo`` prints.

        Examples
        --------
        >>> r = ImportRecord(3, "/d/a.csv", "a.csv", "ab", "orders", "orders", {}, 2, 2, 1,
        ...                  (), (), datetime(2024, 1, 1), "undone")
        >>> print(UndoResult(r, 2, 1, 0, (), 5).summary())
        Undid import 3 (orders from a.csv)
          rows removed          2
          rows restored         1
          rows now in orders    5
        """
        r = self.record
        pairs = [
            ("rows removed", f"{self.rows_removed:,}"),
            ("rows restored", f"{self.rows_restored:,}"),
        ]
        if self.rows_kept_replaced:
            pairs.append(("still replaced", f"{self.rows_kept_replaced:,} (by later imports)"))
        if self.reactivated:
            pairs.append(("active again", ", ".join(f"import {i}" for i in self.reactivated)))
        pairs.append((f"rows now in {r.table}", f"{self.rows_in_store:,}"))
        width = max(len(label) for label, _ in pairs) + 2
        lines = [f"Undid import {r.id} ({r.kind} from {r.name})"]
        text = "\n".join(lines + [f"  {label:<{width}}{value}" for label, value in pairs])
        for d in self.derived:  # its first line says where it came from
            head, _, rest = d.summary().partition("\n")
            text += f"\n{head} (built from import {r.id}'s rows)\n{rest}"
        return text


#: The ledger option naming the import whose rows an import was built from (the orders
#: of ``import order-items --build-orders``): undoing that import undoes this one too.
BUILT_FROM = "built_from_import"


def record_built_from(store: Store, import_id: int, source_id: int, **options: Any) -> None:
    """Record in import ``import_id``'s options that its rows were built from import
    ``source_id``'s (and ``options``, how), so that undoing the source undoes it too."""
    record = get_import(store, import_id)
    given = {**record.options, BUILT_FROM: int(source_id), **options}
    with store.transaction() as raw:
        raw.execute(f"UPDATE {LEDGER} SET options = ? WHERE id = ?", [json.dumps(given), import_id])


def undo_import(store: Store, import_id: int) -> UndoResult:
    """Take back one import: remove the rows it added, restore the rows it replaced.

    The rows it added go, also those a later import has replaced since (they would
    otherwise come back when that import is undone). Each row it replaced comes back,
    unless a later import holds its natural key now: then it stays replaced, by that
    import. Earlier imports of the same file it superseded become active again. The
    base currency it set is unset when no money is left in the store. The imports built
    from its rows (:data:`BUILT_FROM`: the orders of ``--build-orders``), when active, are
    undone with it. One transaction.

    Returns
    -------
    UndoResult

    Raises
    ------
    payback.errors.InputError
        An unknown id, or an import already undone.
    """
    record = get_import(store, import_id)
    if record.state == "undone":
        raise InputError(
            f"import {import_id} ({record.name}) was already undone at "
            f"{record.changed_at:%Y-%m-%d %H:%M:%S} UTC: nothing to take back"
        )
    derived = [
        r.id
        for r in list_imports(store)
        if r.state == "active" and r.options.get(BUILT_FROM) == int(import_id)
    ]
    with store.transaction() as raw:
        counts = {i: _undo_in(store, raw, i) for i in (*derived, int(import_id))}
    own = _undone(store, int(import_id), counts[int(import_id)])
    return replace(own, derived=tuple(_undone(store, i, counts[i]) for i in derived))


def _undo_in(store: Store, raw, own: int) -> tuple[int, int, int, tuple[int, ...], int]:
    """Inside the undo's transaction: take back import ``own`` (its rows and its
    companions', the imports it superseded made active again, its state); returns
    (removed, restored, kept replaced, reactivated, rows now in its table)."""
    table = TABLES[get_import(store, own).table]
    name = table.name
    companions = COMPANIONS.get(name, ())
    removed, restored, kept = _undo_rows(raw, table, own)
    for other in companions:
        _undo_rows(raw, TABLES[other], own)
    reactivated = raw.execute(
        f"UPDATE {LEDGER} SET state = 'active', changed_at = NULL, changed_by = NULL "
        f"WHERE state = 'superseded' AND changed_by = ? RETURNING id",
        [own],
    ).fetchall()
    raw.execute(
        f"UPDATE {LEDGER} SET state = 'undone', changed_at = ?, changed_by = NULL WHERE id = ?",
        [_now(), own],
    )
    if table.name in MONEY_TABLES and _no_money(raw):
        store.delete_meta(raw, "base_currency")
    store.changed(raw, [name, *companions])
    (in_store,) = raw.execute(f"SELECT count(*) FROM {name}").fetchone()
    return removed, restored, kept, tuple(sorted(r[0] for r in reactivated)), in_store


def _undone(store: Store, import_id: int, counts) -> UndoResult:
    removed, restored, kept, reactivated, in_store = counts
    return UndoResult(
        get_import(store, import_id),
        int(removed),
        int(restored),
        int(kept),
        reactivated,
        int(in_store),
    )


def _undo_rows(raw, table, own: int) -> tuple[int, int, int]:
    """Inside the undo's transaction: remove import ``own``'s rows of ``table`` and put
    back the rows it replaced; returns (removed, restored, kept replaced)."""
    name, archive = table.name, archive_name(table.name)
    cols = ", ".join(f'"{c}"' for c in (*table.column_names, PROVENANCE))
    (removed,) = raw.execute(f"DELETE FROM {name} WHERE {PROVENANCE} = ?", [own]).fetchone()
    raw.execute(f"DELETE FROM {archive} WHERE {PROVENANCE} = ?", [own])
    match = key_match(table, "t", "a")
    # a later import holds the key now: the row stays replaced, by that import
    (kept,) = raw.execute(
        f"UPDATE {archive} a SET _replaced_by = (SELECT max(t.{PROVENANCE}) FROM {name} t "
        f"WHERE {match}) WHERE a._replaced_by = ? AND EXISTS "
        f"(SELECT 1 FROM {name} t WHERE {match})",
        [own],
    ).fetchone()
    (restored,) = raw.execute(
        f"INSERT INTO {name} ({cols}) SELECT {cols} FROM {archive} WHERE _replaced_by = ?",
        [own],
    ).fetchone()
    raw.execute(f"DELETE FROM {archive} WHERE _replaced_by = ?", [own])
    return int(removed), int(restored), int(kept)


def _no_money(raw) -> bool:
    """True when no table with money has a row (the base currency is then free again)."""
    union = " UNION ALL ".join(f"(SELECT 1 FROM {t} LIMIT 1)" for t in MONEY_TABLES)
    return raw.execute(f"SELECT count(*) FROM ({union})").fetchone()[0] == 0


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


__all__ = [
    "COMPANIONS",
    "ImportRecord",
    "Replaced",
    "UndoResult",
    "file_hash",
    "get_import",
    "list_imports",
    "undo_import",
    "write_import",
]
