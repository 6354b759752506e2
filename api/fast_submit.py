"""``POST /v1/transactions`` served below Flask when it is the plain case (decision 0024).

One signed transaction per request is the API's hottest call, and Flask's
machinery around it (request and app contexts, URL matching, the before and
after hooks, ``Request`` and ``Response`` objects) cost about as much CPU as
everything the request itself needs besides the Ed25519 check. This WSGI layer
sits under the app's ``wsgi_app`` and serves the request itself only when it
is the plain case:

- ``POST`` to exactly ``/v1/transactions`` with no query string (so no
  ``?wait=commit``), ``Content-Type: application/json`` exactly, and a
  ``Content-Length`` within the app's body limit;
- a body that decodes and passes every stateless check, signatures included
  (:func:`api.routes.transactions.submit_signed`, the route's own checks);
- the ledger answering without raising.

Anything else is handed to the Flask app with the body it read replayed, so
every refusal before the ledger and every error is still made, logged and
counted by the one error handler (:func:`api.errors.install`), with the same
document; a refusal the ledger reports in its answer is written by
:func:`api.errors.problem_parts`, as the route writes it. The request is
counted in the same metrics, under the route's rule.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from typing import Any

import msgspec
from flask import Flask
from werkzeug.http import HTTP_STATUS_CODES

from api.context import Context
from api.errors import PROBLEM_JSON, problem_parts
from api.metrics import HttpMetrics
from api.routes.transactions import submit_signed
from ledger.encoding import decode_strict
from ledger.types import SignedTransaction
from wire.core import Problem

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
SUBMIT_PATH = "/v1/transactions"
_encode = msgspec.json.Encoder().encode


class _FailingInput:
    """A request body whose reading fails again as it failed here, for the Flask app."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def read(self, *args: Any) -> bytes:
        raise self.error

    readline = read


class FastSubmit:
    """The app's WSGI callable with the plain single submission served without Flask."""

    def __init__(self, app: Flask, flask_wsgi: WsgiApp) -> None:
        self.app, self.flask_wsgi = app, flask_wsgi
        self.context: Context = app.extensions["tenge"]
        self.metrics: HttpMetrics = app.extensions["tenge_http"]

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        length = self._plain_length(environ)
        if length is None:
            return self.flask_wsgi(environ, start_response)
        started = time.perf_counter()
        try:
            body = environ["wsgi.input"].read(length)
        except Exception as error:  # the app reads it the same way and refuses it
            environ["wsgi.input"] = _FailingInput(error)
            return self.flask_wsgi(environ, start_response)
        environ["wsgi.input"] = io.BytesIO(body)  # replayed if Flask takes over
        if len(body) != length:  # cut short: the app refuses it
            return self.flask_wsgi(environ, start_response)
        try:
            status, headers, payload = self._submit(body)
        except Exception:  # every refusal and error goes through the one handler
            return self.flask_wsgi(environ, start_response)
        headers.append(("Content-Length", str(len(payload))))
        start_response(f"{status} {HTTP_STATUS_CODES.get(status, 'UNKNOWN').upper()}", headers)
        self.metrics.observe(SUBMIT_PATH, "POST", status, time.perf_counter() - started)
        return [payload]

    def _plain_length(self, environ: dict[str, Any]) -> int | None:
        """The body's length when this is the plain submission, else None."""
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != SUBMIT_PATH:
            return None
        if environ.get("QUERY_STRING") or environ.get("CONTENT_TYPE") != "application/json":
            return None
        declared = environ.get("CONTENT_LENGTH") or ""
        limit = self.app.config["MAX_CONTENT_LENGTH"]
        if not (declared.isascii() and declared.isdigit()) or len(declared) > 18:
            return None
        length = int(declared)
        return length if limit is None or length <= limit else None

    def _submit(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        """What the route answers: checked at the edge, queued, 202 (or 200 if committed)."""
        envelope = decode_strict(body, SignedTransaction, "request body")
        answer = submit_signed(envelope, self.context, wait=False)
        if isinstance(answer, Problem):
            status, fields, payload = problem_parts(answer, SUBMIT_PATH)
            return status, [("Content-Type", PROBLEM_JSON), *fields.items()], payload
        status, response = answer
        return status, [("Content-Type", "application/json")], _encode(response)
