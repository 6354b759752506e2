"""Read models of programs and contracts, built from committed records.

Every function takes ``read``: a function from a consensus key to its
committed bytes (the API passes the ledger service's ``consensus_record``),
so the same code answers in the writer and in an API worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Literal, TypeVar

import msgspec

from contracts.policy import Convert, Policy, levels, token_id
from contracts.records import (
    EscrowRecord,
    MandateRecord,
    MeterRecord,
    TokenRecord,
    escrow_key,
    escrow_lock,
    mandate_key,
    meter_key,
    meter_lock,
    program_lock,
    token_key,
)
from ledger.encoding import Hex32, Tiyn, decode_json
from ledger.records import Locked, SupplyRecord
from ledger.storage import schema
from ledger.types import KZT

Reader = Callable[[bytes], bytes | None]
S = TypeVar("S", bound=msgspec.Struct)


class LevelView(msgspec.Struct, frozen=True):
    """One level of a program and how much of its token is outstanding."""

    level: int
    token: Hex32
    name: str
    supply: Annotated[int, msgspec.Meta(description="outstanding, in tiyn")]


class ProgramView(msgspec.Struct, frozen=True):
    """A special-purpose token, its program, and the program's backing."""

    token: Hex32
    program: Annotated[Hex32, msgspec.Meta(description="the program's level-0 token")]
    level: int
    policy: Annotated[Policy, msgspec.Meta(description="the rules of this token")]
    levels: tuple[LevelView, ...]
    locked: Annotated[Tiyn, msgspec.Meta(description="KZT backing every level, in tiyn")]


class PolicyView(msgspec.Struct, frozen=True):
    """A policy's token ids, level 0 first (nothing is stored by computing them)."""

    token: Hex32
    levels: tuple[Hex32, ...]
    policy: Policy


class TokenBalance(msgspec.Struct, frozen=True):
    """A holding of one token, with its program's name and rules in brief."""

    token: str
    amount: Tiyn
    name: str | None = None
    program: str | None = None
    level: int | None = None
    expires_at: int | None = None
    convert: Convert | None = None


class TokenBalances(msgspec.Struct, frozen=True):
    """A wallet's holdings per token (KZT and special-purpose tokens)."""

    wallet_id: str
    tokens: tuple[TokenBalance, ...]


class EscrowView(msgspec.Struct, frozen=True):
    escrow: Hex32
    terms: EscrowRecord
    locked: Tiyn
    status: Literal["open", "released", "refunded"]
    """Always written (``terms`` omits it while it is the default, ``open``)."""


class MeterView(msgspec.Struct, frozen=True):
    meter: Hex32
    terms: MeterRecord
    locked: Tiyn
    status: Literal["open", "closed"]
    """Always written (``terms`` omits it while it is the default, ``open``)."""


class MandateView(msgspec.Struct, frozen=True):
    mandate: Hex32
    terms: MandateRecord
    status: Literal["active", "revoked"]
    """Always written (``terms`` omits it while it is the default, ``active``)."""


def record(read: Reader, key: bytes, type_: type[S]) -> S | None:
    """The committed record under ``key``, or None."""
    raw = read(key)
    return None if raw is None else decode_json(raw, type_)


def locked(read: Reader, lock_id: str) -> int:
    """The amount booked under a lock."""
    found = record(read, schema.locked_key(lock_id), Locked)
    return found.amount if found else 0


def policy_view(policy: Policy) -> PolicyView:
    """The token ids a policy defines."""
    return PolicyView(token_id(policy), tuple(token_id(p) for p in levels(policy)), policy)


def program_view(read: Reader, token: str) -> ProgramView | None:
    """The token's policy, its program's levels with their supply, and the backing."""
    found = record(read, token_key(token), TokenRecord)
    if found is None:
        return None
    root = record(read, token_key(found.program), TokenRecord)
    if root is None:  # every level is stored with its program
        raise LookupError(f"program {found.program} of token {token} is not stored")
    views = []
    for level, policy in enumerate(levels(root.policy)):
        level_token = token_id(policy)
        supply = record(read, schema.supply_key(level_token), SupplyRecord) or SupplyRecord()
        views.append(LevelView(level, level_token, policy.name, supply.outstanding))
    backing = locked(read, program_lock(found.program))
    return ProgramView(token, found.program, found.level, found.policy, tuple(views), backing)


def token_balances(read: Reader, balances: dict[str, int]) -> tuple[TokenBalance, ...]:
    """Per-token balances, each special token described by its policy."""
    found = []
    for token, amount in sorted(balances.items()):
        info = None if token == KZT else record(read, token_key(token), TokenRecord)
        if info is None:
            found.append(TokenBalance(token, amount))
            continue
        policy = info.policy
        found.append(
            TokenBalance(
                token,
                amount,
                policy.name,
                info.program,
                info.level,
                policy.expires_at,
                policy.convert,
            )
        )
    return tuple(found)


def escrow_view(read: Reader, escrow_id: str) -> EscrowView | None:
    """An escrow with its locked amount, or None."""
    terms = record(read, escrow_key(escrow_id), EscrowRecord)
    return (
        None
        if terms is None
        else EscrowView(escrow_id, terms, locked(read, escrow_lock(escrow_id)), terms.status)
    )


def meter_view(read: Reader, meter_id: str) -> MeterView | None:
    """A meter with its locked remaining budget, or None."""
    terms = record(read, meter_key(meter_id), MeterRecord)
    if terms is None:
        return None
    return MeterView(meter_id, terms, locked(read, meter_lock(meter_id)), terms.status)


def mandate_view(read: Reader, mandate_id: str) -> MandateView | None:
    """A mandate, or None."""
    terms = record(read, mandate_key(mandate_id), MandateRecord)
    return None if terms is None else MandateView(mandate_id, terms, terms.status)


def party_keys(view: EscrowView | MeterView) -> Iterable[str]:
    """Keys that may read an escrow or a meter: its parties."""
    if isinstance(view, EscrowView):
        return [
            view.terms.payer,
            view.terms.payee,
            *([view.terms.arbiter] if view.terms.arbiter else []),
        ]
    return [view.terms.customer, view.terms.provider]
