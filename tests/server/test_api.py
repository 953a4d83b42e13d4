"""The dashboard's JSON API: every endpoint, bad parameters, exports, escaping."""

from __future__ import annotations

import datetime as dt
import io
import math

import pyarrow.parquet as pq
import pytest

from payback.metrics import CATALOGUE, GRAINS

NASTY = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x")'
AD_ROWS: list = []
ORDER_ROWS: list = []


@pytest.fixture(autouse=True)
def _rows(shop):
    AD_ROWS[:] = shop.ads
    ORDER_ROWS[:] = shop.orders
    assert (shop.nasty, shop.formula) == (NASTY, FORMULA)


def _by_platform(start=None, end=None):
    """Cost, confirmed orders and revenue per platform straight from the rows."""
    out: dict[str, dict[str, float]] = {}
    for day, platform, cost in ((r[0], r[1], r[6]) for r in AD_ROWS):
        if (start and day < start) or (end and day > end):
            continue
        out.setdefault(platform, {"cost": 0.0, "orders": 0, "revenue": 0.0})["cost"] += cost
    for r in ORDER_ROWS:
        if r[5] != "confirmed" or (start and r[2] < start) or (end and r[2] > end):
            continue
        row = out.setdefault(r[6], {"cost": 0.0, "orders": 0, "revenue": 0.0})
        row["orders"] += 1
        row["revenue"] += r[3]
    return out


def test_metrics_by_platform_are_ratios_of_the_row_sums(client):
    r = client.get("/api/metrics", params={"by": "platform", "metrics": "cost,orders,cpo,drr"})
    assert r.status_code == 200
    body = r.json()
    assert body["by"] == ["platform"] and body["metrics"] == ["cost", "orders", "cpo", "drr"]
    assert body["currency"] == "EUR"
    expected = _by_platform()
    got = {row["platform"]: row for row in body["rows"]}
    assert set(got) == set(expected)
    for platform, e in expected.items():
        assert got[platform]["cost"] == pytest.approx(e["cost"])
        assert got[platform]["orders"] == e["orders"]
        assert got[platform]["cpo"] == pytest.approx(e["cost"] / e["orders"])
        assert got[platform]["drr"] == pytest.approx(e["cost"] / e["revenue"])
    total_cost = sum(e["cost"] for e in expected.values())
    total_orders = sum(e["orders"] for e in expected.values())
    assert body["total"]["cpo"] == pytest.approx(total_cost / total_orders)
    # largest spend first
    costs = [row["cost"] for row in body["rows"]]
    assert costs == sorted(costs, reverse=True)


def test_metrics_filters_period_and_limit(client):
    start, end = dt.date(2024, 2, 1), dt.date(2024, 2, 29)
    r = client.get(
        "/api/metrics",
        params=[("by", "platform"), ("metrics", "cost"), ("metrics", "orders"),
                ("from", "2024-02-01"), ("to", "2024-02-29"), ("where", "platform=google")],
    )  # fmt: skip
    body = r.json()
    assert [row["platform"] for row in body["rows"]] == ["google"]
    assert body["rows"][0]["cost"] == pytest.approx(_by_platform(start, end)["google"]["cost"])
    assert body["total"]["orders"] == _by_platform(start, end)["google"]["orders"]
    r = client.get("/api/metrics", params={"by": "campaign", "metrics": "cost", "limit": 2})
    body = r.json()
    assert len(body["rows"]) == 2 and body["row_count"] == 4


def test_alias_and_comma_lists_normalise_to_the_same_query(client):
    a = client.get("/api/metrics", params={"by": "campaign,month", "metrics": "acos"}).json()
    b = client.get(
        "/api/metrics", params=[("by", "campaign"), ("by", "month"), ("metrics", "drr")]
    ).json()
    assert a == b and a["metrics"] == ["drr"]


@pytest.mark.parametrize(
    ("params", "valid"),
    [
        ({"metrics": "cost,profitability"}, list(CATALOGUE)),
        ({"by": "campaign,weather"}, list(GRAINS)),
        ({"where": "colour=red"}, list(GRAINS)),
    ],
)
def test_unknown_names_give_400_with_the_valid_names(client, params, valid):
    for path in ("/api/metrics", "/api/metrics.csv", "/api/table"):
        r = client.get(path, params=params)
        assert r.status_code == 400, (path, r.text)
        assert r.json()["valid"] == valid
        assert "expected one of" in r.json()["detail"]


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2024-13-01"},
        {"from": "2024-03-01", "to": "2024-02-01"},
        {"where": "platform"},
        {"where": "month=March"},
        {"limit": "0"},
    ],
)
def test_bad_values_give_400_with_a_message(client, params):
    r = client.get("/api/metrics", params=params)
    assert r.status_code == 400
    assert r.json()["detail"]


