"""The ledger state as seen while a block is built, and the state digest.

A :class:`StateView` reads through to a store and keeps the writes of one
block in memory; nothing reaches the store until the whole block is checked
and committed in one batch. Within the block, each transaction runs in its own
journal (:meth:`StateView.begin`, :meth:`StateView.rollback`) so a transaction
that fails leaves no trace.
"""

from __future__ import annotations

import hashlib
import struct
from typing import Any, TypeVar

import msgspec

from ledger.encoding import canonical, decoder_for
from ledger.records import BankRecord, KeyOwner, SupplyRecord, TxLocation, WalletRecord
from ledger.storage import KeyValueStore
from ledger.storage import schema as s
from ledger.types import Genesis, Output, TierLimits

T = TypeVar("T", bound=msgspec.Struct)
Value = msgspec.Struct | bytes
_MISSING = object()


class StateView:
    """Read-through view over a store that collects one block's writes."""

    def __init__(self, store: KeyValueStore) -> None:
        self.store = store
        self._writes: dict[bytes, Value | None] = {}
        self._cache: dict[bytes, Any] = {}
        self._undo: list[tuple[bytes, Any]] | None = None

    # -- generic access --------------------------------------------------------

    def read(self, key: bytes, type_: type[T]) -> T | None:
        """The record under ``key`` decoded as ``type_``, or None."""
        value: Any = self._writes.get(key, _MISSING)
        if value is _MISSING:
            value = self._cache.get(key, _MISSING)
            if value is _MISSING:
                raw = self.store.get(key)
                value = None if raw is None else decoder_for(type_).decode(raw)
                self._cache[key] = value
        return value  # type: ignore[no-any-return]

    def exists(self, key: bytes) -> bool:
        """True when a value is present under ``key``."""
        value = self._writes.get(key, _MISSING)
        if value is not _MISSING:
            return value is not None
        if key in self._cache:
            return self._cache[key] is not None
        return self.store.get(key) is not None

    def write(self, key: bytes, value: Value | None) -> None:
        """Record a new value (a record, raw bytes for index entries, None to delete)."""
        if self._undo is not None:
            self._undo.append((key, self._writes.get(key, _MISSING)))
        self._writes[key] = value

    def delete(self, key: bytes) -> None:
        """Record the removal of ``key``."""
        self.write(key, None)

    def begin(self) -> None:
        """Open the journal of the next transaction: its writes can be undone until the next
        ``begin``. (Two methods, not a context manager: this runs for every transaction.)"""
        self._undo = []

    def rollback(self) -> None:
        """Undo every write since :meth:`begin`, newest first."""
        undo, self._undo = self._undo or [], None
        for key, previous in reversed(undo):
            if previous is _MISSING:
                del self._writes[key]
            else:
                self._writes[key] = previous

    def changes(self) -> dict[bytes, bytes | None]:
        """The block's writes as bytes, ready for one atomic batch."""
        return {
            k: v if v is None or isinstance(v, bytes) else canonical(v)
            for k, v in self._writes.items()
        }

    # -- typed records ---------------------------------------------------------

    def output(self, txid: bytes, index: int) -> Output | None:
        return self.read(s.output_key(txid, index), Output)

    def tx_location(self, txid: bytes) -> TxLocation | None:
        return self.read(s.tx_key(txid), TxLocation)

    def key_owner(self, public_hex: str) -> KeyOwner | None:
        return self.read(s.key_owner_key(bytes.fromhex(public_hex)), KeyOwner)

    def wallet(self, wallet_id: str) -> WalletRecord | None:
        return self.read(s.wallet_key(wallet_id), WalletRecord)

    def bank(self, bank_id: str) -> BankRecord | None:
        return self.read(s.bank_key(bank_id), BankRecord)

    def supply(self, token: str) -> SupplyRecord:
        return self.read(s.supply_key(token), SupplyRecord) or SupplyRecord()

    def limits(self, tier: str) -> TierLimits:
        return self.read(s.limits_key(tier), TierLimits) or TierLimits()

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


def writes_digest(changes: dict[bytes, bytes | None]) -> bytes:
    """SHA-256 over the consensus writes, sorted by key.

    Each entry is ``len(key) u32 || key`` followed by ``0x00`` for a deletion
    or ``0x01 || len(value) u32 || value`` for a put.
    """
    pack = struct.Struct(">I").pack
    consensus = s.CONSENSUS_PREFIXES
    return hashlib.sha256(
        b"".join(
            [
                pack(len(k)) + k + (b"\x00" if v is None else b"\x01" + pack(len(v)) + v)
                for k, v in sorted(changes.items())
                if k[0] in consensus
            ]
        )
    ).digest()


def next_digest(previous: bytes, changes: dict[bytes, bytes | None]) -> bytes:
    """The state digest after a block: ``H(previous || H(writes))``."""
    return hashlib.sha256(previous + writes_digest(changes)).digest()
