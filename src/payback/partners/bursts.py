"""Bursts of claims from one IP address or one contact, beyond what the partner's volume
explains.

A partner's claims carry the session's IP (``partner_claims.ip``) or the buyer's contact
key (``contact``, e.g. an e-mail hash) when the network's file has them. For each partner
and key kind, with ``n`` claims from ``d`` distinct keys over ``T`` (first to last claim,
at least the window ``W``), one key's claims are taken to arrive as a Poisson process at
the partner's mean rate per key ``lambda = n / (d T)``. For each key, ``c`` is the most
claims it has in any window of length ``W`` (a claim and those at most ``W`` after it),
and

    p_value = min(1, (T / W) x P(X >= c)),   X ~ Poisson(lambda W)

(the tail in one window times the number of disjoint windows: a scan-statistic bound).
A key is a **burst** when ``c >= min_claims`` and ``p_value < alpha / keys`` (Bonferroni
over every key tested, all partners and both kinds). A partner whose customers buy again
and again from one address has a high ``lambda`` and is not flagged for it; five orders in
ten minutes from an address the partner sees once a month are.

Examples
--------
>>> import pandas as pd
>>> t = pd.Timestamp("2024-03-01")
>>> claims = pd.DataFrame({
...     "claim_id": [f"c{i}" for i in range(45)],
...     "partner_id": ["P1"] * 45,
...     "time": [t + pd.Timedelta(hours=16 * i) for i in range(40)]
...             + [t + pd.Timedelta(days=3, minutes=5 * i) for i in range(5)],
...     "ip": [f"10.0.0.{i}" for i in range(40)] + ["192.0.2.7"] * 5})
>>> found = find_bursts(claims, minutes=60)
>>> found[["partner_id", "kind", "key", "claims"]].values.tolist()
[['P1', 'ip', '192.0.2.7', 5]]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["BURST_COLUMNS", "KINDS", "burst_counts", "bursts", "find_bursts"]

#: The key columns of ``partner_claims`` a burst is looked for in.
KINDS = ("ip", "contact")
#: The per-partner columns :func:`burst_counts` gives the signals table.
BURST_COLUMNS = ("ip_bursts", "contact_bursts", "burst_claims")

_COLUMNS = ["partner_id", "kind", "key", "claims", "start", "end", "expected", "p_value"]


def _windows(part: pd.DataFrame, width: pd.Timedelta) -> pd.DataFrame:
    """Per (partner, key): the most claims in a window ``[t, t + width]`` starting at one
    of its claims, where it starts and ends; vectorised over every key at once (rows
    sorted by partner, key and time, each window end found by one ``searchsorted`` on
    (group, time) packed in one integer of milliseconds)."""
    part = part.sort_values(["partner_id", "key", "time"], kind="mergesort")
    group = part.groupby(["partner_id", "key"], sort=False).ngroup().to_numpy(np.int64)
    ms = (part["time"] - part["time"].min()).to_numpy("timedelta64[ms]").astype(np.int64)
    step = int(width / pd.Timedelta(milliseconds=1))
    packed = group * (int(ms.max()) + step + 1) + ms  # sorted: group first, then time
    ends = np.searchsorted(packed, packed + step, side="right")
    counts = ends - np.arange(len(packed))
    stamps = part["time"].to_numpy()
    frame = pd.DataFrame(
        {"partner_id": part["partner_id"].to_numpy(), "key": part["key"].to_numpy(),
         "count": counts, "start": stamps, "end": stamps[ends - 1]}
    )  # fmt: skip
    best = frame.sort_values("count", ascending=False, kind="mergesort")
    return best.drop_duplicates(["partner_id", "key"]).sort_values(["partner_id", "key"])


def find_bursts(
    claims: pd.DataFrame, *, minutes: float = 60.0, alpha: float = 0.01, min_claims: int = 3
) -> pd.DataFrame:
    """The bursts among ``claims`` (``partner_id``, ``time`` and ``ip`` and/or
    ``contact``): one row per key flagged, ``partner_id, kind, key, claims, start, end,
    expected`` (``lambda W``) and ``p_value`` (module docstring)."""
    from scipy.stats import poisson

    from payback.errors import InputError

    if minutes <= 0:
        raise InputError(f"burst window must be a positive number of minutes, got {minutes}")
    width = pd.Timedelta(minutes=minutes)
    times = pd.to_datetime(claims["time"])
    found = []
    for kind in KINDS:
        if kind not in claims:
            continue
        have = (claims[kind].notna() & times.notna()).to_numpy()
        part = pd.DataFrame(
            {"partner_id": claims["partner_id"], "key": claims[kind], "time": times}
        )[have]
        if part.empty:
            continue
        per = part.groupby("partner_id").agg(
            n=("key", "size"), d=("key", "nunique"), first=("time", "min"), last=("time", "max")
        )
        windows = ((per["last"] - per["first"]).clip(lower=width) / width).rename("windows")
        rate = (per["n"] / (per["d"] * windows)).rename("expected")  # per key per window
        best = _windows(part, width).join(windows, on="partner_id").join(rate, on="partner_id")
        tail = poisson.sf(best["count"].to_numpy() - 1, best["expected"].to_numpy())
        best["p_value"] = np.minimum(1.0, tail * best["windows"].to_numpy())
        found.append(best.assign(kind=kind).rename(columns={"count": "claims"}))
    if not found:
        return pd.DataFrame(columns=_COLUMNS)
    every = pd.concat(found, ignore_index=True)
    tested = max(len(every), 1)
    flagged = (every["claims"] >= min_claims) & (every["p_value"] < alpha / tested)
    out = every.loc[flagged, _COLUMNS].reset_index(drop=True)
    return out.astype({"claims": "int64", "expected": float, "p_value": float})


def _claims(store: Any) -> pd.DataFrame:
    """The claims' partner, time and keys (the key columns a store has)."""
    table = store.table("partner_claims")
    cols = ["claim_id", "partner_id", "time", *(k for k in KINDS if k in table.columns)]
    return store.to_pyarrow(table.select(*cols)).to_pandas()


