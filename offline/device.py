"""The paying device: its purse, its counter and hash chain, and the vouchers it signs.

A device's state is a frozen :class:`DeviceState`; :func:`pay` returns the
bundle and the next state, so nothing is mutated and a test can clone a
device (copy a state) or roll its counter back (pay from an older state) —
exactly what a cheater with a copied key can do. In production the device
key and the counter live in a secure element that refuses both; here a
software keystore stands in for it (docs/offline.md, "Threat model").
Pure module.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import cbor2

from ledger.crypto import KeyPair
from ledger.encoding import decode_json
from ledger.types import Receipt, txid_of
from offline.bundle import Bundle, compact_receipt, expand_receipt
from offline.errors import (
    MalformedVoucher,
    PurseLimitExceeded,
    SyncTooOld,
    VoucherCountExceeded,
    VoucherLimitExceeded,
)
from offline.params import HOUR_MS
from offline.pki import DeviceCertificate, load_device
from offline.types import PurseFund
from offline.voucher import Voucher, cbor, sign_voucher


@dataclass(frozen=True, slots=True)
class Purse:
    """A funded purse as the device holds it: the funding body and its receipt."""

    funding: bytes
    """Canonical JSON of the ``purse.fund`` body."""
    receipt: Receipt

    @property
    def purse_id(self) -> bytes:
        return bytes.fromhex(self.receipt.txid)

    @property
    def funded(self) -> int:
        return decode_json(self.funding, PurseFund).amount

    @property
    def funded_at(self) -> int:
        return self.receipt.header.time_ms


@dataclass(frozen=True, slots=True)
class DeviceState:
    """Everything the device remembers between payments (not the key)."""

    network: str
    certificate: bytes
    purse: Purse | None = None
    counter: int = 0
    last: bytes = b""
    """The id of the last voucher signed (the purse id before the first)."""
    spent: int = 0
    """The cumulative amount of the vouchers signed from the purse."""

    @property
    def device(self) -> DeviceCertificate:
        return load_device(self.certificate)

    @property
    def available(self) -> int:
        """What the purse can still pay."""
        return (self.purse.funded - self.spent) if self.purse else 0

    def funded(self, purse: Purse) -> DeviceState:
        """The state with a newly funded purse: counter and chain start again."""
        return replace(self, purse=purse, counter=0, last=purse.purse_id, spent=0)

    def encode(self) -> bytes:
        """Deterministic CBOR for the device's storage."""
        purse = self.purse
        stored = None if purse is None else [purse.funding, compact_receipt(purse.receipt)]
        return cbor(
            [1, self.network, self.certificate, stored, self.counter, self.last, self.spent]
        )

    @classmethod
    def decode(cls, data: bytes) -> DeviceState:
        """Read a stored state; anything but the layout :meth:`encode` writes is malformed."""
        try:
            items: Any = cbor2.loads(data)
        except (cbor2.CBORDecodeError, ValueError, TypeError) as exc:
            raise MalformedVoucher(part="device", reason=str(exc)) from None
        if not (isinstance(items, list) and len(items) == 7 and _typed(items, _STATE_TYPES)):
            raise MalformedVoucher(part="device", reason="expected a version 1 device state")
        _, network, certificate, stored, counter, last, spent = items
        purse = None
        if stored is not None:
            if not (len(stored) == 2 and isinstance(stored[0], bytes)):
                raise MalformedVoucher(part="device", reason="expected [funding, receipt]")
            receipt = expand_receipt(stored[1], network, txid_of(network, stored[0]))
            purse = Purse(stored[0], receipt)
        return cls(network, certificate, purse, counter, last, spent)


_STATE_TYPES = (int, str, bytes, (list, type(None)), int, bytes, int)


def _typed(items: list[Any], types: tuple[type | tuple[type, ...], ...]) -> bool:
    return all(isinstance(v, t) for v, t in zip(items, types, strict=True))


def pay(
    state: DeviceState, key: KeyPair, payee: bytes, amount: int, now_ms: int
) -> tuple[Bundle, DeviceState]:
    """Sign the next voucher of the purse; the bundle to hand over and the new state.

    The device enforces its own limits, as its secure element would.
    """
    purse, limits = state.purse, state.device.limits
    if purse is None or amount > state.available:
        raise PurseLimitExceeded(limit=state.available, requested=amount)
    if amount > limits.max_voucher:
        raise VoucherLimitExceeded(limit=limits.max_voucher, requested=amount)
    if state.counter + 1 > limits.max_vouchers:
        raise VoucherCountExceeded(limit=limits.max_vouchers, counter=state.counter + 1)
    if now_ms > purse.funded_at + limits.max_offline_hours * HOUR_MS:
        hours = limits.max_offline_hours
        raise SyncTooOld(purse.purse_id.hex(), purse.funded_at, hours, now_ms)
    voucher = Voucher(
        purse=purse.purse_id,
        counter=state.counter + 1,
        prev=state.last,
        payee=payee,
        amount=amount,
        cumulative=state.spent + amount,
        time_ms=now_ms,
    )
    signed = sign_voucher(state.network, voucher, key)
    bundle = Bundle.build(state.network, signed, state.certificate, purse.funding, purse.receipt)
    after = replace(
        state,
        counter=voucher.counter,
        last=signed.voucher_id(state.network),
        spent=voucher.cumulative,
    )
    return bundle, after
