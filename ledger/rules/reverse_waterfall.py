"""Reverse waterfall: a payment larger than the balance pulls the shortfall from the bank.

A bank keeps a *waterfall pool*: KZT it set aside from its reserve
(``waterfall.fund``) and may take back (``waterfall.withdraw``), booked as a lock
(``schema.locked_key``), so the audit counts it in the supply. A linked wallet's
holder signs a standing mandate (``wallet.reverse_mandate``) naming the most one
payment may pull. A transfer then names its ``shortfall``: the pool adds that much
KZT to the payer's inputs in the same transaction, the payer's bank finds a
:class:`~ledger.records.WaterfallInstruction` (``debit``) in its feed and debits
the linked deposit. Either all of it commits or none of it does.

The pool is a lock rather than the bank's reserve outputs so that a wallet's
payment never spends an output the bank's own transactions might be spending in
the same block, and the bank decides in advance how much it lends this way.
"""

from __future__ import annotations

import msgspec

from ledger.errors import (
    LimitExceeded,
    MissingSignature,
    NotAuthorized,
    NotReserveKey,
    PoolInsufficient,
    ReverseWaterfallRefused,
    UnknownWallet,
    ValueNotConserved,
    WalletFrozen,
)
from ledger.records import KeyOwner, Locked, WalletRecord, WaterfallInstruction, lock_record
from ledger.registry import Effect, Pending, TxRule, WalletFlow, Write, Writes, apply_writes
from ledger.rules.banks import require_bank, require_bank_signer, require_reserve_outputs
from ledger.rules.limits import require_active
from ledger.rules.wallets import WalletEffect, apply_wallet
from ledger.state import StateView
from ledger.storage.schema import locked_key
from ledger.types import KZT, PoolFund, PoolWithdraw, ReverseMandate, Transaction, Transfer
from ledger.validation import body_of, require_signers


def pool_lock(bank_id: str) -> str:
    """The lock id of a bank's waterfall pool."""
    return f"waterfall-pool/{bank_id}"


def pool_of(bank_id: str, state: StateView) -> int:
    """KZT in the bank's waterfall pool, in tiyn."""
    found = state.read(locked_key(pool_lock(bank_id)), Locked)
    return 0 if found is None else found.amount


# -- wallet.reverse_mandate -------------------------------------------------------------


def require_wallet_signer(tx: Transaction, wallet: WalletRecord, action: str) -> None:
    """At least one signer, and every signer is one of the wallet's keys."""
    if not tx.signers:
        raise MissingSignature(key=wallet.keys[0])
    for key in sorted(tx.signers):
        if key not in wallet.keys:
            raise NotAuthorized(action=action, signer=key)


def check_mandate(pending: Pending, state: StateView) -> Effect:
    """The linked wallet's holder signs (or, without ``per_payment``, revokes) its mandate."""
    body = body_of(pending.tx, ReverseMandate)
    wallet = state.wallet(body.wallet_id)
    if wallet is None:
        raise UnknownWallet(wallet_id=body.wallet_id)
    require_wallet_signer(pending.tx, wallet, "wallet.reverse_mandate")
    if wallet.status != "active":
        raise WalletFrozen(wallet_id=wallet.wallet_id)
    if body.per_payment is not None and wallet.deposit is None:
        raise ReverseWaterfallRefused(wallet_id=wallet.wallet_id, reason="not_linked")
    mandated = msgspec.structs.replace(wallet, mandate=body.per_payment)
    return WalletEffect(parties=(wallet.wallet_id,), wallet=mandated)


# -- waterfall.fund / waterfall.withdraw ----------------------------------------------


def check_fund(pending: Pending, state: StateView) -> Effect:
    """The bank's reserve outputs go into its pool, less the change back to its keys."""
    body = body_of(pending.tx, PoolFund)
    bank = require_bank(body.bank_id, state)
    require_bank_signer(pending.tx, bank, "waterfall.fund")
    require_signers(pending.tx, {o.owner for o in pending.spent})
    require_active(KeyOwner(kind="bank", id=bank.bank_id), state)
    require_reserve_outputs(bank, (*pending.spent, *body.change))
    spent = sum(o.amount for o in pending.spent)
    kept = sum(o.amount for o in body.change)
    if spent != body.amount + kept:
        raise ValueNotConserved(token=KZT, inputs=spent, outputs=body.amount + kept)
    pool = pool_of(bank.bank_id, state) + body.amount
    return Writes(banks=(bank.bank_id,), writes=(lock_record(pool_lock(bank.bank_id), KZT, pool),))


