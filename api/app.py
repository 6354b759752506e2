"""The Flask app factory: ``create_app(ledger, registry)`` builds a complete API.

The app receives its services; it holds no globals and opens no storage. In
tests one line builds it over an in-memory ledger; in the node it serves the
LevelDB-backed service of the writer.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, g, request

from api import errors
from api.context import Context, int_arg
from api.fast_submit import FastSubmit
from api.metrics import HttpMetrics
from api.protocol import LedgerApi
from api.routes import (
    assets,
    banks,
    chain,
    contracts,
    offline,
    ops,
    privacy,
    statements,
    transactions,
    wallets,
    web,
)
from api.spec import CONVERTERS, Catalogue, openapi
from ledger.registry import Registry

DEFAULT_MAX_BODY = 4 * 1024 * 1024  # a full batch of 2,000 transactions fits
MIN_HEIGHT_WAIT_MS = 5_000  # how long a read waits for a height not yet applied here
DRAIN_FACTOR = 4  # a body over the limit is read (and dropped) up to 4x the limit, then cut


def create_app(
    ledger: LedgerApi,
    registry: Registry,
    max_body: int = DEFAULT_MAX_BODY,
    metrics: HttpMetrics | None = None,
    **config: Any,
) -> Flask:
    """A complete API app serving ``ledger``, decoding with ``registry``.

    ``metrics`` default to counters shared by every worker process of the node
    when it set their directory (:meth:`HttpMetrics.from_environment`).
    """
    app = Flask("tenge")
    app.config.update(
        MAX_CONTENT_LENGTH=max_body, TENGE_DRAIN_LIMIT=DRAIN_FACTOR * max_body, **config
    )
    info = ledger.network()
    app.extensions["tenge"] = Context(ledger, registry, info.network, info.producer_keys)
    app.url_map.converters.update(CONVERTERS)
    catalogue = Catalogue()
    for module in (
        transactions,
        chain,
        wallets,
        banks,
        statements,
        contracts,
        offline,
        privacy,
        assets,
        ops,
        web,
    ):
        app.register_blueprint(module.blueprint(catalogue))
    app.extensions["tenge_openapi"] = openapi(
        catalogue, registry.body_types(), f"Digital tenge ledger — {info.network}", "1.0.0"
    )
    metrics = app.extensions["tenge_http"] = metrics or HttpMetrics.from_environment()
    errors.install(app)
    app.wsgi_app = FastSubmit(app, app.wsgi_app)  # type: ignore[method-assign]

    @app.before_request
    def start_timer() -> None:
        g.started = time.perf_counter()

    @app.before_request
    def read_at_height() -> None:
        """Every ledger read says the height it answers at (``Tenge-Height``: the replica
        had applied at least that block); ``min_height`` waits for a height first."""
        if request.method == "GET" and request.path.startswith("/v1/"):
            wanted = int_arg("min_height", 0, 0, 2**53 - 1) or 0
            wait_ms = app.config.get("TENGE_MIN_HEIGHT_WAIT_MS", MIN_HEIGHT_WAIT_MS)
            g.height = ledger.height_at_least(wanted, wait_ms)

    @app.after_request
    def count(response: Response) -> Response:
        if "height" in g:
            response.headers["Tenge-Height"] = str(g.height)
        route = request.url_rule.rule if request.url_rule else "unmatched"
        started = g.get("started", time.perf_counter())
        metrics.observe(route, request.method, response.status_code, time.perf_counter() - started)
        return response

    return app
