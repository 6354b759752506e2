"""The ledger writer process: LevelDB, the block producer, the local RPC socket.

It is the only process that opens the database. ``tenge-node run`` starts it
as a child and restarts it if it dies; it can also run on its own
(``tenge-node writer``) under an outside supervisor. SIGTERM drains the
producer (every queued transaction is committed or refused) and closes the
store cleanly.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.chain import Chain
from ledger.crypto import KeyPair
from ledger.encoding import decode_json
from ledger.storage import StorageError
from ledger.storage.leveldb import LevelDBStore
from ledger.types import Genesis
from node.collector import Collector
from node.composition import full_registry
from node.config import NodeConfig
from node.keyfiles import read_key
from node.producer import Producer
from node.rpc import RpcServer
from node.service import LedgerService
from privacy.node import load_validator

if TYPE_CHECKING:  # nats-py is imported only by a node that runs in a cluster
    from node.cluster.ordering import ClusterOrdering

log = logging.getLogger("node.writer")
FATAL = 2
"""Exit status of a writer that cannot start on this data at all (restarting is pointless)."""


def genesis_of(config: NodeConfig) -> Genesis | None:
    """The genesis document the node's configuration names, if it exists."""
    path = Path(config.genesis or Path(config.data_dir) / "genesis.json")
    return decode_json(path.read_bytes(), Genesis) if path.exists() else None


def open_ledger(path: str, wait_s: float = 30.0) -> LevelDBStore:
    """Open LevelDB, waiting while a dying predecessor still holds its lock."""
    os.makedirs(path, exist_ok=True)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return LevelDBStore(path)
        except StorageError as error:
            if "lock" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Writer:
    """The store, chain, producer, service and RPC server of one node."""

    def __init__(self, config: NodeConfig) -> None:
        self.config = config
        self.halted = threading.Event()

    def start(self) -> Writer:
        config = self.config
        self.store = open_ledger(config.ledger_path)
        key = read_key(config.producer_key_path)
        validator = load_validator(config.data_dir, key)
        self.chain = Chain(self.store, full_registry(validator), genesis_of(config))
        self.ordering: Producer | ClusterOrdering
        if config.ordering == "nats":
            self.ordering = self._cluster(key)
        else:
            self.ordering = Producer(
                self.chain, key, max_block=config.max_block, max_wait_ms=config.max_wait_ms
            ).start()
        self.service = LedgerService(self.chain, self.ordering)
        if config.ordering == "nats":
            self._serve_in_cluster()
        self.rpc = RpcServer(config.socket_path, self.service).start()
        self.collector = Collector(lambda: self.ordering.queue_size() == 0).start()
        self.ordering.on_commit.append(self.collector.after_block)
        log.info("writer ready: network=%s height=%d", self.chain.network, self.chain.tip.height)
        return self

    def _cluster(self, key: KeyPair) -> ClusterOrdering:
        """A replica of the JetStream-ordered cluster (node/cluster/)."""
        from node.cluster.engine import Engine
        from node.cluster.ordering import ClusterOrdering

        config = self.config
        if not config.nats_servers or not config.node_id:
            raise ValueError("--ordering nats needs --nats URL[,URL...] and --node-id")
        engine = Engine(config.nats_servers, config.node_id, config.lease_ttl_ms / 1000).start()
        return ClusterOrdering(
            self.chain,
            key,
            engine,
            max_block=config.max_block,
            max_wait_ms=config.max_wait_ms,
            on_halt=self._halt,
        ).start()

    def _serve_in_cluster(self) -> None:
        """Forwarded submissions go through the service (deduplicated like local ones);
        signed-read nonces are claimed once for the whole cluster."""
        from node.cluster.nonces import ClusterNonces
        from node.cluster.ordering import ClusterOrdering

        ordering = self.ordering
        assert isinstance(ordering, ClusterOrdering)
        ordering.attach(self.service.serve_forwarded)
        self.service.nonces = ClusterNonces(self.service.nonces, ordering.engine)

    def _halt(self, reason: str) -> None:
        """A replica that cannot reproduce an ordered block stops: never divergent reads."""
        self.halted.set()

    def stop(self) -> None:
        """No new calls, then the producer drains, then storage closes."""
        self.rpc.stop()
        self.ordering.stop()
        self.collector.stop()
        self.store.close()
        log.info("writer stopped at height %d", self.chain.tip.height)


def run_writer(config: NodeConfig) -> int:
    """Run a writer until SIGTERM or SIGINT; the exit status says how it ended."""
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        writer = Writer(config).start()
    except (ValueError, FileNotFoundError, StorageError) as error:  # wrong genesis, missing
        # key, a database that cannot be opened (corrupt, or held by another node): no retry helps
        log.error("writer cannot start: %s", error)
        return FATAL
    while not stopping.wait(0.2):
        if writer.halted.is_set():
            writer.stop()
            return FATAL
    writer.stop()
    return 0
