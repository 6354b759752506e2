"""Deposits and fraud: ``voucher.deposit`` pays payees, ``purse.fraud`` records proof.

A deposit pays each voucher in full to its payee, once: from the purse, and
— only when the purse's device has been proven to cheat — from the issuing
bank's guarantee reserve, which the bank recovers from the payer's wallet
(``purse.clawback``). A voucher that conflicts with one already settled (same
counter, a broken hash chain or cumulative amount, a counter after the
device's defund statement) is still paid if a payee could have verified it
offline, and it turns the pair into a fraud record that revokes the device.
"""

from __future__ import annotations

import bisect

import msgspec

from ledger.errors import WrongNetwork
from ledger.registry import Effect, Pending, TxRule, apply_writes
from ledger.state import StateView
from ledger.types import Body
from ledger.validation import as_body, body_of
from offline.authority import revoke
from offline.draft import Draft, bank_offline, purse
from offline.errors import NotFraudProof, TamperedBundle, VoucherCountExceeded
from offline.payout import Payout, payable
from offline.proofs import after_statement, chain_break, over_limit, pair_fraud
from offline.records import (
    DeviceRecord,
    FraudKind,
    FraudRecord,
    PurseRecord,
    Slot,
    WalletOffline,
    bank_key,
    device_key,
    fraud_key,
    purse_key,
    slot_key,
    wallet_key,
)
from offline.types import MAX_DEPOSIT_VOUCHERS, PurseFraud, VoucherDeposit
from offline.voucher import SignedVoucher, decode_voucher

Evidence = tuple[FraudKind, tuple[str, ...], str | None]
"""A fraud's kind, its proof (voucher CBOR hex) and the defund statement it contradicts."""


def _vouchers(network: str, purse_id: str, device: str, raws: tuple[str, ...]) -> None:
    key = bytes.fromhex(device)
    for raw in raws:
        signed = decode_voucher(bytes.fromhex(raw))
        if signed.voucher.purse.hex() != purse_id:
            raise TamperedBundle(what="funding", reason="a voucher of another purse")
        if not signed.verify(network, key):
            raise TamperedBundle(what="voucher_signature", reason="not signed by the device")


def validate_deposit(body: Body) -> None:
    """Every voucher decodes and is signed by the device its group names."""
    body = as_body(body, VoucherDeposit)
    if sum(len(g.vouchers) for g in body.deposits) > MAX_DEPOSIT_VOUCHERS:
        raise VoucherCountExceeded(limit=MAX_DEPOSIT_VOUCHERS)
    for group in body.deposits:
        _vouchers(body.network, group.purse, group.device, group.vouchers)


def validate_fraud(body: Body) -> None:
    body = as_body(body, PurseFraud)
    _vouchers(body.network, body.purse, body.device, body.vouchers)


def _network(network: str, pending: Pending) -> None:
    if network != pending.block.network:
        raise WrongNetwork(expected=pending.block.network, got=network)


def _purse_of(draft: Draft, purse_id: str, device: str) -> PurseRecord:
    record = purse(purse_id, draft)
    if record.device != device:
        raise TamperedBundle(what="device_key", reason="the purse belongs to another device")
    return record


# -- detecting conflicts against what is settled ----------------------------------------


def settled_at(draft: Draft, purse_id: str, counter: int) -> SignedVoucher | None:
    """The first voucher settled at a counter (the honest chain's, before any fraud)."""
    slot = draft.get(slot_key(purse_id, counter), Slot)
    return decode_voucher(bytes.fromhex(slot.vouchers[0].voucher)) if slot else None


