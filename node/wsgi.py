"""The WSGI entry point of an API worker: ``gunicorn node.wsgi:app``.

Each worker builds its own app over an :class:`~node.rpc.RpcClient` to the
ledger writer whose socket path is in ``TENGE_SOCKET_PATH``; its request
bodies are read through :func:`node.http_server.guard_input`. The app needs
the network's identity from the writer once, so a worker that boots while the
writer is starting (or restarting after a crash) waits for it (less than
gunicorn's worker timeout; after that the worker fails to boot and its master
is started again by the supervisor).
"""

from __future__ import annotations

import os

from api.app import create_app
from node.composition import full_registry
from node.http_server import guard_input
from node.rpc import RpcClient

client = RpcClient(os.environ["TENGE_SOCKET_PATH"])
client.wait_for_writer(timeout=float(os.environ.get("TENGE_WRITER_WAIT_S", "20")))
app = create_app(client, full_registry(), max_body=int(os.environ.get("TENGE_MAX_BODY", 4 << 20)))
app.wsgi_app = guard_input(app.wsgi_app)  # type: ignore[method-assign,assignment]
