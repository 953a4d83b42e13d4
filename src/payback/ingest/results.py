"""Platform-reported results: what an ad export's conversion column counts.

Meta's Ads Manager reports its headline **Results** column per row in the unit of the
campaign's objective, named in **Result indicator** (``actions:offsite_conversion.
fb_pixel_purchase``, ``actions:link_click`` ...) or **Result type** ("Website
purchases"). The import keeps Results as the platform's conversions
(``ad_stats.conversions``; ``cost_per_result`` and ``platform_roas`` in the catalogue)
and warns when one file sums results of several kinds: a purchase and a link click are
not one unit, so their cost per result means little over both.

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

import pyarrow as pa
import pyarrow.compute as pc

from payback.ingest.platforms import Plan, norm

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


__all__ = ["INDICATORS", "mixed_results"]
