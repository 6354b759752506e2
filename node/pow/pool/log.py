"""The pool's published share log: every job, share and block, hash-chained.

Entries are canonical JSON, one per line when written out. Each entry's
``seq`` is its position; the log's head after an entry is
``SHA-256(DOMAIN_SHARE_LOG || previous head || canonical(entry))`` (32 zero
bytes before the first), so a log published at two times shows whether the
pool rewrote what it had already published. Jobs carry their coinbase and
the other Merkle leaves, so a reader checks that a share's header is a job
of that very miner, signed by the pool.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from ledger.crypto import sha256
from ledger.encoding import Hex32, Wire, canonical, decoder_for
from node.pow.coinbase import Coinbase
from node.pow.pool.shares import Job

DOMAIN_SHARE_LOG = b"KZT-POW/share-log/v1\x00"
Seq = Annotated[int, msgspec.Meta(ge=0)]


class JobEntry(Wire, frozen=True, tag="job", tag_field="type"):
    """A job the pool gave a miner, with what its header's Merkle root commits to."""

    seq: Seq
    job: Job
    coinbase: Coinbase
    leaves: tuple[Hex32, ...] = ()
    """The Merkle leaves after the coinbase: reward spend ids, then txids."""


class ShareEntry(Wire, frozen=True, tag="share", tag_field="type"):
    """A share the pool accepted."""

    seq: Seq
    job_id: int
    worker: Hex32
    nonce: int


class BlockEntry(Wire, frozen=True, tag="block", tag_field="type"):
    """A share that was a block, published on the chain."""

    seq: Seq
    share_seq: Annotated[int, msgspec.Meta(description="the share that found it")]
    height: int
    block_hash: Hex32
    reward: Annotated[int, msgspec.Meta(description="the coinbase's value, base units")]


Entry = JobEntry | ShareEntry | BlockEntry


def next_head(head: bytes, entry: Entry) -> bytes:
    """The log's head after ``entry``."""
    return sha256(DOMAIN_SHARE_LOG + head + canonical(entry))


class ShareLog:
    """The entries in order and the running head."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.head = bytes(32)

    def add(self, entry: Entry) -> None:
        """Append an entry whose ``seq`` is the next position."""
        if entry.seq != len(self.entries):
            raise ValueError(f"entry {entry.seq} out of order at {len(self.entries)}")
        self.entries.append(entry)
        self.head = next_head(self.head, entry)

    def encode(self) -> bytes:
        """The published form: one canonical JSON entry per line."""
        return b"".join(canonical(e) + b"\n" for e in self.entries)


def decode_log(data: bytes) -> list[Entry]:
    """The entries of a published log."""
    decoder = decoder_for(Entry)
    return [decoder.decode(line) for line in data.splitlines() if line]


def head_of(entries: list[Entry]) -> bytes:
    """The head a published log ends at."""
    head = bytes(32)
    for entry in entries:
        head = next_head(head, entry)
    return head
