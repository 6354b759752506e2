"""The cluster's ordering backend: one producer by lease, every node a replica of the stream.

Roles change only here. The lease holder runs the ordinary
:class:`~node.producer.Producer` whose :class:`~node.ordering.BlockLog` is the
stream: a block is published (quorum ack) before it is committed locally, and
a publish the stream fences (``Nats-Expected-Last-Sequence``: another producer
got there first) makes this node step down and never commit that block. Every
other node's follower applies the stream's blocks in order through
:meth:`Chain.replay` (the same code that built them), under the same lock the
producer holds from build to commit, so the two never write the chain at once.
Submissions reaching a follower are forwarded to the producer by NATS
request/reply; with no producer they are refused with a retryable 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

import msgspec
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout

from ledger.chain import BuiltBlock, Chain
from ledger.crypto import KeyPair
from ledger.encoding import canonical
from ledger.errors import InvalidBlock, ProducerUnavailable, TengeError, Unavailable
from ledger.types import Transaction
from node.cluster.engine import SUBMIT_SUBJECT, Engine, Fenced, OrderedBlock
from node.ordering import CommitListener, Outcome
from node.producer import Producer
from node.rpc import remote_error
from wire.core import Problem, SubmitResult

log = logging.getLogger("node.cluster")
FORWARD_TIMEOUT_S = 10.0


class ClusterOrdering:
    """The ``nats`` ordering backend of one node."""

    def __init__(
        self,
        chain: Chain,
        key: KeyPair,
        engine: Engine,
        *,
        max_block: int = 2000,
        max_wait_ms: int = 20,
        on_halt: Callable[[str], None] = lambda reason: None,
    ) -> None:
        self.chain, self.engine, self.on_halt = chain, engine, on_halt
        self.lock = threading.Lock()
        self.producer = Producer(
            chain, key, max_block=max_block, max_wait_ms=max_wait_ms, log=self, lock=self.lock
        )
        self.on_commit: list[CommitListener] = self.producer.on_commit
        self.ttl_s = engine.lease_ttl_s
        self.renew_s = self.ttl_s / 6
        self.producing = False
        self.revision = 0
        self.renewed_at = 0.0
        self.halted: str | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._submit_sub: Subscription | None = None
        self.holder: str | None = None
        """The lease holder as last read (every lease tick): where submissions go."""
        self._ordered = 0
        self._inflight: set[tuple[str | None, Future[Outcome]]] = set()
        self._answering: set[asyncio.Future[None]] = set()
        self.serve: Callable[[bytes], SubmitResult] = self._serve_unattached
        """How the producer answers a forwarded envelope: the node's service sets it
        (:meth:`attach`), so a forwarded resubmission is deduplicated like a local one."""

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> ClusterOrdering:
        self.producer.start()
        for target, name in ((self._follow, "follower"), (self._lease_loop, "lease")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Drain the producer (while this node may still produce), give the lease up, stop."""
        self.producer.stop()
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        if self.producing:
            self._step_down("stopping")
            self.engine.release_lease(self.revision)
        self.engine.stop()

    def attach(self, serve: Callable[[bytes], SubmitResult]) -> None:
        """``serve(envelope)`` submits and waits for the commit (``LedgerService``)."""
        self.serve = serve

    @staticmethod
    def _serve_unattached(envelope: bytes) -> SubmitResult:
        raise ProducerUnavailable(reason="the producer is still starting")

    # -- the Ordering protocol -----------------------------------------------------

    def submit(self, tx: Transaction | bytes, verified: bool = False) -> Future[Outcome]:
        """Ordered here when this node produces; forwarded to the producer otherwise."""
        if self.producing:
            return self.producer.submit(tx, verified)
        future: Future[Outcome] = Future()
        holder = self.holder
        if holder is None or holder == self.engine.node_id:
            future.set_exception(ProducerUnavailable(reason="no node holds the producer lease"))
            return future
        envelope = canonical(tx.envelope()) if isinstance(tx, Transaction) else tx
        txid = tx.txid if isinstance(tx, Transaction) else b""
        forwarding = asyncio.run_coroutine_threadsafe(
            self._forward(f"{SUBMIT_SUBJECT}.{holder}", envelope, txid), self.engine.bridge.loop
        )
        entry = (holder, forwarding)
        self._inflight.add(entry)
        forwarding.add_done_callback(lambda _: self._forwarded(entry, future))
        return future

    @property
    def role(self) -> str:
        """``producer``, ``follower``, or ``halted`` (a block did not replay here)."""
        return "halted" if self.halted else "producer" if self.producing else "follower"

    def queue_size(self) -> int:
        return self.producer.queue_size() + len(self._inflight)

    def clock(self) -> int:
        return self.producer.clock()

    def ordered_height(self, wanted: int) -> int:
        """The highest height the stream is known to hold (asked again when ``wanted``
        is beyond what this node saw: a client may come from a faster replica)."""
        if wanted > self._ordered:
            with contextlib.suppress(ProducerUnavailable):
                self._ordered = max(self._ordered, self.engine.last_height(timeout=1.0))
        return max(self._ordered, self.chain.tip.height)

    # -- the BlockLog the producer appends to --------------------------------------

    def append(self, built: BuiltBlock) -> None:
        """Publish before the local commit; a node without a fresh lease never appends."""
        if not self.producing or time.monotonic() - self.renewed_at > self.ttl_s * 0.8:
            self._step_down("the lease is not fresh")
            raise ProducerUnavailable(reason="this node no longer holds the producer lease")
        try:
            self.engine.append(built, self.chain.network, deadline_s=self.ttl_s)
        except Fenced as error:
            self._step_down(str(error))
            raise ProducerUnavailable(reason=f"fenced: {error}") from error

    # -- roles ---------------------------------------------------------------------

    def _lease_loop(self) -> None:
        while not self._stop.wait(self.renew_s):
            if self.producing:
                self._renew()
            elif self.halted is None:
                self._try_to_produce()
                if not self.producing:
                    self._holder_is(self.engine.lease_holder())

    def _holder_is(self, holder: str | None) -> None:
        """Forwards still waiting on a former holder are answered 503 at once: the client
        resends to the new one instead of waiting out a dead or stalled producer."""
        if holder == self.holder:
            return
        log.info("the producer lease moved from %s to %s", self.holder, holder)
        self.holder = holder
        for waiting in [f for target, f in list(self._inflight) if target != holder]:
            waiting.cancel()

    def _renew(self) -> None:
        if (lost := self._renewal_failed()) is not None:
            self._step_down(lost)

    def _renewal_failed(self) -> str | None:
        """Renew the lease; None once renewed, otherwise why this node no longer holds it."""
        asked = time.monotonic()
        revision = self.engine.renew_lease(self.revision)
        if revision is None:
            return "the lease was lost"
        if asked - self.renewed_at > self.ttl_s * 0.8:  # e.g. this process was stopped
            return "the lease went stale before its renewal"
        self.revision, self.renewed_at = revision, asked
        return None

    def _try_to_produce(self) -> None:
        asked = time.monotonic()
        revision = self.engine.take_lease()
        if revision is None:
            return
        self.revision, self.renewed_at = revision, asked
        log.info("%s holds the producer lease; catching up", self.engine.node_id)
        try:
            self._catch_up()
        except (ProducerUnavailable, TengeError) as error:
            log.warning("catch-up failed (%s); giving the lease up", error)
            self.engine.release_lease(self.revision)
            return
        with self.lock:
            self.producing = True
        self._submit_sub = self.engine.bridge.call(self._serve_submissions(), 5.0)
        log.info("%s produces from height %d", self.engine.node_id, self.chain.tip.height + 1)

    def _catch_up(self) -> None:
        """Apply every block the stream holds (renewing the lease on the way)."""
        target = self.engine.last_height()
        while self.chain.tip.height < target and not self._stop.is_set():
            self._apply_next()
            if time.monotonic() - self.renewed_at > self.renew_s and (
                lost := self._renewal_failed()
            ):
                raise ProducerUnavailable(reason=f"{lost} during catch-up")

    def _step_down(self, why: str) -> None:
        if not self.producing:
            return
        self.producing = False
        log.warning("%s stops producing: %s", self.engine.node_id, why)
        subscription, self._submit_sub = self._submit_sub, None
        if subscription is not None:
            asyncio.run_coroutine_threadsafe(subscription.unsubscribe(), self.engine.bridge.loop)

    # -- the follower --------------------------------------------------------------

    def _follow(self) -> None:
        while not self._stop.is_set() and self.halted is None:
            if self.producing:
                self._stop.wait(0.05)
                continue
            try:
                applied = self._apply_next()
            except ProducerUnavailable as error:
                log.info("follower waits for the stream: %s", error.reason)
                applied = False
            if not applied:
                self._stop.wait(0.02)

    def _apply_next(self) -> bool:
        """Apply the stream's block at the next height, if there is one; True if applied."""
        height = self.chain.tip.height + 1
        block = self.engine.block_at(height)
        if block is None:
            return False
        with self.lock:
            if self.producing or self.chain.tip.height + 1 != height:
                return False
            self._apply(block)
        return True

    def _apply(self, ordered: OrderedBlock) -> None:
        """Replay and commit one ordered block with the producer's sealed writes; a block
        this replica cannot reproduce halts it (it never serves state that differs)."""
        block = ordered.block
        height = block.header.height
        try:
            if not self.chain.verify_signature(block):
                raise InvalidBlock(height=height, reason="producer signature does not verify")
            built = self.chain.replay(block)
        except TengeError as error:
            self._halt(f"block {height} from the stream does not replay here: {error}")
            raise
        local = ordered.local_writes()
        if local:
            built = msgspec.structs.replace(built, changes={**built.changes, **local})
        self.chain.commit(built)
        self.chain.records.forget(local)
        outcomes = [Outcome(tx.txid, height, i) for i, tx in enumerate(built.transactions)]
        for listener in self.on_commit:
            listener(height, outcomes)

    def _halt(self, reason: str) -> None:
        self.halted = reason
        log.critical("REPLICA HALTED: %s", reason)
        self.on_halt(reason)

    # -- forwarding ----------------------------------------------------------------

    def _forwarded(
        self, entry: tuple[str | None, Future[Outcome]], future: Future[Outcome]
    ) -> None:
        """A forward ended: answered, failed, or cancelled because the lease moved on."""
        self._inflight.discard(entry)
        forwarding = entry[1]
        if forwarding.cancelled():
            future.set_exception(ProducerUnavailable(reason="the producer changed: resend"))
        elif (error := forwarding.exception()) is not None:
            future.set_exception(error)
        else:
            future.set_result(forwarding.result())

    async def _forward(self, subject: str, envelope: bytes, txid: bytes) -> Outcome:
        """The producer's answer; :class:`ProducerUnavailable` for anything retryable."""
        try:
            reply = await self.engine.nc.request(subject, envelope, timeout=FORWARD_TIMEOUT_S)
            answer = msgspec.msgpack.decode(reply.data, type=SubmitResult)
        except NoRespondersError as error:  # the holder died: its lease has not expired yet
            raise ProducerUnavailable(reason="the lease holder does not answer") from error
        except (TimeoutError, NatsTimeout) as error:
            raise ProducerUnavailable(reason="the producer did not answer in time") from error
        except Exception as error:  # a closed connection: the caller retries
            raise ProducerUnavailable(reason=f"forwarding failed: {error}") from error
        outcome = outcome_of_answer(txid, answer)
        if isinstance(outcome.error, Unavailable):  # retryable: a resend re-queues it
            raise outcome.error
        return outcome

    async def _serve_submissions(self) -> Subscription:
        subject = f"{SUBMIT_SUBJECT}.{self.engine.node_id}"
        return await self.engine.nc.subscribe(subject, cb=self._on_forwarded)

    async def _on_forwarded(self, message: Msg) -> None:
        task = asyncio.ensure_future(self._answer(message))
        self._answering.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(self._answering.discard)

    async def _answer(self, message: Msg) -> None:
        loop = asyncio.get_running_loop()
        try:
            answer = await loop.run_in_executor(None, self.serve, message.data)
        except TengeError as error:
            answer = SubmitResult("", "rejected", problem=Problem.of(error))
        await message.respond(msgspec.msgpack.encode(answer))


def outcome_of_answer(txid: bytes, answer: SubmitResult) -> Outcome:
    """The follower's outcome of a forwarded submission, from the producer's answer; one
    still pending there (or refused as retryable) is a 503 for the client to resend."""
    if answer.status == "committed" and answer.height is not None:
        return Outcome(txid, answer.height, answer.index if answer.index is not None else -1)
    if answer.problem is None:
        return Outcome(txid, error=ProducerUnavailable(reason="not committed in time: resend"))
    return Outcome(txid, error=remote_error(answer.problem))
