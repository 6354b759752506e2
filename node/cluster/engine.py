"""What the ledger keeps in JetStream: the block stream, the producer lease, the block log.

All calls run on the :class:`~node.cluster.bridge.LoopThread`; the methods here are
synchronous and raise :class:`~api.errors.ProducerUnavailable` (a retryable 503) when
the engine cannot be reached in time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
import nats
from nats.aio.client import Client
from nats.js import JetStreamContext, api
from nats.js.errors import APIError, KeyWrongLastSequenceError, NotFoundError
from nats.js.kv import KeyValue

from ledger.encoding import canonical, decode_json
from ledger.errors import ProducerUnavailable
from ledger.storage.schema import PRODUCER_LOCAL
from ledger.types import Block
from node.cluster.bridge import LoopThread

if TYPE_CHECKING:
    from ledger.chain import BuiltBlock

T = TypeVar("T")
log = logging.getLogger("node.cluster")
STREAM, SUBJECT = "TENGE_BLOCKS", "tenge.blocks"
LEASE_BUCKET, LEASE_KEY = "tenge_lease", "producer"
SUBMIT_SUBJECT = "tenge.submit"
WRONG_LAST_SEQUENCE = 10071
"""JetStream's error code for a publish whose Nats-Expected-Last-Sequence is not the tip."""


class Fenced(Exception):
    """The stream has moved past this node's tip: it may not append (another producer did)."""


class OrderedBlock(msgspec.Struct, frozen=True):
    """One stream message: the block every replica applies, and the producer's own sealed
    writes of that block (``schema.PRODUCER_LOCAL``: the privacy limit book), so whichever
    node produces next holds the same book. Those writes are outside the state digest;
    they are sealed with the validator's key, which every replica of the cluster holds."""

    block: Block
    local: dict[str, str | None] = {}
    """hex(key) -> hex(value), or None for a deletion."""

    @classmethod
    def of(cls, built: BuiltBlock) -> OrderedBlock:
        local = {
            key.hex(): None if value is None else bytes(value).hex()
            for key, value in built.changes.items()
            if key[:1] == PRODUCER_LOCAL
        }
        return cls(built.block, local)

    def local_writes(self) -> dict[bytes, bytes | None]:
        return {
            bytes.fromhex(key): None if value is None else bytes.fromhex(value)
            for key, value in self.local.items()
        }


class LeaseView(msgspec.Struct, frozen=True):
    """Who holds the lease, as the KV key says."""

    node_id: str
    revision: int


