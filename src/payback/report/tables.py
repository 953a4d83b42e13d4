"""Tables for humans: metric rows turned into formatted, sortable, self-explaining cells.

A :class:`TableView` is what the report template renders (and what the dashboard's
JavaScript renders from JSON): each cell carries its display text, a sort key and a
hover text with the formula and inputs of its value.

Examples
--------
>>> from types import SimpleNamespace as M
>>> cat = {"cost": M(label="Cost", formula="sum of ad spend", unit="money"),
...        "orders": M(label="Orders", formula="count of confirmed orders", unit="count"),
...        "cpo": M(label="CPO", formula="cost / confirmed orders", unit="money",
...                 numerator="cost", denominator="orders")}
>>> view = table_view(
...     ("campaign",), ("cost", "cpo"),
...     [{"campaign": "<b>x</b>", "cost": 200.0, "cpo": 5.0, "orders": 40}],
...     (), "EUR", known=cat)
>>> [c.label for c in view.columns]
['Campaign', 'Cost', 'CPO']
>>> view.rows[0][0].text, view.rows[0][2].text, view.rows[0][2].title
('<b>x</b>', '5.00 EUR', 'CPO = cost / confirmed orders = 200.00 EUR / 40 = 5.00 EUR')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from payback.present import dimension_label, format_value, is_missing, total_label
from payback.report.views import catalogue, explain

DIMENSION_LABELS: dict[str, str] = {
    "date": "Day",
    "week": "Week",
    "month": "Month",
    "platform": "Platform",
    "campaign": "Campaign",
    "ad_group": "Ad group",
    "keyword": "Keyword",
    "partner": "Partner",
    "country": "Country",
    "device": "Device",
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    unit: str | None  # None for a dimension
    title: str  # header hover: the formula

    @property
    def numeric(self) -> bool:
        return self.unit is not None


@dataclass(frozen=True)
class Cell:
    text: str
    sort: str  # number as text, or the lower-cased label
    title: str
    missing: bool = False


@dataclass(frozen=True)
class TableView:
    """A formatted table: header, body rows and the totals rows (none, one, or "Total
    (paid)" and "Total (all)" for metric tables)."""

    id: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    totals: tuple[tuple[Cell, ...], ...] = ()
    note: str = ""
    csv: str = ""  # a data: URI with the table as spreadsheet-safe CSV ("" for none)

    def with_csv(self, frame) -> TableView:
        """The same table with a CSV download of ``frame`` (see :func:`csv_data_uri`)."""
        from dataclasses import replace

        return replace(self, csv=csv_data_uri(frame))


def csv_data_uri(frame) -> str:
    """A ``data:`` URI holding ``frame`` as spreadsheet-safe CSV (:func:`payback.output.to_csv`).

    A link to it downloads the table from the report file itself, offline.

    >>> import pandas as pd
    >>> uri = csv_data_uri(pd.DataFrame({"campaign": ["=SUM(A1)"], "cost": [1.5]}))
    >>> import base64
    >>> base64.b64decode(uri.split(",", 1)[1]).decode().splitlines()
    ['campaign,cost', "'=SUM(A1),1.5"]
    """
    import base64

    from payback.output import to_csv

    data = base64.b64encode(to_csv(frame).encode("utf-8")).decode("ascii")
    return "data:text/csv;charset=utf-8;base64," + data


def _cells(
    by: Sequence[str],
    metrics: Sequence[str],
    row: Mapping[str, Any],
    currency: str | None,
    known: Mapping[str, Any],
    reasons: Mapping[str, Any],
    *,
    total: str | None = None,
) -> tuple[Cell, ...]:
    cells = []
    for i, dim in enumerate(by):
        if total is not None:
            text = total if i == 0 else ""
        else:
            text = dimension_label(dim, row.get(dim))
        cells.append(Cell(text, text.lower(), text))
    for metric in metrics:
        value = row.get(metric)
        m = known[metric]
        missing = is_missing(value)
        cells.append(
            Cell(
                text=format_value(value, m.unit, currency),
                sort="" if missing else repr(float(value)),
                title=explain(metric, row, currency, known=known, reason=reasons.get(metric)),
                missing=missing,
            )
        )
    return tuple(cells)


def table_view(
    by: Sequence[str],
    metrics: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    totals: Sequence[Mapping[str, Any]],
    currency: str | None,
    *,
    row_reasons: Sequence[Mapping[str, str]] = (),
    totals_reasons: Sequence[Mapping[str, str]] = (),
    id: str = "table",
    title: str = "",
    note: str = "",
    known: Mapping[str, Any] | None = None,
) -> TableView:
    """Format metric rows and totals rows (as :func:`payback.report.views.metric_table`
    returns them); two totals rows are labelled by their ``total_kind``: "Total (paid)"
    (rows with ad statistics) and "Total (all)"."""
    known = known if known is not None else catalogue()
    row_reasons = list(row_reasons) or [{}] * len(rows)
    columns = tuple(
        Column(d, DIMENSION_LABELS.get(d, d.replace("_", " ").title()), None, "") for d in by
    ) + tuple(
        Column(m, known[m].label, known[m].unit, f"{known[m].label} = {known[m].formula}")
        for m in metrics
    )
    body = tuple(
        _cells(by, metrics, r, currency, known, why)
        for r, why in zip(rows, row_reasons, strict=True)
    )
    totals_reasons = list(totals_reasons) or [{}] * len(totals)
    foot = tuple(
        _cells(
            by,
            metrics,
            t,
            currency,
            known,
            why,
            total=total_label(t.get("total_kind"), len(totals)),
        )
        for t, why in zip(totals, totals_reasons, strict=True)
    )
    return TableView(id, title, columns, body, foot, note)


TOTAL_FLAGS = ("is_total", "total_kind")


def metric_table_view(table, *, id: str, title: str, label: str) -> TableView:
    """The view of a :class:`payback.report.views.MetricTable` with its CSV download: the
    shown rows formatted by :func:`table_view`, the CSV every group and total of the
    engine's frame (dimensions, metrics and the totals' flags), and, when ``limit`` cut the
    table, a note saying how many ``label`` rows of how many are shown."""
    note = (
        f"The {format_value(len(table.rows), 'count')} {label} rows with the largest spend "
        f"of {format_value(table.row_count, 'count')}; the CSV holds every row."
        if table.truncated
        else ""
    )
    view = table_view(
        table.by,
        table.metrics,
        table.rows,
        table.totals,
        table.currency,
        row_reasons=table.row_reasons,
        totals_reasons=table.totals_reasons,
        id=id,
        title=title,
        note=note,
    )
    columns = [c for c in (*table.by, *table.metrics, *TOTAL_FLAGS) if c in table.frame]
    return view.with_csv(table.frame[columns])
