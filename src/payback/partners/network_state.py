"""The network's own state of a claim, beside the shop's status of it.

A network's export says where it stands on each claim (``partner_claims.network_status``,
the network's word): impact.com's action ``State`` (``PENDING``, ``APPROVED``,
``REVERSED``; ``LOCKED``/``CLEARED`` in its ``LockedStatus``), Awin's
``commission_status`` (pending, approved, declined, deleted; 0, 1, 2), Everflow's
``status`` (pending, approved, rejected, invalid), Tapfiliate's ``commission_status``
(pending, approved, disapproved). Each word is one of three states (:data:`STATES`):

- ``pending``: the network may still change it (before its locking date);
- ``approved``: the network approved, locked, cleared or paid it;
- ``reversed``: the network reversed, declined, rejected, deleted or invalidated it.

Against the shop's status (:func:`payback.partners.reconcile`), ``network_check`` is:

- ``already_reversed``: a discrepancy (a claim the shop would reverse or modify) the
  network has reversed already: nothing to send, the batch file leaves it out, so sending
  the file again changes nothing;
- ``network_declined``: a claim the shop owes (``confirmed`` or ``amount_differs``) that
  the network reversed: the partner is not paid for a sale the shop confirms; reported;
- ``approved_by_network``: a discrepancy the network approved (locked or paid): the
  reversal may come too late for the network and becomes a clawback (the ledger);
  reported, and kept in the batch file;
- ``agrees``: otherwise, when the network gives a state; missing without one.

Examples
--------
>>> import pandas as pd
>>> words = pd.Series(["REVERSED", "declined", "1", None])
>>> network_states(words).tolist()
['reversed', 'reversed', 'approved', None]
>>> checks(pd.Series(["cancelled", "confirmed", "returned", "confirmed"]),
...        network_states(pd.Series(["reversed", "rejected", "approved", None]))).tolist()
['already_reversed', 'network_declined', 'approved_by_network', None]
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = [
    "CHECKS",
    "NETWORK_STATES",
    "STATES",
    "add_network_columns",
    "checks",
    "network_states",
    "with_network_counts",
]

#: The three states of a claim at the network.
STATES = ("pending", "approved", "reversed")

#: A network's word (lower case; the same words as :data:`payback.schema.NETWORK_WORDS`,
#: which the import accepts) -> its state.
NETWORK_STATES: dict[str, str] = {
    "pending": "pending",
    "0": "pending",
    "approved": "approved",
    "locked": "approved",
    "cleared": "approved",
    "paid": "approved",
    "1": "approved",
    "reversed": "reversed",
    "declined": "reversed",
    "deleted": "reversed",
    "rejected": "reversed",
    "invalid": "reversed",
    "disapproved": "reversed",
    "2": "reversed",
}

#: The values of ``network_check`` that ask for attention (counted per partner).
CHECKS = ("already_reversed", "network_declined", "approved_by_network")

_OWED = ("confirmed", "amount_differs")


def network_states(words: pd.Series) -> pd.Series:
    """Each claim's state at the network (:data:`STATES`), None where it gives none."""
    lower = words.astype(object).where(words.notna(), None)
    state = lower.map(lambda w: None if w is None else NETWORK_STATES.get(str(w).lower()))
    return state.astype(object).where(state.notna(), None)


def checks(status: pd.Series, state: pd.Series) -> pd.Series:
    """``network_check`` of each claim from the shop's ``status`` and the network's
    ``state`` (module docstring)."""
    from payback.partners.reconcile import DISCREPANCIES

    discrepancy = status.isin(list(DISCREPANCIES))
    out = pd.Series("agrees", index=status.index, dtype=object)
    out = out.mask(discrepancy & (state == "approved"), "approved_by_network")
    out = out.mask(status.isin(list(_OWED)) & (state == "reversed"), "network_declined")
    out = out.mask(discrepancy & (state == "reversed"), "already_reversed")
    return out.where(state.notna(), None)


def with_network_counts(partners: Any, claims: pd.DataFrame) -> Any:
    """The reconciliation's per-partner table with a count of each :data:`CHECKS` value
    (its total row the sum); unchanged when no claim has a network state."""
    from dataclasses import replace

    if claims["network_check"].isna().all():
        return partners
    counts = pd.crosstab(claims["partner_id"], claims["network_check"])
    counts = counts.reindex(columns=list(CHECKS), fill_value=0)
    frame = partners.frame
    rows = counts.reindex(frame["partner_id"]).fillna(0).astype("int64").to_numpy()
    extra = pd.DataFrame(rows, columns=list(CHECKS), index=frame.index)
    total = frame["is_total"].to_numpy()
    extra.loc[total] = counts.sum().to_numpy()
    at = list(frame.columns).index("is_total")
    out = pd.concat([frame.iloc[:, :at], extra, frame.iloc[:, at:]], axis=1)
    units = {**partners.units, **dict.fromkeys(CHECKS, "count")}
    return replace(partners, frame=out, units=units)


def add_network_columns(frame: pd.DataFrame, words: Any) -> pd.DataFrame:
    """``frame`` (the reconciliation's claims, with ``status``) with ``network_status``
    (the state) and ``network_check``; ``words``: the claims' ``network_status``."""
    state = network_states(pd.Series(words, index=frame.index))
    return frame.assign(network_status=state, network_check=checks(frame["status"], state))
