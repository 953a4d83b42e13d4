"""The written files, read back with plain csv/pandas, hold the same totals as the tables."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pytest

from payback.demo import generate_shop, write_shop
from payback.demo.exports import AD_FILES, TABLE_FILES


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    shop = generate_shop(3000, seed=21, fx=("yandex", "EUR"))
    folder = tmp_path_factory.mktemp("shop")
    files = write_shop(shop, folder)
    return shop, folder, files


def _ads(shop, platform: str) -> pd.DataFrame:
    t = shop.ad_stats
    return t.filter(pc.equal(t["platform"], platform)).to_pandas()


def _rows(path, encoding: str = "utf-8") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as f:
        return list(csv.reader(f))


def _number(text: str) -> float:
    return float(text.replace(",", "").rstrip("%")) if text not in ("--", "") else np.nan


def test_import_plan(written):
    _shop, folder, files = written
    kinds = [f.kind for f in files]
    assert kinds[0] == "fx-rates" and kinds.count("ads") == 4
    assert {f.path.name for f in files} >= {"orders.csv", "order_items.csv", "leads.csv"}
    yandex = next(f for f in files if f.platform == "yandex")
    assert yandex.currency == "EUR" and "--currency EUR" in yandex.command()
    assert all(f.path.exists() for f in files)
    assert (folder / "truth" / "campaigns.csv").exists()


def test_google_ads_ui_report(written):
    shop, folder, _ = written
    lines = _rows(folder / AD_FILES["google"])
    assert lines[0] == ["Keyword report"]
    assert lines[1] == ["January 1, 2024 - December 31, 2025"]
    header, body = lines[2], lines[3:]
    data = [r for r in body if not r[0].startswith("Total:")]
    totals = {r[0]: r for r in body if r[0].startswith("Total:")}
    expected = _ads(shop, "google")
    assert len(data) == len(expected)
    cost = header.index("Cost")
    assert sum(_number(r[cost]) for r in data) == pytest.approx(expected["cost"].sum())
    assert _number(totals["Total: Account"][cost]) == pytest.approx(expected["cost"].sum())
    impr = header.index("Impr.")
    assert sum(_number(r[impr]) for r in data) == expected["impressions"].sum()
    assert any("," in r[impr] for r in data)  # "1,200"-style numbers
    assert any(r[header.index("Keyword")] == "--" for r in data)  # Shopping has none
    assert all(r[header.index("CTR")].endswith("%") for r in data)


def test_meta_ads_manager_export(written):
    shop, folder, _ = written
    frame = pd.read_csv(folder / AD_FILES["meta"], dtype=str, keep_default_na=False)
    assert "Amount spent (USD)" in frame.columns
    summary, data = frame.iloc[0], frame.iloc[1:]
    assert summary["Day"] == "" and summary["Campaign name"] == ""
    expected = _ads(shop, "meta")
    spent = data["Amount spent (USD)"].astype(float)
    assert len(data) == len(expected) and spent.sum() == pytest.approx(expected["cost"].sum())
    assert float(summary["Amount spent (USD)"]) == pytest.approx(expected["cost"].sum())
    purchases = pd.to_numeric(data["Purchases"].replace("", "0"))
    assert purchases.sum() == expected["conversions"].sum()
    assert data["Link clicks"].astype(int).sum() == expected["clicks"].sum()


def test_microsoft_advertising_report(written):
    shop, folder, _ = written
    lines = _rows(folder / AD_FILES["microsoft"], "utf-8-sig")
    assert lines[0] == ["Report Name: Keyword Performance Report"]
    assert lines[-1][0].startswith("©") and lines[-2] == []
    start = lines.index(
        ["TimePeriod", "CampaignName", "AdGroupName", "Keyword", "CurrencyCode", "Impressions",
         "Clicks", "Spend", "Conversions", "Revenue"]
    )  # fmt: skip
    data = lines[start + 1 : -2]
    expected = _ads(shop, "microsoft")
    assert len(data) == len(expected) == int(lines[5][0].split(": ")[1])
    assert sum(float(r[7]) for r in data) == pytest.approx(expected["cost"].sum())
    assert data[0][0] == "1/1/2024"  # month/day/year, as the UI writes it


def test_yandex_direct_tsv_in_micro_units(written):
    shop, folder, _ = written
    lines = (folder / AD_FILES["yandex"]).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith('"Keyword report') and lines[-1].startswith("Total rows: ")
    rows = [line.split("\t") for line in lines[2:-1]]
    header = lines[1].split("\t")
    expected = _ads(shop, "yandex")
    assert len(rows) == len(expected) == int(lines[-1].split(": ")[1])
    micros = sum(int(r[header.index("Cost")]) for r in rows)
    assert micros / 1_000_000 == pytest.approx(expected["cost"].sum())
    assert (expected["currency"] == "EUR").all()


@pytest.mark.parametrize("name", list(TABLE_FILES))
def test_canonical_files_round_trip(written, name):
    shop, folder, _ = written
    table = shop.tables[name].to_pandas()
    frame = pd.read_csv(folder / TABLE_FILES[name][1])
    assert len(frame) == len(table)
    money = [c for c in ("revenue", "cogs", "amount", "price", "commission", "rate")
             if c in table]  # fmt: skip
    for column in money:
        assert frame[column].sum() == pytest.approx(table[column].sum()), column
    for column in ("status", "kind", "category"):
        if column in table:
            assert frame[column].value_counts().to_dict() == table[column].value_counts().to_dict()
    if name in ("orders", "leads"):
        assert "platform" not in frame and "campaign" not in frame  # the importer derives them
    if name == "subscriptions":
        assert frame["end"].isna().sum() == table["end"].isna().sum()
