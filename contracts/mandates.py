"""Recurring debit mandates: the payee pulls up to a maximum per period.

The payer's wallet signs the mandate once (payee, maximum per period, period
length, start and end). From then on the payee alone signs each pull, which
spends the payer's KZT outputs into the payee's amount and the payer's
change. Periods are ``[starts_at + k * period_ms, starts_at + (k+1) * period_ms)``
in block time; pulls stop at ``ends_at`` and at revocation, which the payer
(or the payee) may sign at any time. The payer's tier limits apply to every
pull as to any payment.
"""

from __future__ import annotations

import msgspec

from contracts.changes import (
    changes,
    contract,
    moved,
    require_balanced,
    require_tokens,
    total,
)
from contracts.errors import (
    InvalidTerms,
    MandateExceeded,
    MandateInactive,
    MandateRevoked,
    TermsMismatch,
)
from contracts.records import MandateRecord, mandate_key
from contracts.templates import MandateCreate, MandatePull, MandateRevoke
from ledger.errors import UnexpectedSigner, UnknownWallet, WalletFrozen
from ledger.records import WalletRecord
from ledger.registry import Effect, Pending, TxRule, apply_writes
from ledger.rules.limits import owner_of
from ledger.state import StateView
from ledger.types import KZT, Body, Transaction
from ledger.validation import as_body, body_of, require_signers


def validate_create(body: Body) -> None:
    """The mandate ends after it starts."""
    body = as_body(body, MandateCreate)
    if body.ends_at <= body.starts_at:
        raise InvalidTerms(field="ends_at", reason="must be after starts_at")


def _payer_wallet(wallet_id: str, state: StateView) -> WalletRecord:
    wallet = state.wallet(wallet_id)
    if wallet is None:
        raise UnknownWallet(wallet_id=wallet_id)
    if wallet.status != "active":
        raise WalletFrozen(wallet_id=wallet_id)
    return wallet


def _signed_by(tx: Transaction, keys: set[str]) -> None:
    for key in sorted(tx.signers - keys):
        raise UnexpectedSigner(key=key)


def check_create(pending: Pending, state: StateView) -> Effect:
    """Signed by the payer's wallet keys; the payee's key is registered."""
    body = body_of(pending.tx, MandateCreate)
    wallet = _payer_wallet(body.payer, state)
    _signed_by(pending.tx, set(wallet.keys))
    payee = owner_of(body.payee, state)
    record = MandateRecord(
        payer=body.payer,
        payee=body.payee,
        max_per_period=body.max_per_period,
        period_ms=body.period_ms,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
    )
    parties = [body.payer, *([payee.id] if payee.kind == "wallet" else [])]
    return changes((), (mandate_key(pending.tx.txid.hex()), record), parties=parties)


def active_mandate(mandate_id: str, state: StateView) -> MandateRecord:
    """The mandate, not revoked."""
    record = contract(mandate_key(mandate_id), MandateRecord, "mandate", mandate_id, state)
    if record.status == "revoked":
        raise MandateRevoked(mandate=mandate_id)
    return record


def _in_window(mandate_id: str, record: MandateRecord, time_ms: int) -> None:
    reason = "not_started" if time_ms < record.starts_at else "ended"
    if time_ms < record.starts_at or time_ms >= record.ends_at:
        raise MandateInactive(
            mandate=mandate_id,
            reason=reason,
            starts_at=record.starts_at,
            ends_at=record.ends_at,
            time_ms=time_ms,
        )


def check_pull(pending: Pending, state: StateView) -> Effect:
    """The payee's pull: in the window, within the period's maximum, payer to payee."""
    body = body_of(pending.tx, MandatePull)
    record = active_mandate(body.mandate, state)
    require_signers(pending.tx, {record.payee})
    time_ms = pending.block.time_ms
    _in_window(body.mandate, record, time_ms)
    payer_keys = set(_payer_wallet(record.payer, state).keys)
    for output in pending.spent:
        if output.owner not in payer_keys:
            raise TermsMismatch(
                contract=body.mandate, field="inputs", expected=record.payer, got=output.owner
            )
    require_tokens([*pending.spent, *body.outputs], {KZT})
    amount = sum(o.amount for o in body.outputs if o.owner == record.payee)
    for output in body.outputs:
        if output.owner not in payer_keys | {record.payee}:
            raise TermsMismatch(
                contract=body.mandate, field="outputs", expected=record.payee, got=output.owner
            )
    if amount == 0:
        raise TermsMismatch(contract=body.mandate, field="outputs", expected=record.payee)
    require_balanced(KZT, total(pending.spent), total(body.outputs))
    period = record.period_at(time_ms)
    pulled = record.pulled_in(period)
    if pulled + amount > record.max_per_period:
        raise MandateExceeded(
            mandate=body.mandate,
            period=period,
            allowed=record.max_per_period - pulled,
            requested=amount,
        )
    updated = msgspec.structs.replace(record, period=period, pulled=pulled + amount)
    return changes(
        moved(pending.spent, body.outputs, state, pending.block),
        (mandate_key(body.mandate), updated),
    )


def check_revoke(pending: Pending, state: StateView) -> Effect:
    """The payer (any key of its wallet) or the payee ends an active mandate."""
    body = body_of(pending.tx, MandateRevoke)
    record = active_mandate(body.mandate, state)
    wallet = state.wallet(record.payer)
    payer_keys = set(wallet.keys) if wallet is not None else set()
    _signed_by(pending.tx, payer_keys | {record.payee})
    revoked = msgspec.structs.replace(record, status="revoked")
    return changes((), (mandate_key(body.mandate), revoked), parties=[record.payer])


RULES = (
    TxRule("mandate.create", MandateCreate, check_create, apply_writes, validate_create),
    TxRule("mandate.pull", MandatePull, check_pull, apply_writes),
    TxRule("mandate.revoke", MandateRevoke, check_revoke, apply_writes),
)
