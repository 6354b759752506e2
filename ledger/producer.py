"""The in-process block producer: batch, verify in parallel, check in order, commit.

Submitted transactions wait in a queue. A *verifier* thread takes a batch (up
to ``max_block`` transactions or ``max_wait_ms``, whichever comes first),
decodes and verifies it across a thread pool (libsodium releases the GIL), and
hands it to the *committer* thread, which checks it in order against state,
builds and signs the block, and commits it in one synced write batch. The two
stages overlap: while block N is committed, block N+1 is verified.

A submitter learns the outcome of its transaction through a future that is
resolved only after the block's batch has returned from the disk.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import msgspec

from ledger.chain import Chain
from ledger.crypto import KeyPair
from ledger.errors import TengeError, Unavailable
from ledger.types import Transaction
from ledger.validation import parse_transaction, validate_transaction

log = logging.getLogger(__name__)


class Outcome(msgspec.Struct, frozen=True):
    """What became of one submitted transaction."""

    txid: bytes
    height: int = 0
    index: int = -1
    error: TengeError | None = None

    @property
    def committed(self) -> bool:
        return self.error is None


Item = tuple[Transaction | bytes, "Future[Outcome]"]


def now_ms() -> int:
    """Wall-clock time in Unix milliseconds."""
    return time.time_ns() // 1_000_000


class Producer:
    """Orders submitted transactions into blocks on one chain (single writer)."""

    def __init__(
        self,
        chain: Chain,
        key: KeyPair,
        *,
        max_block: int = 2000,
        max_wait_ms: int = 20,
        verify_threads: int = 2,
        max_queue: int = 200_000,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.chain, self.key, self.clock = chain, key, clock
        self.max_block, self.max_wait = max_block, max_wait_ms / 1000
        self.threads = verify_threads
        self._inbox: queue.Queue[Item] = queue.Queue(max_queue)
        self._verified: queue.Queue[list[tuple[Transaction | TengeError, Future[Outcome]]] | None]
        self._verified = queue.Queue(2)
        self._pool = ThreadPoolExecutor(verify_threads, thread_name_prefix="verify")
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.on_commit: list[Callable[[int, Sequence[Outcome]], None]] = []

    # -- submission ------------------------------------------------------------

    def submit(self, tx: Transaction | bytes) -> Future[Outcome]:
        """Queue a decoded transaction, or raw JSON bytes to decode here."""
        future: Future[Outcome] = Future()
        if self._stop.is_set():
            raise Unavailable(reason="the producer is stopping")
        try:
            self._inbox.put_nowait((tx, future))
        except queue.Full:
            raise Unavailable(reason="the transaction queue is full") from None
        return future

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> Producer:
        """Start the verifier and committer threads."""
        for target, name in ((self._verify_loop, "verifier"), (self._commit_loop, "committer")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Finish what is queued, then stop both stages."""
        self._stop.set()
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        self._pool.shutdown()

    def __enter__(self) -> Producer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the two stages --------------------------------------------------------

    def _verify_loop(self) -> None:
        while True:
            batch = self._take_batch()
            if batch:
                self._verified.put(self._verify(batch))
            elif self._stop.is_set():
                self._verified.put(None)
                return

    def _take_batch(self) -> list[Item]:
        try:
            batch = [self._inbox.get(timeout=0.05)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self.max_wait
        while len(batch) < self.max_block:
            remaining = deadline - time.monotonic()
            try:
                batch.append(
                    self._inbox.get(timeout=remaining)
                    if remaining > 0
                    else self._inbox.get_nowait()
                )
            except queue.Empty:
                break
        return batch

    def _verify(self, batch: list[Item]) -> list[tuple[Transaction | TengeError, Future[Outcome]]]:
        size = -(-len(batch) // self.threads)
        chunks = [batch[i : i + size] for i in range(0, len(batch), size)]
        results: list[tuple[Transaction | TengeError, Future[Outcome]]] = []
        for chunk in self._pool.map(self._verify_chunk, chunks):
            results.extend(chunk)
        return results

    def _verify_chunk(
        self, chunk: list[Item]
    ) -> list[tuple[Transaction | TengeError, Future[Outcome]]]:
        chain = self.chain
        out: list[tuple[Transaction | TengeError, Future[Outcome]]] = []
        for item, future in chunk:
            try:
                tx = parse_transaction(item, chain.registry) if isinstance(item, bytes) else item
                validate_transaction(tx, chain.registry, chain.network)
                out.append((tx, future))
            except TengeError as error:
                out.append((error, future))
        return out

    def _commit_loop(self) -> None:
        while (batch := self._verified.get()) is not None:
            try:
                self._commit(batch)
            except Exception as error:  # a storage failure must not hang submitters
                log.exception("block commit failed")
                for _, future in batch:
                    if not future.done():
                        future.set_exception(Unavailable(reason=f"commit failed: {error}"))

    def _commit(self, batch: list[tuple[Transaction | TengeError, Future[Outcome]]]) -> None:
        txs = [item for item, _ in batch if isinstance(item, Transaction)]
        built = self.chain.build(txs, self.clock(), self.key)
        if built.transactions:
            self.chain.commit(built)
        positions = {tx.txid: i for i, tx in enumerate(built.transactions)}
        height = built.height
        outcomes: list[Outcome] = []
        for item, future in batch:
            if isinstance(item, TengeError):
                outcome = Outcome(txid=b"", error=item)
            elif item.txid in positions:
                outcome = Outcome(txid=item.txid, height=height, index=positions[item.txid])
            else:
                outcome = Outcome(txid=item.txid, error=built.rejected[item.txid])
            outcomes.append(outcome)
            future.set_result(outcome)
        log.debug(
            "block=%d txs=%d rejected=%d", height, len(positions), len(batch) - len(positions)
        )
        for listener in self.on_commit:
            listener(height, outcomes)


def produce_now(
    chain: Chain, key: KeyPair, txs: Sequence[Transaction], time_ms: int
) -> list[Outcome]:
    """Verify, check and commit one block synchronously (demos, tests, tools)."""
    outcomes: dict[bytes, Outcome] = {}
    valid: list[Transaction] = []
    for tx in txs:
        try:
            validate_transaction(tx, chain.registry, chain.network)
            valid.append(tx)
        except TengeError as error:
            outcomes[tx.txid] = Outcome(txid=tx.txid, error=error)
    built = chain.build(valid, time_ms, key)
    if built.transactions:
        chain.commit(built)
    for index, tx in enumerate(built.transactions):
        outcomes[tx.txid] = Outcome(txid=tx.txid, height=built.height, index=index)
    for txid, refusal in built.rejected.items():
        outcomes[txid] = Outcome(txid=txid, error=refusal)
    return [outcomes[tx.txid] for tx in txs]
