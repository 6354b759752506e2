"""Signed-read nonces that outlive the process: each (key, nonce) is accepted once.

A signed read carries a nonce; the node accepts it once within the signature's
time window. The book keeps the nonces it has seen in memory for speed and in
the writer's store (a node-local prefix, outside the state digest; only a
hash of each pair, so the store does not record who read when) so that a
restart, even after ``kill -9``, cannot open a replay window: the store write
precedes the answer. It is not fsynced: a killed process loses nothing (the
operating system holds the write), a power cut may lose the last moments'
nonces — a replay then still needs a captured request less than the window
old. Entries older than the window are dropped as new ones arrive.
"""

from __future__ import annotations

import hashlib
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol

from ledger.storage import KeyValueStore, schema

_MS = struct.Struct(">Q")


def claim_id(key: str, nonce: str) -> bytes:
    """What is kept of a claim: 16 bytes of SHA-256, so the store names no signer."""
    return hashlib.sha256(key.encode() + b"\x00" + nonce.encode()).digest()[:16]


def nonce_key(claimed_ms: int, claim: bytes) -> bytes:
    """``N | claimed_ms(8) | claim id(16)``: in claim order, so expiry walks the front."""
    return schema.NONCES + _MS.pack(claimed_ms) + claim


class NonceClaims(Protocol):
    """Who decides that a signed read's nonce is fresh (one node's book, or the cluster's)."""

    def claim(self, key: str, nonce: str, window_s: float) -> bool: ...


class NonceBook:
    """The (key, nonce) pairs claimed within the window, in memory and in the store."""

    def __init__(self, store: KeyValueStore, clock: Callable[[], float] = time.time) -> None:
        self.store, self.clock = store, clock
        self._lock = threading.Lock()
        self._seen: OrderedDict[bytes, int] = OrderedDict()
        self._load()

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def _load(self) -> None:
        """Every stored claim (the next claim drops those older than its window)."""
        for raw, _ in self.store.iterate(schema.NONCES):
            self._seen[raw[1 + _MS.size :]] = _MS.unpack_from(raw, 1)[0]

    def claim(self, key: str, nonce: str, window_s: float) -> bool:
        """True the first time ``(key, nonce)`` is seen within the last ``window_s`` seconds."""
        now = self._now_ms()
        with self._lock:
            expired = self._expire(now - int(window_s * 1000))
            claim = claim_id(key, nonce)
            if claim in self._seen:
                return False
            self._seen[claim] = now
            self.store.write_batch({**expired, nonce_key(now, claim): b""}, sync=False)
            return True

    def _expire(self, oldest: int) -> dict[bytes, bytes | None]:
        gone: dict[bytes, bytes | None] = {}
        while self._seen:
            claim, claimed = next(iter(self._seen.items()))
            if claimed >= oldest:
                break
            self._seen.popitem(last=False)
            gone[nonce_key(claimed, claim)] = None
        return gone
