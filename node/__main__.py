"""``python -m node`` (``tenge-node``): initialise a network, or run a node.

``tenge-node init --data-dir DIR --network ID`` creates the central bank and
producer keys and the genesis document. ``tenge-node run --data-dir DIR``
starts the node: this process is the single ledger writer (LevelDB, block
producer, local RPC socket) and it supervises a gunicorn server whose worker
processes serve the REST API. SIGTERM or Ctrl-C stops everything cleanly;
starting again resumes from the data directory.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from ledger.chain import Chain
from ledger.crypto import KeyPair
from ledger.encoding import canonical, decode_json
from ledger.params import make_genesis
from ledger.producer import Producer, now_ms
from ledger.storage.leveldb import LevelDBStore
from ledger.types import Genesis
from node import http_server
from node.composition import full_registry
from node.config import NodeConfig, add_flags, load
from node.keyfiles import read_key, write_key
from node.rpc import RpcServer
from node.service import LedgerService
from privacy import service as privacy_service
from privacy.node import load_validator

log = logging.getLogger("node")


def init(config: NodeConfig, network: str) -> Genesis:
    """Keys and genesis for a new network in ``config.data_dir``."""
    keys = Path(config.data_dir) / "keys"
    central_bank, producer = KeyPair.generate(), KeyPair.generate()
    write_key(keys / "central-bank.key", central_bank)
    write_key(config.producer_key_path, producer)
    genesis = make_genesis(network, [central_bank.public_hex], [producer.public_hex], now_ms())
    (Path(config.data_dir) / "genesis.json").write_bytes(canonical(genesis))
    return genesis


def genesis_of(config: NodeConfig) -> Genesis | None:
    path = Path(config.genesis or Path(config.data_dir) / "genesis.json")
    return decode_json(path.read_bytes(), Genesis) if path.exists() else None


class Node:
    """The writer process and the API server it supervises."""

    def __init__(self, config: NodeConfig) -> None:
        self.config = config
        self.server: subprocess.Popen[bytes] | None = None
        self.stopping = threading.Event()

    def start(self) -> None:
        """Boot the API server first; it imports and forks while the writer opens
        LevelDB (which may be replaying its log after a crash). Workers answer 503
        until the writer's socket is there."""
        self.server = subprocess.Popen(self._gunicorn(), env={**os.environ, **self._env()})
        try:
            self._start_writer()
        except BaseException:
            self._stop_server()
            raise

    def _start_writer(self) -> None:
        config = self.config
        os.makedirs(config.ledger_path, exist_ok=True)
        self.store = LevelDBStore(config.ledger_path)
        key = read_key(config.producer_key_path)
        validator = load_validator(config.data_dir, key)
        self.chain = Chain(self.store, full_registry(validator), genesis_of(config))
        self.producer = Producer(
            self.chain, key, max_block=config.max_block, max_wait_ms=config.max_wait_ms
        ).start()
        self.service = LedgerService(self.chain, self.producer)
        privacy_service.install(self.service, validator)
        self.rpc = RpcServer(config.socket_path, self.service).start()
        log.info(
            "node starting: network=%s height=%d url=%s",
            self.chain.network,
            self.chain.tip.height,
            self.config.url,
        )

    def _gunicorn(self) -> list[str]:
        c = self.config
        flags = {
            "--bind": f"{c.host}:{c.port}",
            "--workers": c.workers,
            "--threads": c.threads,
            "--worker-class": "node.http_server.ProblemWorker",  # gthread, refusals as problems
            "--limit-request-line": http_server.LIMIT_REQUEST_LINE,
            "--limit-request-fields": http_server.LIMIT_REQUEST_FIELDS,
            "--limit-request-field_size": http_server.LIMIT_REQUEST_FIELD_SIZE,
            "--worker-connections": c.worker_connections,
            "--log-level": c.log_level.lower(),
            "--graceful-timeout": 10,
            "--keep-alive": 5,
        }
        command = [sys.executable, "-m", "gunicorn", "node.wsgi:app", "--no-control-socket"]
        for flag, value in flags.items():
            command += [flag, str(value)]
        return command

    def _env(self) -> dict[str, str]:
        root = str(Path(__file__).resolve().parents[1])
        path = os.environ.get("PYTHONPATH")
        return {
            "TENGE_SOCKET_PATH": self.config.socket_path,
            "TENGE_MAX_BODY": str(self.config.max_body),
            # the workers' shared request counters, emptied here: a node starts from zero
            "PROMETHEUS_MULTIPROC_DIR": http_server.fresh_metrics_dir(self.config.data_dir),
            "PYTHONPATH": root if not path else f"{root}{os.pathsep}{path}",
        }

    def wait_ready(self, timeout: float = 30.0) -> bool:
        """True once the API answers /v1/health."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server is not None and self.server.poll() is not None:
                return False
            try:
                if httpx.get(f"{self.config.url}/v1/health", timeout=0.5).status_code == 200:
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        return False

    def _stop_server(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()

    def stop(self) -> None:
        """API server first (no new work), then the producer drains, then storage."""
        self._stop_server()
        self.rpc.stop()
        self.producer.stop()
        self.store.close()
        log.info("node stopped at height %d", self.chain.tip.height)

    def run_until_signalled(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: self.stopping.set())
        while not self.stopping.wait(0.5):
            if self.server is not None and self.server.poll() is not None:
                log.error("API server exited with %s", self.server.returncode)
                self.stop()
                return 1
        self.stop()
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tenge-node", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    init_cmd = commands.add_parser("init", help="create keys and genesis for a new network")
    add_flags(init_cmd)
    init_cmd.add_argument("--network", required=True, help="network id, e.g. kzt-devnet")
    add_flags(commands.add_parser("run", help="run the node"))
    args = parser.parse_args(argv)
    config = load(args)
    logging.basicConfig(
        level=config.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    if args.command == "init":
        genesis = init(config, args.network)
        print(f"network {genesis.network} initialised in {config.data_dir}")
        print(f"central bank key {genesis.central_bank_keys[0]}")
        print(f"producer key     {genesis.producer_keys[0]}")
        return 0
    node = Node(config)
    node.start()
    if not node.wait_ready():
        node.stop()
        print("the API server did not come up", file=sys.stderr)
        return 1
    print(f"node {node.chain.network} serving {config.url} (docs: {config.url}/docs)", flush=True)
    return node.run_until_signalled()


if __name__ == "__main__":
    sys.exit(main())
