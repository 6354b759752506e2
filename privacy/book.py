"""The validator's limit book: each wallet's private holdings and today's private outflow.

Tier limits need running totals (the balance cap, the daily limit), and a
private payment may not write them where replicas read them. So the
validator keeps them in its own book: one entry per wallet, sealed with a
key only it holds (SecretBox), filed under a keyed hash of the wallet id
(HMAC-SHA-256), written in the same atomic batch as the block under
``schema.PRODUCER_LOCAL`` — outside the state digest, never replicated, never
served. Replays do not touch it. Anyone reading the producer's disk without
its key sees only which opaque entries change in which block.
"""

from __future__ import annotations

import hashlib
import hmac

from nacl.secret import SecretBox

from ledger.encoding import Wire, canonical, decode_json
from ledger.registry import Write
from ledger.state import StateView
from ledger.storage import schema

OPENED_LIMIT = 200_000
"""Opened boxes kept in memory at most (a few hundred bytes each)."""


class BookEntry(Wire, frozen=True):
    """One wallet's private totals, as the validator alone knows them."""

    balance: int = 0
    """Value the wallet holds in private notes, in tiyn (all tokens, as the balance cap counts)."""
    day: int = 0
    day_outflow: int = 0
    """Private outflow on ``day`` (Almaty), in tiyn."""

    def today(self, day: int) -> int:
        """Private outflow on ``day``."""
        return self.day_outflow if self.day == day else 0

    @property
    def empty(self) -> bool:
        return self.balance == 0 and self.day_outflow == 0


class SealedEntry(Wire, frozen=True):
    """A book entry as stored: SecretBox (nonce || ciphertext) as hex."""

    box: str


class LimitBook:
    """Reads and writes sealed entries through a block's state view."""

    def __init__(self, seal_key: bytes, tag_key: bytes) -> None:
        self._box = SecretBox(seal_key)
        self._tag_key = tag_key
        self._keys: dict[str, bytes] = {}  # wallet id -> storage key, computed once
        # Storage keys that may hold an entry: those stored when first asked, plus
        # every key written since (never removed), so a key in neither is
        # certainly empty and needs no read — most wallets never pay privately.
        self._stored: set[bytes] | None = None
        self._written: set[bytes] = set()
        # Sealed boxes this book wrote or opened, with what they hold: opening is a pure
        # function of the box, and the writer reads back each entry it wrote (decision 0023).
        self._opened: dict[str, BookEntry] = {}

    def _may_hold(self, state: StateView, key: bytes) -> bool:
        if self._stored is None:
            prefix = schema.producer_local_key("book", "")
            self._stored = {k for k, _ in state.store.iterate(prefix)}
        return key in self._written or key in self._stored

    def any_filed(self, state: StateView) -> bool:
        """False when no wallet has ever held or paid privately (nothing to combine)."""
        self._may_hold(state, b"")
        return bool(self._written or self._stored)

    def key_for(self, wallet_id: str) -> bytes:
        """Where a wallet's entry is filed: ``HMAC-SHA-256(tag key, wallet id)``."""
        found = self._keys.get(wallet_id)
        if found is None:
            tag = hmac.new(self._tag_key, wallet_id.encode(), hashlib.sha256).hexdigest()
            found = self._keys[wallet_id] = schema.producer_local_key("book", tag)
        return found

    def read(self, state: StateView, wallet_id: str) -> BookEntry:
        """The wallet's entry (empty when it never held or paid privately)."""
        key = self.key_for(wallet_id)
        if not self._may_hold(state, key):
            return BookEntry()
        sealed = state.read(key, SealedEntry)
        if sealed is None:
            return BookEntry()
        entry = self._opened.get(sealed.box)
        if entry is None:
            entry = decode_json(self._box.decrypt(bytes.fromhex(sealed.box)), BookEntry)
            self._remember(sealed.box, entry)
        return entry

    def write(self, wallet_id: str, entry: BookEntry) -> Write:
        """The sealed entry to store (a fresh random nonce each time)."""
        key = self.key_for(wallet_id)
        if entry.empty:
            return key, None
        self._written.add(key)
        sealed = SealedEntry(box=self._box.encrypt(canonical(entry)).hex())
        self._remember(sealed.box, entry)
        return key, sealed

    def _remember(self, box: str, entry: BookEntry) -> None:
        if len(self._opened) >= OPENED_LIMIT:  # boxes of blocks long committed or dropped
            self._opened.clear()
        self._opened[box] = entry
