"""Paying one deposited voucher: whether it is payable, and where the money comes from.

A voucher is payable when a payee verifying it offline would have accepted
it (within the device's limits and the purse's window, a fresh counter for
this payee) and it has not been paid before. It is paid in full: from the
purse while it holds enough, otherwise — only for a purse proven fraudulent —
from the issuing bank's guarantee reserve, recorded as the payer's debt.
"""

from __future__ import annotations

import bisect

import msgspec

from ledger.records import KeyOwner
from ledger.registry import Effect, Pending, WalletFlow
from ledger.rules.limits import active_owners, check_limits
from ledger.state import StateView
from offline.draft import Draft, bank_offline, setup
from offline.errors import (
    CounterReplay,
    DepositTooLate,
    NotVoucherPayee,
    PurseLimitExceeded,
    ReserveInsufficient,
    SyncTooOld,
    VoucherCountExceeded,
    VoucherLimitExceeded,
    VoucherSettled,
    VoucherTimeSkew,
)
from offline.records import (
    PayeeTally,
    PurseRecord,
    SettledVoucher,
    Slot,
    bank_key,
    purse_lock,
    reserve_lock,
    slot_key,
    tally_key,
)
from offline.voucher import SignedVoucher


def _within_limits(record: PurseRecord, signed: SignedVoucher) -> None:
    v, limits = signed.voucher, record.limits
    if v.amount > limits.max_voucher:
        raise VoucherLimitExceeded(limit=limits.max_voucher, requested=v.amount)
    if v.counter > limits.max_vouchers:
        raise VoucherCountExceeded(limit=limits.max_vouchers, counter=v.counter)
    if v.cumulative > record.funded:
        raise PurseLimitExceeded(limit=record.funded, requested=v.cumulative)


def _within_window(record: PurseRecord, signed: SignedVoucher, skew: int, time_ms: int) -> None:
    device_time = signed.voucher.time_ms
    if device_time > record.expires_at + skew:
        hours = record.limits.max_offline_hours
        raise SyncTooOld(record.purse, record.funded_at, hours, device_time)
    if device_time < record.funded_at - skew:
        raise VoucherTimeSkew(device_time=device_time, time_ms=record.funded_at, allowed_ms=skew)
    if time_ms >= record.settle_by:  # from settle_by on, the wallet may take the rest back
        raise DepositTooLate(purse=record.purse, settle_by=record.settle_by, time_ms=time_ms)


def payable(record: PurseRecord, signed: SignedVoucher, pending: Pending, draft: Draft) -> None:
    """Refuse what no payee verifying offline would have accepted, and second payments."""
    _within_limits(record, signed)
    _within_window(record, signed, setup(draft).params.clock_skew_ms, pending.block.time_ms)
    v, network = signed.voucher, pending.block.network
    payee, voucher_id = v.payee.hex(), signed.voucher_id(network).hex()
    slot = draft.get(slot_key(record.purse, v.counter), Slot)
    for settled in slot.vouchers if slot else ():
        if settled.voucher_id == voucher_id:
            raise VoucherSettled(purse=record.purse, counter=v.counter, voucher=voucher_id)
        if settled.payee == payee:
            raise CounterReplay(purse=record.purse, counter=v.counter, last=v.counter)
    tally = draft.get(tally_key(record.purse, payee), PayeeTally)
    paid = tally.paid if tally else 0
    if paid + v.amount > record.funded:
        raise PurseLimitExceeded(limit=record.funded, requested=paid + v.amount)
    _authorized(pending, payee, voucher_id, draft)


def _authorized(pending: Pending, payee: str, voucher_id: str, draft: Draft) -> None:
    """The one signer is the payee, or a key of the bank that holds the payee's wallet."""
    signers = sorted(pending.tx.signers)
    signer = signers[0]
    if len(signers) == 1 and signer == payee:
        return
    state = draft.state
    owner = state.key_owner(payee)
    bank_id = None
    if owner is not None and owner.kind == "bank":
        bank_id = owner.id
    elif owner is not None and owner.kind == "wallet":
        wallet = state.wallet(owner.id)
        bank_id = wallet.bank_id if wallet else None
    if len(signers) != 1 or state.key_owner(signer) != KeyOwner(kind="bank", id=bank_id or ""):
        raise NotVoucherPayee(voucher=voucher_id, payee=payee, signer=signers[-1])


class Payout:
    """The money side of one deposit: locks, slots, tallies, and the wallets it touches."""

    def __init__(self, draft: Draft, pending: Pending) -> None:
        self.draft, self.pending = draft, pending
        self.received: dict[str, int] = {}
        self.held: dict[str, int] = {}

    def pay(self, record: PurseRecord, signed: SignedVoucher, network: str) -> PurseRecord:
        """Pay one payable voucher in full; returns the purse after it."""
        draft, v = self.draft, signed.voucher
        take = min(record.remaining, v.amount)
        advance = v.amount - take
        if advance and record.status != "fraud":  # cannot happen: an honest chain fits its purse
            raise PurseLimitExceeded(limit=record.remaining, requested=v.amount)
        if advance:
            self._advance(record.bank_id, advance)
        draft.add_locked(purse_lock(record.purse), -take)
        payee = v.payee.hex()
        entry = SettledVoucher(
            voucher=signed.raw.hex(), voucher_id=signed.voucher_id(network).hex(), payee=payee
        )
        key = slot_key(record.purse, v.counter)
        slot = draft.get(key, Slot)
        draft.put(key, Slot(vouchers=(*(slot.vouchers if slot else ()), entry)))
        key = tally_key(record.purse, payee)
        tally = draft.get(key, PayeeTally)
        draft.put(key, PayeeTally(paid=(tally.paid if tally else 0) + v.amount))
        self.received[payee] = self.received.get(payee, 0) + v.amount
        self.held[record.wallet_id] = self.held.get(record.wallet_id, 0) + take
        counters = record.counters
        if v.counter not in counters:
            at = bisect.bisect_left(counters, v.counter)
            counters = (*counters[:at], v.counter, *counters[at:])
        return msgspec.structs.replace(
            record,
            paid=record.paid + v.amount,
            from_purse=record.from_purse + take,
            advanced=record.advanced + advance,
            counters=counters,
        )

    def _advance(self, bank_id: str, amount: int) -> None:
        reserve = self.draft.locked(reserve_lock(bank_id))
        if reserve < amount:
            raise ReserveInsufficient(bank_id=bank_id, reserve=reserve, required=amount)
        self.draft.add_locked(reserve_lock(bank_id), -amount)
        offline = bank_offline(bank_id, self.draft)
        advanced = msgspec.structs.replace(offline, advanced=offline.advanced + amount)
        self.draft.put(bank_key(bank_id), advanced)

    def finish(self, state: StateView) -> Effect:
        """Payees' balance caps apply; payers' purses shrink; the effect of the deposit."""
        owners = active_owners(self.received, state)
        flows: dict[str, WalletFlow] = {}
        for key, amount in self.received.items():
            owner = owners[key]
            if owner.kind == "wallet":
                before = flows.get(owner.id, WalletFlow(owner.id)).received
                flows[owner.id] = WalletFlow(owner.id, received=before + amount)
        for wallet in check_limits(flows, state, self.pending.block):
            self.draft.put_wallet(wallet)
        for wallet_id, amount in self.held.items():
            if amount:
                self.draft.book_held(wallet_id, to_outputs=0, from_held=amount)
        return self.draft.changes([*self.held, *flows])