class Engine:
    """One node's connection to the JetStream cluster."""

    def __init__(self, servers: list[str], node_id: str, lease_ttl_s: float = 3.0) -> None:
        self.servers, self.node_id, self.lease_ttl_s = servers, node_id, lease_ttl_s
        self.bridge = LoopThread()
        self.closing = False
        self.nc: Client
        self.js: JetStreamContext
        self.kv: KeyValue

    def start(self, timeout: float = 60.0) -> Engine:
        """Connect, and make the stream and the lease bucket (idempotent on every node)."""
        self.bridge.call(self._start(), timeout)
        return self

    async def _start(self) -> None:
        self.nc = await nats.connect(
            servers=self.servers,
            name=self.node_id,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.2,
            connect_timeout=2,
            error_cb=self._on_error,
            disconnected_cb=self._on_disconnected,
            reconnected_cb=self._on_reconnected,
        )
        self.js = self.nc.jetstream(timeout=5)
        config = api.StreamConfig(
            name=STREAM,
            subjects=[SUBJECT],
            storage=api.StorageType.FILE,
            num_replicas=3,
            retention=api.RetentionPolicy.LIMITS,
            discard=api.DiscardPolicy.OLD,
            allow_direct=True,
            duplicate_window=120.0,
        )
        self.kv = await self._retry(lambda: self._bucket(LEASE_BUCKET, self.lease_ttl_s))
        await self._retry(lambda: self._stream(config))

    async def _on_error(self, error: Exception) -> None:
        log.info("nats: %s", error or type(error).__name__)  # a server went away: it reconnects

    async def _on_disconnected(self) -> None:
        if not self.closing:
            log.warning("%s lost its nats server; reconnecting", self.node_id)

    async def _on_reconnected(self) -> None:
        log.warning("%s reconnected to %s", self.node_id, self.nc.connected_url)

    def bucket(self, name: str, ttl_s: float) -> KeyValue:
        """A replicated KV bucket (R3, file storage), made by whichever node asks first."""
        return self.bridge.call(self._retry(lambda: self._bucket(name, ttl_s)), 60.0)

    async def _bucket(self, name: str, ttl_s: float) -> KeyValue:
        try:
            return await self.js.key_value(name)
        except Exception:  # not there yet: every node offers the same bucket
            config = api.KeyValueConfig(
                bucket=name,
                history=1,
                ttl=ttl_s,
                storage=api.StorageType.FILE,
                replicas=3,
            )
            return await self.js.create_key_value(config)

    async def _stream(self, config: api.StreamConfig) -> None:
        try:
            await self.js.stream_info(STREAM)
        except NotFoundError:
            await self.js.add_stream(config)

    @staticmethod
    async def _retry(attempt: Callable[[], Awaitable[T]], seconds: float = 50.0) -> T:
        """Retry an API call during the cluster's elections (servers still starting)."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                return await attempt()
            except Exception as error:
                if time.monotonic() > deadline:
                    raise
                log.info("jetstream not ready (%s); retrying", error)
                await asyncio.sleep(0.5)

    def stop(self) -> None:
        self.closing = True
        try:
            self.bridge.call(self.nc.close(), 5)
        except Exception:  # closing after the servers died
            log.info("nats connection closed uncleanly")
        self.bridge.stop()

    # -- the stream --------------------------------------------------------------

    def last_height(self, timeout: float = 5.0) -> int:
        """The stream's last sequence: the height of the last ordered block."""
        return self._call(self._last_height(), timeout)

    async def _last_height(self) -> int:
        info = await self.js.stream_info(STREAM)
        return int(info.state.last_seq)

    def block_at(self, height: int, timeout: float = 5.0) -> OrderedBlock | None:
        """The ordered block at ``height`` (None if the stream has not reached it)."""
        raw: bytes | None = self._call(self._block_at(height), timeout)
        return None if raw is None else decode_json(raw, OrderedBlock)

    async def _block_at(self, height: int) -> bytes | None:
        try:
            message = await self.js.get_msg(STREAM, seq=height, direct=True)
        except NotFoundError:
            return None
        return message.data

    def append(self, built: BuiltBlock, network: str, deadline_s: float) -> None:
        """Publish the block at its height; return once the quorum stored it.

        The same bytes and ``Nats-Msg-Id`` are sent again while the stream elects a
        leader (a retry of a publish that did land is acknowledged as a duplicate).
        """
        header = built.block.header
        headers = {
            "Nats-Msg-Id": header.block_hash(network).hex(),
            "Nats-Expected-Last-Sequence": str(header.height - 1),
        }
        payload = canonical(OrderedBlock.of(built))
        deadline = time.monotonic() + deadline_s
        while True:
            try:
                ack: api.PubAck = self._call(
                    self.js.publish(SUBJECT, payload, timeout=2.0, headers=headers), 3.0
                )
                break
            except APIError as error:
                if error.err_code == WRONG_LAST_SEQUENCE:
                    raise Fenced(f"the stream is past height {header.height - 1}") from error
                failure: Exception = error
            except (ProducerUnavailable, nats.errors.Error) as error:
                failure = error
            if time.monotonic() > deadline:
                raise ProducerUnavailable(reason=f"the block stream did not store: {failure}")
            time.sleep(0.1)
        if ack.seq != header.height:
            raise Fenced(f"block {header.height} was stored at sequence {ack.seq}")

    # -- the lease ---------------------------------------------------------------

    def take_lease(self) -> int | None:
        """Create the lease key if nobody holds it; its revision, or None."""
        try:
            return self._call(self.kv.create(LEASE_KEY, self.node_id.encode()), 3.0)
        except (APIError, nats.errors.Error, ProducerUnavailable):
            return None

    def renew_lease(self, revision: int) -> int | None:
        """Compare-and-set the lease at ``revision``; the new revision, or None if lost."""
        try:
            return self._call(self.kv.update(LEASE_KEY, self.node_id.encode(), last=revision), 2.0)
        except KeyWrongLastSequenceError:
            return None
        except (APIError, nats.errors.Error, ProducerUnavailable):
            return None

    def release_lease(self, revision: int) -> None:
        """Give the lease up on a clean stop, so another node need not wait for the TTL."""
        try:
            self._call(self.kv.delete(LEASE_KEY, last=revision), 2.0)
        except (APIError, nats.errors.Error, ProducerUnavailable):
            log.info("lease not released (it expires by its TTL)")

    def lease_holder(self) -> str | None:
        try:
            entry = self._call(self.kv.get(LEASE_KEY), 2.0)
        except (APIError, nats.errors.Error, ProducerUnavailable):
            return None
        value = getattr(entry, "value", None)
        return value.decode() if value else None

    # -- plain messages ----------------------------------------------------------

    def _call(self, coroutine: Coroutine[Any, Any, T], timeout: float) -> T:
        try:
            return self.bridge.call(coroutine, timeout)
        except TimeoutError as error:
            raise ProducerUnavailable(reason="the NATS cluster did not answer in time") from error
