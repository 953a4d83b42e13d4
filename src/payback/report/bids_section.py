"""The keyword bids section: what :func:`payback.bids.recommend` would change, and why.

The target is derived from the economics, per campaign (:mod:`payback.bids.targets`):
the campaign's marginal CPO (the break-even cost of a new customer), or, when the
economics give none (no cohort old enough, no cost of goods), its max CPA per confirmed
order (:data:`TARGETS`, first that applies). Over the last :data:`DAYS` days of the
report's period (the bids as they would be set at its end; without a period, the last
28 days of ad statistics) and its filters:

- per action (raise, lower, hold, pause): keywords, clicks, cost, and the expected
  change in cost and conversions over a period as long as the window
  (``cost_change``, ``conversion_change`` summed);
- the keywords whose expected cost changes most (:data:`TOP`), with the shrunk CR, max
  CPC = target x CR, the current and new bid and the reason in words; the CSV download
  holds every keyword.

A store without keyword rows in its ad statistics gets the section with a note saying so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from payback.report import extensions
from payback.report.frame_table import frame_table

#: The section's one grain.
KEYWORD_GRAINS: tuple[str, ...] = ("keyword",)
#: Derived targets tried in order: the first the economics can give is used.
TARGETS: tuple[str, ...] = ("marginal", "max-cpa")
ACTIONS: tuple[str, ...] = ("raise", "lower", "hold", "pause")
#: Length of the look-back window, ending on the period's last day.
DAYS = 28
#: Keywords shown (largest expected change in cost first).
TOP = 20
KEYS = ("platform", "campaign", "ad_group", "keyword")
SUMMARY_COLUMNS = (
    ("keywords", "Keywords", "count", "keywords with this action"),
    ("clicks", "Clicks", "count", "clicks in the window"),
    ("cost", "Cost", "money", "cost in the window"),
    ("cost_change", "Expected cost change", "money",
     "cost x (cost multiplier of the new bid - 1); a paused keyword's whole cost"),
    ("conversion_change", "Expected conversions change", "decimal",
     "clicks x CR x (clicks multiplier of the new bid - 1)"),
)  # fmt: skip


def row_columns(conversion: str, words: str) -> tuple[tuple[str, str, str | None, str], ...]:
    """The columns of the keyword rows, with the target's conversion."""
    return (
        ("match_type", "Match type", None, ""),
        ("clicks", "Clicks", "count", "clicks in the window"),
        ("cost", "Cost", "money", "cost in the window"),
        (conversion, words.capitalize() + "s", "count", "conversions in the window"),
        ("cr", "CR (shrunk)", "rate", "conversion rate shrunk towards the ad group's"),
        ("target", "Target", "money", "the campaign's allowed cost of one conversion"),
        ("max_cpc", "Max CPC", "money", "target x CR"),
        ("bid", "Bid", "money", "the current bid (average CPC without a bids file)"),
        ("new_bid", "New bid", "money", "max CPC within the step cap and bid limits"),
        ("change", "Change", "rate", "new bid / bid - 1"),
        ("action", "Action", None, ""),
        ("cost_change", "Expected cost change", "money", "over a period as long as the window"),
        ("conversion_change", "Expected conversions change", "decimal", "the same"),
        ("reason", "Why", None, ""),
    )


def keyword_rows_exist(store, where: Mapping[str, Sequence[str]] | None = None) -> bool:
    """Whether the ad statistics (within the filters) have any row with a keyword."""
    from payback.metrics.sides import rows_in_scope

    if store.row_count("ad_stats") == 0:
        return False
    ads = rows_in_scope("ads", store, where=dict(where or {}) or None)
    return int(store.execute(ads.filter(ads.keyword.notnull()).count())) > 0


