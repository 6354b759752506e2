"""Value in and out of offline purses and banks' guarantee reserves.

``purse.fund`` moves a wallet's KZT into a purse on its certified device
(outflow for the wallet's per-payment and daily limits, still inside its
balance cap); ``purse.defund`` gives back what the device's vouchers do not
need; ``reserve.fund`` books a bank's guarantee reserve; ``purse.clawback``
repays the reserve from the wallet of a device proven to have cheated.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from ledger.errors import NotAuthorized, TokenNotAllowed, ValueNotConserved
from ledger.records import KeyOwner
from ledger.registry import Effect, Pending, TxRule, WalletFlow, apply_writes
from ledger.rules.limits import active_owners, check_limits, owner_of
from ledger.state import StateView
from ledger.types import KZT, Output
from ledger.validation import body_of, require_signers
from offline.draft import Draft, bank_offline, bank_signer, only_signer, purse, setup
from offline.errors import (
    CertificateExpired,
    ClawbackExceedsDebt,
    DefundMismatch,
    DeviceRevoked,
    PurseClosed,
    PurseLimitExceeded,
    PurseStillOpen,
    UnknownDevice,
)
from offline.params import HOUR_MS
from offline.records import (
    DeviceRecord,
    PurseRecord,
    bank_key,
    device_key,
    purse_key,
    purse_lock,
    reserve_lock,
)
from offline.types import PurseClawback, PurseDefund, PurseFund, ReserveFund


def _kzt_balanced(spent: Iterable[Output], kept: Iterable[Output], amount: int) -> None:
    spent, kept = tuple(spent), tuple(kept)
    for output in (*spent, *kept):
        if output.token != KZT:
            raise TokenNotAllowed(token=output.token)
    inputs = sum(o.amount for o in spent)
    outputs = sum(o.amount for o in kept) + amount
    if inputs != outputs:
        raise ValueNotConserved(token=KZT, inputs=inputs, outputs=outputs)


def _owned_by(outputs: Iterable[Output], owner: KeyOwner, state: StateView, action: str) -> None:
    for output in outputs:
        if owner_of(output.owner, state) != owner:
            raise NotAuthorized(action=action, signer=output.owner)


# -- reserve.fund --------------------------------------------------------------------


def check_reserve(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, ReserveFund)
    bank_offline(body.bank_id, state)
    bank_signer(pending.tx, body.bank_id, state, "reserve.fund")
    require_signers(pending.tx, {o.owner for o in pending.spent})
    bank = KeyOwner(kind="bank", id=body.bank_id)
    _owned_by((*pending.spent, *body.change), bank, state, "reserve.fund")
    _kzt_balanced(pending.spent, body.change, body.amount)
    draft = Draft(state)
    draft.add_locked(reserve_lock(body.bank_id), body.amount)
    return draft.changes()


# -- purse.fund ------------------------------------------------------------------------


def device_by_key(key: str, state: StateView) -> DeviceRecord:
    """The enrolled device holding ``key``."""
    owner = state.key_owner(key)
    record = state.read(device_key(owner.id), DeviceRecord) if owner else None
    if owner is None or owner.kind != "device" or record is None:
        raise UnknownDevice(reason="the key is not an enrolled device's")
    return record


def _fundable(device: DeviceRecord, time_ms: int, amount: int) -> None:
    if device.status != "active":
        raise DeviceRevoked(serial=device.serial, reason=device.reason or "")
    if not device.not_before <= time_ms <= device.not_after:
        raise CertificateExpired(device.serial, device.not_before, device.not_after, time_ms)
    if device.purse is not None:
        raise PurseStillOpen(serial=device.serial, purse=device.purse)
    if amount > device.limits.max_purse:
        raise PurseLimitExceeded(limit=device.limits.max_purse, requested=amount)


def check_fund(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, PurseFund)
    device = device_by_key(body.device, state)
    time_ms = pending.block.time_ms
    _fundable(device, time_ms, body.amount)
    params = setup(state).params
    require_signers(pending.tx, {o.owner for o in pending.spent})
    wallet = KeyOwner(kind="wallet", id=device.wallet_id)
    _owned_by((*pending.spent, *body.change), wallet, state, "purse.fund")
    _kzt_balanced(pending.spent, body.change, body.amount)
    active_owners([o.owner for o in pending.spent], state)
    flow = WalletFlow(device.wallet_id, sent=body.amount, kept=body.amount)
    (updated,) = check_limits({device.wallet_id: flow}, state, pending.block)
    purse_id = pending.tx.txid.hex()
    expires_at = min(time_ms + device.limits.max_offline_hours * HOUR_MS, device.not_after)
    record = PurseRecord(
        purse=purse_id,
        serial=device.serial,
        device=device.key,
        wallet_id=device.wallet_id,
        bank_id=device.bank_id,
        limits=device.limits,
        funded=body.amount,
        funded_at=time_ms,
        expires_at=expires_at,
        settle_by=expires_at + params.deposit_window_ms,
    )
    draft = Draft(state)
    draft.put_wallet(updated)
    draft.put(purse_key(purse_id), record)
    draft.put(device_key(device.serial), msgspec.structs.replace(device, purse=purse_id))
    draft.add_locked(purse_lock(purse_id), body.amount)
    return draft.changes([device.wallet_id])


# -- purse.defund --------------------------------------------------------------------------


def settled_tip(record: PurseRecord) -> tuple[int, int]:
    """(counter, cumulative) a release restates: what the device stated, else what settled."""
    if record.last_counter is not None and record.last_cumulative is not None:
        return record.last_counter, record.last_cumulative
    return (record.counters[-1] if record.counters else 0), record.paid


def _device_terms(record: PurseRecord, body: PurseDefund) -> tuple[int, int, int]:
    """Before the deposit window closes only the device defunds, stating its last voucher;
    the purse keeps what that voucher's cumulative says its vouchers need."""
    if record.status == "fraud":
        raise DeviceRevoked(serial=record.serial, reason="fraud")
    if record.status == "closed":
        raise PurseClosed(purse=record.purse)
    top = record.counters[-1] if record.counters else 0
    if body.last_counter < top:
        raise DefundMismatch(record.purse, "counter", f">= {top}", str(body.last_counter))
    if not record.paid <= body.cumulative <= record.funded:
        expected = f"{record.paid}..{record.funded}"
        raise DefundMismatch(record.purse, "cumulative", expected, str(body.cumulative))
    return body.last_counter, body.cumulative, record.funded - body.cumulative


