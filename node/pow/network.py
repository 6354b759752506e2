"""The hub that joins competing miner processes, and relays what they find.

Each miner is a separate OS process (``multiprocessing``, ``spawn``) joined
to the hub by a pipe. A block found by one miner reaches the others after a
configurable propagation delay (a star network with equal links), and the hub
hands it to the caller, who feeds an observer node. Only pipes are used: no
sockets, nothing beyond this machine. Every process started
here is stopped here, by its pid, in :meth:`MinerNetwork.stop`.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import TracebackType

from ledger.crypto import sha256
from ledger.encoding import canonical, decode_json
from ledger.types import SignedTransaction
from node.pow.block import PowBlock, PowGenesis
from node.pow.process import MinerReport, run_miner

log = logging.getLogger(__name__)
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


class FoundBlock:
    """A block as the hub first saw it: who found it and when."""

    __slots__ = ("block", "miner", "seen")

    def __init__(self, block: PowBlock, miner: int, seen: float) -> None:
        self.block, self.miner, self.seen = block, miner, seen


class MinerNetwork:
    """Start miners, broadcast transactions, relay blocks, stop everything.

    The hub never blocks on a write: each miner has a sender thread fed by a
    queue, which also applies the propagation delay, so a miner pushing a big
    block to the hub and the hub pushing one to that miner cannot deadlock.
    """

    def __init__(
        self,
        genesis: PowGenesis,
        miners: int,
        *,
        propagation_ms: int = 50,
        chunk: int = 4_000,
        seed: int = 0,
    ) -> None:
        self.genesis_bytes = canonical(genesis)
        self.count, self.delay_s, self.chunk, self.seed = miners, propagation_ms / 1000, chunk, seed
        self.processes: list[BaseProcess] = []
        self.conns: list[Connection] = []
        self.reports: list[MinerReport] = []
        self._outboxes: list[queue.SimpleQueue[tuple[float, bytes] | None]] = []
        self._senders: list[threading.Thread] = []
        self._stopped = False

    @property
    def pids(self) -> list[int]:
        """Process ids of every miner started."""
        return [p.pid for p in self.processes if p.pid is not None]

    def miner_seed(self, index: int) -> bytes:
        """The key seed of miner ``index`` (derived, so runs are reproducible)."""
        return sha256(f"pow-miner:{self.seed}:{index}".encode())

    def start(self) -> MinerNetwork:
        """Start every miner and wait until each has built its genesis state."""
        try:
            self._spawn()
            for conn in self.conns:
                if not conn.poll(START_TIMEOUT_S) or conn.recv_bytes()[:1] != b"H":
                    raise RuntimeError("a miner did not start")
        except BaseException:
            self.stop()
            raise
        log.info("miners started pids=%s", self.pids)
        return self

    def _spawn(self) -> None:
        context = multiprocessing.get_context("spawn")
        for index in range(self.count):
            hub_end, miner_end = context.Pipe()
            process = context.Process(
                target=run_miner,
                args=(miner_end, self.genesis_bytes, self.miner_seed(index), self.chunk),
                name=f"pow-miner-{index}",
                daemon=True,
            )
            process.start()
            miner_end.close()
            self.processes.append(process)
            self.conns.append(hub_end)
            outbox: queue.SimpleQueue[tuple[float, bytes] | None] = queue.SimpleQueue()
            sender = threading.Thread(target=self._send_loop, args=(hub_end, outbox), daemon=True)
            sender.start()
            self._outboxes.append(outbox)
            self._senders.append(sender)

    @staticmethod
    def _send_loop(conn: Connection, outbox: queue.SimpleQueue[tuple[float, bytes] | None]) -> None:
        while (item := outbox.get()) is not None:
            due, message = item
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                conn.send_bytes(message)
            except (BrokenPipeError, OSError):
                return

    def broadcast(self, envelopes: list[SignedTransaction]) -> None:
        """Send transactions to every miner at once."""
        payload = b"T" + canonical(envelopes)
        for outbox in self._outboxes:
            outbox.put((0.0, payload))

    def poll(self, timeout_s: float) -> list[FoundBlock]:
        """Blocks found since the last call, waiting at most ``timeout_s`` for one."""
        found: list[FoundBlock] = []
        for conn in wait(self.conns, timeout=timeout_s):
            if not isinstance(conn, Connection):
                raise TypeError("miners are reached through pipes only")
            found.extend(self._read(self.conns.index(conn), conn))
        return found

    def _read(self, index: int, conn: Connection) -> list[FoundBlock]:
        message = conn.recv_bytes()
        if message[:1] != b"B":
            log.warning("unexpected message from miner %d: %r", index, message[:1])
            return []
        seen = time.monotonic()
        for other, outbox in enumerate(self._outboxes):
            if other != index:
                outbox.put((seen + self.delay_s, message))
        return [FoundBlock(PowBlock.from_bytes(message[1:]), index, seen)]

    def stop(self) -> list[MinerReport]:
        """Ask each miner for its report, then make sure every process is gone."""
        if self._stopped:
            return self.reports
        self._stopped = True
        for outbox in self._outboxes:
            outbox.put((0.0, b"S"))
            outbox.put(None)
        for index, conn in enumerate(self.conns):
            self._collect_report(index, conn)
        for process in self.processes:
            process.join(STOP_TIMEOUT_S)
            if process.is_alive():
                log.warning("miner pid=%s did not stop; terminating", process.pid)
                process.terminate()
                process.join(STOP_TIMEOUT_S)
        for sender in self._senders:
            sender.join(STOP_TIMEOUT_S)
        for conn in self.conns:
            conn.close()
        return self.reports

    def _collect_report(self, index: int, conn: Connection) -> None:
        deadline = time.monotonic() + STOP_TIMEOUT_S
        try:
            while conn.poll(max(0.0, deadline - time.monotonic())):
                message = conn.recv_bytes()
                if message[:1] == b"R":
                    self.reports.append(decode_json(message[1:], MinerReport, "report"))
                    return
        except (EOFError, OSError):
            pass
        log.warning("no report from miner %d", index)

    def __enter__(self) -> MinerNetwork:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
