"""Pay-per-use metering: a locked budget drawn down by customer-signed usage receipts.

The customer signs receipts stating the *cumulative* amount owed, each with
a higher ``sequence``; the provider claims the difference since the last
claim. A receipt already claimed is a replay; a lower counter or amount is a
rollback. Claims stop at ``expires_at``. The provider may close at any time
(settling a last receipt first, before expiry), the customer from
``expires_at`` on, both together at any time; the rest goes back to the
customer. Suitable for micropayments between machines: one on-ledger claim
settles any number of off-ledger receipts.
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
    CounterRollback,
    MeterBudgetExceeded,
    MeterNotClosable,
    ReceiptReplayed,
    TermsMismatch,
)
from contracts.records import MeterRecord, meter_key, meter_lock
from contracts.templates import MeterClaim, MeterClose, MeterOpen, SignedUsage
from ledger.crypto import verify
from ledger.errors import BadSignature, MissingSignature, UnexpectedSigner
from ledger.registry import Effect, Pending, TxRule, apply_writes
from ledger.rules.limits import owner_of
from ledger.state import StateView
from ledger.types import KZT, Body
from ledger.validation import as_body, body_of, require_signers, validate_distinct_keys


def validate_open(body: Body) -> None:
    """Customer and provider are different keys."""
    body = as_body(body, MeterOpen)
    validate_distinct_keys([body.customer, body.provider])


def check_open(pending: Pending, state: StateView) -> Effect:
    """The customer's KZT is locked as the provider's budget."""
    body = body_of(pending.tx, MeterOpen)
    payers = {o.owner for o in pending.spent}
    require_signers(pending.tx, payers)
    if body.customer not in payers:
        raise MissingSignature(key=body.customer)
    require_tokens([*pending.spent, *body.change], {KZT})
    require_balanced(KZT, total(pending.spent), total(body.change) + body.budget)
    owner_of(body.provider, state)
    meter_id = pending.tx.txid.hex()
    record = MeterRecord(
        customer=body.customer,
        provider=body.provider,
        budget=body.budget,
        expires_at=body.expires_at,
    )
    return changes(
        moved(pending.spent, body.change, state, pending.block),
        (meter_key(meter_id), record),
        lock_write(meter_lock(meter_id), KZT, body.budget, state),
        parties=wallet_ids([body.provider], state),
    )


def open_meter(meter_id: str, state: StateView) -> MeterRecord:
    """The meter, still open."""
    record = contract(meter_key(meter_id), MeterRecord, "meter", meter_id, state)
    if record.status != "open":
        raise ContractClosed(family="meter", contract=meter_id, state=record.status)
    return record


def check_usage(meter_id: str, record: MeterRecord, usage: SignedUsage, network: str) -> int:
    """A receipt newer than the last claim, signed by the customer; returns its cumulative."""
    receipt = usage.receipt
    if usage.key != record.customer:
        raise TermsMismatch(contract=meter_id, field="customer", expected=record.customer)
    if receipt.meter != meter_id:
        raise TermsMismatch(contract=meter_id, field="meter", expected=meter_id, got=receipt.meter)
    message = receipt.signing_message(network)
    if not verify(bytes.fromhex(usage.key), message, bytes.fromhex(usage.sig)):
        raise BadSignature(key=usage.key)
    if receipt.sequence == record.sequence:
        raise ReceiptReplayed(meter=meter_id, sequence=receipt.sequence)
    if receipt.sequence < record.sequence:
        raise CounterRollback(
            meter=meter_id, field="sequence", claimed=record.sequence, got=receipt.sequence
        )
    if receipt.cumulative < record.claimed:
        raise CounterRollback(
            meter=meter_id, field="cumulative", claimed=record.claimed, got=receipt.cumulative
        )
    if receipt.cumulative > record.budget:
        raise MeterBudgetExceeded(
            meter=meter_id, budget=record.budget, requested=receipt.cumulative
        )
    return receipt.cumulative


def _before_expiry(meter_id: str, record: MeterRecord, time_ms: int) -> None:
    if time_ms >= record.expires_at:
        raise MeterNotClosable(
            meter=meter_id, reason="expired", expires_at=record.expires_at, time_ms=time_ms
        )


def _restated(meter_id: str, field: str, expected: object, got: object) -> None:
    if expected != got:
        raise TermsMismatch(contract=meter_id, field=field, expected=str(expected), got=str(got))


def check_claim(pending: Pending, state: StateView) -> Effect:
    """The provider is paid what a newer customer receipt adds."""
    body = body_of(pending.tx, MeterClaim)
    record = open_meter(body.meter, state)
    _restated(body.meter, "provider", record.provider, body.provider)
    require_signers(pending.tx, {record.provider})
    _before_expiry(body.meter, record, pending.block.time_ms)
    owed = check_usage(body.meter, record, body.usage, pending.block.network)
    _restated(body.meter, "amount", owed - record.claimed, body.amount)
    updated = msgspec.structs.replace(record, claimed=owed, sequence=body.usage.receipt.sequence)
    return changes(
        moved((), body.creates(), state, pending.block),
        (meter_key(body.meter), updated),
        lock_write(meter_lock(body.meter), KZT, -body.amount, state),
        parties=wallet_ids([record.customer], state),
    )


def check_close(pending: Pending, state: StateView) -> Effect:
    """Settle a last receipt if any and refund the rest to the customer."""
    body = body_of(pending.tx, MeterClose)
    record = open_meter(body.meter, state)
    _restated(body.meter, "provider", record.provider, body.provider)
    _restated(body.meter, "customer", record.customer, body.customer)
    signers, time_ms = pending.tx.signers, pending.block.time_ms
    for key in sorted(signers - {record.customer, record.provider}):
        raise UnexpectedSigner(key=key)
    if record.provider not in signers and time_ms < record.expires_at:
        raise MeterNotClosable(
            meter=body.meter, reason="before_expiry", expires_at=record.expires_at, time_ms=time_ms
        )
    owed = record.claimed
    if body.usage is not None:
        _before_expiry(body.meter, record, time_ms)
        owed = check_usage(body.meter, record, body.usage, pending.block.network)
    _restated(body.meter, "paid", owed - record.claimed, body.paid)
    _restated(body.meter, "refund", record.budget - owed, body.refund)
    return changes(
        booked((), body.creates(), state),  # settling a contract: never refused for limits
        (meter_key(body.meter), msgspec.structs.replace(record, claimed=owed, status="closed")),
        lock_write(meter_lock(body.meter), KZT, -record.remaining, state),
        parties=wallet_ids([record.customer, record.provider], state),
    )


RULES = (
    TxRule("meter.open", MeterOpen, check_open, apply_writes, validate_open),
    TxRule("meter.claim", MeterClaim, check_claim, apply_writes),
    TxRule("meter.close", MeterClose, check_close, apply_writes),
)
