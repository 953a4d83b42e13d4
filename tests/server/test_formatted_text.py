"""The dashboard's JSON carries the text of payback.present beside each raw value: the page
formats nothing, so it shows what the report and the CLI tables show."""

from __future__ import annotations

from pathlib import Path

import payback.server

STATIC = Path(payback.server.__file__).resolve().parent / "static"


def _cells(row_cells, columns) -> dict[str, str]:
    return {c["key"]: cell["text"] for c, cell in zip(columns, row_cells, strict=True)}


def test_table_cells_follow_the_one_rule(client, shop):
    body = client.get("/api/table").json()
    rows = {r["labels"]["platform"]: _cells(r["cells"], body["columns"]) for r in body["rows"]}
    # google: cost 200 + 150 + 240 = 590, confirmed orders o1, o2, o3, revenue 300
    google = rows["google"]
    assert google["cost"] == "590.00 EUR" and google["orders"] == "3"
    assert google["cpo"] == f"{590 / 3:,.2f} EUR" == "196.67 EUR"
    assert google["drr"] == "196.7 %"  # 590 / 300, one decimal from 10 % up
    assert google["ctr"] == "6.00 %"  # 270 / 4,500, two decimals below 10 %
    assert google["roas"] == "0.51×"  # 300 / 590
    assert google["impressions"] == "4,500"
    # meta: cost 300 + 90 = 390, orders o5, o6, o7, revenue 440
    assert rows["meta"]["cpo"] == "130.00 EUR" and rows["meta"]["drr"] == "88.6 %"
    totals = [_cells(t, body["columns"]) for t in body["totals"]]
    assert [t["platform"] for t in totals] == ["Total (paid)", "Total (all)"]
    assert totals[0]["cpo"] == f"{980 / 6:,.2f} EUR" and totals[1]["cpo"] == "–"
    assert body["row_count"] == 2 and body["row_count_text"] == "2"


def test_months_read_year_month_in_labels_and_cells(client):
    body = client.get("/api/table", params={"by": "month"}).json()
    assert [r["labels"]["month"] for r in body["rows"]] == ["2024-01", "2024-02"]
    assert [r["cells"][0]["text"] for r in body["rows"]] == ["2024-01", "2024-02"]
    # impressions of January: 1,000 + 2,000
    assert _cells(body["rows"][0]["cells"], body["columns"])["impressions"] == "3,000"


def test_headline_names_its_months(client):
    body = client.get("/api/headline", params={"from": "2024-02-01", "to": "2024-02-29"}).json()
    assert body["compared_name"] == "Feb 2024" and body["previous_name"] == "Jan 2024"


def test_the_page_formats_no_number_itself():
    script = (STATIC / "dashboard.js").read_text()
    for formatter in ("toLocaleString", "toFixed", "toPrecision", "NumberFormat", "MONTHS"):
        assert formatter not in script, formatter
    assert '"(none)"' not in script  # a missing dimension's label comes from the server
