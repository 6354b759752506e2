"""Signature verification for whole batches, on threads or on worker processes.

libsodium releases the GIL, so threads verify in parallel; but every
signature hands the GIL back and forth, and on a small machine those handoffs
cost as much as the Python work around them. Worker processes avoid that:
the producer sends ``(key, message, signature)`` triples in large chunks and
gets one boolean per triple back.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Literal

from ledger.crypto import verify

Triple = tuple[bytes, bytes, bytes]


def verify_all(triples: Sequence[Triple]) -> list[bool]:
    """Verify each ``(public key, message, signature)``; one verdict each."""
    return [verify(key, message, signature) for key, message, signature in triples]


class BatchVerifier:
    """Verifies batches of signatures across ``workers`` threads or processes."""

    def __init__(self, workers: int = 2, mode: Literal["thread", "process"] = "thread") -> None:
        self.workers, self.mode = workers, mode
        self._pool: Executor
        if mode == "process":
            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(workers, mp_context=context)
        else:
            self._pool = ThreadPoolExecutor(workers, thread_name_prefix="verify")

    def verify(self, triples: Sequence[Triple]) -> list[bool]:
        """One verdict per triple, in order."""
        if not triples:
            return []
        size = -(-len(triples) // self.workers)
        chunks = [triples[i : i + size] for i in range(0, len(triples), size)]
        verdicts: list[bool] = []
        for part in self._pool.map(verify_all, chunks):
            verdicts.extend(part)
        return verdicts

    def close(self) -> None:
        self._pool.shutdown()
