"""The in-process block producer (the ``local`` ordering backend): batch, verify in
parallel, check in order, commit.

Submitted transactions wait in a queue. A *verifier* thread takes a batch (up
to ``max_block`` transactions or ``max_wait_ms``, whichever comes first),
decodes and verifies it across a thread pool (libsodium releases the GIL), and
hands it to the *committer* thread, which checks it in order against state,
builds and signs the block, and commits it in one synced write batch. The two
stages overlap: while block N is committed, block N+1 is verified.

A submitter learns the outcome of its transaction through a future that is
resolved only after the block's batch has returned from the disk — and, when
the producer was given a :class:`~node.ordering.BlockLog` (the cluster's
stream), after the log holds the block.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Literal

import msgspec

from ledger.chain import Chain, Verdict
from ledger.crypto import KeyPair
from ledger.errors import BadSignature, TengeError, Unavailable
from ledger.types import Transaction
from ledger.validation import parse_transaction, validate_transaction
from node.inbox import Inbox
from node.ordering import BlockLog, CommitListener, LocalLog, Outcome
from node.verifier import BatchVerifier, Triple

log = logging.getLogger(__name__)


class BlockTiming(msgspec.Struct, frozen=True):
    """How long one block took in the committer stage, in milliseconds."""

    height: int
    txs: int
    rejected: int
    build_ms: float
    commit_ms: float
    cpu_ms: float = 0.0
    """The committer thread's CPU time for the block (build, commit, outcomes)."""


class Submission(msgspec.Struct, frozen=True):
    """A queued transaction; ``verified`` when the edge has checked its signatures."""

    payload: Transaction | bytes
    future: Future[Outcome]
    verified: bool = False


Checked = tuple[Transaction | TengeError, "Future[Outcome]"]
"""A submission after the stateless stage: the decoded transaction, or the error
that refuses it."""


