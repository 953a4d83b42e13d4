"""The dashboard API's OpenAPI schema and its ``/docs`` page (rendered here, no CDN).

The schema documents 400 (not FastAPI's 422) for a refused request; the parameters each
operation documents are the only ones it accepts (:func:`query_parameters`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

STATIC = Path(__file__).parent / "static"


def openapi_schema(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI schema, built once: 400 replaces FastAPI's 422 everywhere."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        for item in schema.get("paths", {}).values():  # 400 replaces FastAPI's 422
            for op in item.values():
                op.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


#: The order parameters are listed in (grain, metrics, period, filters, then the rest).
_PARAMETER_ORDER = ("by", "metrics", "from", "to", "where", "grain", "limit")


def query_parameters(schema: dict[str, Any], path: str) -> list[str]:
    """The query parameters the OpenAPI ``schema`` documents for ``GET path``.

    >>> query_parameters({"paths": {"/a": {"get": {"parameters": [
    ...     {"name": "limit", "in": "query"}, {"name": "authorization", "in": "header"},
    ...     {"name": "from", "in": "query"}]}}}}, "/a")
    ['from', 'limit']
    """
    operation = schema.get("paths", {}).get(path, {}).get("get", {})
    names = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
    rank = {name: i for i, name in enumerate(_PARAMETER_ORDER)}
    return sorted(names, key=lambda n: rank.get(n, len(rank)))


def _schema_type(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " or ".join(_schema_type(s) for s in schema["anyOf"] if s.get("type") != "null")
    if schema.get("type") == "array":
        return "list of " + _schema_type(schema.get("items", {}))
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    return schema.get("format") or schema.get("type", "any")


def api_docs_page(schema: dict[str, Any]) -> str:
    """A readable page of the OpenAPI schema, rendered here (no CDN, unlike Swagger UI)."""
    import jinja2

    operations = []
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            responses = []
            for code, resp in op.get("responses", {}).items():
                content = resp.get("content", {})
                ref = next(
                    (c["schema"].get("$ref", "") for c in content.values() if "schema" in c), ""
                )
                responses.append(
                    {"code": code, "description": resp.get("description", ""),
                     "schema": ref.rsplit("/", 1)[-1]}
                )  # fmt: skip
            operations.append(
                {
                    "id": (method + path).replace("/", "-").replace(".", "-"),
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "type": _schema_type(p.get("schema", {})),
                            "description": p.get("description")
                            or p.get("schema", {}).get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "responses": responses,
                }
            )
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string((STATIC / "docs.html.j2").read_text(encoding="utf-8"))
    info = schema.get("info", {})
    return template.render(
        title=info.get("title", "API"),
        version=info.get("version", ""),
        description=info.get("description", ""),
        operations=operations,
    )
