"""Real node processes for tests: a genesis from the test keys, a free port, clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ledger.encoding import canonical
from ledger.params import make_genesis
from node.keyfiles import write_key
from tests.harness import NETWORK, T0, key

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(data: Path) -> None:
    """A data directory for the test network (test central bank and producer keys)."""
    data.mkdir(parents=True, exist_ok=True)
    genesis = make_genesis(
        NETWORK, [key("central-bank").public_hex], [key("producer").public_hex], T0
    )
    (data / "genesis.json").write_bytes(canonical(genesis))
    if not (data / "keys" / "producer.key").exists():
        write_key(data / "keys" / "producer.key", key("producer"))


class NodeProcess:
    """``python -m node run`` on loopback; stopped by pid with SIGTERM."""

    def __init__(self, data: Path, port: int | None = None, workers: int = 2, threads: int = 4):
        self.data, self.port = data, port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = [
            sys.executable,
            "-m",
            "node",
            "run",
            "--data-dir",
            str(data),
            "--port",
            str(self.port),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "WARNING",
        ]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 40.0) -> NodeProcess:
        self.process = subprocess.Popen(
            self.args, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"node exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("node did not become ready")

    def stop(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
