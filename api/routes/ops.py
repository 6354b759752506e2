"""Operations and documentation: health, Prometheus metrics, OpenAPI, /docs, /problems."""

from __future__ import annotations

import html
from typing import Any

from flask import Blueprint, Response, current_app

from api.context import context, reply
from api.errors import NotFound
from api.spec import Catalogue, Endpoint
from ledger.errors import all_error_classes
from wire.core import Health


def blueprint(catalogue: Catalogue) -> Blueprint:
    bp = Blueprint("ops", __name__)

    @catalogue.route(bp, Endpoint("GET", "/v1/health", "Liveness and chain height", "ops", Health))
    def health() -> Response:
        return reply(context().ledger.health())

    @bp.get("/metrics")
    def metrics() -> Response:
        ledger = _ledger_exposition(context().ledger.metrics())  # one writer: already whole
        http = current_app.extensions["tenge_http"].exposition()  # summed over the workers
        return Response(ledger + http, mimetype="text/plain; version=0.0.4")

    @bp.get("/openapi.json")
    def openapi_document() -> Response:
        return reply(current_app.extensions["tenge_openapi"])

    @bp.get("/docs")
    def docs_page() -> Response:
        return Response(render_docs(current_app.extensions["tenge_openapi"]), mimetype="text/html")

    @bp.get("/problems/<code>")
    def problem_type(code: str) -> Response:
        for cls in all_error_classes():
            if cls.code == code:
                return reply({"code": cls.code, "status": cls.status, "title": cls.title})
        raise NotFound(resource=f"/problems/{code}")

    return bp


def _ledger_exposition(figures: dict[str, float]) -> str:
    """The writer's figures in the Prometheus text format, one TYPE line per metric."""
    lines: list[str] = []
    typed: set[str] = set()
    for name, value in sorted(figures.items()):
        metric = name.partition("{")[0]
        if metric not in typed:
            typed.add(metric)
            kind = "counter" if metric.endswith("total") else "gauge"
            lines.append(f"# TYPE tenge_{metric} {kind}")
        lines.append(f"tenge_{name} {value}")
    return "".join(line + "\n" for line in lines)


def render_docs(spec: dict[str, Any]) -> str:
    """A self-contained HTML page of the API (no scripts, no external assets)."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(spec['info']['title'])}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
        "padding:0 1rem}code,pre{background:#f4f4f4;padding:.1rem .3rem}"
        ".m{font-weight:bold;display:inline-block;"
        "width:4rem}.get{color:#1a7f37}.post{color:#9a6700}section{border-top:1px solid #ddd;"
        "padding:.5rem 0}table{border-collapse:collapse}td,th{padding:.2rem .6rem;text-align:left;"
        "border-bottom:1px solid #eee}</style></head><body>",
        f"<h1>{html.escape(spec['info']['title'])}</h1>",
        "<p>Amounts are integers in tiyn (1 KZT = 100 tiyn). Errors are RFC 9457 problem "
        "documents with a stable <code>code</code>. Machine-readable: "
        "<a href='/openapi.json'>/openapi.json</a>.</p><h2>Endpoints</h2>",
    ]
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            parts.append(_render_operation(path, method, op))
    parts.append("<h2>Schemas</h2>")
    for name, schema in sorted(spec["components"]["schemas"].items()):
        parts.append(_render_schema(name, schema))
    parts.append("</body></html>")
    return "".join(parts)


def _render_operation(path: str, method: str, op: dict[str, Any]) -> str:
    signed = " <em>(signed request)</em>" if op.get("security") else ""
    params = "".join(
        f"<li><code>{html.escape(p['name'])}</code> ({p['in']}) "
        f"{html.escape(p.get('description', ''))}</li>"
        for p in op.get("parameters", [])
    )
    body = (
        op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    )
    request = f"<p>Body: {_ref_link(body)}</p>" if body else ""
    responses = ", ".join(
        f"{code} {_ref_link(_json_schema(r))}".strip() for code, r in op["responses"].items()
    )
    return (
        f"<section id='{op['operationId']}'><p><span class='m {method}'>{method.upper()}</span>"
        f"<code>{html.escape(path)}</code> — {html.escape(op['summary'])}{signed}</p>"
        f"<p>{html.escape(op.get('description', ''))}</p>{request}"
        f"{'<ul>' + params + '</ul>' if params else ''}<p>Responses: {responses}</p></section>"
    )


def _json_schema(response: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = (
        response.get("content", {}).get("application/json", {}).get("schema", {})
    )
    return found


def _ref_link(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    if not ref:
        return ""
    name = ref.rsplit("/", 1)[-1]
    return f"<a href='#schema-{name}'>{name}</a>"


def _render_schema(name: str, schema: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td><code>{html.escape(field)}</code></td><td>{html.escape(_type_of(spec))}</td>"
        f"<td>{html.escape(spec.get('description', ''))}</td></tr>"
        for field, spec in schema.get("properties", {}).items()
    )
    doc = html.escape(schema.get("description", ""))
    return f"<section id='schema-{name}'><h3>{name}</h3><p>{doc}</p><table>{rows}</table></section>"


def _type_of(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        return str(spec["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in spec:
        return " | ".join(_type_of(s) for s in spec["anyOf"])
    if "oneOf" in spec:
        return " | ".join(_type_of(s) for s in spec["oneOf"])
    kind = str(spec.get("type", "any"))
    if kind == "array":
        return f"array of {_type_of(spec.get('items', {}))}"
    if "pattern" in spec:
        return f"{kind} ~ {spec['pattern']}"
    if "enum" in spec:
        return " | ".join(str(v) for v in spec["enum"])
    return kind
