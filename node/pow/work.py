"""Proof-of-work arithmetic: double SHA-256, targets, work, and retargeting.

A header's hash is read as a 256-bit big-endian integer; the header is valid
when that integer is at most the header's target. Work is the expected number
of hashes to find such a header, ``2**256 // (target + 1)``, and the best chain
is the one with the most cumulative work, not the most blocks.
"""

from __future__ import annotations

import hashlib


def sha256d(data: bytes) -> bytes:
    """SHA-256 applied twice, as in Bitcoin's headers."""
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def hash_value(block_hash: bytes) -> int:
    """A 32-byte hash as an integer (big-endian)."""
    return int.from_bytes(block_hash, "big")


def meets_target(block_hash: bytes, target: int) -> bool:
    """True when the hash, as an integer, is at most ``target``."""
    return hash_value(block_hash) <= target


def block_work(target: int) -> int:
    """Expected hashes to find a header meeting ``target``."""
    return (1 << 256) // (target + 1)


def target_for_hashes(expected_hashes: int, pow_limit: int) -> int:
    """The target a block needs so that it takes ``expected_hashes`` on average."""
    return max(1, min(pow_limit, (1 << 256) // max(1, expected_hashes) - 1))


def retarget(
    old_target: int, actual_ms: int, expected_ms: int, max_factor: int, pow_limit: int
) -> int:
    """The next target: scaled by actual/expected time, clamped, capped at the limit.

    The measured timespan is clamped to ``[expected / max_factor, expected *
    max_factor]`` first (Bitcoin's rule), so one adjustment moves the target by
    at most that factor either way; the result never exceeds ``pow_limit``.
    """
    span = min(max(actual_ms, expected_ms // max_factor), expected_ms * max_factor)
    return max(1, min(pow_limit, old_target * span // expected_ms))


def difficulty(target: int, pow_limit: int) -> float:
    """How many times harder than the easiest target (for humans only)."""
    return pow_limit / target
