"""Transaction bodies of the contract templates: escrow, metering, mandates.

Templates hold plain KZT. A contract's id is the txid of the transaction
that opened it. Bodies that pay out restate the payee and the amount, so the
outputs they create follow from the body alone (the ledger checks them
against the contract's terms). Pure module: wallets import it.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from contracts.policy import TimeMs
from ledger.crypto import sha256, signing_message
from ledger.encoding import Amount, Hex32, Hex64, Ident, Tiyn, Wire, canonical
from ledger.types import Body, Inputs, Memo, Nonce, OutPoint, Output, Outputs

DOMAIN_USAGE = b"KZT-LEDGER/usage/v1\x00"
Change = Annotated[
    tuple[Output, ...], msgspec.Meta(max_length=16, description="KZT back to the payer")
]
ContractId = Annotated[Hex32, msgspec.Meta(description="txid of the opening transaction")]
DeliveryCode = Annotated[
    str, msgspec.Meta(min_length=1, max_length=128, description="the hash-lock's preimage")
]


def hashlock_of(code: str) -> str:
    """The hash-lock that a delivery code opens: hex SHA-256 of its UTF-8 bytes."""
    return sha256(code.encode()).hex()


def _paid(owner: str, amount: int) -> tuple[Output, ...]:
    return (Output(owner=owner, amount=amount),) if amount > 0 else ()


# -- escrow ----------------------------------------------------------------------


class EscrowOpen(Body, frozen=True, tag="escrow.open"):
    """The payer locks ``amount`` KZT until release to the payee or refund."""

    inputs: Inputs
    payer: Annotated[Hex32, msgspec.Meta(description="payer's key: signs, gets the refund")]
    payee: Annotated[Hex32, msgspec.Meta(description="key paid on release")]
    amount: Amount
    deadline: Annotated[TimeMs, msgspec.Meta(description="refund to the payer from then on")]
    change: Change = ()
    arbiter: Annotated[
        Hex32 | None, msgspec.Meta(description="key that alone may release or refund")
    ] = None
    hashlock: Annotated[
        Hex32 | None,
        msgspec.Meta(description="SHA-256 of a delivery code that releases before the deadline"),
    ] = None
    memo: Memo = ""

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs

    def creates(self) -> tuple[Output, ...]:
        return self.change


class EscrowRelease(Body, frozen=True, tag="escrow.release"):
    """Pay the escrow to its payee: both parties sign, the arbiter signs, or the code opens it."""

    escrow: ContractId
    payee: Hex32
    amount: Amount
    code: DeliveryCode | None = None

    def creates(self) -> tuple[Output, ...]:
        return (Output(owner=self.payee, amount=self.amount),)


class EscrowRefund(Body, frozen=True, tag="escrow.refund"):
    """Return the escrow to its payer: after the deadline, or earlier if payee or arbiter sign."""

    escrow: ContractId
    payer: Hex32
    amount: Amount

    def creates(self) -> tuple[Output, ...]:
        return (Output(owner=self.payer, amount=self.amount),)


# -- pay-per-use metering -------------------------------------------------------


class UsageReceipt(Wire, frozen=True):
    """The customer's statement of all usage owed on a meter so far."""

    meter: ContractId
    sequence: Annotated[int, msgspec.Meta(ge=1, le=2**53 - 1, description="rises every receipt")]
    cumulative: Annotated[Tiyn, msgspec.Meta(description="total owed since opening, tiyn")]

    def signing_message(self, network: str) -> bytes:
        """DOMAIN_USAGE || network || canonical(receipt): what the customer signs."""
        return signing_message(DOMAIN_USAGE, network, canonical(self))


class SignedUsage(Wire, frozen=True):
    """A usage receipt with the customer's Ed25519 signature."""

    receipt: UsageReceipt
    key: Annotated[Hex32, msgspec.Meta(description="the customer's key")]
    sig: Hex64


class MeterOpen(Body, frozen=True, tag="meter.open"):
    """A customer locks a budget that a provider draws on with signed usage receipts."""

    inputs: Inputs
    customer: Annotated[Hex32, msgspec.Meta(description="signs receipts, gets the rest")]
    provider: Annotated[Hex32, msgspec.Meta(description="claims with the receipts")]
    budget: Amount
    expires_at: Annotated[TimeMs, msgspec.Meta(description="claims stop; the customer may close")]
    change: Change = ()
    memo: Memo = ""

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs

    def creates(self) -> tuple[Output, ...]:
        return self.change


class MeterClaim(Body, frozen=True, tag="meter.claim"):
    """The provider is paid the usage a newer receipt adds: ``cumulative - claimed``."""

    meter: ContractId
    usage: SignedUsage
    provider: Hex32
    amount: Amount

    def creates(self) -> tuple[Output, ...]:
        return (Output(owner=self.provider, amount=self.amount),)


class MeterClose(Body, frozen=True, tag="meter.close"):
    """Settle a last receipt (provider) and refund the rest of the budget to the customer."""

    meter: ContractId
    provider: Hex32
    customer: Hex32
    paid: Annotated[int, msgspec.Meta(ge=0, description="to the provider, tiyn")] = 0
    refund: Annotated[int, msgspec.Meta(ge=0, description="to the customer, tiyn")] = 0
    usage: SignedUsage | None = None

    def creates(self) -> tuple[Output, ...]:
        return _paid(self.provider, self.paid) + _paid(self.customer, self.refund)


# -- recurring debit mandates -----------------------------------------------------


class MandateCreate(Body, frozen=True, tag="mandate.create"):
    """The payer lets the payee pull up to a maximum per period until the end date."""

    payer: Annotated[Ident, msgspec.Meta(description="the payer's wallet id")]
    payee: Annotated[Hex32, msgspec.Meta(description="key that pulls and is paid")]
    max_per_period: Amount
    period_ms: Annotated[int, msgspec.Meta(ge=1, le=2**53 - 1, description="period length")]
    starts_at: Annotated[TimeMs, msgspec.Meta(description="the first period begins")]
    ends_at: Annotated[TimeMs, msgspec.Meta(description="no pulls at or after")]
    memo: Memo = ""
    nonce: Nonce = 0


class MandatePull(Body, frozen=True, tag="mandate.pull"):
    """The payee pulls from the payer's outputs: the payee's amount and the payer's change."""

    mandate: ContractId
    inputs: Inputs
    outputs: Outputs
    memo: Memo = ""

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs

    def creates(self) -> tuple[Output, ...]:
        return self.outputs


class MandateRevoke(Body, frozen=True, tag="mandate.revoke"):
    """The payer (or the payee) ends the mandate."""

    mandate: ContractId
    nonce: Nonce = 0


TEMPLATE_BODIES = (
    EscrowOpen,
    EscrowRelease,
    EscrowRefund,
    MeterOpen,
    MeterClaim,
    MeterClose,
    MandateCreate,
    MandatePull,
    MandateRevoke,
)
