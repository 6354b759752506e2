"""What the offline module keeps in consensus state, and where.

Records live under ``schema.OFFLINE`` (``f | family / id``). A purse's value
and each bank's guarantee reserve are booked under ``schema.LOCKED``, so the
audit counts them in the KZT supply; the purse's wallet also counts its
purses in ``WalletRecord.held`` (its balance cap covers them).
"""

from __future__ import annotations

from typing import Literal

from ledger.encoding import Hex32, Wire
from ledger.storage import schema
from offline.params import OfflineLimits, OfflineParams

FraudKind = Literal["double_counter", "broken_chain", "over_limit", "after_defund"]


class SetupRecord(Wire, frozen=True):
    """The offline root certificate and the network's offline rules."""

    root: str
    root_key: Hex32
    params: OfflineParams


class BankOffline(Wire, frozen=True):
    """A bank's offline standing: its CA, what it granted, revocations and frauds."""

    bank_id: str
    ca: str
    """The bank CA certificate (DER hex), issued by the root on one of the bank's keys."""
    ca_key: Hex32
    granted: int = 0
    """Sum of the purse maxima of the bank's active devices: the reserve is a share of it."""
    advanced: int = 0
    """Reserve paid out to honest payees of fraudulent purses, not yet clawed back."""
    revoked: tuple[str, ...] = ()
    """Serials the ledger revoked: every CRL the bank publishes must list them."""
    frauds: tuple[Hex32, ...] = ()
    """Purses with a fraud record."""


class CrlRecord(Wire, frozen=True):
    """The newest CRL a bank published."""

    number: int
    this_update: int
    next_update: int
    crl: str


class DeviceRecord(Wire, frozen=True):
    """An enrolled device: its certificate's facts and its state on the ledger."""

    serial: str
    key: Hex32
    wallet_id: str
    bank_id: str
    limits: OfflineLimits
    not_before: int
    not_after: int
    certificate: str
    status: Literal["active", "revoked"] = "active"
    reason: str | None = None
    revoked_at: int | None = None
    purse: Hex32 | None = None
    """The purse not yet defunded, if any (a device holds one at a time)."""


class PurseRecord(Wire, frozen=True):
    """A purse: what was funded, what was paid and from where, and what is settled."""

    purse: Hex32
    serial: str
    device: Hex32
    wallet_id: str
    bank_id: str
    limits: OfflineLimits
    funded: int
    funded_at: int
    expires_at: int
    """Payees accept its vouchers until then (funding time + the device's offline hours)."""
    settle_by: int
    """Its vouchers may be deposited until then; the rest returns to the wallet."""
    paid: int = 0
    from_purse: int = 0
    advanced: int = 0
    """Paid by the bank's reserve because the purse ran dry after a fraud."""
    clawed: int = 0
    returned: int = 0
    counters: tuple[int, ...] = ()
    """Settled counters, ascending."""
    status: Literal["open", "closed", "fraud"] = "open"
    last_counter: int | None = None
    last_cumulative: int | None = None
    defund_tx: Hex32 | None = None

    @property
    def remaining(self) -> int:
        """What the purse still holds (its lock)."""
        return self.funded - self.from_purse - self.returned

    @property
    def owed(self) -> int:
        """What the payer's wallet still owes the reserve."""
        return self.advanced - self.clawed


class SettledVoucher(Wire, frozen=True):
    """One voucher paid at a counter (more than one only after a double spend)."""

    voucher: str
    """The signed voucher's CBOR, hex: kept as proof."""
    voucher_id: Hex32
    payee: Hex32


class Slot(Wire, frozen=True):
    """The vouchers paid at one (purse, counter)."""

    vouchers: tuple[SettledVoucher, ...]


class PayeeTally(Wire, frozen=True):
    """What one payee was paid from one purse (never above the funded amount)."""

    paid: int


class FraudRecord(Wire, frozen=True):
    """Proof that a device misbehaved, and whom it is attributed to."""

    purse: Hex32
    serial: str
    device: Hex32
    wallet_id: str
    bank_id: str
    kind: FraudKind
    proof: tuple[str, ...]
    """The device-signed vouchers (CBOR hex) that no honest device signs together."""
    height: int
    time_ms: int
    statement: Hex32 | None = None
    """For ``after_defund``: the txid of the device-signed defund the voucher contradicts."""


class WalletOffline(Wire, frozen=True):
    """A wallet's devices and the frauds attributed to it."""

    devices: tuple[str, ...] = ()
    frauds: tuple[Hex32, ...] = ()


SETUP = schema.offline_key("setup", "root")


def bank_key(bank_id: str) -> bytes:
    return schema.offline_key("bank", bank_id)


def crl_key(bank_id: str) -> bytes:
    return schema.offline_key("crl", bank_id)


def device_key(serial: str) -> bytes:
    return schema.offline_key("device", serial)


def purse_key(purse: str) -> bytes:
    return schema.offline_key("purse", purse)


def slot_key(purse: str, counter: int) -> bytes:
    return schema.offline_key("slot", f"{purse}/{counter}")


def tally_key(purse: str, payee: str) -> bytes:
    return schema.offline_key("tally", f"{purse}/{payee}")


def fraud_key(purse: str) -> bytes:
    return schema.offline_key("fraud", purse)


def wallet_key(wallet_id: str) -> bytes:
    return schema.offline_key("wallet", wallet_id)


def purse_lock(purse: str) -> str:
    """The lock id of a purse's value."""
    return f"purse/{purse}"


def reserve_lock(bank_id: str) -> str:
    """The lock id of a bank's offline guarantee reserve."""
    return f"offline-reserve/{bank_id}"
