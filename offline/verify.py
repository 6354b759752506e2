"""The payee's offline verification: a bundle checked with no network at all.

:func:`verify_bundle` is pure. It needs the payee's cached
:class:`~offline.trust.TrustStore` (root, bank CAs, CRLs, producer keys,
parameters), what the payee last saw from the purse (:class:`Seen`), the
payee's own key and its clock. It checks, in order: network and payee; the
device certificate, issued by a cached bank CA, valid now; the bank's CRL,
fresh and not listing the device; the funding transaction, proven by the
receipt and naming this device; the purse's offline window; the voucher's
signature, time and limits; and the counter and hash chain against what the
payee has seen. Each failure raises its own error (``offline.errors``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger.encoding import decode_canonical
from ledger.errors import EncodingError, InvalidReceipt, WrongNetwork
from ledger.receipts import verify_receipt
from ledger.types import txid_of
from offline.bundle import Bundle, decode_bundle
from offline.errors import (
    BrokenChain,
    CertificateExpired,
    CounterReplay,
    DeviceRevoked,
    MalformedVoucher,
    PurseLimitExceeded,
    StaleCrl,
    SyncTooOld,
    TamperedBundle,
    VoucherCountExceeded,
    VoucherLimitExceeded,
    VoucherTimeSkew,
    WrongPayee,
)
from offline.params import HOUR_MS
from offline.pki import DeviceCertificate, check_issued, load_device
from offline.proofs import chain_break
from offline.trust import TrustStore
from offline.types import PurseFund
from offline.voucher import SignedVoucher, decode_voucher


@dataclass(frozen=True, slots=True)
class Seen:
    """The last voucher a payee accepted from one purse, and what it has received."""

    last: bytes
    """The signed voucher's bytes."""
    received: int

    @property
    def voucher(self) -> SignedVoucher:
        return decode_voucher(self.last)


@dataclass(frozen=True, slots=True)
class Funding:
    """A purse as its verified funding receipt shows it."""

    purse: bytes
    funded: int
    funded_at: int
    device: str


@dataclass(frozen=True, slots=True)
class Accepted:
    """A verified payment: the bundle, the device and purse behind it, what to remember."""

    bundle: Bundle
    device: DeviceCertificate
    funding: Funding
    seen: Seen


@dataclass
class VerifyCache:
    """Certificates and funding receipts already verified (keyed by their bytes)."""

    devices: dict[bytes, DeviceCertificate] = field(default_factory=dict)
    fundings: dict[tuple[bytes, bytes], Funding] = field(default_factory=dict)


def check_device(bundle: Bundle, trust: TrustStore, cache: VerifyCache | None) -> DeviceCertificate:
    """The certificate, issued by a cached bank CA (cached once verified)."""
    found = cache.devices.get(bundle.certificate) if cache else None
    if found is None:
        found = load_device(bundle.certificate)
        check_issued(found, trust.cas.get(found.bank_id))
        if cache is not None:
            cache.devices[bundle.certificate] = found
    return found


def check_status(device: DeviceCertificate, trust: TrustStore, now_ms: int) -> None:
    """Valid now, and not revoked by a CRL fresh enough to trust."""
    if not device.valid_at(now_ms):
        raise CertificateExpired(device.serial_hex, device.not_before, device.not_after, now_ms)
    crl, max_age = trust.crls.get(device.bank_id), trust.params.crl_max_age_ms
    this_update = crl.this_update if crl else 0
    if crl is None or now_ms - this_update > max_age:
        raise StaleCrl(device.bank_id, this_update, max_age, now_ms)
    if device.serial in crl.revoked:
        raise DeviceRevoked(serial=device.serial_hex, reason="listed in the bank's CRL")


def check_funding(bundle: Bundle, trust: TrustStore, cache: VerifyCache | None) -> Funding:
    """The receipt proves the funding transaction, whose txid is the voucher's purse."""
    purse = bundle.voucher.voucher.purse
    cache_key = (bundle.funding, bundle.receipt_cbor)
    found = cache.fundings.get(cache_key) if cache else None
    if found is not None and found.purse == purse:
        return found
    if txid_of(bundle.network, bundle.funding) != purse:
        raise TamperedBundle(what="funding", reason="the funding is not the voucher's purse")
    receipt = bundle.receipt
    try:
        verify_receipt(receipt, trust.producer_keys, purse.hex(), bundle.network)
        body = decode_canonical(bundle.funding, PurseFund, "funding")
    except InvalidReceipt as error:
        raise TamperedBundle(what="receipt", reason=error.reason) from None
    except EncodingError as error:
        raise MalformedVoucher(part="funding", reason=str(error)) from None
    found = Funding(purse, body.amount, receipt.header.time_ms, body.device)
    if cache is not None:
        cache.fundings[cache_key] = found
    return found


def check_voucher(
    signed: SignedVoucher, device: DeviceCertificate, funding: Funding, trust: TrustStore, now: int
) -> None:
    """Signed by the device, on time, within the purse's window and the device's limits."""
    v, limits = signed.voucher, device.limits
    if funding.device != device.key:
        raise TamperedBundle(what="device_key", reason="the purse belongs to another device")
    if now > min(funding.funded_at + limits.max_offline_hours * HOUR_MS, device.not_after):
        raise SyncTooOld(funding.purse.hex(), funding.funded_at, limits.max_offline_hours, now)
    if not signed.verify(trust.network, bytes.fromhex(device.key)):
        raise TamperedBundle(what="voucher_signature", reason="not signed by the device")
    skew = trust.params.clock_skew_ms
    if abs(v.time_ms - now) > skew:
        raise VoucherTimeSkew(device_time=v.time_ms, time_ms=now, allowed_ms=skew)
    if v.amount > limits.max_voucher:
        raise VoucherLimitExceeded(limit=limits.max_voucher, requested=v.amount)
    if v.counter > limits.max_vouchers:
        raise VoucherCountExceeded(limit=limits.max_vouchers, counter=v.counter)
    if v.cumulative > funding.funded:
        raise PurseLimitExceeded(limit=funding.funded, requested=v.cumulative)


def check_chain(signed: SignedVoucher, seen: Seen | None, network: str) -> Seen:
    """A higher counter than the last one seen, extending its chain; what to remember."""
    if seen is None:
        return Seen(signed.raw, signed.voucher.amount)
    last = seen.voucher
    if signed.voucher.counter <= last.voucher.counter:
        raise CounterReplay(last.voucher.purse.hex(), signed.voucher.counter, last.voucher.counter)
    reason = chain_break(last, signed, network)
    if reason is not None:
        raise BrokenChain(last.voucher.purse.hex(), signed.voucher.counter, reason)
    return Seen(signed.raw, seen.received + signed.voucher.amount)


def verify_bundle(
    data: bytes,
    trust: TrustStore,
    payee: bytes,
    now_ms: int,
    seen: Seen | None = None,
    cache: VerifyCache | None = None,
) -> Accepted:
    """Verify a payment bundle offline; raise the specific error of the first failure."""
    bundle = decode_bundle(data)
    if bundle.network != trust.network:
        raise WrongNetwork(expected=trust.network, got=bundle.network)
    signed = bundle.voucher
    if signed.voucher.payee != payee:
        raise WrongPayee(payee=signed.voucher.payee.hex(), expected=payee.hex())
    device = check_device(bundle, trust, cache)
    check_status(device, trust, now_ms)
    funding = check_funding(bundle, trust, cache)
    check_voucher(signed, device, funding, trust, now_ms)
    return Accepted(bundle, device, funding, check_chain(signed, seen, trust.network))
