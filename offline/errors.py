"""The errors of offline payments: certificates, vouchers, purses, deposits.

They extend the one tree of :mod:`ledger.errors`, so the API maps them with
the same handler, and every rejection has its own stable ``code``. The same
classes are raised by the payee's offline verifier (no network) and by the
ledger's rules::

    EncodingError (400)
    └── MalformedVoucher             bytes that are not a canonical voucher or bundle
    InvalidTransaction (400)
    ├── TamperedBundle               a signature, receipt or binding does not verify
    ├── InvalidCertificate           a certificate or CRL outside the profile
    └── NotFraudProof                the evidence proves no misbehaviour
    Unauthorized (403)
    └── NotVoucherPayee              a deposit of someone else's voucher
    Rejected (422)
    ├── OfflineNotConfigured, UnknownDevice, UnknownPurse
    ├── DeviceRevoked, CertificateExpired, StaleCrl, SyncTooOld, VoucherTimeSkew
    ├── WrongPayee, CounterReplay, BrokenChain
    ├── VoucherLimitExceeded, PurseLimitExceeded, VoucherCountExceeded
    ├── LimitsAboveTier, ReserveInsufficient, PurseClosed, PurseStillOpen
    ├── DefundMismatch, ClawbackExceedsDebt, DepositTooLate, CrlIncomplete
    Conflict (409)
    ├── DeviceExists, CrlNotNewer
    └── VoucherSettled               the voucher was already paid (deposits are idempotent)
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.errors import Conflict, EncodingError, InvalidTransaction, Rejected, Unauthorized


@dataclass(eq=False)
class MalformedVoucher(EncodingError):
    """``part``: ``voucher``, ``bundle``, ``receipt``, ``extension`` or ``funding``."""

    code = "malformed_voucher"
    title = "The bytes are not a canonical voucher or bundle"
    part: str = ""
    reason: str = ""


@dataclass(eq=False)
class TamperedBundle(InvalidTransaction):
    """``what``: ``voucher_signature``, ``certificate_signature``, ``receipt``,
    ``funding`` (the funding transaction does not match the receipt or the
    voucher's purse) or ``device_key`` (the certificate names another key)."""

    code = "tampered_bundle"
    title = "Part of the payment does not verify"
    what: str = ""
    reason: str = ""


@dataclass(eq=False)
class InvalidCertificate(InvalidTransaction):
    code = "invalid_certificate"
    title = "The certificate or CRL does not follow the offline profile"
    reason: str = ""


@dataclass(eq=False)
class NotFraudProof(InvalidTransaction):
    code = "not_fraud_proof"
    title = "The evidence does not prove that the device misbehaved"
    reason: str = ""


@dataclass(eq=False)
class NotVoucherPayee(Unauthorized):
    code = "not_voucher_payee"
    title = "Only the payee named in a voucher, or its bank, may deposit it"
    voucher: str = ""
    payee: str = ""
    signer: str = ""


@dataclass(eq=False)
class OfflineNotConfigured(Rejected):
    code = "offline_not_configured"
    title = "The central bank has not set up offline payments (or this bank's CA)"
    bank_id: str = ""


@dataclass(eq=False)
class UnknownDevice(Rejected):
    code = "unknown_device"
    title = "The device is not certified by a bank this network trusts"
    serial: str = ""
    reason: str = ""


@dataclass(eq=False)
class UnknownPurse(Rejected):
    code = "unknown_purse"
    title = "No offline purse with this id"
    purse: str = ""


@dataclass(eq=False)
class DeviceRevoked(Rejected):
    code = "device_revoked"
    title = "The device's certificate is revoked"
    serial: str = ""
    reason: str = ""


@dataclass(eq=False)
class CertificateExpired(Rejected):
    code = "certificate_expired"
    title = "The device's certificate is not valid at this time"
    serial: str = ""
    not_before: int = 0
    not_after: int = 0
    time_ms: int = 0


@dataclass(eq=False)
class StaleCrl(Rejected):
    """The payee's newest CRL of the issuing bank is older than the network allows."""

    code = "stale_crl"
    title = "The cached revocation list is too old to accept offline payments"
    bank_id: str = ""
    this_update: int = 0
    max_age_ms: int = 0
    time_ms: int = 0


@dataclass(eq=False)
class SyncTooOld(Rejected):
    code = "sync_too_old"
    title = "The paying device has not synced within its offline window"
    purse: str = ""
    funded_at: int = 0
    max_hours: int = 0
    time_ms: int = 0


@dataclass(eq=False)
class VoucherTimeSkew(Rejected):
    code = "voucher_time_skew"
    title = "The voucher's device time is too far from the payee's clock or the purse window"
    device_time: int = 0
    time_ms: int = 0
    allowed_ms: int = 0


@dataclass(eq=False)
class WrongPayee(Rejected):
    code = "wrong_payee"
    title = "The voucher pays another key"
    payee: str = ""
    expected: str = ""


@dataclass(eq=False)
class CounterReplay(Rejected):
    """A counter not above the last one seen from this purse (a replay or a rollback)."""

    code = "counter_replay"
    title = "The voucher's counter does not increase"
    purse: str = ""
    counter: int = 0
    last: int = 0


@dataclass(eq=False)
class BrokenChain(Rejected):
    """``reason``: ``prev_hash`` or ``cumulative``."""

    code = "broken_chain"
    title = "The voucher does not extend the purse's chain of vouchers"
    purse: str = ""
    counter: int = 0
    reason: str = ""


@dataclass(eq=False)
class VoucherLimitExceeded(Rejected):
    code = "voucher_limit_exceeded"
    title = "The voucher is above the device's single-voucher limit"
    limit: int = 0
    requested: int = 0


@dataclass(eq=False)
class PurseLimitExceeded(Rejected):
    """More than the purse was funded with, or than the certificate's purse maximum."""

    code = "purse_limit_exceeded"
    title = "The amount is above what the purse holds or may hold"
    limit: int = 0
    requested: int = 0


@dataclass(eq=False)
class VoucherCountExceeded(Rejected):
    code = "voucher_count_exceeded"
    title = "The device has signed its maximum number of vouchers for this purse"
    limit: int = 0
    counter: int = 0


@dataclass(eq=False)
class LimitsAboveTier(Rejected):
    code = "offline_limits_above_tier"
    title = "A bank may grant offline limits up to the central bank's tier defaults only"
    tier: str = ""
    limit: str = ""
    allowed: int = 0
    requested: int = 0


@dataclass(eq=False)
class ReserveInsufficient(Rejected):
    """The bank's offline guarantee reserve is below what this needs."""

    code = "reserve_insufficient"
    title = "The bank's offline guarantee reserve does not cover this"
    bank_id: str = ""
    reserve: int = 0
    required: int = 0


@dataclass(eq=False)
class PurseClosed(Rejected):
    code = "purse_closed"
    title = "The purse was already defunded"
    purse: str = ""


@dataclass(eq=False)
class PurseStillOpen(Rejected):
    code = "purse_still_open"
    title = "The device already has a purse that is not defunded"
    serial: str = ""
    purse: str = ""


@dataclass(eq=False)
class DefundMismatch(Rejected):
    """``field``: ``amount``, ``counter``, ``cumulative`` or ``signer``."""

    code = "defund_mismatch"
    title = "The defund does not restate the purse correctly"
    purse: str = ""
    field: str = ""
    expected: str = ""
    got: str = ""


@dataclass(eq=False)
class ClawbackExceedsDebt(Rejected):
    code = "clawback_exceeds_debt"
    title = "A claw-back may take no more than the reserve advanced for the fraud"
    purse: str = ""
    owed: int = 0
    requested: int = 0


@dataclass(eq=False)
class DepositTooLate(Rejected):
    code = "deposit_too_late"
    title = "The purse's deposit window has closed"
    purse: str = ""
    settle_by: int = 0
    time_ms: int = 0


@dataclass(eq=False)
class CrlIncomplete(Rejected):
    code = "crl_incomplete"
    title = "The CRL leaves out a device the ledger has revoked"
    bank_id: str = ""
    serial: str = ""


@dataclass(eq=False)
class DeviceExists(Conflict):
    code = "device_exists"
    title = "A device with this serial or key is already enrolled"
    serial: str = ""


@dataclass(eq=False)
class CrlNotNewer(Conflict):
    code = "crl_not_newer"
    title = "A CRL must carry a higher CRL number than the last one published"
    bank_id: str = ""
    last: int = 0
    got: int = 0


@dataclass(eq=False)
class VoucherSettled(Conflict):
    """Deposits are idempotent: a voucher pays once, and a second deposit is refused."""

    code = "voucher_settled"
    title = "The voucher was already deposited and paid"
    purse: str = ""
    counter: int = 0
    voucher: str = ""
