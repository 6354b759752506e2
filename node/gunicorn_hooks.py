"""gunicorn settings of the API server (``--config python:node.gunicorn_hooks``).

Every worker arms a parent-death signal as soon as it is forked, so workers
never outlive their master (they would keep the port and answer 503 forever).
"""

from __future__ import annotations

import signal
from typing import Any

from node.lifeline import die_with_parent


def post_fork(server: Any, worker: Any) -> None:
    """In each new worker: SIGTERM (a graceful stop) when the master dies."""
    die_with_parent(signal.SIGTERM, worker.ppid)
