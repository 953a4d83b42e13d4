"""A capability's result frame as a report table: named columns with units and hover text.

The sections of capabilities (partners, bids) show frames that are not metric-engine
rows: :func:`frame_table` formats the columns it is given by their unit (money, count,
rate, ratio, decimal; ``None`` for text) with :func:`payback.present.format_value`,
sorts numbers by value, and writes a missing value's reason in its hover text.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"partner": ["P1", "<b>P2</b>"], "cpo": [12.5, None],
...                       "status": ["ok", "late"]})
>>> spec = (("cpo", "CPO", "money", "commission / orders"), ("status", "Status", None, ""))
>>> view = frame_table("t", "Partners", frame, ("partner",), spec, "EUR",
...                    reasons={"cpo": "no orders"})
>>> [c.label for c in view.columns]
['Partner', 'CPO', 'Status']
>>> [(c.text, c.title) for c in view.rows[1]]
[('<b>P2</b>', '<b>P2</b>'), ('', 'CPO: missing (no orders)'), ('late', 'late')]
>>> view.rows[0][1].text, view.rows[0][1].sort
('12.50 EUR', '12.5')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from payback.present import dimension_label, format_value, is_missing

#: (column, label, unit or None for text, what it is)
Spec = Sequence[tuple[str, str, str | None, str]]


def _value(v: Any) -> Any:
    return None if is_missing(v) else v


def frame_cells(
    rec: Mapping[str, Any],
    dims: Sequence[str],
    spec: Spec,
    currency: str | None,
    reasons: Mapping[str, str],
    *,
    total: str | None = None,
) -> tuple[Any, ...]:
    """The cells of one record: its dimensions (or ``total`` in the first), then ``spec``."""
    from payback.report.tables import Cell

    out = []
    for i, d in enumerate(dims):
        if total is not None:
            text = total if i == 0 else ""
        else:
            text = dimension_label(d, _value(rec.get(d)))
        out.append(Cell(text, text.lower(), text))
    for key, label, unit, _ in spec:
        value = _value(rec.get(key))
        if unit is None:
            text = "" if value is None else str(value)
            out.append(Cell(text, text.lower(), text))
            continue
        if value is None:
            why = reasons.get(key)
            out.append(Cell("", "", f"{label}: missing" + (f" ({why})" if why else ""), True))
            continue
        text = format_value(value, unit, currency)
        out.append(Cell(text, repr(float(value)), f"{label} = {text}"))
    return tuple(out)


def frame_table(
    id: str,
    title: str,
    frame: Any,
    dims: Sequence[str],
    spec: Spec,
    currency: str | None,
    *,
    reasons: Mapping[str, str] | None = None,
    totals: Any = None,
    note: str = "",
) -> Any:
    """A :class:`payback.report.tables.TableView` of ``frame``'s rows (in their order), its
    ``dims`` first, then the columns of ``spec`` present in the frame; ``totals`` (a frame)
    become the footer rows, labelled Total."""
    from payback.report.tables import DIMENSION_LABELS, Column, TableView

    spec = tuple(s for s in spec if s[0] in frame.columns)
    reasons = dict(reasons or {})
    columns = (
        *(Column(d, DIMENSION_LABELS.get(d, d.replace("_", " ").capitalize()), None, "")
          for d in dims),
        *(Column(key, label, unit, f"{label} = {what}" if what else label)
          for key, label, unit, what in spec),
    )  # fmt: skip
    body = tuple(
        frame_cells(r, dims, spec, currency, reasons) for r in frame.to_dict(orient="records")
    )
    foot = ()
    if totals is not None:
        foot = tuple(
            frame_cells(r, dims, spec, currency, reasons, total="Total")
            for r in totals.to_dict(orient="records")
        )
    return TableView(id, title, columns, body, foot, note)
