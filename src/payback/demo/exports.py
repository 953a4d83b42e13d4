"""Write a generated shop as the files a user would import.

Ad statistics become real platform exports, each in the layout ``payback import ads``
recognises (issue 2, section 3):

- ``ads/google_ads_keyword_report.csv``: Google Ads UI report: title row, date-range
  row, header (Day, Campaign, Ad group, Keyword, Match type, Currency code, Impr.,
  Clicks, CTR, Avg. CPC, Cost, Conversions, Conv. value), numbers like ``"1,200"`` and
  ``4.44%``, ``--`` for empty, ``Total:`` rows at the end.
- ``ads/meta_ads_manager_export.csv``: Meta Ads Manager: Reporting starts/ends, Day,
  Campaign name, Ad set name, Ad name, Impressions, Link clicks,
  ``Amount spent (USD)``, Purchases, Purchases conversion value (blank when none).
- ``ads/microsoft_advertising_report.csv``: Microsoft Advertising keyword report with
  its quoted report header and copyright footer.
- ``ads/yandex_direct_report.tsv``: Yandex Direct Reports API TSV: report-name line,
  header, ``Total rows: N`` line; money in micro-units; ``--`` for empty.

The other tables are written as CSV with the canonical column names of
:mod:`payback.schema` (``orders.csv``, ``order_items.csv``, ``leads.csv``,
``customers.csv``, ``costs.csv``, ``partner_claims.csv``, ``subscriptions.csv`` and
``fx_rates.csv`` when one platform reports in another currency). Orders and leads carry
only what a shop's CRM has (utm_* columns or a landing URL, click ids, partner id): the
importer derives platform / campaign / ad group / keyword. ``truth/`` holds the plan and
the hidden draws, for checking analyses against what was built in.

Examples
--------
>>> import tempfile
>>> from payback.demo import generate_shop
>>> with tempfile.TemporaryDirectory() as tmp:
...     files = write_shop(generate_shop(200, seed=1), tmp)
...     [f.kind for f in files][:3]
['ads', 'ads', 'ads']
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from payback.demo.generator import Shop
from payback.ingest.layouts import META, MICROSOFT, YANDEX

#: columns the importer derives from utm_* / landing_url: not in the CRM files
DERIVED = ("platform", "campaign", "ad_group", "keyword")

AD_FILES = {
    "google": "ads/google_ads_keyword_report.csv",
    "meta": "ads/meta_ads_manager_export.csv",
    "microsoft": "ads/microsoft_advertising_report.csv",
    "yandex": "ads/yandex_direct_report.tsv",
}
TABLE_FILES = {
    "fx_rates": ("fx-rates", "fx_rates.csv"),
    "orders": ("orders", "orders.csv"),
    "order_items": ("order-items", "order_items.csv"),
    "leads": ("leads", "leads.csv"),
    "customers": ("customers", "customers.csv"),
    "costs": ("costs", "costs.csv"),
    "partner_claims": ("partner-claims", "partner_claims.csv"),
    "subscriptions": ("subscriptions", "subscriptions.csv"),
    "sessions": ("sessions", "sessions.csv"),
}


@dataclass(frozen=True)
class DemoFile:
    """One written file and how to import it (``payback import KIND PATH ...``)."""

    kind: str
    path: Path
    rows: int
    platform: str | None = None
    currency: str | None = None

    def command(self, db: str | None = None) -> str:
        """The ``payback import`` command line for this file."""
        parts = ["payback", "import", self.kind, str(self.path)]
        if self.currency:
            parts += ["--currency", self.currency]
        if db:
            parts += ["--db", db]
        return " ".join(parts)


def write_shop(
    shop: Shop, directory: str | Path, *, progress: Callable[[str], None] | None = None
) -> tuple[DemoFile, ...]:
    """Write ``shop`` into ``directory``; return the files in the order to import them.

    FX rates come first (the ad file in a foreign currency needs them), then ads, orders,
    order items, leads, customers, costs, partner claims and subscriptions.
    """
    step = progress or (lambda name: None)
    root = Path(directory)
    (root / "ads").mkdir(parents=True, exist_ok=True)
    (root / "truth").mkdir(parents=True, exist_ok=True)
    files: list[DemoFile] = []
    ads = shop.ad_stats
    step("ad platform exports")
    for platform, writer in _AD_WRITERS.items():
        rows = ads.filter(pc.equal(ads["platform"], platform))
        if rows.num_rows == 0:
            continue
        path = root / AD_FILES[platform]
        currency = rows["currency"][0].as_py()
        writer(rows, path, shop.start, shop.end, currency)
        files.append(
            DemoFile(
                "ads",
                path,
                rows.num_rows,
                platform,
                currency if platform in ("yandex",) else None,
            )
        )
    for name, (kind, filename) in TABLE_FILES.items():
        table = shop.tables.get(name)
        if table is None:
            continue
        step(filename)
        if name in ("orders", "leads", "sessions"):
            table = table.drop_columns([c for c in DERIVED if c in table.column_names])
        path = root / filename
        write_csv(table, path)
        entry = DemoFile(kind, path, table.num_rows)
        files.insert(0, entry) if name == "fx_rates" else files.append(entry)
    step("truth")
    write_csv(
        pa.Table.from_pandas(shop.campaigns, preserve_index=False), root / "truth/campaigns.csv"
    )
    write_csv(
        pa.Table.from_pandas(shop.partners, preserve_index=False), root / "truth/partners.csv"
    )
    write_csv(shop.claim_issues, root / "truth/claim_issues.csv")
    write_csv(shop.customer_truth, root / "truth/customer_truth.csv")
    return tuple(files)


def write_csv(table: pa.Table, path: Path) -> None:
    """Plain CSV: header, comma, quotes only where needed, empty cell for null."""
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))


# -- number formats --------------------------------------------------------------------------
def thousands(values: np.ndarray, decimals: int = 0) -> list[str]:
    """``1234.5`` -> ``"1,234.50"`` (Google Ads UI style).

    >>> thousands(np.array([1200, 5]))
    ['1,200', '5']
    >>> thousands(np.array([1234.5]), 2)
    ['1,234.50']
    """
    return [f"{v:,.{decimals}f}" for v in values.tolist()]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.full(len(num), np.nan), where=den > 0)


def _percent(values: np.ndarray) -> list[str]:
    return ["--" if np.isnan(v) else f"{v * 100:.2f}%" for v in values.tolist()]


def _money(values: np.ndarray) -> list[str]:
    return ["--" if np.isnan(v) else f"{v:,.2f}" for v in values.tolist()]


def _text(column: pa.ChunkedArray, empty: str) -> list[str]:
    return [empty if v is None else v for v in column.to_pylist()]


def _columns(rows: pa.Table) -> dict[str, np.ndarray]:
    return {
        c: rows[c].to_numpy()
        for c in ("impressions", "clicks", "cost", "conversions", "conversion_value")
    }


def _us_date(d: date) -> str:
    return f"{d.month}/{d.day}/{d.year}"


def _long_date(d: date) -> str:
    return f"{d:%B} {d.day}, {d.year}"


# -- platform writers ------------------------------------------------------------------------
def write_google(rows: pa.Table, path: Path, start: date, end: date, currency: str) -> None:
    """Google Ads UI report (see the module docstring)."""
    n = _columns(rows)
    day = [str(d) for d in rows["date"].to_pylist()]
    body = zip(
        day,
        _text(rows["campaign"], "--"),
        _text(rows["ad_group"], "--"),
        _text(rows["keyword"], "--"),
        _text(rows["match_type"], "--"),
        [currency] * rows.num_rows,
        thousands(n["impressions"]),
        thousands(n["clicks"]),
        _percent(_ratio(n["clicks"], n["impressions"])),
        _money(_ratio(n["cost"], n["clicks"])),
        thousands(n["cost"], 2),
        thousands(n["conversions"], 2),
        thousands(n["conversion_value"], 2),
        strict=True,
    )
    header = [
        "Day",
        "Campaign",
        "Ad group",
        "Keyword",
        "Match type",
        "Currency code",
        "Impr.",
        "Clicks",
        "CTR",
        "Avg. CPC",
        "Cost",
        "Conversions",
        "Conv. value",
    ]
    shopping = np.array([k is None for k in rows["keyword"].to_pylist()])
    totals = []
    for label, mask in (
        ("Total: Account", np.ones(rows.num_rows, bool)),
        ("Total: Search", ~shopping),
        ("Total: Shopping", shopping),
    ):
        if not mask.any():
            continue
        s = {k: np.array([v[mask].sum()]) for k, v in n.items()}
        totals.append(
            [
                label,
                "--",
                "--",
                "--",
                "--",
                currency,
                *thousands(s["impressions"]),
                *thousands(s["clicks"]),
                *_percent(_ratio(s["clicks"], s["impressions"])),
                *_money(_ratio(s["cost"], s["clicks"])),
                *thousands(s["cost"], 2),
                *thousands(s["conversions"], 2),
                *thousands(s["conversion_value"], 2),
            ]
        )
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["Keyword report"])
        w.writerow([f"{_long_date(start)} - {_long_date(end)}"])
        w.writerow(header)
        w.writerows(body)
        w.writerows(totals)


def write_meta(rows: pa.Table, path: Path, start: date, end: date, currency: str) -> None:
    """Meta Ads Manager export (see the module docstring)."""
    n = _columns(rows)
    day = [str(d) for d in rows["date"].to_pylist()]
    purchases = ["" if v == 0 else str(int(v)) for v in n["conversions"].tolist()]
    value = [
        "" if c == 0 else f"{v:.2f}"
        for c, v in zip(n["conversions"], n["conversion_value"], strict=True)
    ]
    # the layout the importer reads (one home), spend in this export's currency
    header = [h.replace("(USD)", f"({currency})") for h in META.headers]
    body = zip(
        day,
        day,
        day,
        _text(rows["campaign"], ""),
        _text(rows["ad_group"], ""),
        _text(rows["keyword"], ""),
        n["impressions"].tolist(),
        n["clicks"].tolist(),
        [f"{v:.2f}" for v in n["cost"].tolist()],
        purchases,
        value,
        strict=True,
    )
    total = [
        str(start),
        str(end),
        "",
        "",
        "",
        "",
        int(n["impressions"].sum()),
        int(n["clicks"].sum()),
        f"{n['cost'].sum():.2f}",
        int(n["conversions"].sum()),
        f"{n['conversion_value'].sum():.2f}",
    ]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerow(total)  # Ads Manager's summary row: every dimension empty
        w.writerows(body)


def write_microsoft(rows: pa.Table, path: Path, start: date, end: date, currency: str) -> None:
    """Microsoft Advertising keyword performance report (see the module docstring)."""
    n = _columns(rows)
    day = [_us_date(d) for d in rows["date"].to_pylist()]
    header = list(MICROSOFT.headers)  # the layout the importer reads (one home)
    body = zip(
        day,
        _text(rows["campaign"], ""),
        _text(rows["ad_group"], ""),
        _text(rows["keyword"], ""),
        [currency] * rows.num_rows,
        n["impressions"].tolist(),
        n["clicks"].tolist(),
        [f"{v:.2f}" for v in n["cost"].tolist()],
        [str(int(v)) for v in n["conversions"].tolist()],
        [f"{v:.2f}" for v in n["conversion_value"].tolist()],
        strict=True,
    )
    us = f"{_us_date(start)} - {_us_date(end)}"
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        w.writerow(["Report Name: Keyword Performance Report"])
        w.writerow([f"Report Time: {us}"])
        w.writerow(["Time Zone: (GMT-05:00) Eastern Time (US & Canada)"])
        w.writerow([f"Last Completed Available Day: {_us_date(end)} 11:59:59 PM"])
        w.writerow(["Potential Incomplete Data: false"])
        w.writerow([f"Rows: {rows.num_rows}"])
        f.write("\n")
        w.writerow(header)
        w.writerows(body)
        f.write("\n")
        w.writerow([f"©{end.year + 1} Microsoft Corporation. All rights reserved. "])


def write_yandex(rows: pa.Table, path: Path, start: date, end: date, currency: str) -> None:
    """Yandex Direct Reports API TSV, money in micro-units (see the module docstring)."""
    n = _columns(rows)
    day = [str(d) for d in rows["date"].to_pylist()]
    micros = np.round(n["cost"] * 1_000_000).astype(np.int64).tolist()
    revenue = np.round(n["conversion_value"] * 1_000_000).astype(np.int64).tolist()
    conv = [int(v) for v in n["conversions"].tolist()]
    lines = [
        f'"Keyword report ({start} - {end})"',
        "\t".join(YANDEX.headers),  # the layout the importer reads (one home)
    ]
    for d, c, g, k, i, cl, co, cv, rv in zip(
        day,
        _text(rows["campaign"], "--"),
        _text(rows["ad_group"], "--"),
        _text(rows["keyword"], "--"),
        n["impressions"].tolist(),
        n["clicks"].tolist(),
        micros,
        conv,
        revenue,
        strict=True,
    ):
        lines.append(
            f"{d}\t{c}\t{g}\t{k}\t{i}\t{cl}\t{co}\t{cv if cv else '--'}\t{rv if cv else '--'}"
        )
    lines.append(f"Total rows: {rows.num_rows}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


_AD_WRITERS = {
    "google": write_google,
    "meta": write_meta,
    "microsoft": write_microsoft,
    "yandex": write_yandex,
}
