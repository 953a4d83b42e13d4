"""The dashboard page, the API's ``/docs`` page and the static assets (served locally)."""

from __future__ import annotations

import functools
import html

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from payback.server.deps import Services, services
from payback.server.openapi import STATIC, api_docs_page

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def index(s: Services = Depends(services)) -> HTMLResponse:
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    page = page.replace("{{version}}", version()).replace("{{store}}", html.escape(s.source.name))
    return HTMLResponse(page)


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def docs(request: Request) -> HTMLResponse:
    return HTMLResponse(api_docs_page(request.app.openapi()))


@router.get("/static/{name}", include_in_schema=False)
def static(name: str) -> Response:
    found = asset(name)
    if found is None:
        raise HTTPException(404, f"no asset {name!r}")
    body, media = found
    return Response(body, media_type=media, headers={"Cache-Control": "max-age=3600"})


@functools.cache
def _plotly_js() -> bytes:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().encode("utf-8")


def asset(name: str) -> tuple[bytes, str] | None:
    """An asset by name: the dashboard's own files, the report's CSS, plotly.js."""
    if name == "plotly.min.js":
        return _plotly_js(), "text/javascript; charset=utf-8"
    if name in ("payback.css", "report.js"):
        from payback.report.build import asset as report_asset

        media = "text/css" if name.endswith(".css") else "text/javascript"
        source = "report.css" if name == "payback.css" else name
        return report_asset(source).encode(), media + "; charset=utf-8"
    media = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
    path = STATIC / name
    if path.suffix not in media or path.name != name or not path.is_file():
        return None
    return path.read_bytes(), media[path.suffix]


def version() -> str:
    """The installed payback version (shown on the page and in the schema)."""
    from payback import __version__

    return __version__