def check_withdraw(pending: Pending, state: StateView) -> Effect:
    """The bank takes ``amount`` from its pool back to one of its reserve keys."""
    body = body_of(pending.tx, PoolWithdraw)
    bank = require_bank(body.bank_id, state)
    require_bank_signer(pending.tx, bank, "waterfall.withdraw")
    if body.to not in bank.keys:
        raise NotReserveKey(bank_id=bank.bank_id, owner=body.to)
    pool = pool_of(bank.bank_id, state)
    if pool < body.amount:
        raise PoolInsufficient(bank_id=bank.bank_id, available=pool, requested=body.amount)
    left = lock_record(pool_lock(bank.bank_id), KZT, pool - body.amount)
    return Writes(banks=(bank.bank_id,), writes=(left,))


# -- the shortfall of a transfer ----------------------------------------------------------


class Draw(msgspec.Struct, frozen=True):
    """What pulling a transfer's shortfall changes."""

    flow: WalletFlow
    """The payer's flow, the shortfall counted as sent and drawn."""
    pool: Write
    instruction: WaterfallInstruction


def draw_shortfall(
    pending: Pending,
    owners: dict[str, KeyOwner],
    flows: dict[str, WalletFlow],
    state: StateView,
) -> Draw:
    """Check the payer may pull the body's ``shortfall`` from its bank's pool."""
    body = body_of(pending.tx, Transfer)
    shortfall = body.shortfall or 0
    wallet = _payer(pending, owners, state)
    payer = KeyOwner(kind="wallet", id=wallet.wallet_id)
    if wallet.deposit is None:
        raise ReverseWaterfallRefused(wallet_id=wallet.wallet_id, reason="not_linked")
    if wallet.mandate is None:
        raise ReverseWaterfallRefused(wallet_id=wallet.wallet_id, reason="no_mandate")
    if any(o.token == KZT and owners[o.owner] == payer for o in body.outputs):
        raise ReverseWaterfallRefused(wallet_id=wallet.wallet_id, reason="change_to_payer")
    if shortfall > wallet.mandate:
        raise LimitExceeded(
            wallet_id=wallet.wallet_id, limit="mandate", allowed=wallet.mandate, requested=shortfall
        )
    require_active(
        KeyOwner(kind="bank", id=wallet.bank_id), state
    )  # a suspended bank lends nothing
    pool = pool_of(wallet.bank_id, state)
    if pool < shortfall:
        raise PoolInsufficient(bank_id=wallet.bank_id, available=pool, requested=shortfall)
    flow = flows.get(wallet.wallet_id, WalletFlow(wallet.wallet_id))
    drawn = msgspec.structs.replace(flow, sent=flow.sent + shortfall, drawn=flow.drawn + shortfall)
    instruction = WaterfallInstruction(
        bank_id=wallet.bank_id,
        wallet_id=wallet.wallet_id,
        deposit=wallet.deposit,
        direction="debit",
        amount=shortfall,
    )
    pool_left = lock_record(pool_lock(wallet.bank_id), KZT, pool - shortfall)
    return Draw(flow=drawn, pool=pool_left, instruction=instruction)


def _payer(pending: Pending, owners: dict[str, KeyOwner], state: StateView) -> WalletRecord:
    """The one wallet whose outputs the transfer spends."""
    payers = sorted({owners[o.owner] for o in pending.spent}, key=lambda o: (o.kind, o.id))
    wallet = state.wallet(payers[0].id) if payers[0].kind == "wallet" else None
    if wallet is None or len(payers) != 1:
        raise ReverseWaterfallRefused(wallet_id=payers[0].id, reason="several_payers")
    return wallet


RULES = (
    TxRule("wallet.reverse_mandate", ReverseMandate, check_mandate, apply_wallet),
    TxRule("waterfall.fund", PoolFund, check_fund, apply_writes),
    TxRule("waterfall.withdraw", PoolWithdraw, check_withdraw, apply_writes),
)
