"""Escrow: KZT locked until it is released to the payee or refunded to the payer.

Release (to the payee) needs one of: the payer's and the payee's signatures
together; the arbiter's signature; or, strictly before the deadline, the
delivery code whose SHA-256 is the hash-lock. Refund (to the payer) needs the
payer's signature at or after the deadline, or at any time the payee's (who
gives up) or the arbiter's. Only the parties may sign.
"""

from __future__ import annotations

import msgspec

from contracts.changes import (
    booked,
    changes,
    contract,
    lock_write,
    moved,
    require_balanced,
    require_tokens,
    total,
    wallet_ids,
)
from contracts.errors import (
    ContractClosed,
    EscrowNotRefundable,
    EscrowNotReleasable,
    TermsMismatch,
)
from contracts.records import EscrowRecord, escrow_key, escrow_lock
from contracts.templates import EscrowOpen, EscrowRefund, EscrowRelease, hashlock_of
from ledger.errors import MissingSignature, UnexpectedSigner
from ledger.records import WalletRecord
from ledger.registry import Effect, Pending, TxRule, apply_writes
from ledger.rules.limits import owner_of
from ledger.state import StateView
from ledger.types import KZT, Body, Transaction
from ledger.validation import as_body, body_of, require_signers, validate_distinct_keys


def validate_open(body: Body) -> None:
    """Payer, payee and arbiter are different keys."""
    body = as_body(body, EscrowOpen)
    keys = [body.payer, body.payee, *([body.arbiter] if body.arbiter else [])]
    validate_distinct_keys(keys)  # payer, payee and arbiter are different keys


def check_open(pending: Pending, state: StateView) -> Effect:
    """The payer's KZT is locked for the payee."""
    body = body_of(pending.tx, EscrowOpen)
    payers = {o.owner for o in pending.spent}
    require_signers(pending.tx, payers)
    if body.payer not in payers:
        raise MissingSignature(key=body.payer)
    require_tokens([*pending.spent, *body.change], {KZT})
    require_balanced(KZT, total(pending.spent), total(body.change) + body.amount)
    for key in (body.payee, body.arbiter):
        if key is not None:
            owner_of(key, state)
    escrow_id = pending.tx.txid.hex()
    record = EscrowRecord(
        payer=body.payer,
        payee=body.payee,
        amount=body.amount,
        deadline=body.deadline,
        arbiter=body.arbiter,
        hashlock=body.hashlock,
    )
    return changes(
        moved(pending.spent, body.change, state, pending.block),
        (escrow_key(escrow_id), record),
        lock_write(escrow_lock(escrow_id), KZT, body.amount, state),
    )


def open_escrow(escrow_id: str, state: StateView) -> EscrowRecord:
    """The escrow, still open."""
    record = contract(escrow_key(escrow_id), EscrowRecord, "escrow", escrow_id, state)
    if record.status != "open":
        raise ContractClosed(family="escrow", contract=escrow_id, state=record.status)
    return record


def _only_parties(tx: Transaction, record: EscrowRecord) -> frozenset[str]:
    parties = {record.payer, record.payee, *([record.arbiter] if record.arbiter else [])}
    for key in sorted(tx.signers - parties):
        raise UnexpectedSigner(key=key)
    return tx.signers


def _restated(escrow_id: str, record: EscrowRecord, owner: str, expected: str, amount: int) -> None:
    if owner != expected:
        raise TermsMismatch(contract=escrow_id, field="owner", expected=expected, got=owner)
    if amount != record.amount:
        raise TermsMismatch(
            contract=escrow_id, field="amount", expected=str(record.amount), got=str(amount)
        )


def check_release(pending: Pending, state: StateView) -> Effect:
    """A release condition holds; the payee is paid."""
    body = body_of(pending.tx, EscrowRelease)
    record = open_escrow(body.escrow, state)
    _restated(body.escrow, record, body.payee, record.payee, body.amount)
    signers = _only_parties(pending.tx, record)
    _require_release(body, record, signers, pending.block.time_ms)
    wallets = moved((), body.creates(), state, pending.block)  # the payee's limits apply
    return _closed(body.escrow, record, "released", wallets, state)


def _require_release(
    body: EscrowRelease, record: EscrowRecord, signers: frozenset[str], time_ms: int
) -> None:
    if {record.payer, record.payee} <= signers or (record.arbiter in signers):
        return
    if body.code is None or record.hashlock is None:
        raise EscrowNotReleasable(escrow=body.escrow, reason="conditions")
    if hashlock_of(body.code) != record.hashlock:
        raise EscrowNotReleasable(escrow=body.escrow, reason="code")
    if time_ms >= record.deadline:
        raise EscrowNotReleasable(escrow=body.escrow, reason="deadline")


def check_refund(pending: Pending, state: StateView) -> Effect:
    """From the deadline (or with payee or arbiter), the payer is refunded."""
    body = body_of(pending.tx, EscrowRefund)
    record = open_escrow(body.escrow, state)
    _restated(body.escrow, record, body.payer, record.payer, body.amount)
    signers = _only_parties(pending.tx, record)
    time_ms = pending.block.time_ms
    early = record.payee in signers or record.arbiter in signers
    if not early and time_ms < record.deadline:
        raise EscrowNotRefundable(escrow=body.escrow, deadline=record.deadline, time_ms=time_ms)
    wallets = booked((), body.creates(), state)  # the payer's own money: never refused
    return _closed(body.escrow, record, "refunded", wallets, state)


def _closed(
    escrow_id: str,
    record: EscrowRecord,
    status: str,
    wallets: tuple[WalletRecord, ...],
    state: StateView,
) -> Effect:
    return changes(
        wallets,
        (escrow_key(escrow_id), msgspec.structs.replace(record, status=status)),
        lock_write(escrow_lock(escrow_id), KZT, -record.amount, state),
        parties=wallet_ids([record.payer, record.payee], state),
    )


RULES = (
    TxRule("escrow.open", EscrowOpen, check_open, apply_writes, validate_open),
    TxRule("escrow.release", EscrowRelease, check_release, apply_writes),
    TxRule("escrow.refund", EscrowRefund, check_refund, apply_writes),
)
