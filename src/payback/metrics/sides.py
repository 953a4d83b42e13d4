"""Data sides: the kinds of rows the engine sums, each one record in one registry.

A :class:`Side` says which table its rows come from, which of them count (a rule of
:mod:`payback.metrics.scope`), the column holding a row's day or time, the column of
each grain dimension, and the additive :class:`Part` sums it contributes to metrics.
The engine knows no side by name: it aggregates every side a query needs to the grain
and joins them (:mod:`payback.metrics.engine`).

======  =====================  ====================  ===================================
side    table                  rows that count       parts
======  =====================  ====================  ===================================
ads     ``ad_stats``           every row             impressions, clicks, cost, platform
                                                     conversions and value, ad_rows
orders  ``orders``             confirmed             orders, revenue, cogs, cogs_missing
new     ``acquisitions``       first confirmed       new_customers
        (derived)              order per customer
leads   ``leads``              valid                 leads
======  =====================  ====================  ===================================

Visits (``sessions``, one side per goal) are registered by :mod:`payback.metrics.visits`.
Adding a side (partner claims, order lines) is one :func:`register_side`
call with its record; its parts are then usable by catalogue metrics at every grain.
See ``docs/architecture.md`` for a worked example.

Examples
--------
>>> SIDES["ads"].columns["campaign"], SIDES["orders"].columns["partner"]
('campaign', 'partner_id')
>>> "partner" in SIDES["ads"].columns    # the ads cannot be split by partner
False
>>> PART_SIDE["new_customers"], PARTS["cost"].money
('new', True)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from payback.errors import InputError
from payback.metrics import scope
from payback.metrics.filters import GRAINS, Where, parse_range, parse_where

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from payback.store import Store


@dataclass(frozen=True)
class Part:
    """An additive sum a side contributes (``cost``, ``orders`` ...).

    Attributes
    ----------
    name : str
        Unique over every side; catalogue metrics of kind ``sum`` are named after parts.
    total : callable
        ``total(rows) -> ibis scalar``: the sum over the side's rows (already filtered).
    count : bool
        An integer count (``int64``); else a ``float64`` amount.
    money : bool
        Money in the rows' ``currency``: rounded to micro-units after summing (binary
        floating-point noise only), and the currency is checked before summing.
    description : str
        What is summed, for the docs.
    none : str
        Why a ratio over this part is missing when it is 0 (``"no confirmed orders"``);
        default ``"no <name>"``.
    """

    name: str
    total: Callable[[ir.Table], ir.Value]
    count: bool = False
    money: bool = False
    description: str = ""
    none: str = ""

    @property
    def dtype(self) -> str:
        return "int64" if self.count else "float64"

    @property
    def zero_reason(self) -> str:
        """Why a ratio with this part as denominator is missing when the part is 0."""
        return self.none or f"no {self.name.replace('_', ' ')}"


def _dims(**extra: str) -> dict[str, str]:
    """Dimension -> column of a side whose dates come from its time column."""
    return {"date": "", "week": "", "month": "", **extra}


_ATTRIBUTION = {
    "platform": "platform",
    "campaign": "campaign",
    "ad_group": "ad_group",
    "keyword": "keyword",
    "partner": "partner_id",
    "country": "country",
    "device": "device",
}


@dataclass(frozen=True)
class Side:
    """A kind of row the engine sums.

    Attributes
    ----------
    name : str
        Key in :data:`SIDES` (``ads``, ``orders`` ...).
    table : str
        The store table the rows come from (a canonical or derived table).
    words : str
        What the rows are, in messages: "no {words} match this row".
    time : str
        The column holding a row's day (a date) or time (a timestamp): date dimensions
        and ``--from/--to`` read it.
    columns : mapping
        Grain dimension -> column. A dimension missing here cannot split this side: its
        parts are missing at that grain, with the reason. Date dimensions map to ``""``
        (they come from ``time``).
    parts : tuple of Part
    keep : callable, optional
        ``keep(table) -> table``: the rows that count (a rule of
        :mod:`payback.metrics.scope`); None keeps every row.
    optional : frozenset of str
        Dimensions whose column is often empty in every row (an export without a
        country breakdown): asked first, and when every row lacks one, the side cannot be
        split by it.
    paid : bool
        The side is the advertising itself: metrics relating it to another side (CPO,
        DRR ...) are totalled over the rows that have it (``Total (paid)``).
    presence : str or None
        For the paid side, the part counting its rows (marks the rows that have it).
    """

    name: str
    table: str
    words: str
    time: str
    columns: Mapping[str, str]
    parts: tuple[Part, ...]
    keep: Callable[[ir.Table], ir.Table] | None = None
    optional: frozenset[str] = field(default_factory=frozenset)
    paid: bool = False
    presence: str | None = None

    def source(self, store: Store) -> ir.Table:
        """The rows that count, unfiltered."""
        t = store.table(self.table)
        return self.keep(t) if self.keep is not None else t

    def value(self, t: ir.Table, dim: str) -> ir.Value:
        """The value of grain dimension ``dim`` on a row of this side."""
        return scope.dimension_value(t, dim, self.columns[dim], self.time)

    def rows(
        self,
        store: Store,
        filters: Mapping[str, tuple[object, ...]],
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> ir.Table:
        """The rows that count, of the period and the parsed filters (values bound as
        literals). A filter on a dimension the side lacks is the caller's to refuse."""
        t = self.source(store)
        preds = scope.in_period(t, self.time, start, end)
        preds += [scope.matches(self.value(t, d), d, v) for d, v in filters.items()]
        return t.filter(*preds) if preds else t


