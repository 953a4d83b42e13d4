"""What the network paid a partner (its paystub) against what the shop's ledger owes.

impact.com's partner report "Action Listing for a Paystub" lists the actions paid in one
paystub (a withdrawal to the partner's bank): ``Paystub Id, Action Id, Campaign Id,
Campaign Name, Action Tracker Id, Action Tracker, Sub Id 1-3, Shared Id, Sale Amount,
Payout, Action Date, Posting Date, Modification Date, Locking Date``
(help.impact.com, "Action Listing for a Paystub Report for Partners"). It is the
partner's own report (no partner column) and has no order id: its lines join the claims
by ``Action Id`` (the action's ``Id``, the claim id of an impact.com actions import).

Per line (``check``):

- ``unknown_claim``: no claim with that action id;
- ``not_owed``: the ledger reversed or clawed back the claim's commission, yet it was paid;
- ``amount_differs``: the payout differs from the ledger's commission by more than half a
  cent;
- ``matches``: otherwise.

Per partner and month of the actions (the ledger's commission months)::

    difference = network_paid - ledger_owed,   ledger_owed = commissions - reversals

(the ledger's identity: ``commissions - reversals = payouts + open balance``): what the
network paid beyond what the shop owes for those months' claims; missing for a month the
ledger has no claim in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from payback.errors import InputError
from payback.present import Table

__all__ = ["PAYSTUB_HEADERS", "PaystubCheck", "check_paystub", "read_paystub"]

#: The paystub report's columns payback reads -> the names it gives them.
PAYSTUB_HEADERS: dict[str, str] = {
    "Paystub Id": "paystub_id",
    "Action Id": "claim_id",
    "Sale Amount": "sale_amount",
    "Payout": "payout",
    "Action Date": "action_date",
    "Posting Date": "posting_date",
    "Locking Date": "locking_date",
}
_NEEDED = ("Paystub Id", "Action Id", "Payout", "Action Date")
#: Payout and ledger commission closer than this (money) are the same amount.
_TOLERANCE = 0.005


@dataclass(frozen=True)
class PaystubCheck:
    """Result of :func:`check_paystub`.

    Attributes
    ----------
    lines : payback.present.Table
        One row per paystub line: ``paystub_id, claim_id, partner_id, month, payout,
        ledger_commission, ledger_state, check``.
    periods : payback.present.Table
        Per partner and month: ``network_paid, ledger_owed, difference``, and the lines
        of each check.
    """

    lines: Table
    periods: Table


def read_paystub(path: str | Path, *, partner: str | None = None) -> pd.DataFrame:
    """The lines of an impact.com "Action Listing for a Paystub" CSV.

    Parameters
    ----------
    path : str or Path
    partner : str, optional
        The partner the paystub is of (the report has no partner column); without it the
        partner is the claim's.

    Returns
    -------
    pandas.DataFrame
        ``paystub_id, claim_id, sale_amount, payout, action_date, posting_date,
        locking_date, partner_id`` (the dates as times; missing columns null).

    Raises
    ------
    payback.errors.InputError
        A missing column or a cell that does not parse (file, row, column, value, fix).

    Examples
    --------
    >>> import tempfile
    >>> text = ("Paystub Id,Action Id,Sale Amount,Payout,Action Date,Posting Date\\n"
    ...         "77,1001,100.00,12.00,2024-05-02 10:05,2024-07-15\\n")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "paystub.csv"
    ...     _ = path.write_text(text)
    ...     lines = read_paystub(path, partner="P01")
    >>> lines[["claim_id", "payout", "partner_id"]].values.tolist()
    [['1001', 12.0, 'P01']]
    """
    path = Path(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read the paystub as CSV: {e}") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in _NEEDED if c not in raw.columns]
    if missing:
        raise InputError(
            f"{path}: not an impact.com paystub action listing: no column "
            f"{', '.join(repr(m) for m in missing)}; got {', '.join(map(repr, raw.columns))}. "
            f"Fix: download Reports -> Action Listing for a Paystub as CSV"
        )
    out = pd.DataFrame(index=raw.index)
    for header, name in PAYSTUB_HEADERS.items():
        cells = raw[header].str.strip() if header in raw else pd.Series("", index=raw.index)
        blank = cells == ""
        if name in ("paystub_id", "claim_id"):
            out[name] = cells.where(~blank, None)
            value, expected = out[name], None
        elif name in ("sale_amount", "payout"):
            value = pd.to_numeric(cells.str.replace(",", "", regex=False), errors="coerce")
            out[name], expected = value.astype(float), "a number like 12.50"
        else:
            value = pd.to_datetime(cells.where(~blank), errors="coerce", format="mixed")
            out[name], expected = value, "a date like 2024-05-02 or 2024-05-02 10:05"
        required = header in _NEEDED
        bad = (value.isna() & ~blank) | (blank & required)
        if bad.any():
            row = int(bad.idxmax())
            what = "empty" if blank[row] else f"got {raw.loc[row, header]!r}"
            raise InputError(
                f"{path}, row {row + 2}, column {header!r}: {what}, expected "
                f"{expected or 'an id'}. Fix: correct the cell in the paystub file"
            )
    out["partner_id"] = partner
    return out


def check_paystub(paystub: pd.DataFrame, book: Any) -> PaystubCheck:
    """Each paystub line against the ledger's claim, and per partner and month what the
    network paid against what the ledger owes (module docstring).

    Parameters
    ----------
    paystub : pandas.DataFrame
        :func:`read_paystub`'s lines.
    book : payback.partners.Ledger
        The shop's ledger (:func:`payback.partners.ledger`).

    Examples
    --------
    >>> import pandas as pd
    >>> from payback.partners.commissions import Schedule
    >>> from payback.partners.ledger import build_ledger
    >>> claims = pd.DataFrame({"claim_id": ["a", "b"], "partner_id": ["P1", "P1"],
    ...     "time": pd.to_datetime(["2024-01-10", "2024-01-12"]), "commission": [10.0, 5.0],
    ...     "status": ["confirmed", "returned"], "changed_at": pd.NaT})
    >>> book = build_ledger(claims, Schedule(27, 7), as_of="2024-04-30")
    >>> stub = pd.DataFrame({"paystub_id": ["9", "9", "9"], "claim_id": ["a", "b", "z"],
    ...     "payout": [10.0, 5.0, 2.0], "partner_id": [None, None, "P1"],
    ...     "action_date": pd.to_datetime(["2024-01-10", "2024-01-12", "2024-01-20"])})
    >>> r = check_paystub(stub, book)
    >>> r.lines.frame["check"].tolist()
    ['matches', 'not_owed', 'unknown_claim']
    >>> r.periods.frame[["partner_id", "month", "network_paid", "ledger_owed", "difference"]
    ...     ].values.tolist()
    [['P1', '2024-01', 17.0, 10.0, 7.0]]
    """
    from payback.partners.commissions import month_labels

    ledger_lines = book.lines.frame
    known = ledger_lines.set_index("claim_id")[["partner_id", "commission", "state"]]
    lines = paystub.join(known.rename(columns={"partner_id": "ledger_partner"}), on="claim_id")
    partner = lines["partner_id"].where(lines["partner_id"].notna(), lines["ledger_partner"])
    stated = lines["partner_id"].notna() & lines["ledger_partner"].notna()
    clash = stated & (lines["partner_id"] != lines["ledger_partner"])
    if clash.any():
        row = lines[clash].iloc[0]
        raise InputError(
            f"paystub of partner {row['partner_id']!r}: action {row['claim_id']} is a claim "
            f"of {row['ledger_partner']!r} in the store. Fix: give the paystub's partner "
            f"(--partner) or leave it out to take each claim's"
        )
    lines = lines.assign(partner_id=partner.astype(object).where(partner.notna(), None))
    lines["month"] = month_labels(lines["action_date"])
    check = pd.Series("matches", index=lines.index, dtype=object)
    differs = (lines["payout"] - lines["commission"]).abs() > _TOLERANCE
    check = check.mask(differs.fillna(False).astype(bool), "amount_differs")
    check = check.mask(lines["state"].isin(["reversed", "clawed_back"]), "not_owed")
    check = check.mask(lines["state"].isna(), "unknown_claim")
    lines["check"] = check
    out_lines = lines[
        ["paystub_id", "claim_id", "partner_id", "month", "payout", "commission", "state", "check"]
    ].rename(columns={"commission": "ledger_commission", "state": "ledger_state"})
    periods = _periods(out_lines, book.periods.frame)
    currency = book.lines.currency
    money = ("payout", "ledger_commission")
    return PaystubCheck(
        Table(
            out_lines.reset_index(drop=True),
            units=dict.fromkeys(money, "money"),
            reasons={"ledger_commission": "no such claim", "ledger_state": "no such claim"},
            currency=currency,
        ),
        periods,
    )


_CHECKS = ("matches", "amount_differs", "not_owed", "unknown_claim")


def _periods(lines: pd.DataFrame, ledger_periods: pd.DataFrame) -> Table:
    """Per partner and month: paid, owed, the difference and the lines of each check."""
    paid = lines.groupby(["partner_id", "month"], dropna=False)["payout"].sum()
    paid = paid.round(2).rename("network_paid")
    counts = pd.crosstab([lines["partner_id"], lines["month"]], lines["check"])
    counts = counts.reindex(columns=list(_CHECKS), fill_value=0)
    owed = ledger_periods.set_index(["partner_id", "month"])
    owed = (owed["commissions"] - owed["reversals"]).round(2).rename("ledger_owed")
    out = pd.concat([paid, owed.reindex(paid.index)], axis=1).join(counts).reset_index()
    out["difference"] = (out["network_paid"] - out["ledger_owed"]).round(2)
    for col in _CHECKS:
        out[col] = out[col].fillna(0).astype("int64")
    out = out[["partner_id", "month", "network_paid", "ledger_owed", "difference", *_CHECKS]]
    money = ("network_paid", "ledger_owed", "difference")
    reason = "the ledger has no claim of the partner in that month"
    return Table(
        out,
        units={**dict.fromkeys(money, "money"), **dict.fromkeys(_CHECKS, "count")},
        reasons={"ledger_owed": reason, "difference": reason},
    )
