"""The ledger state as seen while a block is built, and the state digest.

A :class:`StateView` reads through to a store and keeps the writes of one
block in memory; nothing reaches the store until the whole block is checked
and committed in one batch. Within the block, each transaction runs in its own
journal (:meth:`StateView.begin`, :meth:`StateView.rollback`) so a transaction
that fails leaves no trace.

Reads are decoded once and kept in a :class:`RecordCache`. A view of its own
keeps them for its lifetime; the chain hands its views one cache that outlives
the block (records read from the store, and the records of every block it
committed), so the next block finds the wallets, key owners and recent outputs
it needs already decoded. That is sound because the chain is the only writer
of the state it reads: records are frozen values, and a key's cached value is
replaced only after the block that wrote it is on disk.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterable
from typing import Any, TypeVar

import msgspec

from ledger.encoding import decoder_for, encoder
from ledger.records import BankRecord, KeyOwner, SupplyRecord, TxLocation, WalletRecord
from ledger.storage import KeyValueStore
from ledger.storage import schema as s
from ledger.types import Genesis, Output, TierLimits

T = TypeVar("T", bound=msgspec.Struct)
Value = msgspec.Struct | bytes
MISSING: Any = object()
"""What a :class:`RecordCache` answers for a key it does not hold."""


class RecordCache(dict[bytes, Any]):
    """Decoded committed records by key (None for an absent key), in two generations.

    The cache itself is the young generation (a dict, so a hit costs one lookup).
    Once a committed block leaves it holding ``limit`` entries, its entries become
    the old generation and the previous old one is dropped: at most about twice
    ``limit`` entries are kept, and a record read again moves back to the young one.
    """

    def __init__(self, limit: int = 1 << 62) -> None:
        super().__init__()
        self.limit = limit
        self._old: dict[bytes, Any] = {}

    def __missing__(self, key: bytes) -> Any:
        value = self._old.get(key, MISSING)
        if value is not MISSING:
            self[key] = value
        return value

    def forget(self, keys: Iterable[bytes]) -> None:
        """Drop ``keys`` (written to the store behind the cache's back): read them again."""
        for key in keys:
            self.pop(key, None)
            self._old.pop(key, None)

    def committed(self, records: dict[bytes, Any]) -> None:
        """Keep what a committed block wrote."""
        self.update(records)
        if len(self) >= self.limit:
            self._old = dict(self)
            self.clear()


class StateView:
    """Read-through view over a store that collects one block's writes."""

    def __init__(self, store: KeyValueStore, cache: RecordCache | None = None) -> None:
        """``cache``: decoded committed records shared across blocks (the chain's)."""
        self.store = store
        self._writes: dict[bytes, Value | None] = {}
        """The writes of the block's transactions that passed."""
        self._journal: dict[bytes, Value | None] = {}
        """The writes of the transaction being checked, until the next :meth:`begin`."""
        self._cache = RecordCache() if cache is None else cache
        # Storage keys looked up in this view: a block asks for the same few many times.
        self._owner_keys: dict[str, bytes] = {}
        self._wallet_keys: dict[str, bytes] = {}
        self._limits_keys: dict[str, bytes] = {}

    # -- generic access --------------------------------------------------------

    def read(self, key: bytes, type_: type[T]) -> T | None:
        """The record under ``key`` decoded as ``type_``, or None."""
        value: Any = self._journal.get(key, MISSING)
        if value is MISSING:
            value = self._writes.get(key, MISSING)
            if value is MISSING:
                value = self._cache[key]
                if value is MISSING:
                    raw = self.store.get(key)
                    value = None if raw is None else decoder_for(type_).decode(raw)
                    self._cache[key] = value
        return value  # type: ignore[no-any-return]

    def exists(self, key: bytes) -> bool:
        """True when a value is present under ``key``."""
        value = self._journal.get(key, MISSING)
        if value is MISSING:
            value = self._writes.get(key, MISSING)
        if value is MISSING:
            value = self._cache[key]
        if value is not MISSING:
            return value is not None
        return self.store.get(key) is not None

    def write(self, key: bytes, value: Value | None) -> None:
        """Record a new value (a record, raw bytes for index entries, None to delete)."""
        self._journal[key] = value

    def journal(self) -> dict[bytes, Value | None]:
        """The open transaction's writes, for a fast path that writes many keys at once:
        storing into it is :meth:`write` (the dict is replaced at the next :meth:`begin`)."""
        return self._journal

    def delete(self, key: bytes) -> None:
        """Record the removal of ``key``."""
        self._journal[key] = None

    def begin(self) -> None:
        """Keep the writes so far and open the journal of the next transaction: its writes
        can be undone until the next ``begin``. (Two methods, not a context manager: this
        runs for every transaction.)"""
        if self._journal:
            self._writes.update(self._journal)
            self._journal = {}

    def rollback(self) -> None:
        """Undo every write since :meth:`begin`."""
        self._journal = {}

    def _settled(self) -> dict[bytes, Value | None]:
        self.begin()
        return self._writes

    def changes(self) -> dict[bytes, bytes | None]:
        """The block's writes as bytes, ready for one atomic batch."""
        encode = encoder.encode
        return {
            k: v if v is None or type(v) is bytes else encode(v) for k, v in self._settled().items()
        }

    def records(self) -> dict[bytes, Any]:
        """The block's writes the chain reads back (state, not derived indexes), decoded."""
        cached = s.CACHED_PREFIXES
        return {k: v for k, v in self._settled().items() if k[0] in cached}

    # -- typed records ---------------------------------------------------------

    def output(self, txid: bytes, index: int) -> Output | None:
        return self.read(s.output_key(txid, index), Output)

    def tx_location(self, txid: bytes) -> TxLocation | None:
        return self.read(s.tx_key(txid), TxLocation)

    def key_owner(self, public_hex: str) -> KeyOwner | None:
        key = self._owner_keys.get(public_hex)
        if key is None:
            key = self._owner_keys[public_hex] = s.key_owner_key(bytes.fromhex(public_hex))
        return self.read(key, KeyOwner)

    def wallet(self, wallet_id: str) -> WalletRecord | None:
        key = self._wallet_keys.get(wallet_id)
        if key is None:
            key = self._wallet_keys[wallet_id] = s.wallet_key(wallet_id)
        return self.read(key, WalletRecord)

    def bank(self, bank_id: str) -> BankRecord | None:
        return self.read(s.bank_key(bank_id), BankRecord)

    def supply(self, token: str) -> SupplyRecord:
        return self.read(s.supply_key(token), SupplyRecord) or SupplyRecord()

    def limits(self, tier: str) -> TierLimits:
        key = self._limits_keys.get(tier)
        if key is None:
            key = self._limits_keys[tier] = s.limits_key(tier)
        return self.read(key, TierLimits) or TierLimits()

    def genesis(self) -> Genesis:
        found = self.read(s.GENESIS, Genesis)
        if found is None:
            raise LookupError("state holds no genesis; initialise the chain first")
        return found

    def put_wallet(self, wallet: WalletRecord) -> None:
        self.write(s.wallet_key(wallet.wallet_id), wallet)

    def put_bank(self, bank: BankRecord) -> None:
        self.write(s.bank_key(bank.bank_id), bank)

    def put_key_owner(self, public_hex: str, owner: KeyOwner) -> None:
        self.write(s.key_owner_key(bytes.fromhex(public_hex)), owner)

    def write_supply(self, token: str, supply: SupplyRecord) -> None:
        self.write(s.supply_key(token), supply)


_U32 = struct.Struct(">I")
_DELETED = b"\x00"
_SHORT = [_U32.pack(n) for n in range(4096)]
"""``len u32`` of every length a key or a record usually has, packed once."""


def writes_digest(changes: dict[bytes, bytes | None]) -> bytes:
    """SHA-256 over the consensus writes, sorted by key.

    Each entry is ``len(key) u32 || key`` followed by ``0x00`` for a deletion
    or ``0x01 || len(value) u32 || value`` for a put.
    """
    consensus = s.CONSENSUS_PREFIXES
    # Only the consensus keys are sorted: the derived indexes are most of a block's writes.
    keys = sorted([k for k in changes if k[0] in consensus])
    digest = hashlib.sha256()
    update, short = digest.update, _SHORT  # one update per entry: no joined copy of the block
    for k in keys:
        v = changes[k]
        n = len(k)
        head = short[n] if n < 4096 else _U32.pack(n)
        if v is None:
            update(head + k + _DELETED)
        else:
            n = len(v)
            update(head + k + b"\x01" + (short[n] if n < 4096 else _U32.pack(n)) + v)
    return digest.digest()


def next_digest(previous: bytes, changes: dict[bytes, bytes | None]) -> bytes:
    """The state digest after a block: ``H(previous || H(writes))``."""
    return hashlib.sha256(previous + writes_digest(changes)).digest()