_ads = Side(
    name="ads",
    table="ad_stats",
    words="ad statistics",
    time="date",
    columns=_dims(**{k: v for k, v in _ATTRIBUTION.items() if k != "partner"}),
    parts=(
        Part("impressions", lambda t: t.impressions.sum(), count=True,
             description="``ad_stats.impressions``"),
        Part("clicks", lambda t: t.clicks.sum(), count=True, description="``ad_stats.clicks``"),
        Part("cost", lambda t: t.cost.sum(), money=True, description="``ad_stats.cost`` (spend)",
             none="no ad cost"),
        Part("platform_conversions", lambda t: t.conversions.sum(),
             description="``ad_stats.conversions`` (what the platform reports)"),
        Part("platform_revenue", lambda t: t.conversion_value.sum(), money=True,
             description="``ad_stats.conversion_value``"),
        Part("ad_rows", lambda t: t.count(), count=True,
             description="1 per ad row (marks the rows that have ad statistics)"),
    ),
    optional=frozenset({"country", "device"}),
    paid=True,
    presence="ad_rows",
)  # fmt: skip

_orders = Side(
    name="orders",
    table="orders",
    words="orders",
    time="time",
    columns=_dims(**_ATTRIBUTION),
    parts=(
        Part("orders", lambda t: t.count(), count=True,
             description="1 per order with status ``confirmed``", none="no confirmed orders"),
        Part("revenue", lambda t: t.revenue.sum(), money=True,
             description="``orders.revenue`` of confirmed orders"),
        Part("cogs", lambda t: t.cogs.sum(), money=True,
             description="``orders.cogs`` of confirmed orders"),
        Part("cogs_missing", lambda t: t.count() - t.cogs.count(), count=True,
             description="1 per confirmed order whose ``cogs`` is empty"),
    ),
    keep=scope.confirmed,
)  # fmt: skip

_new = Side(
    name="new",
    table="acquisitions",
    words="new customers",
    time="time",
    columns=_dims(**_ATTRIBUTION),
    parts=(
        Part("new_customers", lambda t: t.count(), count=True,
             description="1 per customer, in the row of their first confirmed order"),
    ),
)  # fmt: skip

_leads = Side(
    name="leads",
    table="leads",
    words="leads",
    time="time",
    columns=_dims(**_ATTRIBUTION),
    parts=(
        Part("leads", lambda t: t.count(), count=True,
             description="1 per lead with status ``valid``", none="no valid leads"),
    ),
    keep=scope.valid,
)  # fmt: skip

#: Every side, by name, in the order their parts are listed.
SIDES: dict[str, Side] = {}
#: Every part, by name.
PARTS: dict[str, Part] = {}
#: The side of each part.
PART_SIDE: dict[str, str] = {}


def register_side(side: Side) -> Side:
    """Add a side to the registry (its parts become available to catalogue metrics).

    Raises
    ------
    InputError
        When the side's name or one of its part names is taken, or a column maps an
        unknown grain dimension.
    """
    if side.name in SIDES:
        raise InputError(f"a side named {side.name!r} exists already")
    taken = [p.name for p in side.parts if p.name in PARTS]
    if taken:
        raise InputError(f"side {side.name!r}: part name(s) {taken} exist already")
    unknown = [d for d in side.columns if d not in GRAINS]
    if unknown:
        raise InputError(
            f"side {side.name!r}: unknown dimension(s) {unknown}: expected some of "
            f"{', '.join(GRAINS)}"
        )
    SIDES[side.name] = side
    for p in side.parts:
        PARTS[p.name] = p
        PART_SIDE[p.name] = side.name
    return side


for _side in (_ads, _orders, _new, _leads):
    register_side(_side)


def rows_in_scope(
    side: str,
    store: Store,
    *,
    where: Where = None,
    start: object = None,
    end: object = None,
) -> ir.Table:
    """The rows of a side that count, of the period ``start .. end`` and the ``where``
    filters: the rows the engine sums, for analyses that work on rows rather than sums
    (ceilings on orders, partner commissions).

    Raises
    ------
    InputError
        For a filter on a dimension the side does not have.

    Examples
    --------
    >>> import datetime as dt, pyarrow as pa
    >>> from payback.store import open_store
    >>> store = open_store(":memory:")
    >>> _ = store.write({"orders": pa.table({"order_id": ["1", "2", "3"],
    ...     "customer_id": ["a", "b", "c"], "time": [dt.datetime(2024, 3, d) for d in (1, 2, 31)],
    ...     "revenue": [1.0] * 3, "status": ["confirmed"] * 3, "currency": ["EUR"] * 3,
    ...     "platform": ["google", "google", "meta"]})})
    >>> rows = rows_in_scope("orders", store, where=["platform=Google"], end="2024-03-01")
    >>> store.execute(rows.order_id).tolist()
    ['1']
    """
    record = SIDES[side]
    filters = parse_where(where)
    lacking = [d for d in filters if d not in record.columns]
    if lacking:
        raise InputError(
            f"the {record.words} have no {', '.join(lacking)} to filter on: expected filters "
            f"on {', '.join(d for d in record.columns)}"
        )
    return record.rows(store, filters, *parse_range(start, end))


__all__ = ["PARTS", "PART_SIDE", "SIDES", "Part", "Side", "register_side", "rows_in_scope"]
