"""Banks open and update their own wallets; the central bank sets tier limits."""

from __future__ import annotations

import msgspec

from ledger.errors import BankInactive, UnknownWallet, WalletExists
from ledger.records import KeyOwner, WalletRecord
from ledger.registry import Effect, Pending, TxRule, expect
from ledger.rules.banks import (
    check_keys_free,
    require_bank,
    require_bank_signer,
    require_central_bank,
)
from ledger.state import StateView
from ledger.storage import schema
from ledger.types import Body, LimitsSet, TierLimits, WalletOpen, WalletUpdate
from ledger.validation import as_body, body_of, validate_amount, validate_distinct_keys


class WalletEffect(Effect, frozen=True):
    """A wallet record to store and keys to register to it."""

    wallet: WalletRecord | None = None
    new_keys: tuple[str, ...] = ()


def apply_wallet(pending: Pending, effect: Effect, state: StateView) -> None:
    effect = expect(effect, WalletEffect)
    wallet = effect.wallet
    if wallet is None:
        raise TypeError("a wallet effect without its wallet")
    state.put_wallet(wallet)
    for key in effect.new_keys:
        state.put_key_owner(key, KeyOwner(kind="wallet", id=wallet.wallet_id))
    state.write(schema.bank_wallet_key(wallet.bank_id, wallet.wallet_id), b"")


def validate_open(body: Body) -> None:
    body = as_body(body, WalletOpen)
    validate_distinct_keys(body.keys)


def check_open(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, WalletOpen)
    bank = require_bank(body.bank_id, state)
    require_bank_signer(pending.tx, bank, "wallet.open")
    if bank.status != "active":
        raise BankInactive(bank_id=bank.bank_id)
    if state.wallet(body.wallet_id) is not None:
        raise WalletExists(wallet_id=body.wallet_id)
    check_keys_free(body.keys, state)
    wallet = WalletRecord(
        wallet_id=body.wallet_id,
        bank_id=body.bank_id,
        tier=body.tier,
        keys=body.keys,
        mcc=body.mcc,
        region=body.region,
    )
    return WalletEffect(parties=(wallet.wallet_id,), wallet=wallet, new_keys=body.keys)


def validate_update(body: Body) -> None:
    body = as_body(body, WalletUpdate)
    validate_distinct_keys(body.add_keys)


def check_update(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, WalletUpdate)
    wallet = state.wallet(body.wallet_id)
    if wallet is None:
        raise UnknownWallet(wallet_id=body.wallet_id)
    require_bank_signer(pending.tx, require_bank(wallet.bank_id, state), "wallet.update")
    check_keys_free(body.add_keys, state)
    updated = msgspec.structs.replace(
        wallet,
        tier=body.tier or wallet.tier,
        status=body.status or wallet.status,
        keys=wallet.keys + body.add_keys,
        mcc=body.mcc or wallet.mcc,
        region=body.region or wallet.region,
    )
    return WalletEffect(parties=(wallet.wallet_id,), wallet=updated, new_keys=body.add_keys)


# -- limits.set ----------------------------------------------------------------


class LimitsEffect(Effect, frozen=True):
    tier: str = ""
    limits: TierLimits = TierLimits()


def validate_limits(body: Body) -> None:
    body = as_body(body, LimitsSet)
    for value in (body.limits.balance_cap, body.limits.per_payment, body.limits.daily):
        if value is not None:
            validate_amount(value)


def check_limits_set(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, LimitsSet)
    require_central_bank(pending, "limits.set")
    return LimitsEffect(tier=body.tier, limits=body.limits)


def apply_limits(pending: Pending, effect: Effect, state: StateView) -> None:
    effect = expect(effect, LimitsEffect)
    state.write(schema.limits_key(effect.tier), effect.limits)


RULES = (
    TxRule("wallet.open", WalletOpen, check_open, apply_wallet, validate_open),
    TxRule("wallet.update", WalletUpdate, check_update, apply_wallet, validate_update),
    TxRule("limits.set", LimitsSet, check_limits_set, apply_limits, validate_limits),
)
