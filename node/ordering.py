"""The ordering seam: how verified transactions get the one order every replica applies.

A backend takes transactions that passed the edge's stateless checks and
reports, for each, the outcome of its block: committed at a height and index,
or refused with a specific error. The node's service (:mod:`node.service`)
sees only this protocol, so the same API serves every backend:

- ``local`` — :class:`node.producer.Producer`, the in-process sequencer of a
  single node; the synced LevelDB batch of each block is the log (``make run``);
- ``nats`` — the replicated ledger (``node/cluster/``): the producer publishes
  each block to a JetStream stream before committing it, every replica
  applies it;
- ``pow`` — :class:`node.pow.ordering.PowOrdering`, the proof-of-work
  comparator: competing miners order the same transactions, and an outcome is
  final at six confirmations.

A producing backend makes each block durable in its order through a
:class:`BlockLog` before it commits the block locally: nothing for the local
backend, the JetStream quorum for the cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Protocol

import msgspec

from ledger.errors import TengeError
from ledger.types import Transaction

if TYPE_CHECKING:
    from ledger.chain import BuiltBlock


class Outcome(msgspec.Struct, frozen=True):
    """What became of one submitted transaction."""

    txid: bytes
    height: int = 0
    index: int = -1
    error: TengeError | None = None

    @property
    def committed(self) -> bool:
        return self.error is None


CommitListener = Callable[[int, Sequence[Outcome]], None]
"""Called with a block's height and the outcome of every transaction it settled."""


class Ordering(Protocol):
    """An ordering backend, as the node's service uses it."""

    on_commit: list[CommitListener]

    def submit(self, tx: Transaction | bytes, verified: bool = False) -> Future[Outcome]:
        """Queue a transaction (or its envelope bytes); the future resolves at its block."""
        ...

    def queue_size(self) -> int:
        """Transactions waiting for a block (approximate)."""
        ...

    def clock(self) -> int:
        """The backend's time in Unix milliseconds (the next block's time, at least)."""
        ...

    def stop(self) -> None:
        """Settle or refuse what is queued, then stop."""
        ...


class BlockLog(Protocol):
    """Where a producer's blocks become durable in their order, before the local commit."""

    def append(self, built: BuiltBlock) -> None:
        """Return once the block is durable at its height; raise to refuse the block."""
        ...


class LocalLog:
    """The single node's log is its own store: the block's synced batch is the append."""

    def append(self, built: BuiltBlock) -> None:
        return None