VERIFIED_AHEAD = 1
"""Verified blocks that may wait for the committer (decision record 0019)."""


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
        verify_workers: int = 2,
        verify_mode: Literal["thread", "process"] = "thread",
        edge_registry: str | None = None,
        max_queue: int = 200_000,
        clock: Callable[[], int] = now_ms,
        log: BlockLog | None = None,
        lock: threading.Lock | None = None,
    ) -> None:
        """``log`` makes each block durable in its order before the local commit (the
        cluster's stream); a single node's synced batch is its own log. ``lock`` is held
        from building a block to committing it (a cluster node's follower takes it too)."""
        self.chain, self.key, self.clock = chain, key, clock
        self.log: BlockLog = log or LocalLog()
        self.lock = lock or threading.Lock()
        self.max_block, self.max_wait = max_block, max_wait_ms / 1000
        self._inbox: Inbox[Submission] = Inbox(max_queue)
        # One verified block waiting is enough to keep the committer busy (the verifier
        # checks the next one meanwhile); each more would only add a whole block to the
        # latency of every transaction behind it when a backlog forms.
        self._verified: queue.Queue[list[Checked] | None] = queue.Queue(VERIFIED_AHEAD)
        edge = (edge_registry, chain.network) if edge_registry else None
        self.verifier = BatchVerifier(verify_workers, verify_mode, edge)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.on_commit: list[CommitListener] = []
        self.timings: deque[BlockTiming] = deque(maxlen=100_000)

    # -- submission ------------------------------------------------------------

    def submit(self, tx: Transaction | bytes, verified: bool = False) -> Future[Outcome]:
        """Queue a decoded transaction, or raw JSON bytes to decode here.

        ``verified=True`` says the caller (the API edge) has already checked
        every stateless rule and signature, so the producer only orders it.
        """
        future: Future[Outcome] = Future()
        if self._stop.is_set():
            raise Unavailable(reason="the producer is stopping")
        if not self._inbox.put(Submission(tx, future, verified)):
            raise Unavailable(reason="the transaction queue is full")
        return future

    def queue_size(self) -> int:
        """Transactions waiting to be verified (approximate)."""
        return len(self._inbox)

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> Producer:
        """Start the edge workers, then the verifier and committer threads.

        A process pool spawns its workers on first use, and each builds its registry:
        a quarter of a second during which the first block, and every transaction
        submitted behind it, waited (decision record 0020)."""
        self.verifier.start_workers()
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
        self.verifier.close()

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

    def _take_batch(self) -> list[Submission]:
        return self._inbox.take(self.max_block, self.max_wait, idle_s=0.05)

    def _edge_envelope(self, item: Submission) -> bytes | None:
        """A raw envelope goes whole to the edge workers when they can check it."""
        payload = item.payload
        if self.verifier.checks_envelopes and isinstance(payload, bytes) and not item.verified:
            return payload
        return None

    def _verify(self, batch: list[Submission]) -> list[Checked]:
        edge: list[bytes] = []
        here: list[Submission] = []
        for item in batch:  # one pass: a block is thousands of submissions
            envelope = self._edge_envelope(item)
            if envelope is None:
                here.append(item)
            else:
                edge.append(envelope)
        if not here:  # the usual case: every envelope checked at the edge
            checked = self.verifier.check_envelopes(edge)
            return [(verdict, item.future) for verdict, item in zip(checked, batch, strict=True)]
        verdicts = iter(self.verifier.check_envelopes(edge))
        locally = iter(self._verify_here(here))
        return [
            (next(locally) if self._edge_envelope(item) is None else (next(verdicts), item.future))
            for item in batch
        ]

    def _verify_here(self, batch: list[Submission]) -> list[Checked]:
        decoded = [self._decode(item.payload, item.verified) for item in batch]
        to_check = [
            tx
            for tx, item in zip(decoded, batch, strict=True)
            if isinstance(tx, Transaction) and not item.verified
        ]
        triples: list[Triple] = [
            (bytes.fromhex(s.key), tx.message, bytes.fromhex(s.sig))
            for tx in to_check
            for s in tx.signatures
        ]
        verdicts = iter(self.verifier.verify(triples))
        refused: dict[int, TengeError] = {}
        for tx in to_check:
            bad = [s.key for s in tx.signatures if not next(verdicts)]
            if bad:
                refused[id(tx)] = BadSignature(key=bad[0])
        return [
            (refused.get(id(tx), tx), item.future) for tx, item in zip(decoded, batch, strict=True)
        ]

    def _decode(self, item: Transaction | bytes, verified: bool) -> Transaction | TengeError:
        chain = self.chain
        try:
            tx = parse_transaction(item, chain.registry) if isinstance(item, bytes) else item
            if not verified:
                validate_transaction(tx, chain.registry, chain.network, signatures=False)
        except TengeError as error:
            return error
        return tx

    def _commit_loop(self) -> None:
        while (batch := self._verified.get()) is not None:
            try:
                self._commit(batch)
            except Unavailable as error:  # e.g. a cluster producer fenced: retryable as it is
                log.warning("block not committed: %s", error)
                self._fail(batch, error)
            except Exception as error:  # a storage failure must not hang submitters
                log.exception("block commit failed")
                self._fail(batch, Unavailable(reason=f"commit failed: {error}"))

    @staticmethod
    def _fail(batch: list[Checked], error: Unavailable) -> None:
        for _, future in batch:
            if not future.done():
                future.set_exception(error)

    def _commit(self, batch: list[Checked]) -> None:
        cpu_started = time.thread_time()
        txs = [item for item, _ in batch if isinstance(item, Transaction)]
        with self.lock:
            started = time.perf_counter()
            built = self.chain.build(txs, self.clock(), self.key)
            built_at = time.perf_counter()
            if built.transactions:
                self.log.append(built)
                self.chain.commit(built)
            committed_at = time.perf_counter()
        verdicts = iter(built.verdicts)
        height = built.height
        outcomes: list[Outcome] = []
        for item, future in batch:
            outcome = outcome_of(
                item, height, item if isinstance(item, TengeError) else next(verdicts)
            )
            outcomes.append(outcome)
            future.set_result(outcome)
        timing = BlockTiming(
            height=height,
            txs=len(built.transactions),
            rejected=len(batch) - len(built.transactions),
            build_ms=(built_at - started) * 1000,
            commit_ms=(committed_at - built_at) * 1000,
            cpu_ms=(time.thread_time() - cpu_started) * 1000,
        )
        self.timings.append(timing)
        log.debug("block=%d txs=%d rejected=%d", height, timing.txs, timing.rejected)
        for listener in self.on_commit:
            listener(height, outcomes)


def outcome_of(item: Transaction | TengeError, height: int, verdict: Verdict) -> Outcome:
    """The outcome of one submission, from its block verdict."""
    txid = item.txid if isinstance(item, Transaction) else b""
    if isinstance(verdict, TengeError):
        return Outcome(txid=txid, error=verdict)
    return Outcome(txid=txid, height=height, index=verdict)


def produce_now(
    chain: Chain, key: KeyPair, txs: Sequence[Transaction], time_ms: int
) -> list[Outcome]:
    """Verify, check and commit one block synchronously (demos, tests, tools)."""
    checked: list[Transaction | TengeError] = []
    for tx in txs:
        try:
            validate_transaction(tx, chain.registry, chain.network)
            checked.append(tx)
        except TengeError as error:
            checked.append(error)
    built = chain.build([t for t in checked if isinstance(t, Transaction)], time_ms, key)
    if built.transactions:
        chain.commit(built)
    verdicts = iter(built.verdicts)
    return [
        Outcome(txid=tx.txid, error=item)
        if isinstance(item, TengeError)
        else outcome_of(item, built.height, next(verdicts))
        for tx, item in zip(txs, checked, strict=True)
    ]
