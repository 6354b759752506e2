"""Errors of the HTTP layer, and the ONE place that turns any error into a response.

Every error — from the ledger's tree, from these HTTP-specific classes, or
from werkzeug's routing — leaves the API as an RFC 9457
``application/problem+json`` document carrying the error's stable ``code``
and typed fields. Anything unexpected becomes a 500 ``internal_error`` that
is logged with its traceback; the test suite treats every 500 as a bug.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import msgspec
from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from api.schemas import Problem
from ledger.errors import TengeError

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


@dataclass(eq=False)
class HttpError(TengeError):
    code = "http_error"
    title = "The request cannot be served"


@dataclass(eq=False)
class NotFound(HttpError):
    code = "not_found"
    status = 404
    title = "No such resource"
    resource: str = ""


@dataclass(eq=False)
class MethodNotAllowed(HttpError):
    code = "method_not_allowed"
    status = 405
    title = "This method is not allowed on this resource"
    method: str = ""


@dataclass(eq=False)
class PayloadTooLarge(HttpError):
    code = "payload_too_large"
    status = 413
    title = "The request body is too large"
    limit: int = 0


@dataclass(eq=False)
class UnsupportedMediaType(HttpError):
    code = "unsupported_media_type"
    status = 415
    title = "Send the body as application/json"
    content_type: str = ""


@dataclass(eq=False)
class BadParameter(HttpError):
    code = "bad_parameter"
    title = "A query or path parameter is invalid"
    parameter: str = ""
    reason: str = ""


@dataclass(eq=False)
class AuthenticationRequired(HttpError):
    code = "authentication_required"
    status = 401
    title = "Sign this request with HTTP Message Signatures (RFC 9421, ed25519)"
    reason: str = ""


@dataclass(eq=False)
class SignatureRejected(HttpError):
    code = "signature_rejected"
    status = 401
    title = "The request signature is invalid"
    reason: str = ""


@dataclass(eq=False)
class SignatureExpired(HttpError):
    code = "signature_expired"
    status = 401
    title = "The request signature is outside the accepted time window"
    window_s: int = 0


@dataclass(eq=False)
class ReplayedRequest(HttpError):
    code = "replayed_request"
    status = 401
    title = "This signed request (key and nonce) was already used"
    nonce: str = ""


@dataclass(eq=False)
class Forbidden(HttpError):
    code = "forbidden"
    status = 403
    title = "The signing key may not read this resource"
    key: str = ""
    resource: str = ""


@dataclass(eq=False)
class InternalError(HttpError):
    code = "internal_error"
    status = 500
    title = "Unexpected server error"


_WERKZEUG: dict[int, type[HttpError]] = {
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
}


def document(found: Problem, instance: str = "") -> dict[str, Any]:
    """The RFC 9457 document: standard members, the stable code, then typed fields."""
    body: dict[str, Any] = {
        "type": f"/problems/{found.code}",
        "title": found.title,
        "status": found.status,
        "code": found.code,
        "detail": found.detail,
    }
    if instance:
        body["instance"] = instance
    for name, value in found.fields.items():
        body.setdefault(name, value)
    return body


def problem_response(found: TengeError | Problem) -> Response:
    """The problem+json response for an error raised here or reported by the ledger."""
    if isinstance(found, TengeError):
        found = Problem.of(found)
    body = msgspec.json.encode(document(found, request.path if request else ""))
    return Response(body, status=found.status, mimetype=PROBLEM_JSON)


def from_http_exception(exc: HTTPException) -> TengeError:
    """Map werkzeug's routing and protocol errors into the tree."""
    status = exc.code or 500
    cls = _WERKZEUG.get(status)
    if cls is NotFound:
        return NotFound(resource=request.path)
    if cls is MethodNotAllowed:
        return MethodNotAllowed(method=request.method)
    if cls is PayloadTooLarge:
        return PayloadTooLarge(limit=request.max_content_length or 0)
    if cls is UnsupportedMediaType:
        return UnsupportedMediaType(content_type=request.content_type or "")
    if 400 <= status < 500:
        return BadParameter(reason=exc.description or exc.name)
    return InternalError()


def install(app: Flask) -> None:
    """Register the one error handler."""

    @app.errorhandler(Exception)
    def handle(exc: Exception) -> Response:
        if isinstance(exc, TengeError):
            return problem_response(exc)
        if isinstance(exc, HTTPException):
            return problem_response(from_http_exception(exc))
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(InternalError())
