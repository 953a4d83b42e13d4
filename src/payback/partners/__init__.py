"""Partner (affiliate) programmes: claims checked against the shop's orders, partner value,
commissions by rules, the ledger and payouts, the CLV-based commission designer.

- :func:`reconcile`: each partner claim gets exactly one status (``confirmed``,
  ``unknown_order``, ``duplicate_claim``, ``claimed_twice``, ``cancelled``, ``returned``,
  ``pending``, ``not_attributed``, ``outside_window``, ``existing_customer``,
  ``amount_differs``; precedence in :mod:`payback.partners.reconcile`), what is owed,
  totals and the discrepancy rate per partner; :func:`batch_file` turns the
  discrepancies into the network's own modification / reversal file.
- :func:`value`: orders, revenue, new customers, reconciled commissions, CPO, cohort
  LTV and predicted CLV of the customers each partner brought, ranked by value.
- :func:`signals`: fraud and quality signals (duplicate order ids, cancel rates beyond
  chance, existing customers claimed shortly after a click, :func:`bursts` of claims
  from one IP address or contact).
- :func:`commissions`: each claim's commission by a rules file (:func:`read_rules`);
- :func:`ledger`: pending -> locked -> paid, reversals before the lock, clawbacks after,
  payouts per month and a :func:`statement` per partner;
- :func:`design_commissions`: per partner the highest commission per first and repeat
  order that keeps its customers profitable;
- :func:`check_paystub`: what the network paid (impact.com's paystub action listing,
  :func:`read_paystub`) against what the ledger owes, per partner and month.

Network file layouts (impact.com, Awin, Tapfiliate, Everflow, generic) are read by the
importer (:mod:`payback.ingest.partner_layouts`).

>>> from payback.partners import STATUSES
>>> STATUSES[0], STATUSES[-1]
('unknown_order', 'confirmed')
>>> from payback.partners import parse_rules
>>> parse_rules("[default]\\nrate = 0.05").default.rate
0.05
"""

from __future__ import annotations

from payback.partners.accrual import commission_summary, commissions, read_statuses
from payback.partners.batch import BATCH_LAYOUTS, REASON_CODES, batch_file
from payback.partners.bursts import bursts
from payback.partners.claims import read_claims
from payback.partners.commissions import Rule, Rules, Schedule, parse_rules, read_rules
from payback.partners.designer import CommissionDesign, design_commissions
from payback.partners.ledger import Ledger, Statement, build_ledger, ledger, statement
from payback.partners.paystub import PaystubCheck, check_paystub, read_paystub
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
    "CommissionDesign",
    "Ledger",
    "PaystubCheck",
    "Reconciliation",
    "Rule",
    "Rules",
    "Schedule",
    "Statement",
    "batch_file",
    "build_ledger",
    "bursts",
    "check_paystub",
    "commission_summary",
    "commissions",
    "design_commissions",
    "ledger",
    "parse_rules",
    "parse_window",
    "read_claims",
    "read_paystub",
    "read_rules",
    "read_statuses",
    "reconcile",
    "signals",
    "statement",
    "value",
]
