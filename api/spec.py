"""The endpoint catalogue and the OpenAPI 3.1 document built from it.

Each route is declared once with :meth:`Catalogue.route`: its path, the
Struct that validates its request body, the Struct it answers with, its query
parameters and whether it needs a signed request. Flask serves it; the same
declaration and the same Structs produce ``/openapi.json``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import msgspec
from flask import Blueprint
from werkzeug.routing import BaseConverter

from ledger.types import Body

F = TypeVar("F", bound=Callable[..., Any])
REF = "#/components/schemas/{name}"
# Every request may meet the web server's own limits (request line, header fields) and
# malformed HTTP; every request with a body may be too large or of the wrong media type.
EVERY_REQUEST = (400, 414, 431, 500)
WITH_BODY = (413, 415)


class Hex64Converter(BaseConverter):
    """A path segment of 64 hex digits; the route refuses uppercase as ``bad_parameter``."""

    regex = "[0-9a-fA-F]{64}"


# Path parameters of a fixed shape are routed only in that shape, so that
# /v1/transactions/batch is never read as the txid "batch" (nor GET offered
# there); a segment of another shape names no resource: 404.
SHAPED: dict[str, tuple[str, type[BaseConverter], str]] = {
    "txid": ("hex64", Hex64Converter, "^[0-9a-f]{64}$")
}
CONVERTERS = {name: converter for name, converter, _ in SHAPED.values()}


@dataclass(frozen=True)
class Param:
    """A query parameter."""

    name: str
    type: str  # "integer" | "string"
    description: str
    minimum: int | None = None
    maximum: int | None = None


MIN_HEIGHT = Param(
    "min_height",
    "integer",
    "read your writes: answer only once this node has applied this height. A height the "
    "cluster has ordered is waited for (up to 5 s), then 503 height_not_reached with "
    "Retry-After; a height no node has ordered is 400 height_not_ordered. A client that "
    "just submitted passes the height its transaction committed at.",
    minimum=0,
    maximum=2**53 - 1,
)
TENGE_HEIGHT = {
    "description": "the height this node had applied when it answered (every ledger read)",
    "schema": {"type": "integer", "minimum": 0},
}


def _reads_ledger(endpoint: Endpoint) -> bool:
    """A JSON read of the ledger: it says its height and takes ``min_height`` (a stream
    of events carries its heights in the events)."""
    json_read = endpoint.media == "application/json"
    return json_read and endpoint.method == "GET" and endpoint.path.startswith("/v1/")


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    summary: str
    tag: str
    response: Any
    request: Any = None
    status: int = 200
    also: tuple[int, ...] = ()  # further success statuses with the same response body
    signed: bool = False
    query: tuple[Param, ...] = ()
    errors: tuple[int, ...] = ()
    description: str = ""
    media: str = "application/json"  # the success response's media type
    alternates: tuple[str, ...] = ()  # further media types of the same answer, as text


class ProblemDocument(msgspec.Struct, frozen=True):
    """RFC 9457 problem details; the error's typed fields follow as extra members."""

    type: str
    title: str
    status: int
    code: str
    detail: str
    instance: str = ""


@dataclass
class Catalogue:
    """All endpoints of the API, in declaration order."""

    endpoints: list[Endpoint] = field(default_factory=list)

    def route(self, blueprint: Blueprint, endpoint: Endpoint) -> Callable[[F], F]:
        """Register ``endpoint`` with Flask and with the catalogue."""
        rule = re.sub(r"\{(\w+)\}", _rule_segment, endpoint.path)

        def register(view: F) -> F:
            blueprint.add_url_rule(rule, view_func=view, methods=[endpoint.method])
            self.endpoints.append(endpoint)
            return view

        return register


def _rule_segment(match: re.Match[str]) -> str:
    name = match.group(1)
    return f"<{SHAPED[name][0]}:{name}>" if name in SHAPED else f"<{name}>"


