"""/api/headline answers without the CLV fit; /api/ltv_cac gives its LTV/CAC card: the
predicted LTV of a new customer over the headline's CAC, the same card the report shows."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from payback.demo import generate_shop
    from payback.server import create_app
    from payback.store import open_store

    path = tmp_path_factory.mktemp("ltv-cac") / "demo.duckdb"
    shop = generate_shop(300, seed=11)
    with open_store(path) as store:
        store.write(shop.tables, meta={"base_currency": shop.ad_stats["currency"][0].as_py()})
    with TestClient(create_app(path), base_url="http://127.0.0.1") as c:
        yield c, path


def _card(doc, metric):
    return next(c for c in doc["cards"] if c["metric"] == metric)


def test_the_headline_holds_no_ltv_cac_card(demo, monkeypatch):
    import payback.report.clv_section

    client, _ = demo
    monkeypatch.setattr(
        payback.report.clv_section,
        "new_customer_ltv",
        lambda store: pytest.fail("the headline must not wait for the CLV fit"),
    )
    doc = client.get("/api/headline", params={"from": "2024-03-01"}).json()
    assert "cac" in [c["metric"] for c in doc["cards"]]
    assert "ltv_cac" not in [c["metric"] for c in doc["cards"]]


@pytest.mark.parametrize("params", [{}, {"from": "2024-06-01", "to": "2024-06-30"}])
def test_the_card_is_predicted_ltv_over_the_headlines_cac(demo, params):
    from payback.report.clv_section import new_customer_ltv
    from payback.store import open_store

    client, path = demo
    with open_store(path, read_only=True) as store:
        ltv = new_customer_ltv(store)
    headline = client.get("/api/headline", params=params).json()
    cac = _card(headline, "cac")
    body = client.get("/api/ltv_cac", params=params).json()
    card = body["card"]
    assert body["note"] == ""
    assert card["metric"] == "ltv_cac" and card["label"] == "LTV/CAC (revenue)"
    assert card["value"] == pytest.approx(ltv / cac["value"], rel=1e-12)
    assert card["previous"] == pytest.approx(ltv / cac["previous"], rel=1e-12)
    assert card["current"] == pytest.approx(ltv / cac["current"], rel=1e-12)
    assert card["blended"] == pytest.approx(ltv / cac["blended"], rel=1e-12)
    assert card["basis"] == cac["basis"] == "paid traffic"
    assert [i["metric"] for i in card["inputs"]] == ["ltv", "cac"]
    assert card["inputs"][1]["value"] == cac["value"]


def test_without_a_fit_the_card_is_missing_with_a_reason(client):
    # six customers: no CLV model fits (the hand-built shop of conftest.py)
    body = client.get("/api/ltv_cac").json()
    assert body == {
        "card": None,
        "note": "no LTV/CAC card: no CLV model fits this data (see the customer lifetime "
        "value section)",
    }
