"""The accredited pool's process: one full node, every miner's pipe, the share log.

It waits for every licensed miner to say hello, hands each a job, then
counts shares until it has found the blocks asked for, the time is up, or
the launcher says stop; every new tip sends every miner a fresh job. At the
end it stops the miners, gathers their reports, and answers the launcher
with the published log, the credits, the best chain and the figures.

    launcher -> pool   S (stop)
    pool -> launcher   H {"pid"} (ready) | R report
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from multiprocessing.connection import Connection, wait

import msgspec

from ledger.crypto import KeyPair
from ledger.encoding import canonical, decode_json
from ledger.errors import TengeError
from node.pow.block import PowBlock, PowGenesis
from node.pow.node import PowNode
from node.pow.pool.hashers import HasherReport
from node.pow.pool.pool import MiningPool
from node.pow.pool.shares import Share
from node.pow.process import cpu_seconds

log = logging.getLogger(__name__)
HELLO_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


class Hello(msgspec.Struct, frozen=True):
    pid: int
    key: str


class PoolPlan(msgspec.Struct, frozen=True):
    """What the launcher asks of the pool."""

    genesis: bytes
    seed: bytes
    share_target: str
    """The pool's share target, 64 hex digits."""
    window: int
    blocks: int
    deadline_s: float


class PoolReport(msgspec.Struct, frozen=True):
    """What the pool did, for the launcher and the report."""

    pid: int
    log: str
    """The published share log, one canonical JSON entry per line."""
    credits: dict[str, dict[str, int]]
    paid: dict[str, dict[str, int]]
    chain: tuple[PowBlock, ...]
    """The best chain, block 1 first."""
    miners: tuple[HasherReport, ...]
    refused: dict[str, int]
    cpu_s: float
    elapsed_s: float


class PoolService:
    """The loop of the pool process."""

    def __init__(self, plan: PoolPlan, miners: list[Connection]) -> None:
        self.plan, self.miners = plan, miners
        node = PowNode(PowGenesis.from_bytes(plan.genesis))
        target = int(plan.share_target, 16)
        self.pool = MiningPool(node, KeyPair.from_seed(plan.seed), target, plan.window)
        self.keys: dict[int, str] = {}
        self.refused: Counter[str] = Counter()
        self.found = 0

    def hello(self) -> None:
        """Every miner's key from its hello, then its first job."""
        for index, conn in enumerate(self.miners):
            message = conn.recv_bytes() if conn.poll(HELLO_TIMEOUT_S) else b""
            if message[:1] != b"H":
                raise RuntimeError(f"miner {index} did not start")
            self.keys[index] = decode_json(message[1:], Hello, "hello").key
        self._jobs()

    def _jobs(self) -> None:
        for index, conn in enumerate(self.miners):
            conn.send_bytes(b"J" + canonical(self.pool.job_for(self.keys[index])))

    def run(self, control: Connection) -> None:
        """Count shares until enough blocks, the deadline, or the launcher's stop."""
        started = time.monotonic()
        while self.found < self.plan.blocks and time.monotonic() - started < self.plan.deadline_s:
            for conn in wait([*self.miners, control], timeout=0.2):
                if conn is control:
                    return
                index = next(i for i, c in enumerate(self.miners) if c is conn)
                self._message(index, self.miners[index].recv_bytes())

    def _message(self, index: int, message: bytes) -> None:
        if message[:1] != b"X":
            return
        share = decode_json(message[1:], Share, "share")
        try:
            verdict = self.pool.submit(share)
        except TengeError as error:
            self.refused[str(error.details().get("reason", error.code))] += 1
            return
        if verdict.block is not None:
            self.found += 1
            self._jobs()

    def stop(self) -> tuple[HasherReport, ...]:
        """Tell every miner to stop and gather its report."""
        for conn in self.miners:
            conn.send_bytes(b"S")
        reports = []
        for conn in self.miners:
            deadline = time.monotonic() + STOP_TIMEOUT_S
            while conn.poll(max(0.0, deadline - time.monotonic())):
                message = conn.recv_bytes()
                if message[:1] == b"R":
                    reports.append(decode_json(message[1:], HasherReport, "report"))
                    break
        return tuple(reports)

    def report(self, miners: tuple[HasherReport, ...], elapsed_s: float) -> PoolReport:
        pool = self.pool
        chain = tuple(e.block for e in pool.node.best_chain() if e.block is not None)
        return PoolReport(
            pid=os.getpid(),
            log=pool.log.encode().decode(),
            credits=pool.credits,
            paid=pool.paid_on_chain(),
            chain=chain,
            miners=miners,
            refused=dict(self.refused),
            cpu_s=cpu_seconds(),
            elapsed_s=elapsed_s,
        )


def run_pool(control: Connection, miners: list[Connection], plan: bytes) -> None:
    """Entry point of the pool process (picklable for the ``spawn`` start method)."""
    logging.basicConfig(level=logging.WARNING, format="pool %(process)d %(message)s")
    service = PoolService(decode_json(plan, PoolPlan, "plan"), miners)
    control.send_bytes(b"H" + canonical({"pid": os.getpid()}))
    started = time.monotonic()
    try:
        service.hello()
        service.run(control)
        reports = service.stop()
        control.send_bytes(b"R" + canonical(service.report(reports, time.monotonic() - started)))
    except (EOFError, OSError):  # a closed or reset pipe
        log.warning("the launcher went away; the pool exits")
    finally:
        for conn in (*miners, control):
            conn.close()
