"""The central bank's acts and the banks' own: admit, update, issue, redeem."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from ledger.errors import (
    BankExists,
    BankInactive,
    IssuanceLimitExceeded,
    KeyInUse,
    MissingSignature,
    NotAuthorized,
    NotReserveKey,
    TokenNotAllowed,
    UnknownBank,
    ValueNotConserved,
)
from ledger.records import BankRecord, KeyOwner, SupplyRecord
from ledger.registry import Effect, Pending, TxRule, expect
from ledger.state import StateView
from ledger.types import KZT, BankRegister, BankUpdate, Body, Issue, Output, Redeem, Transaction
from ledger.validation import (
    as_body,
    body_of,
    require_signers,
    validate_amount,
    validate_distinct_keys,
)


class BankEffect(Effect, frozen=True):
    """A bank record to store, keys to register, and a change of KZT supply."""

    bank: BankRecord | None = None
    new_keys: tuple[str, ...] = ()
    supply: SupplyRecord | None = None


def require_central_bank(pending: Pending, action: str) -> None:
    """Central bank keys sign this, and nobody else."""
    if not pending.tx.signers:
        raise MissingSignature(key=sorted(pending.block.central_bank_keys)[0])
    for key in sorted(pending.tx.signers):
        if key not in pending.block.central_bank_keys:
            raise NotAuthorized(action=action, signer=key)


def require_bank(bank_id: str, state: StateView) -> BankRecord:
    """The registered bank, or :class:`UnknownBank`."""
    bank = state.bank(bank_id)
    if bank is None:
        raise UnknownBank(bank_id=bank_id)
    return bank


def require_bank_signer(tx: Transaction, bank: BankRecord, action: str) -> None:
    """At least one signer, and every signer is one of the bank's keys."""
    if not tx.signers:
        raise MissingSignature(key=bank.keys[0])
    for key in sorted(tx.signers):
        if key not in bank.keys:
            raise NotAuthorized(action=action, signer=key)


def check_keys_free(keys: Iterable[str], state: StateView) -> None:
    """None of the keys is registered to anyone yet."""
    for key in keys:
        if state.key_owner(key) is not None:
            raise KeyInUse(key=key)


def apply_bank(pending: Pending, effect: Effect, state: StateView) -> None:
    """Write a bank effect."""
    effect = expect(effect, BankEffect)
    if effect.bank is not None:
        state.put_bank(effect.bank)
        for key in effect.new_keys:
            state.put_key_owner(key, KeyOwner(kind="bank", id=effect.bank.bank_id))
    if effect.supply is not None:
        state.write_supply(KZT, effect.supply)


# -- bank.register / bank.update -----------------------------------------------


def validate_register(body: Body) -> None:
    body = as_body(body, BankRegister)
    validate_distinct_keys(body.keys)
    validate_amount(body.issuance_limit, minimum=0)


def check_register(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, BankRegister)
    require_central_bank(pending, "bank.register")
    if state.bank(body.bank_id) is not None:
        raise BankExists(bank_id=body.bank_id)
    check_keys_free(body.keys, state)
    bank = BankRecord(
        bank_id=body.bank_id, name=body.name, keys=body.keys, issuance_limit=body.issuance_limit
    )
    return BankEffect(banks=(bank.bank_id,), bank=bank, new_keys=body.keys)


def validate_update(body: Body) -> None:
    body = as_body(body, BankUpdate)
    validate_distinct_keys(body.add_keys)
    if body.issuance_limit is not None:
        validate_amount(body.issuance_limit, minimum=0)


def check_update(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, BankUpdate)
    require_central_bank(pending, "bank.update")
    bank = require_bank(body.bank_id, state)
    check_keys_free(body.add_keys, state)
    updated = msgspec.structs.replace(
        bank,
        keys=bank.keys + body.add_keys,
        issuance_limit=_given(body.issuance_limit, bank.issuance_limit),
        status=body.status or bank.status,
    )
    return BankEffect(banks=(bank.bank_id,), bank=updated, new_keys=body.add_keys)


def _given(value: int | None, current: int) -> int:
    return current if value is None else value


# -- issue / redeem ------------------------------------------------------------


def check_issue(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, Issue)
    require_central_bank(pending, "issue")
    bank = require_bank(body.bank_id, state)
    if bank.status != "active":
        raise BankInactive(bank_id=bank.bank_id)
    require_reserve_outputs(bank, body.outputs)
    total = sum(o.amount for o in body.outputs)
    if bank.outstanding + total > bank.issuance_limit:
        raise IssuanceLimitExceeded(
            bank_id=bank.bank_id,
            limit=bank.issuance_limit,
            outstanding=bank.outstanding,
            requested=total,
        )
    supply = state.supply(KZT)
    return BankEffect(
        banks=(bank.bank_id,),
        bank=msgspec.structs.replace(bank, issued=bank.issued + total),
        supply=msgspec.structs.replace(supply, issued=supply.issued + total),
    )


def validate_redeem(body: Body) -> None:
    body = as_body(body, Redeem)
    validate_amount(body.amount)


def check_redeem(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, Redeem)
    bank = require_bank(body.bank_id, state)
    require_signers(pending.tx, {o.owner for o in pending.spent})
    require_bank_signer(pending.tx, bank, "redeem")
    require_reserve_outputs(bank, pending.spent + body.change)
    spent = sum(o.amount for o in pending.spent)
    kept = sum(o.amount for o in body.change)
    if spent != body.amount + kept:
        raise ValueNotConserved(token=KZT, inputs=spent, outputs=body.amount + kept)
    supply = state.supply(KZT)
    return BankEffect(
        banks=(bank.bank_id,),
        bank=msgspec.structs.replace(bank, redeemed=bank.redeemed + body.amount),
        supply=msgspec.structs.replace(supply, redeemed=supply.redeemed + body.amount),
    )


def require_reserve_outputs(bank: BankRecord, outputs: Iterable[Output]) -> None:
    """Every output is KZT on one of the bank's own reserve keys."""
    for output in outputs:
        if output.token != KZT:
            raise TokenNotAllowed(token=output.token)
        if output.owner not in bank.keys:
            raise NotReserveKey(bank_id=bank.bank_id, owner=output.owner)


RULES = (
    TxRule("bank.register", BankRegister, check_register, apply_bank, validate_register),
    TxRule("bank.update", BankUpdate, check_update, apply_bank, validate_update),
    TxRule("issue", Issue, check_issue, apply_bank),
    TxRule("redeem", Redeem, check_redeem, apply_bank, validate_redeem),
)
