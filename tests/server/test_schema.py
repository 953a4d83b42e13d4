"""Property-based API test: schemathesis generates requests for every operation of the
OpenAPI schema, runs them in-process (ASGI), and no request may cause a server error."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

OPTIONAL = [
    "/api/visits",
    "/api/ltv",
    "/api/economics",
    "/api/segments",
    "/api/partners",
    "/api/bids",
]
OPERATIONS = ["/api/catalogue", "/api/filters", "/api/metrics", "/api/metrics.csv",
              "/api/metrics.parquet", "/api/headline", "/api/ltv_cac", "/api/timeseries",
              "/api/table", "/api/report", *OPTIONAL]  # fmt: skip


@pytest.fixture(scope="module")
def api_schema(shop_db):
    from payback.server import create_app

    app = create_app(shop_db, allowed_hosts=["*"])
    return schemathesis.openapi.from_asgi("/openapi.json", app)


def test_the_schema_lists_every_operation(api_schema):
    paths = {r.ok().path for r in api_schema.get_all_operations()}
    assert paths == set(OPERATIONS)


@pytest.mark.parametrize("path", OPERATIONS)
def test_no_server_error(api_schema, path):
    operation = api_schema[path]["GET"]
    slow = path == "/api/report" or path in OPTIONAL  # whole reports, model fits
    examples = 5 if slow else 15

    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(timeout=120)  # a whole report on a loaded 2-core CI machine
        case.validate_response(response, checks=[not_a_server_error])

    run()
