"""Start the accredited pool and its licensed miners as processes, run them, stop them by pid.

The launcher joins the pool process to each miner process by its own pipe
(miners never talk to each other or to the launcher), asks the pool for a
number of blocks within a deadline, and reads back its report. Every process
started here is stopped here, through its ``Process`` handle: joined, and
terminated if it does not exit. Nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import TracebackType

from ledger.encoding import canonical, decode_json
from node.pow.pool.hashers import run_hasher
from node.pow.pool.service import PoolPlan, PoolReport, run_pool

log = logging.getLogger(__name__)
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


class PoolNetwork:
    """One pool process and its miners."""

    def __init__(
        self, plan: PoolPlan, miners: list[tuple[bytes, float]], chunk: int = 2_000
    ) -> None:
        self.plan, self.miners, self.chunk = plan, miners, chunk
        self.processes: list[BaseProcess] = []
        self.control: Connection | None = None
        self._stopped = False

    @property
    def pids(self) -> list[int]:
        """Process ids of the pool and every miner started."""
        return [p.pid for p in self.processes if p.pid is not None]

    def start(self) -> PoolNetwork:
        """Start the pool, then the miners; wait until the pool is up."""
        context = multiprocessing.get_context("spawn")
        ends = [context.Pipe() for _ in self.miners]
        control, pool_control = context.Pipe()
        self.control = control
        pool = context.Process(
            target=run_pool,
            args=(pool_control, [pool_end for pool_end, _ in ends], canonical(self.plan)),
            name="pow-pool",
            daemon=True,
        )
        try:
            pool.start()
            self.processes.append(pool)
            for index, ((seed, power), (_, miner_end)) in enumerate(
                zip(self.miners, ends, strict=True)
            ):
                miner = context.Process(
                    target=run_hasher,
                    args=(miner_end, seed, power, self.chunk),
                    name=f"pow-pool-miner-{index}",
                    daemon=True,
                )
                miner.start()
                self.processes.append(miner)
            for pool_end, miner_end in ends:
                pool_end.close()
                miner_end.close()
            pool_control.close()
            if not control.poll(START_TIMEOUT_S) or control.recv_bytes()[:1] != b"H":
                raise RuntimeError("the pool did not start")
        except BaseException:
            self.stop()
            raise
        log.info("pool and miners started pids=%s", self.pids)
        return self

    def result(self) -> PoolReport:
        """Wait for the pool's report (its deadline, plus time to stop the miners)."""
        if self.control is None:
            raise RuntimeError("the pool network was not started")
        wait_s = self.plan.deadline_s + START_TIMEOUT_S + STOP_TIMEOUT_S
        if not self.control.poll(wait_s):
            raise RuntimeError("the pool sent no report")
        message = self.control.recv_bytes()
        if message[:1] != b"R":
            raise RuntimeError(f"unexpected message from the pool: {message[:1]!r}")
        return decode_json(message[1:], PoolReport, "pool report")

    def stop(self) -> None:
        """Make sure every process is gone (joined, or terminated by its handle)."""
        if self._stopped:
            return
        self._stopped = True
        if self.control is not None and self.processes and self.processes[0].is_alive():
            # a pool still running (an early stop): it stops its miners and exits
            with contextlib.suppress(BrokenPipeError, OSError):
                self.control.send_bytes(b"S")
        for process in self.processes:
            process.join(STOP_TIMEOUT_S)
            if process.is_alive():
                log.warning("pid=%s did not stop; terminating", process.pid)
                process.terminate()
                process.join(STOP_TIMEOUT_S)
        if self.control is not None:
            self.control.close()

    def __enter__(self) -> PoolNetwork:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
