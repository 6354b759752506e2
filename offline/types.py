"""Transaction bodies of offline payments (canonical JSON, like every ledger body).

Certificates and CRLs travel as DER in lowercase hex, vouchers as their CBOR
bytes in lowercase hex. Each body says which outputs it spends and creates,
so the core resolves, deletes and stores them like any other kind. Pure
module: phones and banks import it to build transactions.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from ledger.encoding import MAX_AMOUNT, Amount, Hex32, Ident, NetworkId, Wire, exact
from ledger.types import Body, Inputs, Nonce, OutPoint, Output, ReserveTransfer
from offline.params import OfflineParams
from offline.voucher import decode_voucher

DerHex = Annotated[
    str,
    msgspec.Meta(
        pattern=exact("(?:[0-9a-f]{2})+"),
        max_length=16_384,
        description="a DER certificate as lowercase hex",
    ),
]
CrlHex = Annotated[
    str,
    msgspec.Meta(
        pattern=exact("(?:[0-9a-f]{2})+"),
        max_length=2_000_000,
        description="a DER X.509 CRL as lowercase hex",
    ),
]
VoucherHex = Annotated[
    str,
    msgspec.Meta(
        pattern=exact("(?:[0-9a-f]{2})+"),
        max_length=440,
        description="a signed voucher's CBOR bytes as lowercase hex (docs/offline.md)",
    ),
]
SerialHex = Annotated[
    str, msgspec.Meta(pattern=exact("[1-9a-f][0-9a-f]{0,39}"), description="certificate serial")
]
Change = Annotated[tuple[Output, ...], msgspec.Meta(max_length=16)]
MAX_DEPOSIT_VOUCHERS = 256  # one output per voucher; output indexes are one byte


class OfflineSetup(Body, frozen=True, tag="offline.setup"):
    """The central bank sets the offline root certificate and the offline rules."""

    root: Annotated[DerHex, msgspec.Meta(description="self-signed root on a central bank key")]
    params: OfflineParams
    nonce: Nonce = 0


class BankCaSet(Body, frozen=True, tag="offline.ca"):
    """The central bank certifies one of a bank's keys as the bank's offline CA."""

    bank_id: Ident
    certificate: Annotated[DerHex, msgspec.Meta(description="issued by the root")]


class DeviceEnrol(Body, frozen=True, tag="device.enrol"):
    """A bank registers a device certificate it issued to one of its wallets."""

    certificate: DerHex


class DeviceRevoke(Body, frozen=True, tag="device.revoke"):
    """A bank revokes a device (lost, compromised...); its next CRL must list it."""

    serial: SerialHex
    reason: Literal["lost", "compromised", "replaced", "closed"] = "lost"


class CrlPublish(Body, frozen=True, tag="offline.crl"):
    """A bank publishes its CRL; the node serves it to devices."""

    bank_id: Ident
    crl: CrlHex


class ReserveFund(ReserveTransfer, frozen=True, tag="reserve.fund"):
    """A bank moves KZT from its reserve keys into its offline guarantee reserve."""

    change: Change = ()


class PurseFund(Body, frozen=True, tag="purse.fund"):
    """A wallet funds a purse on its certified device; the txid is the purse id."""

    inputs: Inputs
    device: Annotated[Hex32, msgspec.Meta(description="the device's certified key")]
    amount: Amount
    change: Change = ()

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs

    def creates(self) -> tuple[Output, ...]:
        return self.change


class PurseDefund(Body, frozen=True, tag="purse.defund"):
    """Return what is left of a purse to its wallet, stating the last voucher used.

    Signed by the device at any time (it keeps what its outstanding vouchers
    need), or by a wallet key once the deposit window has closed (everything).
    """

    purse: Hex32
    last_counter: Annotated[int, msgspec.Meta(ge=0, le=65_535)]
    cumulative: Annotated[
        int, msgspec.Meta(ge=0, le=MAX_AMOUNT, description="tiyn the vouchers total")
    ]
    amount: Annotated[
        int, msgspec.Meta(ge=0, le=MAX_AMOUNT, description="tiyn returned now (restated)")
    ]
    to: Annotated[Hex32, msgspec.Meta(description="a key of the purse's wallet")]

    def creates(self) -> tuple[Output, ...]:
        return (Output(owner=self.to, amount=self.amount),) if self.amount else ()


class PurseVouchers(Wire, frozen=True):
    """Vouchers of one purse, with the device key they must verify under."""

    purse: Hex32
    device: Hex32
    vouchers: Annotated[tuple[VoucherHex, ...], msgspec.Meta(min_length=1, max_length=256)]


class VoucherDeposit(Body, frozen=True, tag="voucher.deposit"):
    """A payee (or its bank) deposits vouchers; output i pays voucher i to its payee."""

    network: Annotated[NetworkId, msgspec.Meta(description="the network the vouchers are for")]
    deposits: Annotated[tuple[PurseVouchers, ...], msgspec.Meta(min_length=1, max_length=256)]

    def creates(self) -> tuple[Output, ...]:
        return tuple(
            Output(owner=v.voucher.payee.hex(), amount=v.voucher.amount)
            for group in self.deposits
            for v in (decode_voucher(bytes.fromhex(raw)) for raw in group.vouchers)
        )


class PurseFraud(Body, frozen=True, tag="purse.fraud"):
    """Anyone holding proof that a device misbehaved records it; the device is revoked."""

    network: NetworkId
    purse: Hex32
    device: Hex32
    vouchers: Annotated[tuple[VoucherHex, ...], msgspec.Meta(min_length=1, max_length=2)]


class PurseClawback(Body, frozen=True, tag="purse.clawback"):
    """The payer's bank takes back from the payer's wallet what the reserve advanced."""

    purse: Hex32
    inputs: Inputs
    amount: Amount
    change: Change = ()

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs

    def creates(self) -> tuple[Output, ...]:
        return self.change


OFFLINE_BODIES = (
    OfflineSetup,
    BankCaSet,
    DeviceEnrol,
    DeviceRevoke,
    CrlPublish,
    ReserveFund,
    PurseFund,
    PurseDefund,
    VoucherDeposit,
    PurseFraud,
    PurseClawback,
)
