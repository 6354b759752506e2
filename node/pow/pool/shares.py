"""Jobs and shares: the work a pool hands out and what comes back.

A job is a block template's header (the coinbase inside names the worker,
so each miner's nonce space is its own) and the pool's share target. A share
is a nonce whose SHA-256d over that header is at most the share target; the
expected work behind one share is ``block_work(share_target)``, the same for
every miner, so counting shares counts computing power.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

import msgspec

from ledger.encoding import Hex32, Wire
from node.pow.block import MAX_NONCE, PowHeader

_NONCE_BYTES = 8


class Job(Wire, frozen=True):
    """One piece of work for one licensed miner."""

    job_id: Annotated[int, msgspec.Meta(ge=1, description="the pool's job number")]
    worker: Annotated[Hex32, msgspec.Meta(description="the licensed miner it is for")]
    header: PowHeader
    share_target: Annotated[Hex32, msgspec.Meta(description="the pool's (easier) target")]

    @property
    def share_target_int(self) -> int:
        return int(self.share_target, 16)


class Share(Wire, frozen=True):
    """A miner's answer: a nonce for one of its jobs."""

    job_id: Annotated[int, msgspec.Meta(ge=1)]
    worker: Hex32
    nonce: Annotated[int, msgspec.Meta(ge=0, le=MAX_NONCE)]


def share_hash(header: PowHeader, nonce: int) -> bytes:
    """SHA-256d of the header with ``nonce``: the block hash the share would give."""
    return msgspec.structs.replace(header, nonce=nonce).block_hash()


def grind_shares(prefix: bytes, share_target: int, start: int, count: int) -> list[int]:
    """Every nonce in ``[start, start + count)`` whose hash meets ``share_target``."""
    base = hashlib.sha256(prefix)
    sha = hashlib.sha256
    limit = share_target.to_bytes(32, "big")
    found = []
    for nonce in range(start, start + count):
        attempt = base.copy()
        attempt.update(nonce.to_bytes(_NONCE_BYTES, "big"))
        if sha(attempt.digest()).digest() <= limit:
            found.append(nonce)
    return found
