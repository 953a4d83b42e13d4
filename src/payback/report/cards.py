"""The headline cards: the period's numbers, each with its change, as a marketer reads them.

Values
------
A card's value covers the report's period (the whole history without ``--from``/``--to``).
CPO, CAC, DRR, ROMI (and LTV/CAC, built on CAC) relate ad spend to orders: their value is
the engine's **paid** total, over the rows with ad statistics, labelled "paid traffic"
(organic, newsletter and partner orders carry no ad cost and would flatter them). Their
**blended** figure, the same formula over every order, is shown under it. Spend, revenue,
orders and new customers count everything.

Change
------
- With a period: against the previous period of equal length (the days just before).
- Without one (the whole history): the last complete calendar month of the data against
  the month before (``Dec 2025 vs Nov 2025: +4.2 %``, :func:`default_comparison`); no
  change when the data holds no two complete months.

The change is relative for money, counts and ratios (``+12.5 %``) and the difference of
the fractions for rates (``-2.0 pp``); green when better by the metric's direction.

Examples
--------
>>> change_between(110.0, 100.0, "money"), change_between(0.25, 0.2, "rate")
(0.1, 0.04999999999999999)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from payback.metrics.catalogue import CATALOGUE
from payback.present import format_change, format_value, is_missing
from payback.report.views import (
    HEADLINE_METRICS,
    LTV_CAC_LABEL,
    Period,
    available,
    blended_value,
    catalogue,
    data_period,
    default_comparison,
    explain,
    is_paid_only,
    metric_table,
    resolve_period,
)

#: How a card over the rows with ad statistics says so.
PAID = "paid traffic"
#: How its blended figure is introduced.
BLENDED = "Blended, all traffic (organic and partner orders too)"


@dataclass(frozen=True)
class CardInput:
    """One input of a headline number (e.g. the spend and the orders behind a CPO), in the
    whole period (``value``), the compared period (``current``) and the one before."""

    metric: str
    label: str
    unit: str
    value: Any
    previous: Any
    current: Any = None


@dataclass(frozen=True)
class Card:
    """A headline number with its change and its explanation.

    Attributes
    ----------
    value : float or None
        Over the whole period (paid traffic when ``basis`` says so).
    current, previous : float or None
        The two periods compared (``current`` is the period itself when one was given).
    change : float or None
        ``(current - previous) / |previous|``; for rates ``current - previous`` (shown in
        percentage points). None when either is missing or ``previous`` is 0.
    verdict : {"better", "worse"} or None
        By the metric's better direction; None without a direction or a change.
    basis : str or None
        ``"paid traffic"`` for ratios of ad spend to orders (the engine's paid totals).
    blended : float or None
        The same formula over every order, organic included (cards with a ``basis``).
    """

    metric: str
    label: str
    unit: str
    value: Any
    previous: Any
    change: float | None
    verdict: str | None
    formula: str
    explanation: str
    inputs: tuple[CardInput, ...]
    reason: str | None = None
    current: Any = None
    basis: str | None = None
    blended: Any = None
    blended_explanation: str | None = None


@dataclass(frozen=True)
class Headline:
    """The headline cards of a period and the comparison they show.

    ``compared_period`` and ``previous_period`` are the two periods each card's change is
    between: the period and the one before it when a period was asked for; the last
    complete month of the data and the month before for the whole history.
    ``data_start`` is the first day with data (given with a period: the days before it
    the previous period may reach hold nothing).
    """

    period: Period | None
    previous_period: Period | None
    currency: str | None
    cards: tuple[Card, ...]
    compared_period: Period | None = None
    data_start: date | None = None

    @property
    def whole_history(self) -> bool:
        """True when the values cover more than the compared period (the default report)."""
        return self.compared_period is not None and self.compared_period != self.period

    @property
    def comparison(self) -> str:
        """``Dec 2025 vs Nov 2025``, or ``vs the previous 31 days (2024-01-30 – 2024-02-29)``."""
        if self.previous_period is None or self.compared_period is None:
            return ""
        if self.whole_history:
            return f"{self.compared_period.name()} vs {self.previous_period.name()}"
        return f"vs the previous {self.previous_period.days} days ({self.previous_period.label()})"

    @property
    def data_begins(self) -> date | None:
        """The first day with data when it falls inside the period compared against (the
        month before, or the days before an asked period: partly covered, its numbers cover
        fewer days), else None."""
        p = self.previous_period
        if p is None or self.period is None:
            return None
        first = self.period.start if self.whole_history else self.data_start
        return first if first is not None and p.start < first <= p.end else None

    @property
    def intro(self) -> str:
        """What the cards cover and what each change compares, in a sentence or two."""
        if self.period is None:
            return ""
        begins = self.data_begins
        if not self.whole_history:
            p = self.previous_period
            if self.compared_period is None:  # the whole history, no two months to compare
                return f"Totals of the whole history ({self.period.label()})." if self.note else ""
            if begins is None or self.note is not None or p is None:
                return ""
            return (
                f"Each change compares the period with the previous {p.days} days "
                f"({p.label()}), which have data from {begins.isoformat()} on only: "
                f"{(begins - p.start).days} of those days come before the data, so their "
                f"totals are lower than a whole period's would be."
            )
        text = f"Totals of the whole history ({self.period.label()})."
        if self.comparison:
            text += (
                f" Each change compares {self.comparison}: the last complete calendar month "
                f"of the data with the month before"
            )
            text += f" (which has data from {begins.isoformat()} on)." if begins else "."
        return text

    @property
    def previous_has_data(self) -> bool:
        """False when nothing at all was recorded in the previous period (all sums 0 or missing)."""
        return any(not is_missing(c.previous) and c.previous != 0 for c in self.cards)

    @property
    def note(self) -> str | None:
        """What the cards say instead of a change, or None when they show one."""
        if self.period is None:
            return None
        if self.previous_period is None:
            if self.compared_period is None:
                return "no two complete calendar months in the data to compare yet"
            return "no previous period to compare with"
        if not self.previous_has_data:
            if self.whole_history:
                return f"no data in {self.previous_period.name()}"
            return "no data in the previous period"
        return None


def change_between(value: Any, previous: Any, unit: str) -> float | None:
    """The change shown on a card (relative; rates: difference of fractions).

    >>> change_between(5.0, 0.0, "count") is None
    True
    """
    if is_missing(value) or is_missing(previous):
        return None
    if unit == "rate":
        return float(value) - float(previous)
    if float(previous) == 0:
        return None
    return (float(value) - float(previous)) / abs(float(previous))


def _verdict(change: float | None, lower_is_better: bool | None) -> str | None:
    if change is None or change == 0 or lower_is_better is None:
        return None
    return "better" if (change < 0) == bool(lower_is_better) else "worse"


@dataclass(frozen=True)
class _Totals:
    """The engine's totals of one period: ``paid`` (rows with ad statistics) and ``all``."""

    paid: Mapping[str, Any] | None
    all: Mapping[str, Any]
    paid_reasons: Mapping[str, str]
    all_reasons: Mapping[str, str]
    currency: str | None

    def paid_basis(self, name: str) -> bool:
        return self.paid is not None and is_paid_only(name)

    def row(self, name: str) -> Mapping[str, Any]:
        return self.paid if self.paid is not None and self.paid_basis(name) else self.all

    def value(self, name: str) -> Any:
        return self.row(name).get(name)

    def reason(self, name: str) -> str | None:
        return (self.paid_reasons if self.paid_basis(name) else self.all_reasons).get(name)

    def blended(self, name: str) -> Any:
        return blended_value(name, self.all) if self.paid_basis(name) else None


_NONE = _Totals(None, {}, {}, {}, None)


def _totals(store, metrics: Sequence[str], where, period: Period | None) -> _Totals:
    if period is None:
        return _NONE
    t = metric_table(store, (), metrics, where=where, start=period.start, end=period.end)
    kinds = [row.get("total_kind") for row in t.totals]

    def of(kind: str, rows: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
        return rows[kinds.index(kind)] if kind in kinds else None

    return _Totals(
        paid=of("paid", t.totals),
        all=of("all", t.totals) or {},
        paid_reasons=of("paid", t.totals_reasons) or {},
        all_reasons=of("all", t.totals_reasons) or {},
        currency=t.currency,
    )


def headline(
    store,
    *,
    start: date | None = None,
    end: date | None = None,
    where: Mapping[str, Any] | Sequence[str] | None = None,
    metrics: Sequence[str] = HEADLINE_METRICS,
    ltv: float | None = None,
) -> Headline:
    """The headline cards for a period, each with its change.

    ``start``/``end`` default to the first/last day with data. With either given, the
    change is against the previous period of equal length; with neither (the whole
    history), between the last complete calendar month of the data and the month before.

    ``ltv`` (the predicted value of a new customer, from the CLV capability) adds the
    LTV/CAC card: ``ltv / CAC`` of each period.
    """
    period = resolve_period(store, start, end)
    shown = available(metrics)
    if period is None or not shown:
        return Headline(period, None, store.base_currency, ())
    data_start = None
    if start is None and end is None:
        compared, previous = default_comparison(period) or (None, None)
    else:
        compared, previous = period, period.previous()
        span = data_period(store)
        data_start = span.start if span is not None else None
    whole = _totals(store, shown, where, period)
    now = whole if compared == period else _totals(store, shown, where, compared)
    before = _totals(store, shown, where, previous)
    currency = whole.currency or store.base_currency
    cards = [_card(name, whole, now, before, currency) for name in shown]
    if ltv is not None and "cac" in shown and "ltv_cac" not in shown:
        cards.append(
            ltv_cac_card(
                ltv,
                whole.value("cac"),
                before.value("cac"),
                currency,
                current_cac=now.value("cac"),
                blended_cac=whole.blended("cac"),
                basis=PAID if whole.paid_basis("cac") else None,
            )
        )
    return Headline(period, previous, currency, tuple(cards), compared, data_start)


def _card(name: str, whole: _Totals, now: _Totals, before: _Totals, currency) -> Card:
    known = catalogue()
    m = known[name]
    parts = [p for p in (getattr(m, "numerator", None), getattr(m, "denominator", None)) if p]
    paid = whole.paid_basis(name)
    inputs = tuple(
        CardInput(
            p,
            f"{known[p].label} ({PAID})" if paid else known[p].label,
            known[p].unit,
            whole.row(name).get(p),
            before.row(name).get(p),
            now.row(name).get(p),
        )
        for p in parts
        if p in known
    )
    change = change_between(now.value(name), before.value(name), m.unit)
    reason = whole.reason(name)
    explanation = explain(name, whole.row(name), currency, reason=reason)
    basis = blended = blended_text = None
    if paid:
        basis = PAID
        explanation = explanation.replace(m.label, f"{m.label} ({PAID})", 1)
        blended = whole.blended(name)
        blended_text = f"{BLENDED}: " + explain(
            name, {**whole.all, name: blended}, currency, reason="no orders or no spend"
        )
    return Card(
        metric=name,
        label=m.label,
        unit=m.unit,
        value=whole.value(name),
        previous=before.value(name),
        change=change,
        verdict=_verdict(change, m.lower_is_better),
        formula=m.formula,
        explanation=explanation,
        inputs=inputs,
        reason=reason,
        current=now.value(name),
        basis=basis,
        blended=blended,
        blended_explanation=blended_text,
    )


_SAME = object()


def ltv_cac_card(
    ltv: float,
    cac: Any,
    previous_cac: Any,
    currency: str | None,
    *,
    current_cac: Any = _SAME,
    blended_cac: Any = None,
    basis: str | None = None,
) -> Card:
    """The LTV/CAC card: predicted revenue LTV of a new customer over the CAC of each period.

    ``LTV/CAC (revenue) = predicted LTV / CAC``, the LTV being revenue before cost of
    goods (:func:`payback.report.clv_section.new_customer_ltv`). ``cac`` covers the
    whole period, ``current_cac`` (default: ``cac``) and ``previous_cac`` the two periods
    compared; with ``basis`` "paid traffic" the CAC is over paid traffic and
    ``blended_cac`` (over every new customer) gives the blended ratio. The card gives
    no verdict: the ceilings section judges each campaign on LTV on margin, a smaller
    number, and its scale / hold / cut are the report's only verdicts. Missing (None,
    with a reason) without a CAC.

    >>> card = ltv_cac_card(50.0, 20.0, 25.0, "EUR")
    >>> card.value, card.previous, card.verdict
    (2.5, 2.0, 'better')
    >>> card.explanation
    'LTV/CAC (revenue) = predicted LTV / CAC = 50.00 EUR / 20.00 EUR = 2.50×, on revenue'
    """

    def ratio(c: Any) -> float | None:
        return CATALOGUE["ltv_cac"].evaluate({"ltv": ltv, "cac": None if is_missing(c) else c})

    current_cac = cac if current_cac is _SAME else current_cac
    value, current, previous = ratio(cac), ratio(current_cac), ratio(previous_cac)
    change = change_between(current, previous, "ratio")
    if value is None:
        text, reason = "missing (no CAC: no new customers or no spend)", "no CAC in the period"
    else:
        text, reason = f"{format_value(value, 'ratio')}, on revenue", None
    over = f" ({basis})" if basis else ""
    explanation = (
        f"{LTV_CAC_LABEL} = predicted LTV / CAC{over} = {format_value(ltv, 'money', currency)} "
        f"/ {format_value(cac, 'money', currency)} = {text}"
    )
    blended = ratio(blended_cac) if basis else None
    blended_text = None
    if basis:
        blended_text = (
            f"{BLENDED}: predicted LTV / CAC = "
            f"{format_value(ltv, 'money', currency)} / "
            f"{format_value(blended_cac, 'money', currency)} = {format_value(blended, 'ratio')}"
        )
    return Card(
        metric="ltv_cac",
        label=LTV_CAC_LABEL,
        unit="ratio",
        value=value,
        previous=previous,
        change=change,
        verdict=_verdict(change, False),
        formula=(
            "predicted revenue LTV of a new customer / CAC (revenue before cost of goods; "
            "the ceilings section judges campaigns on LTV on margin)"
        ),
        explanation=explanation,
        inputs=(
            CardInput("ltv", "Predicted LTV", "money", ltv, ltv, ltv),
            CardInput("cac", "CAC", "money", cac, previous_cac, current_cac),
        ),
        reason=reason,
        current=current,
        basis=basis,
        blended=blended,
        blended_explanation=blended_text,
    )


def card_document(card: Card, currency: str | None) -> dict[str, Any]:
    """A card as JSON-ready data: the values and their texts for humans (the report's
    template and ``/api/headline`` show the same)."""

    def compact(v: Any) -> str:
        return format_value(v, card.unit, currency, style="compact")

    return {
        "metric": card.metric,
        "label": card.label,
        "unit": card.unit,
        "basis": card.basis,
        "value": card.value,
        "current": card.current,
        "previous": card.previous,
        "change": card.change,
        "verdict": card.verdict,
        "blended": card.blended,
        "formula": card.formula,
        "explanation": card.explanation,
        "blended_explanation": card.blended_explanation,
        "reason": card.reason,
        "text": compact(card.value),
        "exact_text": format_value(card.value, card.unit, currency),
        "current_text": compact(card.current),
        "previous_text": compact(card.previous),
        "change_text": format_change(card.change, card.unit),
        "blended_text": None if card.basis is None else compact(card.blended),
        "inputs": [
            {
                "metric": i.metric,
                "label": i.label,
                "value": i.value,
                "current": i.current,
                "previous": i.previous,
                "text": format_value(i.value, i.unit, currency),
                "current_text": format_value(i.current, i.unit, currency),
                "previous_text": format_value(i.previous, i.unit, currency),
            }
            for i in card.inputs
        ],
    }


def headline_document(h: Headline) -> dict[str, Any]:
    """The headline as JSON-ready data (``/api/headline`` and the report's cards)."""

    def period(p: Period | None) -> dict[str, str] | None:
        return None if p is None else {"start": p.start.isoformat(), "end": p.end.isoformat()}

    return {
        "period": period(h.period),
        "compared_period": period(h.compared_period),
        "previous_period": period(h.previous_period),
        "comparison": h.comparison,
        "whole_history": h.whole_history,
        "intro": h.intro,
        "previous_has_data": h.previous_has_data,
        "note": h.note,
        "currency": h.currency,
        "cards": [card_document(c, h.currency) for c in h.cards],
    }
