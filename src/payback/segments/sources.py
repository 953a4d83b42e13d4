"""The acquisition source of each customer, for ``by``: the attribution of their first
confirmed order (:func:`payback.metrics.scope.acquisitions`, read through
:func:`payback.clv.cohorts.acquisition_expr`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from payback.errors import InputError

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from payback.store import Store

__all__ = ["ALL_SOURCES", "BY_SOURCES", "customer_sources", "source_grouping"]

#: ``by`` -> the acquisition source grouping of :mod:`payback.clv.cohorts` (``source``
#: and ``channel`` are the platform of the first order).
BY_SOURCES = {
    "source": "platform",
    "channel": "platform",
    "platform": "platform",
    "campaign": "campaign",
    "partner": "partner",
}
#: The label of the rows summing every source.
ALL_SOURCES = "(all sources)"


def source_grouping(by: str) -> str:
    """The :mod:`payback.clv.cohorts` grouping of ``by``; InputError for an unknown one.

    >>> source_grouping("Source"), source_grouping("partner")
    ('platform', 'partner')
    """
    key = by.strip().lower()
    if key not in BY_SOURCES:
        raise InputError(
            f"unknown {{by}} {by!r}: expected one of {', '.join(BY_SOURCES)} (the acquisition "
            f"source: the attribution of each customer's first confirmed order)"
        )
    return BY_SOURCES[key]


def customer_sources(store: Store, by: str) -> ir.Table:
    """One row per acquired customer: ``customer_id, source`` (lazy)."""
    from payback.clv.cohorts import acquisition_expr, source_expr

    grouping = source_grouping(by)
    acq = acquisition_expr(store)
    return acq.select("customer_id", source=source_expr(acq, grouping))
