"""A local test network for load tools: deterministic keys, a data directory, a node process.

Keys derive from public names (test networks only). The node runs in its own
process group so a crash test can kill the writer and its API workers at once
— only processes this module started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ledger.crypto import KeyPair, sha256
from ledger.encoding import canonical
from ledger.params import make_genesis
from node.keyfiles import write_key

ROOT = Path(__file__).resolve().parents[1]
NETWORK = "kzt-load"
GENESIS_TIME_MS = 1_767_225_600_000


def key(name: str) -> KeyPair:
    """A deterministic key for a name on the load-test network."""
    return KeyPair.from_seed(sha256(b"kzt-load-key:" + name.encode()))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(
    data: Path,
    network: str = NETWORK,
    central_bank: KeyPair | None = None,
    producer: KeyPair | None = None,
) -> None:
    """Genesis and producer key for a network in ``data`` (the load-test keys by default)."""
    central_bank = central_bank or key("central-bank")
    producer = producer or key("producer")
    data.mkdir(parents=True, exist_ok=True)
    genesis = make_genesis(
        network, [central_bank.public_hex], [producer.public_hex], GENESIS_TIME_MS
    )
    (data / "genesis.json").write_bytes(canonical(genesis))
    if not (data / "keys" / "producer.key").exists():
        write_key(data / "keys" / "producer.key", producer)


def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid``."""
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """True while ``pid`` runs: a zombie has ended once its last thread has (the main
    thread of a killed process can be a zombie while the others still hold its files)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        threads = len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return False
    return state != "Z" or threads > 1


class NodeProcess:
    """``python -m node run`` on loopback, in a process group of its own."""

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
        self.boot_seconds = 0.0

    def start(self, timeout: float = 60.0) -> NodeProcess:
        """Start and wait until /v1/health answers (``boot_seconds`` says how long)."""
        started = time.monotonic()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(self.args, cwd=ROOT, env=env, start_new_session=True)
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"node exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=0.5).status_code == 200:
                    self.boot_seconds = time.monotonic() - started
                    return self
            except httpx.HTTPError:
                time.sleep(0.02)
        self.kill()
        raise RuntimeError("node did not become ready")

    def pid_of(self, name: str) -> int:
        """The pid the supervisor wrote for one of its children (``writer``, ``api``)."""
        return int((self.data / "run" / f"{name}.pid").read_text())

    def workers(self) -> list[int]:
        """The API master's live worker processes."""
        return children(self.pid_of("api"))

    def tree(self) -> list[int]:
        """The supervisor and every live descendant of it."""
        return [] if self.process is None else [self.process.pid, *descendants(self.process.pid)]

    def healthy(self) -> bool:
        """True when /v1/health answers 200 (the writer and an API worker are up)."""
        try:
            return httpx.get(f"{self.url}/v1/health", timeout=0.5).status_code == 200
        except httpx.HTTPError:
            return False

    def kill_pid(self, pid: int) -> None:
        """SIGKILL one process of this node's tree, and reap it if it is the supervisor."""
        os.kill(pid, signal.SIGKILL)
        if self.process is not None and pid == self.process.pid:
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL the supervisor and every process of its group (writer, gunicorn, workers)."""
        if self.process is None:
            return
        tree = self.tree()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.wait_gone(tree)

    @staticmethod
    def wait_gone(pids: list[int], timeout: float = 30.0) -> None:
        """Until every one of ``pids`` has ended (the database lock and the port are free)."""
        deadline = time.monotonic() + timeout
        while any(alive(pid) for pid in pids):
            if time.monotonic() > deadline:
                raise RuntimeError(f"processes still alive: {[p for p in pids if alive(p)]}")
            time.sleep(0.01)

    def stop(self) -> int | None:
        """SIGTERM the writer (it stops its API server) and wait."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode
