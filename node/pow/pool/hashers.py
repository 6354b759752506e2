"""A licensed miner's process: grind the pool's jobs for shares and send them back.

Messages over the pipe are a type byte and canonical JSON::

    pool -> miner   J job | S (stop: answer R and exit)
    miner -> pool   H {"pid", "key"} (ready) | X share | R report

A miner of less computing power than a full core idles for part of each
chunk (``power`` is the fraction of the time it hashes), as a smaller rig
would. Its hashes and CPU-seconds are counted in the process itself.
"""

from __future__ import annotations

import logging
import os
import time
from multiprocessing.connection import Connection

import msgspec

from ledger.crypto import KeyPair
from ledger.encoding import canonical, decode_json
from node.pow.pool.shares import Job, Share, grind_shares
from node.pow.process import cpu_seconds

log = logging.getLogger(__name__)


class HasherReport(msgspec.Struct, frozen=True):
    """What one miner did, sent to the pool when it stops."""

    pid: int
    key: str
    hashes: int
    shares_sent: int
    cpu_s: float


class Hasher:
    """The loop of one miner process."""

    def __init__(self, conn: Connection, key: KeyPair, power: float, chunk: int) -> None:
        self.conn, self.key, self.power, self.chunk = conn, key, power, chunk
        self.job: Job | None = None
        self.nonce = self.hashes = self.sent = 0
        self.cpu0 = cpu_seconds()

    def run(self) -> None:
        """Hash until the pool says stop."""
        self.conn.send_bytes(b"H" + canonical({"pid": os.getpid(), "key": self.key.public_hex}))
        while self._drain():
            if self.job is None:
                continue
            started = time.monotonic()
            header = self.job.header
            for nonce in grind_shares(
                header.prefix(), self.job.share_target_int, self.nonce, self.chunk
            ):
                share = Share(job_id=self.job.job_id, worker=self.key.public_hex, nonce=nonce)
                self.conn.send_bytes(b"X" + canonical(share))
                self.sent += 1
            self.nonce += self.chunk
            self.hashes += self.chunk
            if self.power < 1.0:  # a smaller rig: idle for the rest of its duty cycle
                time.sleep((time.monotonic() - started) * (1.0 / self.power - 1.0))

    def _drain(self) -> bool:
        """Handle every waiting message (wait for the first job); False when told to stop."""
        while self.conn.poll(0 if self.job is not None else 0.5):
            message = self.conn.recv_bytes()
            if message[:1] == b"S":
                self.conn.send_bytes(b"R" + canonical(self.report()))
                return False
            if message[:1] == b"J":
                self.job, self.nonce = decode_json(message[1:], Job, "job"), 0
        return True

    def report(self) -> HasherReport:
        return HasherReport(
            os.getpid(), self.key.public_hex, self.hashes, self.sent, cpu_seconds() - self.cpu0
        )


def run_hasher(conn: Connection, seed: bytes, power: float, chunk: int) -> None:
    """Entry point of a miner process (picklable for the ``spawn`` start method)."""
    logging.basicConfig(level=logging.WARNING, format="pool-miner %(process)d %(message)s")
    try:
        Hasher(conn, KeyPair.from_seed(seed), power, chunk).run()
    except (EOFError, OSError):  # a closed or reset pipe
        log.warning("the pool went away; the miner exits")
    finally:
        conn.close()
