"""Stateless checks for whole batches, on threads or on worker processes.

libsodium releases the GIL, so threads verify in parallel; but every
signature hands the GIL back and forth, and on a small machine those handoffs
cost as much as the Python work around them. Worker processes avoid that.
Two ways to use them:

- :meth:`BatchVerifier.verify`: ``(key, message, signature)`` triples in
  large chunks, one boolean back per triple;
- :meth:`BatchVerifier.check_envelopes`: raw transaction envelopes, fully
  checked at the edge (decoding, every stateless rule, every signature) in
  the workers, one verdict back per envelope: the decoded transaction, or the
  error that refuses it. The workers build the registry themselves from an
  import path, so the writer's GIL sees none of that work, and the writer
  takes each transaction as the worker decoded it instead of parsing it again
  (unpickling the frozen values costs about a third of a parse: no pattern
  checks, no canonical re-encoding, no hashing).
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, Literal

from ledger.crypto import verify
from ledger.errors import TengeError
from ledger.registry import Registry
from ledger.types import Transaction
from ledger.validation import parse_transaction, validate_transaction

Triple = tuple[bytes, bytes, bytes]
Refusal = tuple[type[TengeError], dict[str, Any]]
"""An error as it crosses a process boundary: its class and its typed fields."""

_edge: tuple[Registry, str] | None = None  # a worker process's registry and network


def verify_all(triples: Sequence[Triple]) -> list[bool]:
    """Verify each ``(public key, message, signature)``; one verdict each."""
    return [verify(key, message, signature) for key, message, signature in triples]


def load_factory(path: str) -> Callable[[], Registry]:
    """``"package.module:function"`` to the registry factory it names."""
    module, _, name = path.partition(":")
    factory: Callable[[], Registry] = getattr(importlib.import_module(module), name)
    return factory


def _start_edge(registry_path: str, network: str) -> None:
    global _edge
    _edge = (load_factory(registry_path)(), network)


def _worker_pid(_: int) -> int:
    return os.getpid()


def check_all(envelopes: Sequence[bytes]) -> list[Transaction | Refusal]:
    """In a worker: every stateless rule for each envelope; the transaction when it passes."""
    if _edge is None:
        raise RuntimeError("the worker was started without a registry")
    registry, network = _edge
    verdicts: list[Transaction | Refusal] = []
    for envelope in envelopes:
        try:
            tx = parse_transaction(envelope, registry)
            validate_transaction(tx, registry, network)
            verdicts.append(tx)
        except TengeError as error:
            verdicts.append((type(error), error.details()))
    return verdicts


class BatchVerifier:
    """Checks batches across ``workers`` threads or processes."""

    def __init__(
        self,
        workers: int = 2,
        mode: Literal["thread", "process"] = "thread",
        edge: tuple[str, str] | None = None,
    ) -> None:
        """``edge`` = (registry factory path, network) lets process workers check envelopes."""
        self.workers, self.mode = workers, mode
        self.checks_envelopes = mode == "process" and edge is not None
        self._pool: Executor
        if mode == "process":
            context = multiprocessing.get_context("forkserver")
            if edge is None:
                self._pool = ProcessPoolExecutor(workers, mp_context=context)
            else:
                self._pool = ProcessPoolExecutor(
                    workers, mp_context=context, initializer=_start_edge, initargs=edge
                )
        else:
            self._pool = ThreadPoolExecutor(workers, thread_name_prefix="verify")

    def start_workers(self) -> list[int]:
        """Start every worker now (a pool starts them on first use); their process ids."""
        if self.mode != "process":
            return []
        # Each task submitted to an idle pool spawns a worker, up to the pool's size; the
        # pool keeps them by pid (one task may run them all, so its answers cannot say).
        list(self._pool.map(_worker_pid, range(self.workers)))
        return self.worker_pids()

    def worker_pids(self) -> list[int]:
        """The process ids of the workers running now (none before the first task)."""
        return sorted(getattr(self._pool, "_processes", None) or {})

    def _chunks(self, items: Sequence[Any]) -> list[Sequence[Any]]:
        size = -(-len(items) // self.workers)
        return [items[i : i + size] for i in range(0, len(items), size)]

    def verify(self, triples: Sequence[Triple]) -> list[bool]:
        """One verdict per triple, in order."""
        if not triples:
            return []
        verdicts: list[bool] = []
        for part in self._pool.map(verify_all, self._chunks(triples)):
            verdicts.extend(part)
        return verdicts

    def check_envelopes(self, envelopes: Sequence[bytes]) -> list[Transaction | TengeError]:
        """One verdict per envelope, in order: the checked transaction, or why it is refused."""
        if not envelopes:
            return []
        verdicts: list[Transaction | TengeError] = []
        for part in self._pool.map(check_all, self._chunks(envelopes)):
            verdicts.extend(v if isinstance(v, Transaction) else v[0](**v[1]) for v in part)
        return verdicts

    def close(self) -> None:
        self._pool.shutdown()
