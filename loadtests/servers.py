"""The processes the REST benchmark starts: a real node and the ceiling app.

Both are started on loopback, watched by pid, and stopped by pid (SIGTERM,
then SIGKILL for anything of theirs still alive). CPU time is read from
``/proc`` for the whole process tree, so a report can say how many cores the
writer, the API workers and everybody else used during a phase.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from ledger.crypto import KeyPair
from ledger.encoding import canonical
from ledger.params import make_genesis
from loadtests.loadgen import LoadResult
from node.config import NodeConfig
from node.keyfiles import write_key
from node.supervisor import gunicorn_command as node_gunicorn_command

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def gunicorn_command(app: str, port: int, workers: int, threads: int) -> list[str]:
    """The node's own gunicorn command line, serving ``app`` instead.

    Taken from :func:`node.supervisor.gunicorn_command` rather than copied, so the ceiling
    always runs under exactly the flags the node uses.
    """
    config = NodeConfig(port=port, workers=workers, threads=threads, log_level="WARNING")
    return node_gunicorn_command(config, app)


def children_of(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        fields = _stat(int(entry)) if entry.isdigit() else None
        if fields is not None:
            parents.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (None if gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of ``pids`` so far (vanished ones count 0)."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])
    return total / TICKS


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (everything but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / TICKS


class ServerProcess:
    """A server subprocess on loopback, ready once ``ready_path`` answers 2xx."""

    def __init__(self, command: list[str], port: int, ready_path: str) -> None:
        self.command, self.port, self.ready_path = command, port, ready_path
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.pids: list[int] = []  # the server and every process of its tree, once stopped

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 60.0) -> ServerProcess:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        # the servers' own output goes to stderr, so stdout carries only the report
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=env, stdout=sys.stderr)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command[2:4]} exited with {self.process.returncode}")
            try:
                if httpx.get(self.url + self.ready_path, timeout=2).is_success:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.command[2:4]} did not become ready")

    def stop(self) -> int | None:
        """SIGTERM by pid, wait; then SIGKILL whatever of its tree survived."""
        if self.process is None:
            return None
        # (pid, start time): a pid the kernel has since reused is never signalled
        tree = [(pid, fields[19]) for pid in children_of(self.pid) if (fields := _stat(pid))]
        self.pids = [self.pid, *(pid for pid, _ in tree)]
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid, started in tree:
            fields = _stat(pid)
            if fields is not None and fields[19] == started:
                os.kill(pid, signal.SIGKILL)
        return self.process.returncode


class CpuProbe:
    """CPU used by the node writer, its API workers, and the whole machine, between marks."""

    def __init__(self, server: ServerProcess, writer: bool) -> None:
        self.writer = [server.pid] if writer else []
        self.api = children_of(server.pid) + ([] if writer else [server.pid])
        self.marks = self._read()

    def _read(self) -> list[float]:
        return [
            cpu_seconds(self.writer),
            *(cpu_seconds([pid]) for pid in self.api),
            machine_busy_seconds(),
        ]

    def figures(self, load: LoadResult, items: int, drain_s: float = 0.0) -> dict[str, Any]:
        """Cores each party kept busy on average since the probe was made.

        ``api_cores_by_process`` shows how evenly gunicorn's processes shared
        the work: a keep-alive connection stays with the worker that accepted it.
        ``server_cpu_ms_per_item`` (writer and API processes, per transaction or
        request) hardly depends on what else the machine runs, unlike a rate.
        ``drain_s``: seconds after the load during which the node still committed.
        """
        used = [b - a for a, b in zip(self.marks, self._read(), strict=True)]
        writer, per_api, busy = used[0], used[1:-1], used[-1]
        seconds = (load.seconds + drain_s) or 1.0
        others = busy - writer - sum(per_api) - load.generator_cpu_s
        return {
            "generator_cores": round(load.generator_cpu_s / seconds, 2),
            "writer_cores": round(writer / seconds, 2),
            "api_cores": round(sum(per_api) / seconds, 2),
            "api_cores_by_process": sorted((round(x / seconds, 2) for x in per_api), reverse=True),
            "other_cores": round(max(0.0, others) / seconds, 2),
            "server_cpu_ms_per_item": round((writer + sum(per_api)) / max(items, 1) * 1000, 3),
        }


def prepare_node_data(
    data: Path, network: str, central_bank: KeyPair, producer: KeyPair, time_ms: int
) -> None:
    """A data directory whose genesis trusts the benchmark's deterministic keys."""
    data.mkdir(parents=True, exist_ok=True)
    genesis = make_genesis(network, [central_bank.public_hex], [producer.public_hex], time_ms)
    (data / "genesis.json").write_bytes(canonical(genesis))
    write_key(data / "keys" / "producer.key", producer)


def node_server(data: Path, port: int, workers: int, threads: int) -> ServerProcess:
    """``python -m node run`` on ``data`` (the writer process supervising gunicorn)."""
    command = [
        sys.executable,
        "-m",
        "node",
        "run",
        "--data-dir",
        str(data),
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--log-level",
        "WARNING",
    ]
    return ServerProcess(command, port, "/v1/health")


def ceiling_server(port: int, workers: int, threads: int) -> ServerProcess:
    """The minimal Flask app under the node's gunicorn flags."""
    command = gunicorn_command("loadtests.ceiling_app:app", port, workers, threads)
    return ServerProcess(command, port, "/health")
