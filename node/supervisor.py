"""``tenge-node run``: a small supervisor over the writer and the API server.

Process tree of a running node::

    tenge-node run            supervisor: no database, no sockets, restarts children
    ├── tenge-node writer     LevelDB, producer, RPC socket (node.writer)
    └── gunicorn master       the REST API (node.wsgi)
        └── workers           restarted by the master

No single process's death stops the node: a dead writer or API master is
started again by the supervisor (with backoff), a dead worker by its master.
Every child carries a parent-death signal (:mod:`node.lifeline`), so killing
the supervisor itself (even with SIGKILL) takes the whole tree down and
releases the port and the database; ``tenge-node run`` then starts cleanly.
The children's pids are written to ``<data>/run/<name>.pid`` for operators
and fault tests.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from node import http_server
from node.config import NodeConfig
from node.lifeline import preexec_for
from node.writer import FATAL

log = logging.getLogger("node")
ROOT = Path(__file__).resolve().parents[1]
STEADY_S = 2.0
"""A child that lived this long died of something else than its start: it is started again
at once. Only a child that keeps dying younger waits, 0.2 s doubling to 5 s (a crash loop)."""


def gunicorn_command(config: NodeConfig, app: str = "node.wsgi:app") -> list[str]:
    """The API server's command line (the benchmarks' ceiling app reuses it)."""
    flags = {
        "--bind": f"{config.host}:{config.port}",
        "--workers": config.workers,
        "--threads": config.threads,
        "--worker-class": "node.http_server.ProblemWorker",  # gthread, refusals as problems
        "--limit-request-line": http_server.LIMIT_REQUEST_LINE,
        "--limit-request-fields": http_server.LIMIT_REQUEST_FIELDS,
        "--limit-request-field_size": http_server.LIMIT_REQUEST_FIELD_SIZE,
        "--worker-connections": config.worker_connections,
        "--log-level": config.log_level.lower(),
        "--graceful-timeout": 10,
        "--keep-alive": 5,
        "--config": "python:node.gunicorn_hooks",
    }
    command = [sys.executable, "-m", "gunicorn", app, "--no-control-socket"]
    for flag, value in flags.items():
        command += [flag, str(value)]
    return command


def writer_command(config: NodeConfig) -> list[str]:
    """``tenge-node writer`` with every setting of ``config`` spelled out."""
    command = [sys.executable, "-m", "node", "writer"]
    for name in NodeConfig.__struct_fields__:
        value = getattr(config, name)
        if value is not None:
            command += [f"--{name.replace('_', '-')}", str(value)]
    return command


class Child:
    """One supervised process: how to start it, and how often it died young."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], run_dir: Path):
        self.name, self.command, self.env, self.run_dir = name, command, env, run_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.quick_deaths = 0
        self.restarts = 0

    def spawn(self) -> None:
        self.process = subprocess.Popen(
            self.command, env=self.env, cwd=ROOT, preexec_fn=preexec_for(signal.SIGTERM)
        )
        self.started = time.monotonic()
        staged = self.run_dir / f".{self.name}.pid"
        staged.write_text(f"{self.process.pid}\n")
        staged.replace(self.run_dir / f"{self.name}.pid")  # readers never see half a file

    def exit_status(self) -> int | None:
        """None while it runs; its exit status once it has ended."""
        return None if self.process is None else self.process.poll()

    def backoff(self) -> float:
        """How long to wait before starting it again after it ended."""
        lived = time.monotonic() - self.started
        self.quick_deaths = 0 if lived > STEADY_S else self.quick_deaths + 1
        return min(5.0, 0.1 * 2**self.quick_deaths) if self.quick_deaths else 0.0

    def stop(self, timeout: float) -> None:
        """SIGTERM, then SIGKILL after ``timeout``; only this child's own pid."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Node:
    """The supervisor of one node's writer and API server."""

    def __init__(self, config: NodeConfig) -> None:
        self.config = config
        self.stopping = threading.Event()
        run_dir = Path(config.data_dir) / "run"
        run_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **self._env()}
        self.writer = Child("writer", writer_command(config), env, run_dir)
        self.api = Child("api", gunicorn_command(config), env, run_dir)
        self.exit_code: int | None = None

    def _env(self) -> dict[str, str]:
        path = os.environ.get("PYTHONPATH")
        return {
            "TENGE_SOCKET_PATH": self.config.socket_path,
            "TENGE_MAX_BODY": str(self.config.max_body),
            # the workers' shared request counters, emptied here: a node starts from zero
            "PROMETHEUS_MULTIPROC_DIR": http_server.fresh_metrics_dir(self.config.data_dir),
            "PYTHONPATH": str(ROOT) if not path else f"{ROOT}{os.pathsep}{path}",
        }

    def start(self) -> None:
        """The writer first (it may replay its log after a crash), then the API server,
        whose workers wait for the writer's socket."""
        self.writer.spawn()
        self.api.spawn()

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """True once the API answers /v1/health through a running writer."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.writer.exit_status() == FATAL:
                return False
            try:
                if httpx.get(f"{self.config.url}/v1/health", timeout=0.5).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        return False

    def tend(self) -> None:
        """Start again whatever ended; a writer that cannot start at all stops the node."""
        for child in (self.writer, self.api):
            status = child.exit_status()
            if status is None or self.stopping.is_set():
                continue
            if child is self.writer and status == FATAL:
                log.error("writer cannot start on %s; stopping", self.config.data_dir)
                self.exit_code = 1
                self.stopping.set()
                return
            delay = child.backoff()
            log.warning("%s exited with %s; restarting in %.1f s", child.name, status, delay)
            if self.stopping.wait(delay):
                return
            child.restarts += 1
            child.spawn()

    def stop(self) -> None:
        """API server first (no new work), then the writer drains and closes the store."""
        self.stopping.set()
        self.api.stop(timeout=15)
        self.writer.stop(timeout=60)
        for child in (self.writer, self.api):
            with contextlib.suppress(FileNotFoundError):
                (child.run_dir / f"{child.name}.pid").unlink()

    def run_until_signalled(self) -> int:
        """Supervise until SIGTERM or SIGINT, then stop everything."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stopping.set())
        while not self.stopping.wait(0.2):
            self.tend()
        self.stop()
        return self.exit_code or 0