def test_values_are_bound_not_pasted_into_sql(client):
    evil = "google' OR '1'='1"
    r = client.get("/api/metrics", params={"by": "platform", "where": f"platform={evil}"})
    assert r.status_code == 200
    assert r.json()["rows"] == []


def test_catalogue_lists_metrics_dimensions_and_views(client):
    body = client.get("/api/catalogue").json()
    assert [m["name"] for m in body["metrics"]] == list(CATALOGUE)
    cpo = next(m for m in body["metrics"] if m["name"] == "cpo")
    assert cpo["formula"] == CATALOGUE["cpo"].formula and cpo["lower_is_better"] is True
    assert [d["name"] for d in body["dimensions"]] == list(GRAINS)
    assert {"headline", "timeseries", "table", "metrics", "report"} <= set(body["views"])


def test_filters_list_the_data_values(client):
    body = client.get("/api/filters").json()
    assert body["period"] == {"start": "2024-01-10", "end": "2024-02-22"}
    assert body["platform"] == ["google", "meta"]
    assert body["campaign"] == sorted({r[2] for r in AD_ROWS})
    assert body["partner"] == ["p1", "p2"]
    assert body["currency"] == "EUR"


def test_headline_compares_with_the_previous_period_of_equal_length(client):
    r = client.get("/api/headline", params={"from": "2024-02-01", "to": "2024-02-29"})
    body = r.json()
    assert body["previous_period"] == {"start": "2024-01-03", "end": "2024-01-31"}
    cards = {c["metric"]: c for c in body["cards"]}
    assert list(cards)[:4] == ["cost", "revenue", "orders", "new_customers"]
    now = _by_platform(dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    before = _by_platform(dt.date(2024, 1, 3), dt.date(2024, 1, 31))
    cost_now = sum(v["cost"] for v in now.values())
    cost_before = sum(v["cost"] for v in before.values())
    assert cards["cost"]["value"] == pytest.approx(cost_now)
    assert cards["cost"]["previous"] == pytest.approx(cost_before)
    assert cards["cost"]["change"] == pytest.approx((cost_now - cost_before) / cost_before)
    orders_now = sum(v["orders"] for v in now.values())
    orders_before = sum(v["orders"] for v in before.values())
    cpo_now, cpo_before = cost_now / orders_now, cost_before / orders_before
    assert cards["cpo"]["value"] == pytest.approx(cpo_now)
    assert cards["cpo"]["verdict"] == ("better" if cpo_now < cpo_before else "worse")
    # rates change in percentage points (difference of the fractions)
    rev_now = sum(v["revenue"] for v in now.values())
    rev_before = sum(v["revenue"] for v in before.values())
    assert cards["drr"]["change"] == pytest.approx(cost_now / rev_now - cost_before / rev_before)
    assert cards["drr"]["change_text"].endswith("pp")
    # every card explains itself with its formula and inputs
    assert cards["cpo"]["formula"] == "cost / confirmed orders"
    assert [i["metric"] for i in cards["cpo"]["inputs"]] == ["cost", "orders"]
    assert cards["cpo"]["explanation"].startswith("CPO (paid traffic) = cost / confirmed orders = ")
    assert cards["cpo"]["basis"] == "paid traffic" and cards["cost"]["basis"] is None
    assert body["comparison"] == "vs the previous 29 days (2024-01-03 – 2024-01-31)"
    assert cards["cost"]["text"] == f"{cost_now:,.2f} EUR"


def test_timeseries_rows_add_up_to_the_total_and_carry_a_figure(client):
    body = client.get("/api/timeseries").json()
    assert body["grain"] == "date"  # 44 days: one point per day
    assert sum(r["cost"] or 0 for r in body["rows"]) == pytest.approx(body["total"]["cost"])
    assert body["total"]["cost"] == pytest.approx(sum(r[6] for r in AD_ROWS))
    names = [t["name"] for t in body["figure"]["data"]]
    assert names == ["Cost", "Revenue", "DRR"]
    monthly = client.get("/api/timeseries", params={"grain": "month"}).json()
    assert [r["month"] for r in monthly["rows"]] == ["2024-01-01", "2024-02-01"]
    bad = client.get("/api/timeseries", params={"grain": "hour"})
    assert bad.status_code == 400 and bad.json()["valid"] == ["date", "week", "month"]


def test_table_drills_down_from_platform_to_campaign(client):
    top = client.get("/api/table").json()
    assert top["by"] == ["platform"]
    assert [c["label"] for c in top["columns"]][:2] == ["Platform", "Impressions"]
    google = client.get("/api/table", params={"by": "campaign", "where": "platform=google"}).json()
    campaigns = [r["values"]["campaign"] for r in google["rows"]]
    assert sorted(campaigns) == sorted({r[2] for r in AD_ROWS if r[1] == "google"})
    cpo_col = [c["key"] for c in google["columns"]].index("cpo")
    brand = next(r for r in google["rows"] if r["values"]["campaign"] == "Brand")
    assert brand["cells"][cpo_col]["text"] == f"{(200 + 240) / 2:,.2f} EUR"
    assert brand["cells"][cpo_col]["title"] == (
        "CPO = cost / confirmed orders = 440.00 EUR / 2 = 220.00 EUR"
    )
    assert [t[0]["text"] for t in google["totals"]] == ["Total (paid)", "Total (all)"]
    assert google["by"] == ["platform", "campaign"]  # a campaign is keyed by its platform
    assert google["figure"]["data"][0]["name"] == "CPO"


def test_names_are_data_not_markup(client):
    body = client.get("/api/table", params={"by": "campaign"}).json()
    names = {r["values"]["campaign"] for r in body["rows"]}
    assert NASTY in names and FORMULA in names  # JSON carries the raw text
    assert body["by"] == ["platform", "campaign"]
    campaign_cells = {r["cells"][1]["text"] for r in body["rows"]}
    assert NASTY in campaign_cells  # the page inserts it with textContent
    ticks = body["figure"]["data"][0]["y"]
    # Plotly labels are escaped; a campaign is named with its platform
    assert any(t.startswith("google · &lt;script&gt;alert(1)&lt;/") for t in ticks), ticks
    assert not any("<script" in str(t) for t in ticks)


def test_csv_export_is_spreadsheet_safe(client):
    r = client.get("/api/metrics.csv", params={"by": "campaign", "metrics": "cost,cpo"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="metrics-by-campaign.csv"' in r.headers["content-disposition"]
    lines = r.text.splitlines()
    assert lines[0] == "platform,campaign,cost,cpo,is_total,total_kind"
    assert any(line.startswith("meta,\"'=HYPERLINK(") for line in lines)
    assert not any(line.split(",")[1].startswith("=") for line in lines)
    assert len(lines) == 1 + 4 + 2  # header, four campaigns, paid and all totals


def test_parquet_export_holds_the_same_numbers(client):
    params = {"by": "platform", "metrics": "cost,orders,cpo"}
    r = client.get("/api/metrics.parquet", params=params)
    assert r.status_code == 200
    table = pq.read_table(io.BytesIO(r.content)).to_pandas()
    as_json = client.get("/api/metrics", params=params).json()
    for row in as_json["rows"]:
        match = table[table["platform"] == row["platform"]].iloc[0]
        assert match["cpo"] == pytest.approx(row["cpo"])
    total = table[table["is_total"]].iloc[0]
    assert total["cost"] == pytest.approx(as_json["total"]["cost"])


def test_report_download_is_the_self_contained_report(client):
    r = client.get("/api/report", params={"where": "platform=meta"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "attachment" in r.headers["content-disposition"]
    assert "platform = meta" in r.text
    assert r.text.count("Plotly.newPlot") == 1


def test_page_and_assets_are_served_locally(client):
    page = client.get("/")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    for src in ("/static/plotly.min.js", "/static/dashboard.js", "/static/payback.css",
                "/static/dashboard.css", "/static/report.js"):  # fmt: skip
        assert f'"{src}"' in page.text
        assert client.get(src).status_code == 200
    assert "http://" not in page.text and "https://" not in page.text
    plotly_js = client.get("/static/plotly.min.js")
    assert plotly_js.headers["content-type"].startswith("text/javascript")
    assert len(plotly_js.content) > 1_000_000
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/index.html").status_code == 404


def test_openapi_documents_typed_parameters_and_400(client):
    schema = client.get("/openapi.json").json()
    op = schema["paths"]["/api/metrics"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert set(params) == {"by", "metrics", "from", "to", "where", "limit"}
    assert params["from"]["schema"]["anyOf"][0]["format"] == "date"
    assert "400" in op["responses"] and "422" not in op["responses"]
    assert "MetricsResponse" in str(op["responses"]["200"])


def test_missing_values_are_null_with_a_reason(client):
    r = client.get(
        "/api/metrics", params={"by": "platform", "metrics": "cpo", "from": "2024-01-11",
                                "to": "2024-01-19"},
    )  # fmt: skip
    body = r.json()
    assert body["total"]["cpo"] is None
    assert "cpo" in body["reasons"]
    assert not any(isinstance(v, float) and math.isnan(v) for v in body["total"].values())


def test_api_docs_page_is_local(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "<code>/api/metrics</code>" in page.text
    assert "<code>from</code>" in page.text and "date" in page.text
    assert "MetricsResponse" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN (Swagger UI)
    assert client.get("/redoc").status_code == 404
