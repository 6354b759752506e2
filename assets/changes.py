"""What every asset kind shares: its writes, and the lookups of operators, classes and tokens.

A check computes every write up front (a :class:`ledger.registry.Writes`
effect); apply only writes them, so a refusal leaves nothing behind and
applying cannot fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from assets.errors import NotPlatformOperator, UnknownAsset
from assets.records import ClassRecord, PlatformLicence, TokenRecord, class_key, licence_key
from assets.records import token_key as record_key
from ledger.errors import WalletFrozen
from ledger.records import SupplyRecord, WalletRecord
from ledger.registry import Write, Writes
from ledger.state import StateView
from ledger.storage import schema
from ledger.types import Output


def changes(wallets: Sequence[WalletRecord], *writes: Write, parties: Iterable[str] = ()) -> Writes:
    """An effect writing ``wallets`` and ``writes``; the wallets and ``parties`` see it."""
    ids = dict.fromkeys([*(w.wallet_id for w in wallets), *parties])
    wallet_writes = [(schema.wallet_key(w.wallet_id), w) for w in wallets]
    return Writes(parties=tuple(ids), writes=(*wallet_writes, *writes))


def require_operator(key: str, state: StateView) -> str:
    """The active wallet holding ``key`` with a platform licence in force; returns its id."""
    owner = state.key_owner(key)
    if owner is None or owner.kind != "wallet":
        raise NotPlatformOperator(key=key)
    if state.read(licence_key(owner.id), PlatformLicence) is None:
        raise NotPlatformOperator(key=key)
    wallet = state.wallet(owner.id)
    if wallet is None or wallet.status != "active":
        raise WalletFrozen(wallet_id=owner.id)
    return owner.id


def asset_class(asset: str, state: StateView) -> ClassRecord:
    """The class with this id, or :class:`UnknownAsset`."""
    found = state.read(class_key(asset), ClassRecord)
    if found is None:
        raise UnknownAsset(asset=asset)
    return found


def token_record(token: str, state: StateView) -> TokenRecord:
    """The record of an asset token, or :class:`UnknownAsset`."""
    found = state.read(record_key(token), TokenRecord)
    if found is None:
        raise UnknownAsset(asset=token)
    return found


def supply_write(token: str, state: StateView, issued: int = 0, retired: int = 0) -> Write:
    """A token's supply record with ``issued``/``retired`` added."""
    supply = state.supply(token)
    return schema.supply_key(token), SupplyRecord(
        issued=supply.issued + issued, redeemed=supply.redeemed + retired
    )


def per_token(outputs: Iterable[Output]) -> dict[str, int]:
    """Units per token."""
    totals: dict[str, int] = {}
    for output in outputs:
        totals[output.token] = totals.get(output.token, 0) + output.amount
    return totals
