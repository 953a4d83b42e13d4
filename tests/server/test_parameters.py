"""Every API operation takes only the query parameters its OpenAPI schema documents.

A misspelt parameter (``metric=cpo`` for ``metrics``, ``by`` on a view without a grain)
used to be ignored, answering a different question than the one asked: it is a 400
naming the parameter and listing the accepted ones. The optional views (CLV, ceilings)
take a ``by`` from their own short list.
"""

from __future__ import annotations

import pytest

from payback.report.extensions import extensions

SECTIONS = {e.name: e for e in extensions()}


@pytest.fixture(scope="module")
def documented(shop_db):
    """path -> the query parameters /openapi.json documents for it."""
    from fastapi.testclient import TestClient

    from payback.server import create_app
    from payback.server.app import query_parameters

    with TestClient(create_app(shop_db), base_url="http://127.0.0.1") as c:
        schema = c.get("/openapi.json").json()
    return {path: query_parameters(schema, path) for path, item in schema["paths"].items()}


def test_every_operation_refuses_an_unknown_parameter(client, documented):
    assert len(documented) >= 11
    for path, accepted in documented.items():
        r = client.get(path, params={"colour": "red"})
        assert r.status_code == 400, (path, r.status_code)
        body = r.json()
        assert body["detail"] == (
            f"unknown query parameter 'colour': {path} takes {', '.join(accepted) or 'none'}"
        )
        assert body["valid"] == accepted


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/api/metrics", {"metric": "cpo"}, "'metric' (did you mean 'metrics'?)"),
        ("/api/metrics.csv", {"form": "2024-01-01"}, "'form' (did you mean 'from'?)"),
        ("/api/headline", {"by": "campaign"}, "'by'"),
        ("/api/timeseries", {"metrics": "cost"}, "'metrics'"),
        ("/api/filters", {"from": "2024-01-01"}, "'from'"),
    ],
)
def test_a_misspelt_or_foreign_parameter_is_named(client, documented, path, params, named):
    r = client.get(path, params=params)
    assert r.status_code == 400
    assert r.json()["detail"].startswith(f"unknown query parameter {named}: {path} takes ")
    assert r.json()["valid"] == documented[path]


def test_several_unknown_parameters_are_all_named(client):
    r = client.get("/api/table", params={"zoom": "2", "metric": "cpo", "by": "platform"})
    assert r.status_code == 400
    assert r.json()["detail"].startswith(
        "unknown query parameters 'zoom', 'metric' (did you mean 'metrics'?): /api/table takes "
    )


def test_the_documented_parameters_still_work(client):
    r = client.get(
        "/api/metrics",
        params=[("by", "platform"), ("metrics", "cost"), ("from", "2024-01-01"),
                ("to", "2024-02-29"), ("where", "platform=google"), ("limit", "5")],
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["total"]["cost"] == pytest.approx(200.0 + 150.0 + 240.0)


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_optional_views_take_a_by_from_their_own_list(client, name):
    ext = SECTIONS[name]
    r = client.get(f"/api/{name}", params={"by": "nonsense"})
    assert r.status_code == 400
    assert r.json()["valid"] == list(ext.grains)
    assert r.json()["detail"] == (
        f"/api/{name} cannot be computed by 'nonsense': by takes one of {', '.join(ext.grains)}"
    )
    other = next(g for g in ("keyword", "platform") if g not in ext.grains)
    r = client.get(f"/api/{name}", params={"by": other})  # a grain, but not theirs
    assert r.status_code == 400 and r.json()["valid"] == list(ext.grains)


def test_ceilings_by_platform_have_one_row_per_platform(client, shop):
    r = client.get("/api/economics", params={"by": "platform"})
    assert r.status_code == 200, r.text
    (table,) = r.json()["tables"]
    assert table["columns"][0]["label"] == "Platform"
    platforms = sorted(row["cells"][0]["text"] for row in table["rows"])
    assert platforms == sorted({row[1] for row in shop.ads})
    cost = {row["cells"][0]["text"]: float(row["cells"][1]["sort"]) for row in table["rows"]}
    assert cost == {p: sum(r[6] for r in shop.ads if r[1] == p) for p in platforms}
    by_campaign = client.get("/api/economics").json()["tables"][0]
    assert [c["label"] for c in by_campaign["columns"][:2]] == ["Platform", "Campaign"]


def test_the_whole_history_view_takes_no_period_or_filters(client):
    assert client.get("/api/catalogue").json()["whole_history"] == ["ltv", "segments", "partners"]
    for params in ({"from": "2024-02-01"}, {"where": "platform=google"}):
        r = client.get("/api/ltv", params=params)
        assert r.status_code == 400
        assert r.json()["valid"] == ["by"]
    assert client.get("/api/ltv", params={"by": "campaign"}).status_code == 200


def test_the_token_is_checked_before_the_parameters(shop_db):
    from fastapi.testclient import TestClient

    from payback.server import create_app

    with TestClient(create_app(shop_db, token="t0ken"), base_url="http://127.0.0.1") as c:
        assert c.get("/api/metrics", params={"metric": "cpo"}).status_code == 401
        auth = {"Authorization": "Bearer t0ken"}
        assert c.get("/api/metrics", params={"metric": "cpo"}, headers=auth).status_code == 400
