"""The token rule and the Host check: who may read the numbers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from payback.server import create_app

TOKEN = "s3cret-token"

API = ["/api/catalogue", "/api/filters", "/api/metrics", "/api/metrics.csv",
       "/api/metrics.parquet", "/api/headline", "/api/ltv_cac", "/api/timeseries", "/api/table",
       "/api/report", "/api/visits", "/api/ltv", "/api/economics", "/api/segments", "/api/partners",
       "/api/bids"]  # fmt: skip


@pytest.fixture
def guarded(shop_db):
    app = create_app(shop_db, token=TOKEN, allowed_hosts=["*"])
    with TestClient(app, base_url="http://192.0.2.10") as c:
        yield c


@pytest.mark.parametrize("path", API)
def test_api_needs_the_bearer_token(guarded, path):
    missing = guarded.get(path)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "Authorization: Bearer" in missing.json()["detail"]
    wrong = guarded.get(path, headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401
    basic = guarded.get(path, headers={"Authorization": f"Basic {TOKEN}"})
    assert basic.status_code == 401
    right = guarded.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200, right.text


def test_every_api_route_is_guarded(guarded):
    routes = [r.path for r in guarded.app.routes if getattr(r, "path", "").startswith("/api/")]
    assert set(routes) == set(API)
    for path in routes:
        assert guarded.get(path).status_code == 401


def test_the_page_itself_holds_no_data_and_needs_no_token(guarded):
    page = guarded.get("/")
    assert page.status_code == 200
    assert "token-box" in page.text  # the page asks for the token
    assert guarded.get("/static/dashboard.js").status_code == 200


def test_openapi_declares_the_bearer_scheme(guarded):
    schema = guarded.get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert "401" in schema["paths"]["/api/metrics"]["get"]["responses"]


def test_without_a_token_the_api_is_open_on_loopback(client):
    assert client.get("/api/catalogue").status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "attacker.test:8000", "192.0.2.1"])
def test_foreign_host_headers_are_refused_on_loopback(shop_db, host):
    with TestClient(create_app(shop_db), base_url="http://127.0.0.1") as c:
        r = c.get("/api/metrics", headers={"Host": host})
        assert r.status_code == 400
        assert c.get("/api/metrics", headers={"Host": "localhost:8000"}).status_code == 200
