"""`payback metrics` end to end: the store file in, a table / CSV / JSON / Parquet out."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow.parquet as pq
import pytest

from payback.cli import main

from .conftest import arrow_rows


@pytest.fixture
def db(tmp_path):
    from payback.store import open_store

    path = tmp_path / "shop.duckdb"
    with open_store(path) as store:
        store.write(
            {
                "ad_stats": arrow_rows(
                    "ad_stats",
                    [
                        {"campaign": "banner", "cost": 200.0, "impressions": 10_000, "clicks": 100},
                        {
                            "campaign": "=SUM(A1)",
                            "cost": 50.0,
                            "impressions": 500,
                            "clicks": 0,
                            "date": dt.date(2024, 4, 2),
                        },
                    ],
                ),
                "orders": arrow_rows(
                    "orders",
                    [{"campaign": "banner", "revenue": 10.0, "cogs": 4.0} for _ in range(40)],
                ),
            },
            meta={"base_currency": "EUR"},
        )
    return str(path)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["metrics", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_table_shows_percentages_money_and_reasons(capsys, db):
    code, out, _ = run(
        capsys, "--db", db, "--by", "campaign", "--metrics", "cost,orders,cpo,ctr,cpc"
    )
    assert code == 0
    rows = [line.split("│") for line in out.splitlines() if line.count("│") > 2]
    # a campaign row: platform, campaign ...; a totals row: its label, an empty campaign
    lines = {(r[2].strip() or r[1].strip()): "│".join(r) for r in rows}
    assert all(r[1].strip() == "google" for r in rows[:2])
    assert "200.00" in lines["banner"] and "5.00" in lines["banner"] and "1.00 %" in lines["banner"]
    assert "–" in lines["=SUM(A1)"]  # cpo and cpc of the campaign without orders/clicks
    paid, blended = lines["Total (paid)"], lines["Total (all)"]
    assert "6.25" in paid and "2.50" in paid  # 250 / 40, 250 / 100
    assert "250.00" in blended and "2.50" in blended and "6.25" not in blended
    assert "– cpo: no confirmed orders in 1 row(s); Total (all) holds no ad ratios" in out
    assert "– cpc: no clicks in 1 row(s)" in out
    assert "money in EUR" in out


def test_csv_is_spreadsheet_safe_and_keeps_fractions(capsys, db):
    code, out, _ = run(capsys, "--db", db, "--by", "campaign", "-m", "ctr,cpo", "--format", "csv")
    assert code == 0
    assert out.splitlines() == [
        "platform,campaign,ctr,cpo,is_total,total_kind",
        "google,'=SUM(A1),0.0,,False,",
        "google,banner,0.01,5.0,False,",
        ",,0.009523809523809525,6.25,True,paid",
        ",,0.009523809523809525,,True,all",
    ]


def test_json_has_fractions_nulls_and_reasons(capsys, db, tmp_path):
    out_file = tmp_path / "m.json"
    code, _, _ = run(
        capsys,
        "--db",
        db,
        "--by",
        "month",
        "-m",
        "cost,romi,cpo",
        "-f",
        "json",
        "-o",
        str(out_file),
    )
    doc = json.loads(out_file.read_text())
    assert code == 0 and doc["currency"] == "EUR"
    assert doc["rows"][0] == {
        "month": "2024-03",  # a month is YYYY-MM in JSON, CSV and the table
        "cost": 200.0,
        "romi": 0.2,
        "cpo": 5.0,
        "is_total": False,
        "total_kind": None,
    }
    assert doc["rows"][1]["cpo"] is None and doc["rows"][1]["romi"] == -1.0
    assert [(r["total_kind"], r["cpo"]) for r in doc["rows"][2:]] == [("paid", 6.25), ("all", None)]
    paid_only = "Total (all) holds no ad ratios (see Total (paid)) in 1 row(s)"
    assert doc["reasons"] == {
        "cpo": f"no confirmed orders in 1 row(s); {paid_only}",
        "romi": paid_only,
    }
    assert doc["units"]["romi"] == "rate"


def test_parquet_round_trips_with_the_reasons(capsys, db, tmp_path):
    out_file = tmp_path / "m.parquet"
    code, _, _ = run(
        capsys, "--db", db, "--by", "campaign", "-m", "cpo", "-f", "parquet", "-o", str(out_file)
    )
    table = pq.read_table(out_file)
    assert code == 0 and table.column("cpo").to_pylist() == [None, 5.0, 6.25, None]
    assert table.column("total_kind").to_pylist() == [None, None, "paid", "all"]
    meta = json.loads(table.schema.metadata[b"payback"])
    assert meta["reasons"]["cpo"].startswith("no confirmed orders in 1 row(s); Total (all)")
    assert meta["currency"] == "EUR"


def test_filters_and_dates_from_the_command_line(capsys, db):
    code, out, _ = run(
        capsys, "--db", db, "--by", "campaign", "-m", "cost", "-f", "csv",
        "--where", "campaign=banner", "--where", "campaign=x' OR 1=1 --",
        "--from", "2024-03-01", "--to", "2024-03-31",
    )  # fmt: skip
    assert code == 0 and out.splitlines()[1:] == ["google,banner,200.0,False,", ",,200.0,True,all"]


def test_list_shows_the_catalogue_with_formulas(capsys):
    code, out, _ = run(capsys, "--list", "--format", "json")
    rows = {r["name"]: r for r in json.loads(out)["rows"]}
    assert code == 0 and rows["romi"]["formula"] == "(gross profit - cost) / cost"
    assert rows["cpa"]["better"] == "lower" and len(rows) >= 25


def test_unknown_metric_exits_2_listing_the_valid_ones(capsys, db):
    code, _, err = run(capsys, "--db", db, "--metrics", "cpo,profitability")
    assert code == 2
    assert "unknown metric 'profitability': expected one of impressions, clicks" in err


def test_missing_store_says_how_to_get_one(capsys, tmp_path):
    code, _, err = run(capsys, "--db", str(tmp_path / "none.duckdb"))
    assert code == 2 and "payback demo" in err


def test_help_has_an_example(capsys):
    code = main(["metrics", "--help"])
    out = capsys.readouterr().out
    assert code == 0 and "payback metrics --by campaign,month" in out and "--engine" in out