def _release_signers(pending: Pending, record: PurseRecord, state: StateView) -> None:
    """After the window, the device or any key of the purse's wallet may release the rest."""
    wallet = KeyOwner(kind="wallet", id=record.wallet_id)
    for key in sorted(pending.tx.signers - {record.device}):
        if state.key_owner(key) != wallet:
            raise NotAuthorized(action="purse.defund", signer=key)


def check_defund(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, PurseDefund)
    record = purse(body.purse, state)
    wallet = KeyOwner(kind="wallet", id=record.wallet_id)
    _owned_by([Output(owner=body.to, amount=1)], wallet, state, "purse.defund")
    if pending.block.time_ms >= record.settle_by:
        _release_signers(pending, record, state)
        terms = (*settled_tip(record), record.remaining)
    else:
        only_signer(pending.tx, record.device)
        terms = _device_terms(record, body)
    stated = (body.last_counter, body.cumulative, body.amount)
    for field, expected, got in zip(
        ("counter", "cumulative", "amount"), terms, stated, strict=True
    ):
        if expected != got:
            raise DefundMismatch(record.purse, field, str(expected), str(got))
    return _defunded(record, body, pending, state)


def _defunded(record: PurseRecord, body: PurseDefund, pending: Pending, state: StateView) -> Effect:
    draft = Draft(state)
    closed = msgspec.structs.replace(
        record,
        status="fraud" if record.status == "fraud" else "closed",
        last_counter=body.last_counter,
        last_cumulative=body.cumulative,
        returned=record.returned + body.amount,
        defund_tx=record.defund_tx or pending.tx.txid.hex(),
    )
    draft.put(purse_key(record.purse), closed)
    draft.add_locked(purse_lock(record.purse), -body.amount)
    draft.book_held(record.wallet_id, to_outputs=body.amount, from_held=body.amount)
    device = draft.get(device_key(record.serial), DeviceRecord)
    if device is not None and device.purse == record.purse:
        draft.put(device_key(record.serial), msgspec.structs.replace(device, purse=None))
    return draft.changes([record.wallet_id])


# -- purse.clawback ---------------------------------------------------------------------------


def check_clawback(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, PurseClawback)
    record = purse(body.purse, state)
    bank_signer(pending.tx, record.bank_id, state, "purse.clawback")
    if body.amount > record.owed:
        raise ClawbackExceedsDebt(purse=record.purse, owed=record.owed, requested=body.amount)
    wallet = KeyOwner(kind="wallet", id=record.wallet_id)
    _owned_by((*pending.spent, *body.change), wallet, state, "purse.clawback")
    _kzt_balanced(pending.spent, body.change, body.amount)
    draft = Draft(state)
    clawed = msgspec.structs.replace(record, clawed=record.clawed + body.amount)
    draft.put(purse_key(record.purse), clawed)
    draft.add_locked(reserve_lock(record.bank_id), body.amount)
    draft.book_held(record.wallet_id, to_outputs=-body.amount, from_held=0)
    offline = bank_offline(record.bank_id, state)
    repaid = msgspec.structs.replace(offline, advanced=offline.advanced - body.amount)
    draft.put(bank_key(record.bank_id), repaid)
    return draft.changes([record.wallet_id])


RULES = (
    TxRule("reserve.fund", ReserveFund, check_reserve, apply_writes),
    TxRule("purse.fund", PurseFund, check_fund, apply_writes),
    TxRule("purse.defund", PurseDefund, check_defund, apply_writes),
    TxRule("purse.clawback", PurseClawback, check_clawback, apply_writes),
)
