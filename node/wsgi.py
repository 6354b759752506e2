"""The WSGI entry point of an API worker: ``gunicorn node.wsgi:app``.

Each worker builds its own app over an :class:`~node.rpc.RpcClient` to the
ledger writer whose socket path is in ``TENGE_SOCKET_PATH``; its request
bodies are read through :func:`node.http_server.guard_input`.
"""

from __future__ import annotations

import os

from api.app import create_app
from node.composition import full_registry
from node.http_server import guard_input
from node.rpc import RpcClient

app = create_app(
    RpcClient(os.environ["TENGE_SOCKET_PATH"]),
    full_registry(),
    max_body=int(os.environ.get("TENGE_MAX_BODY", 4 * 1024 * 1024)),
)
app.wsgi_app = guard_input(app.wsgi_app)  # type: ignore[method-assign]
