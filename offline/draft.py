"""What every offline kind shares: a draft of its writes, locks, lookups and signers.

A check reads state through a :class:`Draft`, which keeps the transaction's
own writes so a later step sees an earlier one (two vouchers of one purse in
one deposit); the check returns them all as one :class:`ledger.registry.Writes` effect and
apply only writes them. A refusal therefore leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import msgspec

from ledger.errors import MissingSignature, NotAuthorized, UnknownWallet
from ledger.records import BankRecord, Locked, WalletRecord, lock_record
from ledger.registry import Writes
from ledger.rules.banks import require_bank
from ledger.state import StateView
from ledger.storage import schema
from ledger.types import KZT, Transaction
from offline.errors import OfflineNotConfigured, UnknownPurse
from offline.records import SETUP, BankOffline, PurseRecord, SetupRecord, bank_key, purse_key

R = TypeVar("R", bound=msgspec.Struct)
_ABSENT = object()


class Draft:
    """State as this transaction will leave it: reads see its own earlier writes."""

    def __init__(self, state: StateView) -> None:
        self.state = state
        self._writes: dict[bytes, Any] = {}

    def get(self, key: bytes, type_: type[R]) -> R | None:
        found = self._writes.get(key, _ABSENT)
        return self.state.read(key, type_) if found is _ABSENT else found

    def put(self, key: bytes, value: Any) -> None:
        self._writes[key] = value

    def locked(self, lock_id: str) -> int:
        """The amount booked under a lock."""
        found = self.get(schema.locked_key(lock_id), Locked)
        return found.amount if found else 0

    def add_locked(self, lock_id: str, delta: int) -> None:
        """Add ``delta`` tiyn to a lock; an emptied lock is deleted."""
        self.put(*lock_record(lock_id, KZT, self.locked(lock_id) + delta))

    def wallet(self, wallet_id: str) -> WalletRecord:
        found = self.get(schema.wallet_key(wallet_id), WalletRecord)
        if found is None:
            raise UnknownWallet(wallet_id=wallet_id)
        return found

    def put_wallet(self, wallet: WalletRecord) -> None:
        self.put(schema.wallet_key(wallet.wallet_id), wallet)

    def book_held(self, wallet_id: str, to_outputs: int, from_held: int) -> None:
        """Move value between a wallet's purse and its outputs (never refused by limits)."""
        wallet = self.wallet(wallet_id)
        self.put_wallet(
            msgspec.structs.replace(
                wallet, balance=wallet.balance + to_outputs, held=wallet.held - from_held
            )
        )

    def changes(self, parties: Iterable[str] = ()) -> Writes:
        return Writes(parties=tuple(dict.fromkeys(parties)), writes=tuple(self._writes.items()))


# -- lookups --------------------------------------------------------------------


def setup(state: StateView | Draft) -> SetupRecord:
    """The network's offline setup, or :class:`OfflineNotConfigured`."""
    found = _read(state, SETUP, SetupRecord)
    if found is None:
        raise OfflineNotConfigured()
    return found


def bank_offline(bank_id: str, state: StateView | Draft) -> BankOffline:
    """A bank's offline record (it exists once the central bank certified its CA)."""
    found = _read(state, bank_key(bank_id), BankOffline)
    if found is None:
        raise OfflineNotConfigured(bank_id=bank_id)
    return found


def purse(purse_id: str, state: StateView | Draft) -> PurseRecord:
    """A purse, or :class:`UnknownPurse`."""
    found = _read(state, purse_key(purse_id), PurseRecord)
    if found is None:
        raise UnknownPurse(purse=purse_id)
    return found


def _read(state: StateView | Draft, key: bytes, type_: type[R]) -> R | None:
    return state.get(key, type_) if isinstance(state, Draft) else state.read(key, type_)


# -- signers --------------------------------------------------------------------


def bank_signer(tx: Transaction, bank_id: str, state: StateView, action: str) -> BankRecord:
    """Exactly one signature, by one of the bank's keys; returns the bank."""
    bank = require_bank(bank_id, state)
    if not tx.signers:
        raise MissingSignature(key=bank.keys[0])
    for key in sorted(tx.signers):
        if key not in bank.keys:
            raise NotAuthorized(action=action, signer=key)
    return bank


def only_signer(tx: Transaction, key: str) -> None:
    """``key`` signed, and nobody else."""
    if key not in tx.signers:
        raise MissingSignature(key=key)
    for other in sorted(tx.signers - {key}):
        raise NotAuthorized(action=f"sign for {key}", signer=other)