def bursts(store: Any, *, minutes: float = 60.0, alpha: float = 0.01, min_claims: int = 3) -> Any:
    """The bursts of the store's claims, a :class:`payback.present.Table` (one row per
    key flagged; :func:`find_bursts`)."""
    from payback.present import Table

    found = find_bursts(_claims(store), minutes=minutes, alpha=alpha, min_claims=min_claims)
    return Table(
        found,
        units={"claims": "count", "expected": "decimal", "p_value": "decimal"},
        date_formats={"start": "%Y-%m-%d %H:%M:%S", "end": "%Y-%m-%d %H:%M:%S"},
        notes={"window_minutes": minutes, "alpha": alpha, "min_claims": min_claims},
    )


def burst_counts(store: Any, partners: pd.Index, **options: Any) -> tuple[pd.DataFrame, dict]:
    """Per partner: ``ip_bursts``, ``contact_bursts`` (keys flagged) and ``burst_claims``
    (their claims in the burst windows); missing, with the reason, for a kind no claim of
    the partner carries."""
    claims = _claims(store)
    found = find_bursts(claims, **options)
    out = pd.DataFrame(index=partners)
    carried = []
    for kind in KINDS:
        mine = found[found["kind"] == kind].groupby("partner_id").size()
        count = mine.reindex(partners, fill_value=0).astype("Int64")
        has = claims[claims[kind].notna()]["partner_id"].unique() if kind in claims else []
        carried.append(partners.isin(has))
        out[f"{kind}_bursts"] = count.where(partners.isin(has), pd.NA)
    total = found.groupby("partner_id")["claims"].sum().reindex(partners, fill_value=0)
    out["burst_claims"] = total.astype("Int64").where(np.logical_or(*carried), pd.NA)
    reasons = {
        "ip_bursts": "no IP address in the partner's claims",
        "contact_bursts": "no contact in the partner's claims",
        "burst_claims": "no IP address or contact in the partner's claims",
    }
    return out, reasons
