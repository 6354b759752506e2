"""Errors of the HTTP layer, and the ONE place that turns any error into a response.

Every error — from the ledger's tree, from these HTTP-specific classes, or
from werkzeug's routing — leaves the API as an RFC 9457
``application/problem+json`` document carrying the error's stable ``code``
and typed fields. Anything unexpected becomes a 500 ``internal_error`` that
is logged with its traceback; the test suite treats every 500 as a bug.

The web server refuses a few requests before the app sees them (request line,
header fields, malformed HTTP); its worker (``node.http_server``) answers
those with :func:`problem_bytes`, the same document built from the same
classes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import msgspec
from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from ledger.errors import TengeError
from wire.core import Problem

log = logging.getLogger(__name__)
PROBLEM_JSON = "application/problem+json"


@dataclass(eq=False)
class HttpError(TengeError):
    code = "http_error"
    title = "The request cannot be served"

    def headers(self) -> dict[str, str]:
        """Response header fields this refusal needs besides the problem document."""
        return {}


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
    allowed: str = ""  # the methods the path has, as in the Allow header: "GET, HEAD, OPTIONS"

    def headers(self) -> dict[str, str]:
        return {"Allow": self.allowed} if self.allowed else {}


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
class MalformedRequest(HttpError):
    code = "malformed_request"
    status = 400
    title = "The request is not well-formed HTTP/1.1"
    reason: str = ""


@dataclass(eq=False)
class UriTooLong(HttpError):
    code = "uri_too_long"
    status = 414
    title = "The request line is too long"
    limit: int = 0  # bytes of the request line: method, target and version


@dataclass(eq=False)
class HeaderFieldsTooLarge(HttpError):
    code = "header_fields_too_large"
    status = 431
    title = "Too many request header fields, or one too large"
    max_fields: int = 0
    max_field_size: int = 0  # bytes of one field line, name included


@dataclass(eq=False)
class ExpectationFailed(HttpError):
    code = "expectation_failed"
    status = 417
    title = "The only expectation this server meets is 100-continue"
    expect: str = ""


@dataclass(eq=False)
class UnsupportedTransferCoding(HttpError):
    code = "unsupported_transfer_coding"
    status = 501  # RFC 9112 section 6.1: a coding the server does not implement
    title = "Send the body with Content-Length or Transfer-Encoding: chunked"
    coding: str = ""


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


def _headers(found: TengeError | Problem) -> dict[str, str]:
    """Header fields a refusal needs: its own (``Allow``...), and ``Retry-After`` for every
    retryable refusal that says when (``retry_after_s``)."""
    headers = found.headers() if isinstance(found, HttpError) else {}
    fields = found.fields if isinstance(found, Problem) else found.details()
    retry_after = fields.get("retry_after_s")
    if isinstance(retry_after, int) and retry_after > 0:
        headers["Retry-After"] = str(retry_after)
    return headers


def problem_response(found: TengeError | Problem) -> Response:
    """The problem+json response for an error raised here or reported by the ledger."""
    status, headers, body = problem_parts(found, request.path if request else "")
    return Response(body, status=status, mimetype=PROBLEM_JSON, headers=headers)


def problem_parts(found: TengeError | Problem, path: str) -> tuple[int, dict[str, str], bytes]:
    """Status, header fields besides the media type, and problem document of a refusal
    answered on ``path`` (:mod:`api.fast_submit` writes them without Flask)."""
    headers = _headers(found)
    if isinstance(found, TengeError):
        found = Problem.of(found)
    return found.status, headers, msgspec.json.encode(found.document(path))


def problem_bytes(error: TengeError) -> bytes:
    """A whole HTTP/1.1 response carrying ``error``'s problem document, for the web
    server to write itself; it closes the connection after it."""
    body = msgspec.json.encode(Problem.of(error).document())
    fields = {
        "Connection": "close",
        "Content-Type": PROBLEM_JSON,
        "Content-Length": str(len(body)),
        **_headers(error),
    }
    head = f"HTTP/1.1 {error.status} {HTTPStatus(error.status).phrase}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    return head.encode("latin-1") + b"\r\n" + body


def from_http_exception(exc: HTTPException) -> TengeError:
    """Map werkzeug's routing and protocol errors into the tree."""
    status = exc.code or 500
    cls = _WERKZEUG.get(status)
    if cls is NotFound:
        return NotFound(resource=request.path)
    if cls is MethodNotAllowed:
        allowed = getattr(exc, "valid_methods", None) or ()
        return MethodNotAllowed(method=request.method, allowed=", ".join(sorted(allowed)))
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
            error = exc
        elif isinstance(exc, HTTPException):
            error = from_http_exception(exc)
        else:
            log.exception("unhandled error on %s %s", request.method, request.path)
            error = InternalError()
        if isinstance(error, PayloadTooLarge):
            discard_body(request.environ, app.config["TENGE_DRAIN_LIMIT"])
        return problem_response(error)


def discard_body(environ: Mapping[str, Any], budget: int) -> bool:
    """Read and drop what is left of the request body, at most ``budget`` bytes.

    A client that streams its body reads the answer only once it has sent it
    all: answering 413 and closing with bytes still unread makes the kernel
    reset the connection, and the client sees a broken pipe instead of the
    problem document. True when the whole body was read.
    """
    declared = environ.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > budget:
        return False  # not worth the wait; the server closes after answering
    stream = environ.get("wsgi.input")
    read = 0
    try:
        while stream is not None and read <= budget:
            chunk = stream.read(64 * 1024)
            if not chunk:
                return True
            read += len(chunk)
    except Exception:  # a malformed chunk or a client gone: nothing left worth reading
        log.info("request body not drained after %d bytes", read, exc_info=True)
    return False
