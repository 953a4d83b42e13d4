"""/api/partners and /api/bids: the report's partners and keyword bids sections as JSON."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from payback.server import create_app


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from payback.demo import generate_shop
    from payback.store import open_store

    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with open_store(path) as store:
        store.write(generate_shop(400, seed=3).tables, meta={"base_currency": "USD"})
    return path


def _cells(doc, table_id, key):
    table = next(t for t in doc["tables"] if t["id"] == table_id)
    i = [c["key"] for c in table["columns"]].index(key)
    return [r["cells"][i] for r in table["rows"]]


def test_partners_view_gives_the_value_ranking_and_the_reconciliation(demo_db):
    from payback.partners import reconcile, value
    from payback.store import open_store

    with TestClient(create_app(demo_db), base_url="http://127.0.0.1") as client:
        r = client.get("/api/partners")
        assert r.status_code == 200, r.text
        doc = r.json()
        # whole history: the view takes no period or filters, and says so
        refused = client.get("/api/partners", params={"from": "2025-01-01"})
    with open_store(demo_db, read_only=True) as store:
        ranked = value(store, predicted=False).frame
        per = reconcile(store).partners.frame
    assert doc["id"] == "partners"
    assert refused.status_code == 400 and refused.json()["valid"] == ["by"]
    ltv = _cells(doc, "table-partner-value", "ltv")
    assert [float(c["sort"]) for c in ltv] == list(ranked["ltv"])
    owed = _cells(doc, "table-partner-reconciliation", "owed_commission")
    assert [float(c["sort"]) for c in owed] == list(per.loc[~per["is_total"], "owed_commission"])


def test_bids_view_follows_the_period(demo_db):
    from payback.bids import Target, recommend
    from payback.store import open_store

    params = {"from": "2025-06-01", "to": "2025-06-30"}
    with TestClient(create_app(demo_db), base_url="http://127.0.0.1") as client:
        r = client.get("/api/bids", params=params)
    assert r.status_code == 200, r.text
    doc = r.json()
    with open_store(demo_db, read_only=True) as store:
        frame = recommend(store, Target("marginal"), start="2025-06-03", end="2025-06-30").frame
    assert "over 2025-06-03 to 2025-06-30 (28 days)" in doc["intro"]
    keywords = _cells(doc, "table-bids-summary", "keywords")
    counts = frame["action"].value_counts()
    assert [int(float(c["sort"])) for c in keywords] == [
        int(counts.get(a, 0)) for a in ("raise", "lower", "hold", "pause")
    ]


def test_a_shop_without_claims_gets_the_partners_view_with_its_note(client):
    r = client.get("/api/partners")
    assert r.status_code == 200
    assert r.json()["intro"].startswith("No partner claims in the store")
    assert r.json()["tables"] == []
    assert client.get("/api/bids").status_code == 200
