"""Partner (affiliate) programmes: claims checked against the shop's orders, partner value.

- :func:`reconcile`: each partner claim gets exactly one status (``confirmed``,
  ``unknown_order``, ``duplicate_claim``, ``claimed_twice``, ``cancelled``, ``returned``,
  ``pending``, ``not_attributed``, ``outside_window``, ``existing_customer``,
  ``amount_differs``; precedence in :mod:`payback.partners.reconcile`), what is owed,
  totals and the discrepancy rate per partner; :func:`batch_file` turns the
  discrepancies into the network's own modification / reversal file.
- :func:`value`: orders, revenue, new customers, reconciled commissions, CPO, cohort
  LTV and predicted CLV of the customers each partner brought, ranked by value.
- :func:`signals`: fraud and quality signals (duplicate order ids, cancel rates beyond
  chance, existing customers claimed shortly after a click).

Network file layouts (impact.com, Awin, Tapfiliate, Everflow, generic) are read by the
importer (:mod:`payback.ingest.partner_layouts`).

>>> from payback.partners import STATUSES
>>> STATUSES[0], STATUSES[-1]
('unknown_order', 'confirmed')
"""

from __future__ import annotations

from payback.partners.batch import BATCH_LAYOUTS, REASON_CODES, batch_file
from payback.partners.claims import read_claims
from payback.partners.reconcile import (
    DISCREPANCIES,
    PRECEDENCE,
    STATUSES,
    Reconciliation,
    parse_window,
    reconcile,
)
from payback.partners.signals import signals
from payback.partners.value import value

__all__ = [
    "BATCH_LAYOUTS",
    "DISCREPANCIES",
    "PRECEDENCE",
    "REASON_CODES",
    "STATUSES",
    "Reconciliation",
    "batch_file",
    "parse_window",
    "read_claims",
    "reconcile",
    "signals",
    "value",
]
