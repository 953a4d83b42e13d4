"""Bid recommendations per keyword, from the store, with their reasons.

Over a look-back window (default the last 28 days of ad statistics), for every keyword
with ad statistics:

1. clicks and cost (the ``ads`` side), and the conversions of the target (valid leads,
   confirmed orders or new customers attributed to the keyword, the ``orders`` / ``new``
   / ``leads`` sides) from the metric engine (:func:`payback.metrics.compute_metrics`);
2. the conversion rate per click shrunk down the hierarchy platform -> campaign -> ad
   group -> keyword (:func:`payback.bids.shrinkage.shrink_rates`), with its credible
   interval; for a DRR target also the value per order (log-normal shrinkage of the
   confirmed orders' revenue, :func:`payback.bids.shrinkage.shrink_values`);
3. the max CPC from the catalogue: ``max_cpc = target CPA x CR`` or ``max_cpc_drr =
   target DRR x revenue per click`` (revenue per click = CR x value per order);
4. the new bid, action and expected change by the rules of :mod:`payback.bids.policy`,
   and the reason in words.

The current bid is the one in a bids file (``bids=``, any upload layout of
:mod:`payback.bids.uploads`, which also carries the platform ids over), else the
keyword's average CPC in the window (what it paid; also for the keywords the file does
not hold; a keyword without clicks then has no known bid and is left alone).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from payback.bids.policy import BidRules, Decision, decide, response
from payback.bids.shrinkage import hierarchy_codes, shrink_rates, shrink_values
from payback.bids.targets import FIXED, Target, target_per_campaign
from payback.errors import InputError
from payback.metrics.catalogue import CATALOGUE
from payback.present import Table
from payback.present.values import fixed

__all__ = ["KEYS", "Recommendations", "keyword_rows", "recommend"]

#: the hierarchy of a keyword row, parent first
KEYS = ("platform", "campaign", "ad_group", "keyword")
IDS = ("campaign_id", "ad_group_id", "keyword_id")


@dataclass(frozen=True)
class Recommendations:
    """Result of :func:`recommend`.

    Attributes
    ----------
    table : payback.present.Table
        One row per keyword: ``platform, campaign, ad_group, keyword, match_type`` (and
        the platform ids when a bids file gave them), ``clicks, cost``, the conversions
        (``orders``, ``leads`` or ``new_customers``), ``cr_raw``, the shrunk ``cr`` with
        ``cr_low`` .. ``cr_high``, ``value`` (DRR targets), ``target``, ``max_cpc`` with
        ``max_cpc_low`` .. ``max_cpc_high``, ``bid``, ``new_bid``, ``change``,
        ``action``, ``cost_change``, ``conversion_change`` (over a period as long as the
        window) and ``reason``.
    target : Target
    rules : BidRules
    start, end : datetime.date
        The window.
    kappas : tuple of float
        Fitted concentration of the CR per level (platform, campaign, ad group, keyword).
    """

    table: Table
    target: Target
    rules: BidRules
    start: dt.date
    end: dt.date
    kappas: tuple[float, ...]

    @property
    def frame(self) -> pd.DataFrame:
        """The rows of :attr:`table`."""
        return self.table.frame

    def summary(self) -> str:
        """Counts of each action and the expected change, in one line."""
        f = self.frame
        counts = f["action"].value_counts()
        parts = [f"{a} {int(counts.get(a, 0))}" for a in ("raise", "lower", "hold", "pause")]
        cost = float(f["cost_change"].fillna(0).sum())
        conv = round(float(f["conversion_change"].fillna(0).sum()), 1) + 0.0  # no "-0.0"
        return (
            f"{', '.join(parts)}; expected cost {cost:+,.2f} and {self.target.words}s "
            f"{conv:+,.1f} over {(self.end - self.start).days + 1} days"
        )


def _window(store: Any, where: Any, start: Any, end: Any, days: int) -> tuple[dt.date, dt.date]:
    from payback.metrics.filters import parse_range
    from payback.metrics.sides import rows_in_scope

    first, last = parse_range(start, end)
    if last is None:
        ads = rows_in_scope("ads", store, where=where, start=first)
        value = store.execute(ads.date.max())
        if value is None or pd.isna(value):
            raise InputError(
                "no ad statistics in the store for these filters: import an ad platform "
                "export first (payback import ads FILE)"
            )
        last = pd.Timestamp(value).date()
    if first is None:
        first = last - dt.timedelta(days=days - 1)
    return first, last


def keyword_rows(
    store: Any, *, where: Any = None, start: Any = None, end: Any = None
) -> pd.DataFrame:
    """Per keyword with ad statistics: the engine's clicks, cost, orders, leads, new
    customers and revenue, the match type, and the sum of the log revenue of its
    confirmed orders (``log_sum``, ``log_sumsq``, ``valued``: orders with revenue > 0)."""
    from payback.metrics import compute_metrics
    from payback.metrics.sides import SIDES, rows_in_scope

    parts = ("clicks", "cost", "orders", "leads", "new_customers", "revenue")
    result = compute_metrics(
        store, by="keyword", metrics=parts, where=where, start=start, end=end, totals=False
    )
    frame = result.frame
    frame = frame[frame["keyword"].notna()]
    frame = frame[result.parts.loc[frame.index, "ad_rows"].notna()]
    out = frame[list(KEYS)].reset_index(drop=True)
    for p in parts:
        out[p] = pd.to_numeric(frame[p]).fillna(0).to_numpy(float)

    ads = rows_in_scope("ads", store, where=where, start=start, end=end)
    side = SIDES["ads"]
    match = ads.group_by([side.value(ads, d).name(d) for d in KEYS]).aggregate(
        match_type=ads.match_type.max()
    )
    orders = rows_in_scope("orders", store, where=where, start=start, end=end)
    orders = orders.filter(orders.revenue > 0)
    side = SIDES["orders"]
    logs = orders.revenue.log()
    values = orders.group_by([side.value(orders, d).name(d) for d in KEYS]).aggregate(
        log_sum=logs.sum(), log_sumsq=(logs * logs).sum(), valued=orders.count()
    )
    out = out.merge(store.execute(match), on=list(KEYS), how="left")
    out = out.merge(store.execute(values), on=list(KEYS), how="left")
    for c in ("log_sum", "log_sumsq", "valued"):
        out[c] = pd.to_numeric(out[c]).fillna(0).astype(float)
    return out


def _current_bids(rows: pd.DataFrame, bids: Any) -> pd.DataFrame:
    """The rows with ``bid`` (and the ids) from a bids file, else the average CPC."""
    cpc = CATALOGUE["cpc"].evaluate({"cost": rows["cost"], "clicks": rows["clicks"]})
    rows = rows.assign(bid=pd.to_numeric(cpc).astype(float).to_numpy())
    if bids is None:
        return rows
    from payback.bids.uploads import read_bids

    current = bids if isinstance(bids, pd.DataFrame) else read_bids(bids)
    keys = ["campaign", "ad_group", "keyword"]
    if current["platform"].notna().all():
        keys = ["platform", *keys]
    cols = [c for c in (*keys, "bid", "match_type", *IDS) if c in current]
    current = current[cols].drop_duplicates(keys, keep="last")
    merged = rows.merge(current, on=keys, how="left", suffixes=("", "_file"))
    merged["bid"] = merged["bid_file"].fillna(merged["bid"])
    merged = merged.drop(columns="bid_file")
    if "match_type_file" in merged:
        merged["match_type"] = merged["match_type_file"].fillna(merged["match_type"])
        merged = merged.drop(columns="match_type_file")
    return merged


def recommend(
    store: Any,
    target: Target,
    *,
    rules: BidRules | None = None,
    days: int = 28,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    where: Mapping[str, Any] | Sequence[str] | None = None,
    bids: str | Path | pd.DataFrame | None = None,
    campaign_targets: Mapping[str, float] | None = None,
) -> Recommendations:
    """Recommend a bid per keyword (see the module docstring).

    Parameters
    ----------
    store : payback.store.Store
    target : Target
        :func:`payback.bids.parse_target`.
    rules : BidRules, optional
    days : int
        Length of the window ending on the last day of ad statistics (when ``start`` is
        not given).
    start, end : date, optional
        The window (``end`` default: the last day of ad statistics).
    where : filters, optional
        As :func:`payback.metrics.compute_metrics`.
    bids : path or DataFrame, optional
        Current bids (and ids) in a layout of :func:`payback.bids.read_bids`.
    campaign_targets : mapping of str to float, optional
        Campaign name -> its own target (an amount, or a share for DRR), instead of
        ``target.value`` or the economics' value, in that campaign on every platform.

    Returns
    -------
    Recommendations

    Examples
    --------
    >>> import datetime as dt, pyarrow as pa
    >>> from payback.store import open_store
    >>> from payback.bids import Target, recommend
    >>> store = open_store(":memory:")
    >>> day = dt.date(2024, 3, 1)
    >>> _ = store.write({
    ...     "ad_stats": pa.table({"date": [day] * 2, "platform": ["google"] * 2,
    ...         "campaign": ["C"] * 2, "ad_group": ["G"] * 2, "keyword": ["a", "b"],
    ...         "impressions": [9000, 900], "clicks": [1000, 10], "cost": [1000.0, 10.0],
    ...         "currency": ["EUR"] * 2}),
    ...     "orders": pa.table({"order_id": [str(i) for i in range(50)],
    ...         "customer_id": [str(i) for i in range(50)],
    ...         "time": [dt.datetime(2024, 3, 1, 12)] * 50, "revenue": [80.0] * 50,
    ...         "status": ["confirmed"] * 50, "currency": ["EUR"] * 50,
    ...         "platform": ["google"] * 50, "campaign": ["C"] * 50, "ad_group": ["G"] * 50,
    ...         "keyword": ["a"] * 50})}, meta={"base_currency": "EUR"})

    Keyword b's 10 clicks without an order are what chance gives at 5 %: its CR is not
    zeroed (the raw ratio would set its max CPC to 0) but pooled with a's; both may cost
    about 30 x 4.95 % = 1.49 a click and rise by the step cap, 30 %:

    >>> r = recommend(store, Target("cpo", 30.0))
    >>> r.frame[["keyword", "cr_raw", "cr", "max_cpc", "bid", "new_bid", "action"]].round(4)
      keyword  cr_raw      cr  max_cpc  bid  new_bid action
    0       a    0.05  0.0496   1.4881  1.0      1.3  raise
    1       b    0.00  0.0494   1.4815  1.0      1.3  raise
    """
    rules = rules or BidRules()
    first, last = _window(store, where, start, end, days)
    rows = keyword_rows(store, where=where, start=first, end=last)
    rows = _current_bids(rows, bids)
    if rows.empty:
        raise InputError(
            f"no keyword has ad statistics from {first} to {last}: widen the window "
            f"(--days, --from) or check the filters"
        )
    conv = target.conversion
    n = rows["clicks"].to_numpy(float)
    x = np.minimum(rows[conv].to_numpy(float), n)
    levels = hierarchy_codes(rows)
    # a platform without one conversion in the window has no rate to shrink towards (its
    # orders untagged, or not imported): its keywords' CR is not known, not a certain 0,
    # and they are left out of the others' fit
    tracked = pd.Series(x).groupby(levels[0]).transform("sum").to_numpy() > 0
    mean, lo, hi, parent = (np.full(len(rows), np.nan) for _ in range(4))
    kappas: tuple[float, ...] = ()
    if tracked.any():
        fit = shrink_rates(x[tracked], n[tracked], hierarchy_codes(rows[tracked]))
        mean[tracked], parent[tracked], kappas = fit.mean, fit.parent_mean, fit.kappas
        lo[tracked], hi[tracked] = fit.interval(rules.level)
    if target.kind in FIXED:
        goal = np.full(len(rows), float(target.value))
    else:
        per = target_per_campaign(store, target, where=where, start=first, end=last)
        goal = rows[["platform", "campaign"]].merge(per, how="left")["target"].to_numpy(float)
        paid = float(np.nanmedian(per["target"]))
        goal = np.where(np.isfinite(goal), goal, paid)
    if campaign_targets:
        goal = _override(goal, rows["campaign"], campaign_targets, target)
    value = None
    if target.kind == "drr":
        value = shrink_values(rows["log_sum"], rows["log_sumsq"], rows["valued"], levels).mean
        cap = CATALOGUE["max_cpc_drr"]

        def max_cpc(rate):
            rpc = pd.Series(rate * value)
            return cap.evaluate({"target_drr": pd.Series(goal), "revenue_per_click": rpc})
    else:

        def max_cpc(rate):
            return CATALOGUE["max_cpc"].evaluate(
                {"target_cpa": pd.Series(goal), "cr": pd.Series(rate)}
            )

    bid_mid, bid_lo, bid_hi = (
        pd.to_numeric(max_cpc(r)).astype(float).fillna(np.nan).to_numpy() for r in (mean, lo, hi)
    )
    current = rows["bid"].to_numpy(float)
    known = np.isfinite(current) & (current > 0)
    safe = np.where(known, current, 1.0)
    d = decide(
        safe,
        np.where(known, bid_mid, np.nan),
        clicks=np.where(known, n, 0),
        conversions=x,
        parent_rate=np.where(tracked, parent, 0.0),
        rules=rules,
    )
    new_bid = np.where(known, d.bid, np.nan)
    clicks_mult, cost_mult = response(np.where(known, d.bid / safe, 1.0), rules.elasticity)
    pause = d.action == "pause"
    cost = rows["cost"].to_numpy(float)
    cost_change = np.where(pause, -cost, cost * (cost_mult - 1))
    rate = np.where(tracked, mean, 0.0)
    conv_change = np.where(pause, -n * rate, n * rate * (clicks_mult - 1))
    raw = CATALOGUE["cr"].evaluate({"orders": pd.Series(x), "clicks": pd.Series(n)})

    out = rows[[*KEYS, "match_type", *(c for c in IDS if c in rows)]].copy()
    out["clicks"] = n.astype(np.int64)
    out["cost"] = cost
    out[conv] = rows[conv].to_numpy(float).round().astype(np.int64)
    out["cr_raw"] = pd.to_numeric(raw).astype("Float64").to_numpy()
    out["cr"], out["cr_low"], out["cr_high"] = mean, lo, hi
    if value is not None:
        out["value"] = value
    out["target"] = goal
    out["max_cpc"], out["max_cpc_low"], out["max_cpc_high"] = bid_mid, bid_lo, bid_hi
    out["bid"] = np.where(known, current, np.nan)
    out["new_bid"] = new_bid
    out["change"] = np.where(known, new_bid / safe - 1, np.nan)
    out["action"] = np.where(known, d.action, "hold")
    out["cost_change"] = np.where(known, cost_change, 0.0)
    out["conversion_change"] = np.where(known, conv_change, 0.0)
    untracked = _untracked(rows, n, tracked, target, (first, last))
    out["reason"] = _reasons(out, d, parent, known, untracked, target, rules, (first, last))
    for c in ("bid", "new_bid", "change"):
        out[c] = out[c].astype("Float64").mask(~known)
    units = {
        "clicks": "count", "cost": "money", conv: "count", "cr_raw": "rate", "cr": "rate",
        "cr_low": "rate", "cr_high": "rate", "value": "money",
        "target": "rate" if target.kind == "drr" else "money", "max_cpc": "money",
        "max_cpc_low": "money", "max_cpc_high": "money", "bid": "money", "new_bid": "money",
        "change": "rate", "cost_change": "money", "conversion_change": "decimal",
    }  # fmt: skip
    reasons = {
        "cr_raw": "no clicks",
        "bid": "no clicks in the window and no bids file: the bid is not known",
        "new_bid": "the bid is not known",
        "change": "the bid is not known",
        "value": "no confirmed order with revenue in the window",
        "max_cpc": "no revenue per click (no confirmed order with revenue)",
    }
    if not tracked.all():
        lost = ", ".join(dict.fromkeys(rows["platform"][~tracked].astype(str)))
        for c in ("cr", "cr_low", "cr_high"):
            reasons[c] = f"no {target.words}s attributed to {lost} in the window"
        reasons["max_cpc"] = f"no conversion rate ({lost}: no {target.words}s in the window)" + (
            "" if target.kind != "drr" else "; " + reasons["max_cpc"]
        )
    currency = next(iter(store.currencies("ad_stats")), None)
    table = Table(
        out,
        units={k: v for k, v in units.items() if k in out},
        reasons=reasons,
        currency=currency,
    )
    return Recommendations(table, target, rules, first, last, kappas)


def _override(
    goal: np.ndarray, campaigns: pd.Series, per: Mapping[str, float], target: Target
) -> np.ndarray:
    """The targets with each named campaign's own."""
    known = set(campaigns.dropna())
    unknown = [c for c in per if c not in known]
    if unknown:
        raise InputError(
            f"{{campaign_targets}}: no keyword of campaign {', '.join(map(repr, unknown))} "
            f"has ad statistics in the window; expected one of {', '.join(sorted(known))}"
        )
    for name, value in per.items():
        Target(target.kind if target.kind in FIXED else "cpo", value)  # checks the value
        goal = np.where(campaigns.to_numpy() == name, float(value), goal)
    return goal


