"""What every contract kind shares: its writes, money movement, locks and lookups.

A check computes every write up front (a :class:`ledger.registry.Writes`
effect); apply only writes them. So a refusal leaves nothing behind, and
applying cannot fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

import msgspec

from contracts.errors import UnknownContract, UnknownProgram
from contracts.policy import Party
from contracts.records import TokenRecord, token_key
from ledger.errors import TokenNotAllowed, UnknownWallet, ValueNotConserved
from ledger.records import KeyOwner, Locked, SupplyRecord, WalletRecord, lock_record
from ledger.registry import BlockContext, Write, Writes
from ledger.rules.limits import active_owners, check_limits, owner_of, wallet_flows
from ledger.state import StateView
from ledger.storage import schema
from ledger.types import KZT, Output

R = TypeVar("R", bound=msgspec.Struct)


def changes(wallets: Sequence[WalletRecord], *writes: Write, parties: Iterable[str] = ()) -> Writes:
    """An effect writing ``wallets`` and ``writes``; the wallets are its parties."""
    ids = dict.fromkeys([*(w.wallet_id for w in wallets), *parties])
    wallet_writes = [(schema.wallet_key(w.wallet_id), w) for w in wallets]
    return Writes(parties=tuple(ids), writes=(*wallet_writes, *writes))


# -- money ---------------------------------------------------------------------


def moved(
    spent: Iterable[Output], created: Iterable[Output], state: StateView, block: BlockContext
) -> tuple[WalletRecord, ...]:
    """A payment: every party active, tier limits respected; the wallets updated."""
    spent, created = tuple(spent), tuple(created)
    owners = active_owners([o.owner for o in (*spent, *created)], state)
    return check_limits(wallet_flows(spent, created, owners), state, block)


def booked(
    spent: Iterable[Output], created: Iterable[Output], state: StateView
) -> tuple[WalletRecord, ...]:
    """A return of value that nobody may refuse (refund, expiry): balances only."""
    spent, created = tuple(spent), tuple(created)
    owners = {o.owner: owner_of(o.owner, state) for o in (*spent, *created)}
    updated = []
    for wallet_id, flow in sorted(wallet_flows(spent, created, owners).items()):
        wallet = state.wallet(wallet_id)
        if wallet is None:  # a key owner always names an existing wallet
            raise UnknownWallet(wallet_id=wallet_id)
        balance = wallet.balance + flow.received - flow.sent
        updated.append(msgspec.structs.replace(wallet, balance=balance))
    return tuple(updated)


def total(outputs: Iterable[Output], token: str = KZT) -> int:
    """The sum of the outputs of one token."""
    return sum(o.amount for o in outputs if o.token == token)


def require_tokens(outputs: Iterable[Output], allowed: Iterable[str]) -> None:
    """Only these tokens may appear."""
    allowed = set(allowed)
    for output in outputs:
        if output.token not in allowed:
            raise TokenNotAllowed(token=output.token)


def require_balanced(token: str, inputs: int, outputs: int) -> None:
    """Inputs equal outputs exactly."""
    if inputs != outputs:
        raise ValueNotConserved(token=token, inputs=inputs, outputs=outputs)


# -- locks and supply --------------------------------------------------------------


def lock_write(lock_id: str, token: str, delta: int, state: StateView) -> Write:
    """Add ``delta`` to a lock; an emptied lock is deleted."""
    current = state.read(schema.locked_key(lock_id), Locked)
    return lock_record(lock_id, token, (current.amount if current else 0) + delta)


def locked(lock_id: str, state: StateView) -> int:
    """The amount booked under a lock."""
    current = state.read(schema.locked_key(lock_id), Locked)
    return current.amount if current else 0


def supply_write(token: str, state: StateView, issued: int = 0, redeemed: int = 0) -> Write:
    """A token's supply record with ``issued``/``redeemed`` added."""
    supply = state.supply(token)
    return schema.supply_key(token), SupplyRecord(
        issued=supply.issued + issued, redeemed=supply.redeemed + redeemed
    )


# -- lookups ---------------------------------------------------------------------


def token_record(token: str, state: StateView) -> TokenRecord:
    """The policy level of a special-purpose token, or :class:`UnknownProgram`."""
    record = state.read(token_key(token), TokenRecord)
    if record is None:
        raise UnknownProgram(token=token)
    return record


def contract(key: bytes, type_: type[R], family: str, contract_id: str, state: StateView) -> R:
    """A template's record, or :class:`UnknownContract`."""
    record = state.read(key, type_)
    if record is None:
        raise UnknownContract(family=family, contract=contract_id)
    return record


def party(owner: KeyOwner, state: StateView) -> Party:
    """The facts a policy may ask about a key's owner."""
    if owner.kind == "wallet":
        wallet = state.wallet(owner.id)
        if wallet is not None:
            return Party(id=owner.id, kind="wallet", mcc=wallet.mcc, region=wallet.region)
    return Party(id=owner.id, kind=owner.kind)


def owner_ids(outputs: Iterable[Output], state: StateView) -> set[str]:
    """The wallet or bank ids holding these outputs' keys."""
    return {owner_of(o.owner, state).id for o in outputs}


def wallet_ids(keys: Iterable[str], state: StateView) -> list[str]:
    """The ids of the wallets holding these keys (banks and unknown keys left out)."""
    found = []
    for key in keys:
        owner = state.key_owner(key)
        if owner is not None and owner.kind == "wallet":
            found.append(owner.id)
    return found
