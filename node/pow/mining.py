"""Real hashing: search nonces until SHA-256d(header) is at most the target.

The 112-byte header prefix is hashed once per template; each attempt copies
that midstate, appends the 8-byte nonce and hashes the result again.
"""

from __future__ import annotations

import hashlib
import time

import msgspec

from node.pow.block import PowBlock
from node.pow.params import LOCAL_POW_LIMIT
from node.pow.work import target_for_hashes

_NONCE_BYTES = 8


def grind(prefix: bytes, target: int, start: int, count: int) -> int | None:
    """The first nonce in ``[start, start + count)`` that meets ``target``, or None."""
    base = hashlib.sha256(prefix)
    sha = hashlib.sha256
    limit = target.to_bytes(32, "big")
    for nonce in range(start, start + count):
        attempt = base.copy()
        attempt.update(nonce.to_bytes(_NONCE_BYTES, "big"))
        if sha(attempt.digest()).digest() <= limit:
            return nonce
    return None


def mine(block: PowBlock, start: int = 0, max_tries: int = 10_000_000) -> PowBlock:
    """The block with a nonce that meets its target (for tests and tools)."""
    header = block.header
    nonce = grind(header.prefix(), header.target_int, start, max_tries)
    if nonce is None:
        raise RuntimeError(f"no nonce found in {max_tries} tries")
    return with_nonce(block, nonce)


def with_nonce(block: PowBlock, nonce: int) -> PowBlock:
    """The block with ``nonce`` in its header."""
    return msgspec.structs.replace(block, header=msgspec.structs.replace(block.header, nonce=nonce))


def measure_hashrate(seconds: float = 0.3) -> float:
    """Hashes per second one process achieves with :func:`grind` on this machine."""
    prefix = bytes(112)
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        grind(prefix, 0, done, 20_000)
        done += 20_000
    return done / (time.perf_counter() - started)


def calibrated_target(
    hashes_per_s: float, interval_ms: int, pow_limit: int = LOCAL_POW_LIMIT
) -> int:
    """The target that makes ``hashes_per_s`` find one block per interval on average."""
    return target_for_hashes(int(hashes_per_s * interval_ms / 1000), pow_limit)