def detect(
    draft: Draft, record: PurseRecord, signed: SignedVoucher, network: str
) -> Evidence | None:
    """The fraud this voucher proves together with what is settled, if any."""
    raw, counter = signed.raw.hex(), signed.voucher.counter
    same = settled_at(draft, record.purse, counter)
    if same is not None and same.raw != signed.raw:
        return "double_counter", (same.raw.hex(), raw), None
    last, total = record.last_counter, record.last_cumulative
    if last is not None and total is not None and after_statement(signed, last, total):
        return "after_defund", (raw,), record.defund_tx
    if over_limit(signed, record.limits, record.funded):
        return "over_limit", (raw,), None
    at = bisect.bisect_left(record.counters, counter)
    for index in (at - 1, at):  # the nearest settled counters below and above
        if 0 <= index < len(record.counters):
            other = settled_at(draft, record.purse, record.counters[index])
            if other is None:
                raise LookupError(f"settled counter {record.counters[index]} has no voucher")
            lower, upper = sorted((other, signed), key=lambda s: s.voucher.counter)
            if chain_break(lower, upper, network):
                return "broken_chain", (lower.raw.hex(), upper.raw.hex()), None
    return None


def record_fraud(
    draft: Draft, record: PurseRecord, evidence: Evidence, pending: Pending
) -> PurseRecord:
    """Store the proof, revoke the device, index the fraud; returns the purse, flagged."""
    kind, proof, statement = evidence
    block = pending.block
    fraud = FraudRecord(
        purse=record.purse,
        serial=record.serial,
        device=record.device,
        wallet_id=record.wallet_id,
        bank_id=record.bank_id,
        kind=kind,
        proof=proof,
        height=block.height,
        time_ms=block.time_ms,
        statement=statement,
    )
    draft.put(fraud_key(record.purse), fraud)
    device = draft.get(device_key(record.serial), DeviceRecord)
    if device is not None and device.status == "active":
        revoke(draft, device, "compromised", block.time_ms)
    offline = bank_offline(record.bank_id, draft)
    draft.put(
        bank_key(record.bank_id),
        msgspec.structs.replace(offline, frauds=(*offline.frauds, record.purse)),
    )
    index = draft.get(wallet_key(record.wallet_id), WalletOffline) or WalletOffline()
    frauds = (*index.frauds, record.purse)
    draft.put(wallet_key(record.wallet_id), msgspec.structs.replace(index, frauds=frauds))
    return msgspec.structs.replace(record, status="fraud")


# -- voucher.deposit -----------------------------------------------------------------------


def check_deposit(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, VoucherDeposit)
    _network(body.network, pending)
    draft = Draft(state)
    payout = Payout(draft, pending)
    for group in body.deposits:
        record = _purse_of(draft, group.purse, group.device)
        for raw in group.vouchers:
            signed = decode_voucher(bytes.fromhex(raw))
            payable(record, signed, pending, draft)
            if record.status != "fraud":
                evidence = detect(draft, record, signed, body.network)
                if evidence is not None:
                    record = record_fraud(draft, record, evidence, pending)
            record = payout.pay(record, signed, body.network)
        draft.put(purse_key(record.purse), record)
    return payout.finish(state)


# -- purse.fraud -----------------------------------------------------------------------------


def check_fraud(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, PurseFraud)
    _network(body.network, pending)
    draft = Draft(state)
    record = _purse_of(draft, body.purse, body.device)
    if draft.get(fraud_key(record.purse), FraudRecord) is not None:
        raise NotFraudProof(reason="a fraud is already recorded for this purse")
    signed = [decode_voucher(bytes.fromhex(raw)) for raw in body.vouchers]
    evidence = _evidence(draft, record, signed, body.network)
    if evidence is None:
        raise NotFraudProof(reason="these vouchers are consistent with an honest device")
    draft.put(purse_key(record.purse), record_fraud(draft, record, evidence, pending))
    return draft.changes([record.wallet_id])


def _evidence(
    draft: Draft, record: PurseRecord, signed: list[SignedVoucher], network: str
) -> Evidence | None:
    if len(signed) == 2:
        kind = pair_fraud(signed[0], signed[1], network)
        if kind is not None:
            ordered = sorted(signed, key=lambda s: s.voucher.counter)
            return kind, tuple(s.raw.hex() for s in ordered), None
    for one in signed:
        found = detect(draft, record, one, network)
        if found is not None:
            return found
    return None


RULES = (
    TxRule("voucher.deposit", VoucherDeposit, check_deposit, apply_writes, validate_deposit),
    TxRule("purse.fraud", PurseFraud, check_fraud, apply_writes, validate_fraud),
)
