"""What a conversion may cost: a target the bids are set to.

A fixed target is the user's (``--target-cpa 50``, ``--target-cpo``, ``--target-cac``,
``--target-drr 15%``); a derived one comes per campaign from the economics
(:func:`payback.economics.ceilings`), never re-derived here:

=========  =====================================  ================================
target     the allowed cost of one conversion     conversion
=========  =====================================  ================================
cpa        the given amount                       valid lead (catalogue ``cpa``)
cpo        the given amount                       confirmed order
cac        the given amount                       new customer
drr        the given share of revenue             confirmed order, with its revenue
ltv        the campaign's LTV (``ltv``)           new customer: pay for lifetime value
marginal   the campaign's marginal CPO            new customer: the break-even
max-cpa    the campaign's max CPA                 confirmed order
=========  =====================================  ================================

A campaign without its own ceiling takes that of all paid traffic (``Total (paid)``).

>>> Target("drr", 0.15).conversion, Target("ltv").conversion, Target("cpa", 50).conversion
('orders', 'new_customers', 'leads')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from payback.errors import InputError
from payback.present.values import fixed

__all__ = ["DERIVED", "FIXED", "Target", "parse_target", "target_per_campaign"]

#: fixed target -> the part of the engine that counts its conversion
FIXED = {"cpa": "leads", "cpo": "orders", "cac": "new_customers", "drr": "orders"}
#: derived target -> (the ceilings column, the conversion)
DERIVED = {
    "ltv": ("ltv", "new_customers"),
    "marginal": ("marginal_cpo", "new_customers"),
    "max-cpa": ("max_cpa", "orders"),
}
_WORDS = {"leads": "valid lead", "orders": "confirmed order", "new_customers": "new customer"}


@dataclass(frozen=True)
class Target:
    """A bid target.

    Attributes
    ----------
    kind : str
        ``cpa``, ``cpo``, ``cac``, ``drr`` (fixed: ``value`` given) or ``ltv``,
        ``marginal``, ``max-cpa`` (derived per campaign from the economics).
    value : float or None
        The amount (a share for ``drr``); None for a derived target.
    """

    kind: str
    value: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in FIXED and self.kind not in DERIVED:
            raise InputError(
                f"unknown target {self.kind!r}: expected one of {', '.join([*FIXED, *DERIVED])}"
            )
        if self.kind in FIXED and (self.value is None or not self.value > 0):
            raise InputError(f"target {self.kind} needs a positive value, got {self.value!r}")
        if self.kind == "drr" and self.value is not None and self.value > 1:
            raise InputError(
                f"target DRR must be a share of revenue up to 100 %, got {self.value:g}: "
                f"give e.g. 15% or 0.15"
            )

    @property
    def conversion(self) -> str:
        """The engine part that counts one conversion: leads, orders or new_customers."""
        return FIXED[self.kind] if self.kind in FIXED else DERIVED[self.kind][1]

    @property
    def words(self) -> str:
        """What one conversion is, in words."""
        return _WORDS[self.conversion]

    @property
    def label(self) -> str:
        """``target CPA 50``, ``target DRR 15 %``, ``the campaign's marginal CPO``."""
        if self.kind == "drr":
            return f"target DRR {self.value * 100:g} %"
        if self.kind in FIXED:
            return f"target {self.kind.upper()} {fixed(self.value, 2)}"
        return {"ltv": "the campaign's LTV", "marginal": "the campaign's marginal CPO"}.get(
            self.kind, "the campaign's max CPA"
        )


def parse_target(
    target: str | None = None,
    *,
    cpa: Any = None,
    cpo: Any = None,
    cac: Any = None,
    drr: Any = None,
) -> Target:
    """The one target given: a fixed amount or share, or a derived kind by name.

    >>> parse_target(drr="15%")
    Target(kind='drr', value=0.15)
    >>> parse_target("LTV")
    Target(kind='ltv', value=None)

    Raises
    ------
    InputError
        None or more than one given, an unknown kind, an unparsable number.
    """
    from payback.calc.inputs import parse_number

    given = {k: v for k, v in {"cpa": cpa, "cpo": cpo, "cac": cac, "drr": drr}.items() if v}
    if target is not None:
        given["target"] = target
    if len(given) != 1:
        raise InputError(
            f"give exactly one target: {{target_cpa}}, {{target_cpo}}, {{target_cac}}, "
            f"{{target_drr}} or {{target}} ltv|marginal|max-cpa; got "
            f"{', '.join(given) or 'none'}"
        )
    ((kind, text),) = given.items()
    if kind == "target":
        name = str(text).strip().lower().replace("_", "-")
        if name in FIXED:
            raise InputError(f"target {name} needs its amount: give --target-{name} AMOUNT")
        return Target(name)
    return Target(kind, parse_number(text, name=f"--target-{kind}", rate=kind == "drr"))


def target_per_campaign(
    store: Any, target: Target, *, where: Any = None, start: Any = None, end: Any = None
) -> pd.DataFrame:
    """``platform, campaign, target``: a derived target per campaign, from the economics.

    A campaign without its own value gets that of ``Total (paid)``; no value at all is an
    :class:`InputError` naming why (no cohort old enough, no cost of goods ...).
    """
    from payback.economics import ceilings

    column = DERIVED[target.kind][0]
    result = ceilings(store, "campaign", predicted=False, where=where, start=start, end=end)
    frame = result.frame
    rows = frame[~frame["is_total"].astype(bool)]
    paid = frame[frame["total_kind"] == "paid"][column]
    fallback = None if paid.empty or pd.isna(paid.iloc[0]) else float(paid.iloc[0])
    values = pd.to_numeric(rows[column], errors="coerce").astype(float)
    if fallback is not None:
        values = values.fillna(fallback)
    if values.isna().all():
        why = result.table.reasons.get(column, "no value")
        raise InputError(
            f"target {target.kind}: the economics give no {column} for any campaign ({why}); "
            f"give a fixed target instead (--target-cpo AMOUNT)"
        )
    return pd.DataFrame(
        {"platform": rows["platform"].to_numpy(), "campaign": rows["campaign"].to_numpy(),
         "target": values.to_numpy()}
    )  # fmt: skip
