"""Platform-reported results: what an ad export's conversion column counts.

Meta's Ads Manager reports its headline **Results** column per row in the unit of the
campaign's objective, named in **Result indicator** (``actions:offsite_conversion.
fb_pixel_purchase``, ``actions:link_click`` ...) or **Result type** ("Website
purchases"). The import keeps Results as the platform's conversions
(``ad_stats.conversions``; ``cost_per_result`` and ``platform_roas`` in the catalogue)
and warns when one file sums results of several kinds: a purchase and a link click are
not one unit, so their cost per result means little over both.

Yandex Direct's Reports API, asked for goals (``Goals`` and ``AttributionModels``),
writes one column per goal and model instead of ``Conversions`` and ``Revenue``:
``Conversions_12345_LSC``, ``Revenue_12345_LSC``. Without a plain column, their sum is the
platform's conversions and conversion value (:func:`goal_columns`), as Direct's own
"Конверсии" total of the goals chosen.

Examples
--------
>>> import pyarrow as pa
>>> from payback.ingest.platforms import Plan, Source
>>> t = pa.table({"Results": ["3", "40"], "Result indicator": [
...     "actions:offsite_conversion.fb_pixel_purchase", "actions:link_click"]})
>>> plan = Plan({"conversions": Source("conversions", column="Results")})
>>> print(mixed_results(t, plan)[0])
the Results column counts 2 kinds of result (Result indicator: actions:link_click, \
actions:offsite_conversion.fb_pixel_purchase): cost per result and platform conversions \
add them up; export one objective per file, or keep one kind with --map conversions=Purchases
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from payback.ingest.platforms import Plan, norm
from payback.ingest.spreadsheets import number_text

#: Headers naming the kind of each row's Results (Meta Ads Manager).
INDICATORS = ("result indicator", "result type")


def mixed_results(table: pa.Table, plan: Plan) -> list[str]:
    """A warning when the file's Results column mixes kinds of result (else none).

    Parameters
    ----------
    table : pyarrow.Table
        The file's data rows, text columns as the file names them.
    plan : Plan
        Where each canonical column comes from.
    """
    source = plan.sources.get("conversions")
    if source is None or source.column is None or norm(source.column) != "results":
        return []
    found = next((c for c in table.column_names if norm(c) in INDICATORS), None)
    if found is None or table.num_rows == 0:
        return []
    kinds = pc.unique(pc.utf8_trim_whitespace(table[found].cast(pa.string()))).to_pylist()
    kinds = sorted(k for k in kinds if k)
    if len(kinds) < 2:
        return []
    shown = ", ".join(kinds[:4]) + (f" and {len(kinds) - 4} more" if len(kinds) > 4 else "")
    return [
        f"the Results column counts {len(kinds)} kinds of result ({found}: {shown}): cost per "
        f"result and platform conversions add them up; export one objective per file, or "
        f"keep one kind with --map conversions=Purchases"
    ]


#: Yandex Direct per-goal columns: ``Conversions_<goal id>_<attribution model>``.
GOAL_COLUMN = re.compile(r"(conversions|revenue)_(\d+)_([a-z]+)", re.IGNORECASE)


def goal_columns(table: pa.Table, layout_name: str) -> tuple[pa.Table, list[str]]:
    """A Yandex Direct report with per-goal columns and no plain ``Conversions`` /
    ``Revenue``: those columns added, each the sum of its goals' (empty where every goal
    is empty); with a note naming the goals. Other files are returned as they are.

    Examples
    --------
    >>> t = pa.table({"Conversions_111_LSC": ["2", "--"], "Conversions_222_LSC": ["1", "--"],
    ...               "Revenue_111_LSC": ["5000000", "--"]})
    >>> out, notes = goal_columns(t, "yandex")
    >>> out["Conversions"].to_pylist(), out["Revenue"].to_pylist()
    (['3', ''], ['5000000', ''])
    >>> print(notes[0])
    conversions are the sum of 2 goal column(s) (goals 111, 222); revenue is the sum of 1 goal
    column(s) (goals 111)
    """
    if layout_name != "yandex":
        return table, []
    names = {norm(c) for c in table.column_names}
    found: dict[str, list[str]] = {"conversions": [], "revenue": []}
    for column in table.column_names:
        m = GOAL_COLUMN.fullmatch(column.strip())
        if m and m.group(1).lower() not in names:
            found[m.group(1).lower()].append(column)
    notes = []
    for kind, columns in found.items():
        if not columns:
            continue
        try:
            values = [
                pc.cast(
                    pc.if_else(
                        pc.is_in(pc.utf8_trim_whitespace(table[c]), pa.array(["", "--"])),
                        pa.scalar(None, pa.string()),
                        table[c],
                    ),
                    pa.float64(),
                )
                for c in columns
            ]
        except pa.ArrowInvalid:  # a cell that is not a number: no sum, and a warning says why
            return table, [
                f"the goal columns {', '.join(columns)} are not all numbers: their sum is not "
                f"taken; map one with --map {kind}=COLUMN"
            ]
        total = values[0]
        for v in values[1:]:
            total = pc.if_else(
                pc.and_(pc.is_null(total), pc.is_null(v)),
                pa.scalar(None, pa.float64()),
                pc.add(pc.fill_null(total, 0.0), pc.fill_null(v, 0.0)),
            )
        table = table.append_column(kind.capitalize(), pc.fill_null(number_text(total), ""))
        goals = sorted({GOAL_COLUMN.fullmatch(c.strip()).group(2) for c in columns})
        verb = "are" if kind == "conversions" else "is"
        notes.append(
            f"{kind} {verb} the sum of {len(columns)} goal column(s) (goals {', '.join(goals)})"
        )
    if not notes:
        return table, []
    text = "; ".join(notes)
    return table, [text]


__all__ = ["GOAL_COLUMN", "INDICATORS", "goal_columns", "mixed_results"]
