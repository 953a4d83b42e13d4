"""Small look-ups into the store that explain a result: filter values that match nothing,
ad dimensions the platform exports left empty.

A filter value that matches no row gives an empty result, which looks like "no sales"
rather than "typo". :func:`unmatched_filters` says so, listing the values that exist
(closest first), so ``--where platform=gogle`` or ``--where campaign=Brand`` is caught.

Examples
--------
>>> import datetime as dt, pyarrow as pa
>>> from payback.store import open_store
>>> store = open_store(":memory:")
>>> _ = store.write({"ad_stats": pa.table({"date": [dt.date(2024, 3, 1)] * 2,
...     "platform": ["google", "meta"], "campaign": ["brand", "shoes"],
...     "impressions": [1, 1], "clicks": [1, 1], "cost": [1.0, 1.0],
...     "currency": ["EUR"] * 2})})
>>> for warning in unmatched_filters(store, ("ads",), {"platform": ("gogle",)}):
...     print(warning)
--where platform=gogle matches no row of the ad statistics; did you mean google?
values there: google, meta
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

import ibis

from payback.metrics.filters import GRAINS
from payback.metrics.sides import SIDES, Side

#: How many existing values a warning lists.
SHOWN_VALUES = 10
#: How many distinct values are read to choose the closest from.
_READ_VALUES = 2_000


def unmatched_filters(
    store,
    sides: Sequence[str],
    filters: Mapping[str, tuple[object, ...]],
    start=None,
    end=None,
) -> tuple[str, ...]:
    """One warning per filter value that matches no row of the sides that have its dimension.

    Parameters
    ----------
    store : payback.store.Store
    sides : sequence of str
        The sides the query reads (:data:`payback.metrics.sides.SIDES`; a side without
        the dimension, the ads for ``partner``, is not asked).
    filters : mapping
        ``{dimension: (values, ...)}`` as :func:`payback.metrics.filters.parse_where`
        returns them.
    start, end : date, optional
        The period: a value that exists only outside it matches nothing inside it.

    Returns
    -------
    tuple of str
        E.g. ``"--where platform=gogle matches no row of the ad statistics; did you mean
        google? values there: google, meta"``; up to :data:`SHOWN_VALUES` values are
        listed, the closest to the one given first.
    """
    out: list[str] = []
    for dim, values in filters.items():
        readable = [s for s in sides if dim in SIDES[s].columns]
        if not readable or not values:
            continue
        d = GRAINS[dim]
        keys = [
            SIDES[s].value(rows, dim).name("value")
            for s in readable
            for rows in [SIDES[s].rows(store, {}, start, end)]
        ]
        tables = [k.as_table() for k in keys]
        every = ibis.union(*tables, distinct=True) if len(tables) > 1 else tables[0].distinct()
        value = every.value.lower() if d.case_insensitive else every.value
        lits = [ibis.literal(v, type=d.dtype) for v in values]
        found = {r["value"] for r in store.to_pyarrow(every.filter(value.isin(lits))).to_pylist()}
        if d.case_insensitive:
            found = {str(v).lower() for v in found}
        missing = [v for v in values if v not in found]
        if not missing:
            continue
        listed = every.filter(every.value.notnull()).order_by("value").limit(_READ_VALUES + 1)
        existing = [r["value"] for r in store.to_pyarrow(listed).to_pylist()]
        where = " or ".join(f"the {SIDES[s].words}" for s in dict.fromkeys(readable))
        period = "" if start is None and end is None else " in the period"
        for v in missing:
            out.append(_warning(dim, v, existing, where + period))
    return tuple(out)


def blank_dimensions(store, side: Side, dims: Sequence[str]) -> frozenset[str]:
    """The dimensions among ``dims`` that every row of ``side`` leaves empty (``country``
    and ``device`` of the ads when the platform exports had no such column).

    Only the side's optional columns are asked (:attr:`Side.optional`), in one small
    query over its table; an empty table gives none.

    Examples
    --------
    >>> import datetime as dt, pyarrow as pa
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write({"ad_stats": pa.table({"date": [dt.date(2024, 3, 1)],
    ...     "platform": ["google"], "device": ["mobile"], "impressions": [1],
    ...     "clicks": [1], "cost": [1.0], "currency": ["EUR"]})})
    >>> sorted(blank_dimensions(store, SIDES["ads"], ["country", "device", "platform"]))
    ['country']
    """
    asked = sorted({d for d in dims if d in side.optional})
    if not asked:
        return frozenset()
    t = store.table(side.table)
    counts = t.aggregate(_rows=t.count(), **{d: t[side.columns[d]].count() for d in asked})
    (row,) = store.to_pyarrow(counts).to_pylist()
    return frozenset(d for d in asked if row["_rows"] and not row[d])


def _warning(dim: str, value: object, existing: list, where: str) -> str:
    label = GRAINS[dim].label
    shown_value = label(value)
    head = f"--where {dim}={shown_value} matches no row of {where}"
    if not existing:
        return f"{head}: no row there has a {dim}"
    texts = [label(v) for v in existing[:_READ_VALUES]]
    if GRAINS[dim].dtype == "date":  # a period outside the data: say where the data are
        return f"{head}; the data cover {texts[0]} to {label(existing[-1])}"
    wanted = str(shown_value).lower()
    close = [t for t in texts if wanted in t.lower()][:3]  # "Brand" -> "Brand - Exact"
    close += [
        t
        for t in difflib.get_close_matches(str(shown_value), texts, n=3, cutoff=0.6)
        if t not in close
    ]
    ordered = close + [t for t in texts if t not in close]
    listed = ", ".join(ordered[:SHOWN_VALUES])
    more = len(existing) - SHOWN_VALUES
    tail = f" and {more if len(existing) <= _READ_VALUES else 'many'} more" if more > 0 else ""
    hint = f"did you mean {close[0]}? " if close else ""
    return f"{head}; {hint}values there: {listed}{tail}"


__all__ = ["SHOWN_VALUES", "blank_dimensions", "unmatched_filters"]
