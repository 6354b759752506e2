"""The API's web server: gunicorn's limits, its worker class, the workers' metrics directory.

Gunicorn refuses some requests before the Flask app sees them: a request line
over ``LIMIT_REQUEST_LINE`` bytes, more than ``LIMIT_REQUEST_FIELDS`` header
fields or one over ``LIMIT_REQUEST_FIELD_SIZE`` bytes, and HTTP it cannot
parse. Its stock answer is an HTML page; :class:`ProblemWorker` writes the
RFC 9457 document the app writes, with a code from the one error tree
(:mod:`api.errors`). A malformed chunked body is only found while the app
reads it: :func:`guard_input` turns that into the same ``malformed_request``
instead of an unexpected exception (a 500).

``node.supervisor`` starts gunicorn with ``--worker-class
node.http_server.ProblemWorker``, these limits, and ``PROMETHEUS_MULTIPROC_DIR``
set to :func:`fresh_metrics_dir` so that the workers' counters add up
(:mod:`api.metrics`); the refusals written here are counted there too.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from gunicorn import util
from gunicorn.http import errors as http
from gunicorn.workers.gthread import ThreadWorker
from prometheus_client import Counter

from api.errors import (
    ExpectationFailed,
    HeaderFieldsTooLarge,
    InternalError,
    MalformedRequest,
    UnsupportedTransferCoding,
    UriTooLong,
    problem_bytes,
)
from ledger.errors import TengeError

LIMIT_REQUEST_LINE = 4094  # bytes: method, target and version (gunicorn's default)
LIMIT_REQUEST_FIELDS = 100  # header fields per request (gunicorn's default)
LIMIT_REQUEST_FIELD_SIZE = 8190  # bytes of one header field line (gunicorn's default)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

REFUSED = Counter(  # in the metrics directory, so any worker's scrape shows every worker's
    "tenge_http_refused",
    "Requests the web server refused before the app, by problem code",
    ("code",),
    registry=None,
)


def fresh_metrics_dir(data_dir: str) -> str:
    """``<data_dir>/metrics``, emptied: the counters of a previous run must not count."""
    path = Path(data_dir) / "metrics"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def server_refusal(exc: BaseException) -> TengeError:
    """The error of the tree for what gunicorn raised while reading a request."""
    if isinstance(exc, http.LimitRequestLine):
        return UriTooLong(limit=LIMIT_REQUEST_LINE)
    if isinstance(exc, http.LimitRequestHeaders):
        return HeaderFieldsTooLarge(
            max_fields=LIMIT_REQUEST_FIELDS, max_field_size=LIMIT_REQUEST_FIELD_SIZE
        )
    if isinstance(exc, http.ExpectationFailed):
        return ExpectationFailed(expect=str(getattr(exc, "expect", "")))
    if isinstance(exc, http.UnsupportedTransferCoding):
        return UnsupportedTransferCoding(coding=str(getattr(exc, "hdr", "")))
    if isinstance(exc, http.InvalidResponseHeader | http.InvalidResponseHeaderName):
        return InternalError()  # the app's answer was at fault, not the request
    if isinstance(exc, http.NoMoreData):
        return MalformedRequest(reason="the body ended before its announced length")
    if isinstance(exc, http.ParseException):
        return MalformedRequest(reason=str(exc)[:200])
    return InternalError()


class ProblemWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn's threaded worker whose own refusals are problem documents."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """Answer a request gunicorn could not hand to the app (called by gunicorn)."""
        refusal = server_refusal(exc)
        REFUSED.labels(refusal.code).inc()
        if refusal.status >= 500 and not isinstance(refusal, UnsupportedTransferCoding):
            self.log.exception("error handling request: %s", exc)
        else:
            peer = addr[0] if addr else ""
            self.log.warning("refused before the app: ip=%s code=%s %s", peer, refusal.code, exc)
        try:
            util.write_nonblock(client, problem_bytes(refusal))
        except OSError:
            self.log.debug("the client left before its refusal was written")


class _GuardedInput:
    """``wsgi.input`` whose parse errors are ``malformed_request`` (a 400), not a 500."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _guard(self, read: Callable[..., Any], *args: Any) -> Any:
        try:
            return read(*args)
        except (http.ParseException, http.NoMoreData) as exc:
            raise server_refusal(exc) from None

    def read(self, *args: Any) -> bytes:
        found: bytes = self._guard(self._stream.read, *args)
        return found

    def readline(self, *args: Any) -> bytes:
        found: bytes = self._guard(self._stream.readline, *args)
        return found

    def readlines(self, *args: Any) -> list[bytes]:
        found: list[bytes] = self._guard(self._stream.readlines, *args)
        return found

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readlines())


def guard_input(app: WsgiApp) -> WsgiApp:
    """Wrap a WSGI app so that malformed request bodies are refused with a problem."""

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if "wsgi.input" in environ:
            environ["wsgi.input"] = _GuardedInput(environ["wsgi.input"])
        return app(environ, start_response)

    return guarded