def _path_parameter(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if name in SHAPED:
        schema["pattern"] = SHAPED[name][2]
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _schemas(types: Iterable[Any]) -> dict[str, Any]:
    _, components = msgspec.json.schema_components(list(types), ref_template=REF)
    return _publish_patterns(components)  # type: ignore[no-any-return]


def _publish_patterns(node: Any) -> Any:
    """Runtime patterns end in ``\\Z`` (Python); ECMA-262's ``$`` means the same."""
    if isinstance(node, dict):
        return {
            k: (
                v[: -len("\\Z")] + "$"
                if k == "pattern" and v.endswith("\\Z")
                else _publish_patterns(v)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_publish_patterns(v) for v in node]
    return node


def _name(type_: Any) -> str:
    return getattr(type_, "__name__", str(type_))


def _operation_id(endpoint: Endpoint) -> str:
    words = re.sub(r"[^a-z0-9]+", "_", endpoint.path.lower()).strip("_")
    return f"{endpoint.method.lower()}_{words}"


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": endpoint.summary,
        "tags": [endpoint.tag],
        "operationId": _operation_id(endpoint),
        "responses": {
            **{
                str(code): {
                    "description": "success",
                    **(
                        {"headers": {"Tenge-Height": TENGE_HEIGHT}}
                        if _reads_ledger(endpoint)
                        else {}
                    ),
                    "content": {
                        endpoint.media: {
                            "schema": {"$ref": REF.format(name=_name(endpoint.response))}
                        },
                        **{media: {"schema": {"type": "string"}} for media in endpoint.alternates},
                    },
                }
                for code in (endpoint.status, *endpoint.also)
            },
            **{
                str(code): {"$ref": "#/components/responses/Problem"}
                for code in _problem_statuses(endpoint)
            },
        },
    }
    if endpoint.description:
        operation["description"] = endpoint.description
    parameters = [_path_parameter(name) for name in re.findall(r"\{(\w+)\}", endpoint.path)]
    parameters += [_query(p) for p in endpoint.query]
    if _reads_ledger(endpoint):
        parameters.append(_query(MIN_HEIGHT))
    if parameters:
        operation["parameters"] = parameters
    if endpoint.request is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": REF.format(name=_name(endpoint.request))}}
            },
        }
    if endpoint.signed:
        operation["security"] = [{"httpSignature": []}]
    return operation


def _problem_statuses(endpoint: Endpoint) -> list[int]:
    body = WITH_BODY if endpoint.request is not None else ()
    replica = (400, 503) if _reads_ledger(endpoint) else ()
    return sorted({*EVERY_REQUEST, *body, *replica, *endpoint.errors})


def _query(param: Param) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": param.type}
    if param.minimum is not None:
        schema["minimum"] = param.minimum
    if param.maximum is not None:
        schema["maximum"] = param.maximum
    return {
        "name": param.name,
        "in": "query",
        "required": False,
        "description": param.description,
        "schema": schema,
    }


def _batch_item(envelope: dict[str, Any]) -> dict[str, Any]:
    """A batch checks each item's body on its own: a body that is no valid transaction
    rejects that item in the results, not the batch, so the batch's schema leaves it open."""
    body = {
        "description": (
            "a transaction body as in SignedTransaction; one that is not refuses this item "
            "only, with its problem in the item's result"
        )
    }
    return {
        **envelope,
        "title": "BatchItem",
        "description": "One envelope of a batch: network and signatures as in SignedTransaction.",
        "properties": {**envelope["properties"], "body": body},
    }


def openapi(
    catalogue: Catalogue, body_types: Iterable[type[Body]], title: str, version: str
) -> dict[str, Any]:
    """The OpenAPI 3.1 document for every catalogued endpoint."""
    bodies = list(body_types)
    types = {e.response for e in catalogue.endpoints} | {
        e.request for e in catalogue.endpoints if e.request
    }
    schemas = _schemas([*sorted(types, key=_name), *bodies, ProblemDocument])
    schemas["SignedTransaction"]["properties"]["body"] = {
        "description": "the transaction body, as canonical JSON (see docs/encoding.md)",
        "oneOf": [{"$ref": REF.format(name=b.__name__)} for b in bodies],
        "discriminator": {
            "propertyName": "kind",
            "mapping": {b.__struct_config__.tag: REF.format(name=b.__name__) for b in bodies},
        },
    }
    schemas["BatchItem"] = _batch_item(schemas["SignedTransaction"])
    schemas["BatchRequest"]["properties"]["transactions"]["items"] = {
        "$ref": REF.format(name="BatchItem")
    }
    schemas["ProblemDocument"]["additionalProperties"] = True
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in catalogue.endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {
                "Problem": {
                    "description": "RFC 9457 problem document with a stable `code`",
                    "content": {
                        "application/problem+json": {
                            "schema": {"$ref": REF.format(name="ProblemDocument")}
                        }
                    },
                }
            },
            "securitySchemes": {
                "httpSignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Signature",
                    "description": (
                        "RFC 9421 HTTP Message Signature, alg ed25519, keyid = hex public key, "
                        "covering @method and @target-uri, with created, nonce and "
                        "tag=kzt-ledger/<network>; send Signature-Input too."
                    ),
                }
            },
        },
    }
