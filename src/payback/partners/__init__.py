"""Partner (affiliate) programmes: commissions by rules, the ledger and payouts, the
CLV-based commission designer.

- :func:`commissions`: each claim's commission by a rules file (:func:`read_rules`);
- :func:`ledger`: pending -> locked -> paid, reversals before the lock, clawbacks after,
  payouts per month and a :func:`statement` per partner;
- :func:`design_commissions`: per partner the highest commission per first and repeat
  order that keeps its customers profitable.

>>> from payback.partners import parse_rules
>>> parse_rules("[default]\\nrate = 0.05").default.rate
0.05
"""

from __future__ import annotations

from payback.partners.accrual import commission_summary, commissions, read_statuses
from payback.partners.commissions import Rule, Rules, Schedule, parse_rules, read_rules
from payback.partners.designer import CommissionDesign, design_commissions
from payback.partners.ledger import Ledger, Statement, build_ledger, ledger, statement

__all__ = [
    "CommissionDesign",
    "Ledger",
    "Rule",
    "Rules",
    "Schedule",
    "Statement",
    "build_ledger",
    "commission_summary",
    "commissions",
    "design_commissions",
    "ledger",
    "parse_rules",
    "read_rules",
    "read_statuses",
    "statement",
]
