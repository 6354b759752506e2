"""The Flask app factory: ``create_app(ledger, registry)`` builds a complete API.

The app receives its services; it holds no globals and opens no storage. In
tests one line builds it over an in-memory ledger; in the node it serves the
LevelDB-backed service of the writer.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask, Response, g, request

from api import errors
from api.context import Context
from api.protocol import LedgerApi
from api.routes import chain, offline, ops, privacy, programs, transactions, wallets, web
from api.spec import Catalogue, openapi
from ledger.registry import Registry

DEFAULT_MAX_BODY = 4 * 1024 * 1024  # a full batch of 2,000 transactions fits


class HttpMetrics:
    """Per-process request counters for /metrics."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._seconds: dict[str, float] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        key = f'http_requests_total{{route="{route}",method="{method}",status="{status}"}}'
        timing = f'http_request_seconds_total{{route="{route}",method="{method}"}}'
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1
            self._seconds[timing] = self._seconds.get(timing, 0.0) + seconds

    def figures(self) -> dict[str, float]:
        with self._lock:
            return {**self._counts, **{k: round(v, 6) for k, v in self._seconds.items()}}


def create_app(
    ledger: LedgerApi, registry: Registry, max_body: int = DEFAULT_MAX_BODY, **config: Any
) -> Flask:
    """A complete API app serving ``ledger``, decoding with ``registry``."""
    app = Flask("tenge")
    app.config.update(MAX_CONTENT_LENGTH=max_body, **config)
    info = ledger.network()
    app.extensions["tenge"] = Context(ledger, registry, info.network, info.producer_keys)
    catalogue = Catalogue()
    for module in (transactions, chain, wallets, programs, offline, privacy, ops, web):
        app.register_blueprint(module.blueprint(catalogue))
    app.extensions["tenge_openapi"] = openapi(
        catalogue, registry.body_types(), f"Digital tenge ledger — {info.network}", "1.0.0"
    )
    metrics = app.extensions["tenge_http"] = HttpMetrics()
    errors.install(app)

    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def count(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "unmatched"
        started = g.get("started", time.perf_counter())
        metrics.observe(route, request.method, response.status_code, time.perf_counter() - started)
        return response

    return app