def action_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per action of :data:`ACTIONS` (every one, zero when none): keywords, clicks, cost,
    expected change in cost and conversions; and the totals row (``is_total``).

    >>> f = pd.DataFrame({"action": ["raise", "raise", "pause"], "clicks": [10, 5, 3],
    ...     "cost": [4.0, 2.0, 3.0], "cost_change": [1.0, 0.5, -3.0],
    ...     "conversion_change": [0.2, 0.1, -0.3]})
    >>> action_summary(f)[["action", "keywords", "cost_change"]].to_dict("list")
    {'action': ['raise', 'lower', 'hold', 'pause', None], 'keywords': [2, 0, 0, 1, 3], \
'cost_change': [1.5, 0.0, 0.0, -3.0, -1.5]}
    """
    parts = ["clicks", "cost", "cost_change", "conversion_change"]
    sums = frame.groupby("action")[parts].sum().reindex(list(ACTIONS), fill_value=0)
    sums.insert(0, "keywords", frame.groupby("action").size().reindex(list(ACTIONS)).fillna(0))
    sums = sums.reset_index()
    total = sums.drop(columns="action").sum().to_frame().T
    total.insert(0, "action", None)
    out = pd.concat([sums.assign(is_total=False), total.assign(is_total=True)], ignore_index=True)
    out["keywords"] = out["keywords"].astype("int64")
    out["clicks"] = out["clicks"].astype("int64")
    return out


def window(start: dt.date | None, end: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """The look-back window: the last :data:`DAYS` days of the period (all of a shorter
    one); None where :func:`payback.bids.recommend` takes its default.

    >>> window(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    (datetime.date(2024, 12, 4), datetime.date(2024, 12, 31))
    >>> window(dt.date(2024, 12, 20), dt.date(2024, 12, 31))[0]
    datetime.date(2024, 12, 20)
    """
    if end is None:
        return start, end
    first = end - dt.timedelta(days=DAYS - 1)
    return (first if start is None else max(start, first)), end


def derived_recommendations(store, start, end, where) -> tuple[Any, list[str]]:
    """:func:`payback.bids.recommend` over :func:`window` at the first target of
    :data:`TARGETS` the economics give, and why the ones before it were not used."""
    from payback.bids import Target, recommend
    from payback.errors import InputError

    start, end = window(start, end)
    why: list[str] = []
    for kind in TARGETS:
        try:
            rec = recommend(store, Target(kind), start=start, end=end, where=where, days=DAYS)
            return rec, why
        except InputError as e:
            why.append(str(e))
    raise InputError("no derived target: " + "; ".join(why))


def skipped(reason: str) -> Any:
    """The section when the store cannot give it, saying why."""
    return extensions.skipped("bids", "Keyword bids", reason)


def build_bids_section(
    store,
    start: dt.date | None = None,
    end: dt.date | None = None,
    where: Mapping[str, Sequence[str]] | None = None,
    by: str = "keyword",
) -> Any:
    """The keyword bids section (module docstring) for the period and filters."""
    from payback.errors import InputError
    from payback.present import format_value
    from payback.report.build import Section

    where = dict(where or {}) or None
    if not keyword_rows_exist(store, where):
        return skipped(
            "No keyword rows in the ad statistics: bids are recommended per keyword, from "
            "an ad platform export at keyword level (payback import ads FILE)."
        )
    try:
        rec, why = derived_recommendations(store, start, end, where)
    except InputError as e:
        return skipped(f"No bid recommendations for this period and filters: {e}")
    frame = rec.frame
    currency = rec.table.currency or store.base_currency
    conv, words = rec.target.conversion, rec.target.words
    summary = action_summary(frame)
    top = frame.assign(_size=frame["cost_change"].abs())
    top = top.sort_values(["_size", "cost"], ascending=False).head(TOP).drop(columns="_size")
    days = (rec.end - rec.start).days + 1
    total = summary[summary["is_total"]].iloc[0]
    body = summary[~summary["is_total"]]
    counts = ", ".join(f"{r.action} {r.keywords}" for r in body.itertuples())
    tables = (
        frame_table(
            "table-bids-summary",
            "Recommendations per action",
            body,
            ("action",),
            SUMMARY_COLUMNS,
            currency,
            totals=summary[summary["is_total"]],
        ),
        frame_table(
            "table-bids-keywords",
            f"Top {TOP} keywords by expected change in cost",
            top,
            KEYS,
            row_columns(conv, words),
            currency,
            reasons=rec.table.reasons,
        ).with_csv(frame),
    )
    return Section(
        id="bids",
        title="Keyword bids",
        intro=(
            f"Bids per keyword to {rec.target.label} (from the economics), over "
            f"{rec.start} to {rec.end} ({days} days): {counts}. Expected over as many days: "
            f"cost {format_value(float(total['cost_change']), 'money', currency)}, "
            f"{words}s {float(total['conversion_change']):+,.1f}. The conversion rate of "
            "each keyword is shrunk towards its ad group's, campaign's and platform's "
            f"(empirical Bayes); max CPC = target x CR; changes are capped at "
            f"{rec.rules.step * 100:g} % a step."
        ),
        tables=tables,
        notes=tuple(f"not used: {w}" for w in why),
    )
