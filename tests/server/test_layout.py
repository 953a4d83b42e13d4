"""The server is routers assembled by create_app; the report does not import the server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import payback.server

SERVER = Path(payback.server.__file__).parent


def test_the_report_does_not_import_the_server():
    code = (
        "import sys\n"
        "import payback.report.build, payback.report.clv_section\n"
        "import payback.report.economics_section, payback.report.extensions\n"
        "print(sorted(m for m in sys.modules if m.startswith('payback.server')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_report_and_the_server_share_one_store_version_cache():
    import payback.cache
    from payback.cache import QueryCache
    from payback.report import clv_section
    from payback.server.app import create_app
    from payback.store import open_store

    assert isinstance(payback.cache._PER_VERSION, QueryCache)
    assert clv_section.per_store_version is payback.cache.per_store_version
    assert isinstance(create_app(open_store(":memory:")).state.cache, QueryCache)


def test_every_api_route_lives_in_a_router_module():
    from payback.server.app import create_app
    from payback.store import open_store

    app = create_app(open_store(":memory:"))
    homes = {r.path: r.endpoint.__module__ for r in app.routes if r.path.startswith("/api/")}
    assert homes == {
        "/api/catalogue": "payback.server.routers.meta",
        "/api/filters": "payback.server.routers.meta",
        "/api/metrics": "payback.server.routers.metrics",
        "/api/metrics.csv": "payback.server.routers.metrics",
        "/api/metrics.parquet": "payback.server.routers.metrics",
        "/api/headline": "payback.server.routers.views",
        "/api/ltv_cac": "payback.server.routers.views",
        "/api/timeseries": "payback.server.routers.views",
        "/api/table": "payback.server.routers.views",
        "/api/report": "payback.server.routers.report",
        "/api/ltv": "payback.server.routers.sections",
        "/api/economics": "payback.server.routers.sections",
        "/api/visits": "payback.server.routers.sections",
        "/api/segments": "payback.server.routers.sections",
        "/api/partners": "payback.server.routers.sections",
        "/api/bids": "payback.server.routers.sections",
    }


def test_server_modules_stay_small():
    sizes = {p.relative_to(SERVER).as_posix(): len(p.read_text().splitlines())
             for p in SERVER.rglob("*.py")}  # fmt: skip
    assert {name: n for name, n in sizes.items() if n > 600} == {}
    assert sizes["app.py"] < 250  # it only assembles
