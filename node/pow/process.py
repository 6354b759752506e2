"""A miner process: a full node that hashes on its best tip and talks over a pipe.

Messages are bytes whose first byte says what follows (canonical JSON)::

    hub -> miner   B block | T [envelopes] | S (stop: answer R and exit)
    miner -> hub   H {"pid"} (ready) | B block (found) | R report

The miner checks its pipe between chunks of hashes, so a block found
elsewhere reaches it within one chunk, as in a real network with latency.
"""

from __future__ import annotations

import logging
import os
import resource
import time
from multiprocessing.connection import Connection

import msgspec

from ledger.crypto import KeyPair
from ledger.encoding import canonical, decoder_for
from ledger.errors import TengeError
from ledger.types import SignedTransaction
from ledger.validation import decode_envelope
from node.pow.block import PowBlock, PowGenesis
from node.pow.mining import grind, with_nonce
from node.pow.node import PowNode

log = logging.getLogger(__name__)
_ENVELOPES = decoder_for(tuple[SignedTransaction, ...])


class MinerReport(msgspec.Struct, frozen=True):
    """What one miner did, sent to the hub when it stops."""

    pid: int
    miner: str
    hashes: int
    hashes_measured: int
    """Hashes since the first transactions arrived (the measured window)."""
    cpu_s: float
    cpu_measured_s: float
    blocks_found: int
    height: int


def cpu_seconds() -> float:
    """User + system CPU time of this process."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Miner:
    """The loop of one miner process: read messages, refresh the template, hash."""

    def __init__(self, conn: Connection, node: PowNode, key: KeyPair, chunk: int) -> None:
        self.conn, self.node, self.key, self.chunk = conn, node, key, chunk
        self.template: PowBlock | None = None
        self.built_at = 0.0
        self.dirty = False
        self.nonce = 0
        self.hashes = 0
        self.found = 0
        self.marks: tuple[int, float] | None = None  # (hashes, cpu) at the first transactions
        self.refresh_s = node.params.target_interval_ms / 8000

    def run(self) -> None:
        """Mine until the hub says stop."""
        self.conn.send_bytes(b"H" + canonical({"pid": os.getpid()}))
        while self._drain():
            if self._stale():
                self.template = self.node.template(self.key.public_hex)
                self.built_at, self.dirty = time.monotonic(), False
            if self.template is None:
                raise RuntimeError("a miner needs a template")
            header = self.template.header
            nonce = grind(header.prefix(), header.target_int, self.nonce, self.chunk)
            self.hashes += self.chunk if nonce is None else nonce - self.nonce + 1
            self.nonce += self.chunk  # never retried, even on a rebuilt template
            if nonce is not None:
                self._found(with_nonce(self.template, nonce))

    def _stale(self) -> bool:
        if self.template is None:
            return True
        if self.template.header.prev_hash != self.node.tip.block_hash.hex():
            return True
        return self.dirty and time.monotonic() - self.built_at >= self.refresh_s

    def _drain(self) -> bool:
        """Handle every waiting message; False when told to stop."""
        while self.conn.poll(0):
            message = self.conn.recv_bytes()
            kind, payload = message[:1], message[1:]
            if kind == b"S":
                self.conn.send_bytes(b"R" + canonical(self.report()))
                return False
            if kind == b"B":
                self._receive(PowBlock.from_bytes(payload))
            elif kind == b"T":
                self._transactions(payload)
        return True

    def _receive(self, block: PowBlock) -> None:
        try:
            self.node.receive(block)
        except TengeError as error:
            log.warning("miner refused block height=%d: %s", block.header.height, error)

    def _transactions(self, payload: bytes) -> None:
        if self.marks is None:
            self.marks = (self.hashes, cpu_seconds())
        for envelope in _ENVELOPES.decode(payload):
            try:
                self.node.submit(decode_envelope(envelope, self.node.registry))
            except TengeError as error:
                log.info("miner refused tx: %s", error)
        self.dirty = True

    def _found(self, block: PowBlock) -> None:
        self.template = None
        try:
            self.node.receive(block)
        except TengeError as error:  # e.g. its own template went stale mid-chunk
            log.warning("own block refused height=%d: %s", block.header.height, error)
            return
        self.found += 1
        self.conn.send_bytes(b"B" + canonical(block))

    def report(self) -> MinerReport:
        """Hashes, CPU-seconds and blocks, in total and in the measured window."""
        hashes0, cpu0 = self.marks if self.marks is not None else (self.hashes, cpu_seconds())
        cpu = cpu_seconds()
        return MinerReport(
            pid=os.getpid(),
            miner=self.key.public_hex,
            hashes=self.hashes,
            hashes_measured=self.hashes - hashes0,
            cpu_s=cpu,
            cpu_measured_s=cpu - cpu0,
            blocks_found=self.found,
            height=self.node.tip.height,
        )


def run_miner(conn: Connection, genesis: bytes, seed: bytes, chunk: int) -> None:
    """Entry point of a miner process (picklable for the ``spawn`` start method)."""
    logging.basicConfig(level=logging.WARNING, format="miner %(process)d %(message)s")
    node = PowNode(PowGenesis.from_bytes(genesis))
    try:
        Miner(conn, node, KeyPair.from_seed(seed), chunk).run()
    except (EOFError, BrokenPipeError):
        log.warning("hub went away; miner exits")
    finally:
        conn.close()