def _pct(v: float) -> str:
    return f"{fixed(v * 100, 1)} %"


def _untracked(
    rows: pd.DataFrame, n: np.ndarray, tracked: np.ndarray, target: Target, window
) -> dict[str, str]:
    """Platform -> why its keywords keep their bids: not one conversion in the window."""
    clicks = pd.Series(n[~tracked]).groupby(rows["platform"][~tracked].to_numpy()).sum()
    return {
        str(p): (
            f"no {target.words}s attributed to {p} from {window[0]} to {window[1]} "
            f"({int(c):,} clicks): its conversion rate is not known; bid kept (do its orders "
            f"carry utm_source or click ids? docs/import.md)"
        )
        for p, c in clicks.items()
    }


def _reasons(
    out: pd.DataFrame,
    d: Decision,
    parent: np.ndarray,
    known: np.ndarray,
    untracked: Mapping[str, str],
    target: Target,
    rules: BidRules,
    window: tuple[dt.date, dt.date],
) -> list[str]:
    conv = target.conversion
    noun = {"orders": "orders", "leads": "valid leads", "new_customers": "new customers"}[conv]
    goal = target.label
    texts: list[str] = []
    for i, row in enumerate(out.itertuples(index=False)):
        clicks, got = int(row.clicks), getattr(row, conv)
        if not known[i]:
            texts.append(f"no clicks from {window[0]} to {window[1]} and no bid known: left as is")
            continue
        if clicks == 0:
            texts.append(f"no clicks from {window[0]} to {window[1]}: bid kept")
            continue
        if str(row.platform) in untracked:
            texts.append(untracked[str(row.platform)])
            continue
        action = d.action[i]
        if pd.isna(row.max_cpc) and action != "pause":
            texts.append(
                f"no confirmed order with revenue in the window, here or above: no revenue per "
                f"click for the {goal}; bid kept"
            )
            continue
        if action == "pause":
            texts.append(
                f"0 {noun} in {clicks:,} clicks: at the ad group's {_pct(parent[i])} that "
                f"happens with probability {_pct(d.pause_p[i])} (below "
                f"{_pct(rules.pause_alpha)}): pause"
            )
            continue
        cr = (
            f"CR {_pct(row.cr)} ({rules.level * 100:g} %: {_pct(row.cr_low)}-"
            f"{_pct(row.cr_high)}) from {got:,.0f} {noun} in {clicks:,} clicks"
        )
        if row.cr_raw is not None and not pd.isna(row.cr_raw):
            cr += f" (raw {_pct(row.cr_raw)}, ad group {_pct(parent[i])})"
        value = f", value {fixed(row.value, 2)} per order" if target.kind == "drr" else ""
        if target.kind == "drr":
            aim = f"target DRR {_pct(row.target)}"
        elif target.kind in FIXED:
            aim = f"target {target.kind.upper()} {fixed(row.target, 2)}"
        else:
            aim = f"{goal} {fixed(row.target, 2)}"
        where = f"max CPC {fixed(row.max_cpc, 2)} at {aim} vs bid {fixed(row.bid, 2)}"
        if action == "hold":
            texts.append(f"{cr}{value}; {where}: within {_pct(rules.tolerance)}, hold")
            continue
        cap = " (step or bid limit)" if d.capped[i] else ""
        texts.append(f"{cr}{value}; {where}: {action} to {fixed(row.new_bid, 2)}{cap}")
    return texts
