"""Extra numeric columns of an ads import, kept in ``ad_extras`` (``--keep``).

An ad export carries more than payback's canonical columns: Meta's "Post shares",
"ThruPlays", "Post comments". ``payback import ads FILE --keep "Post shares"`` (or a
``[columns.NAME]`` of the metrics file, :mod:`payback.metrics.custom`) keeps such a
column: it is parsed and checked like any number of the file (a bad cell names its row
and column; nothing is imported), then written, one row per ad row with a value, to the
``ad_extras`` table (the ad row's date, platform, account, campaign, ad group and keyword,
the column's ``name`` and its ``value``) in the import's own transaction. It goes with
the import: importing the file again replaces it, ``payback imports undo`` takes it back.

Examples
--------
>>> from payback.schema import TABLES
>>> table = extended(TABLES["ad_stats"], {"post_shares": "Post shares"})
>>> table.column_names[-1], table.column("_keep_post_shares").dtype
('_keep_post_shares', 'float64')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from payback.errors import DataError, InputError
from payback.ingest.parsing import ident
from payback.ingest.platforms import close_columns, norm
from payback.schema import Column, Table

#: The staged column of a kept extra column ``name`` is ``PREFIX + name``.
PREFIX = "_keep_"
#: The table the kept columns are written to.
TABLE = "ad_extras"
_KEYS = ("date", "platform", "account", "campaign", "ad_group", "keyword")


def check_kind(kind_table: Table, keep: Mapping[str, str], declared: Mapping[str, str]) -> None:
    """``--keep`` applies to ads imports; a kept name must not be a canonical column."""
    if keep and kind_table.name != "ad_stats":
        raise InputError(f"--keep applies to ads imports; {kind_table.kind} keeps no extra column")
    clash = [n for n in (*keep, *declared) if n in kind_table.column_names]
    if clash:
        raise InputError(
            f"--keep {clash[0]}: {clash[0]!r} is a column of ad_stats already; map it with "
            f"--map {clash[0]}=HEADER, or keep the header under another name "
            f"(--keep my_{clash[0]}=HEADER)"
        )


def chosen(
    columns: Sequence[str], keep: Mapping[str, str], declared: Mapping[str, str], file: str
) -> dict[str, str]:
    """The columns to keep: every ``--keep`` one (a header the file lacks is an error), and
    the metrics file's declared ones the file has. Returns name -> the file's header."""
    by_norm = {norm(c): c for c in reversed(columns)}
    out: dict[str, str] = {}
    for name, header in keep.items():
        found = by_norm.get(norm(header))
        if found is None:
            near = close_columns([header], columns)
            raise DataError(
                f"--keep {header!r}: the file has no column {header!r}",
                file=file,
                expected=f"one of its columns: {', '.join(columns)}",
                fix=(f"did you mean {', '.join(repr(n) for n in near)}? " if near else "")
                + "check the spelling of the header",
            )
        out[name] = found
    for name, header in declared.items():
        found = by_norm.get(norm(header))
        if found is not None and name not in out:
            out[name] = found
    return out


def extended(table: Table, kept: Mapping[str, str]) -> Table:
    """The ads table with one float column per kept column (staged, never stored there)."""
    extra = tuple(
        Column(PREFIX + name, "float64", description=f"{header} (kept in {TABLE})")
        for name, header in kept.items()
    )
    return replace(table, columns=table.columns + extra) if extra else table


def mapping(kept: Mapping[str, str]) -> dict[str, str]:
    """``--map`` pairs feeding the staged columns from the file's headers."""
    return {PREFIX + name: header for name, header in kept.items()}


def split(rows: Any, columns: Sequence[str]) -> tuple[Any, dict[str, Any], list[str]]:
    """The ad rows without the kept columns, and the ``ad_extras`` rows made of them.

    ``rows`` is the DuckDB relation of the rows to write (``columns``). Returns
    (ad rows, companions for :func:`payback.ingest.ledger.write_import`, ad columns).
    """
    kept = [c for c in columns if c.startswith(PREFIX)]
    ad_columns = [c for c in columns if not c.startswith(PREFIX)]
    if not kept:
        return rows, {}, ad_columns
    keys = ", ".join(ident(c) for c in _KEYS if c in ad_columns)
    union = " UNION ALL ".join(
        f"SELECT {keys}, '{c[len(PREFIX) :]}' AS name, {ident(c)} AS value FROM _pb_rows "
        f"WHERE {ident(c)} IS NOT NULL"
        for c in kept
    )
    extras = rows.query("_pb_rows", union)
    ads = rows.query("_pb_rows", f"SELECT {', '.join(ident(c) for c in ad_columns)} FROM _pb_rows")
    return ads, {TABLE: extras}, ad_columns


__all__ = ["PREFIX", "TABLE", "check_kind", "chosen", "extended", "mapping", "split"]
