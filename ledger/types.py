"""Frozen value types of the ledger: outputs, transaction bodies, blocks, receipts.

Every wire type is a frozen ``msgspec.Struct``; its canonical bytes are
defined in :mod:`ledger.encoding` and specified in ``docs/encoding.md``.
Field descriptions travel into the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

import msgspec

from ledger.crypto import DOMAIN_BLOCK, DOMAIN_TX, KeyPair, sha256, signing_message
from ledger.encoding import (
    DISTINCT,
    MAX_AMOUNT,
    Amount,
    Hex32,
    Hex64,
    Ident,
    NetworkId,
    Tiyn,
    Token,
    Wire,
    canonical,
    exact,
)

Tier = Literal["anonymous", "basic", "full", "business"]
TIERS: tuple[Tier, ...] = ("anonymous", "basic", "full", "business")
KZT = "KZT"
ASSET_PREFIX = "asset:"
"""Tokens of secured digital assets (``assets/``) start with this and are never money."""


def is_money(token: str) -> bool:
    """KZT and special-purpose tokens (backed 1:1 by KZT) are money; digital assets are not.

    A wallet's balance, its tier limits and its bank's figures count money only;
    an asset's units are conserved and audited per token like any token.
    """
    return not token.startswith(ASSET_PREFIX)


Keys = Annotated[
    tuple[Hex32, ...],
    msgspec.Meta(
        min_length=1,
        max_length=8,
        description="1-8 distinct Ed25519 public keys",
        extra_json_schema=DISTINCT,
    ),
]
AddKeys = Annotated[
    tuple[Hex32, ...],
    msgspec.Meta(max_length=8, description="0-8 distinct keys", extra_json_schema=DISTINCT),
]
Nonce = Annotated[
    int,
    msgspec.Meta(
        ge=0,
        le=2**53 - 1,
        description="any number that makes an otherwise identical body distinct",
    ),
]
Memo = Annotated[str, msgspec.Meta(max_length=140, description="free text, at most 140 chars")]
Mcc = Annotated[str, msgspec.Meta(pattern=exact("[0-9]{4}"), description="ISO 18245 merchant code")]
Region = Annotated[
    str, msgspec.Meta(pattern=exact("[A-Z]{2}(-[A-Z0-9]{1,3})?"), description="ISO 3166-2 code")
]
DepositRef = Annotated[
    str,
    msgspec.Meta(
        pattern=exact("[A-Za-z0-9._:/-]{1,64}"),
        description="the bank's own reference of a deposit account (1-64 of A-Z a-z 0-9 . _ : / -),"
        " never personal data",
    ),
]


class OutPoint(Wire, frozen=True):
    """A reference to one output of a committed transaction."""

    txid: Annotated[Hex32, msgspec.Meta(description="id of the transaction that created it")]
    index: Annotated[int, msgspec.Meta(ge=0, le=255, description="position in its outputs")]


class Output(Wire, frozen=True):
    """Value held by one key: the unit of ownership on the ledger."""

    owner: Annotated[Hex32, msgspec.Meta(description="Ed25519 public key that may spend it")]
    amount: Amount
    token: Token = KZT

    def __post_init__(self) -> None:
        # msgspec omits a default by identity; a decoded "KZT" is another
        # object, so point it at the default to keep one spelling per output.
        if self.token == KZT and self.token is not KZT:
            msgspec.structs.force_setattr(self, "token", KZT)


Inputs = Annotated[
    tuple[OutPoint, ...], msgspec.Meta(min_length=1, max_length=256, extra_json_schema=DISTINCT)
]
Outputs = Annotated[tuple[Output, ...], msgspec.Meta(min_length=1, max_length=256)]


class Signature(Wire, frozen=True):
    """One Ed25519 signature over the transaction's signing message."""

    key: Annotated[Hex32, msgspec.Meta(description="the signer's public key")]
    sig: Annotated[Hex64, msgspec.Meta(description="detached Ed25519 signature")]


class Body(Wire, frozen=True, tag_field="kind"):
    """Base of every transaction body; ``kind`` selects the type."""

    def spends(self) -> tuple[OutPoint, ...]:
        """The outputs this body consumes (the core resolves and deletes them)."""
        return ()

    def creates(self) -> tuple[Output, ...]:
        """The outputs this body creates, in index order (the core stores them)."""
        return ()


class BankRegister(Body, frozen=True, tag="bank.register"):
    """Central bank admits a commercial bank."""

    bank_id: Ident
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    keys: Keys
    issuance_limit: Annotated[Tiyn, msgspec.Meta(description="cap on issued minus redeemed")]


class BankUpdate(Body, frozen=True, tag="bank.update"):
    """Central bank changes a bank's limit, keys or status."""

    bank_id: Ident
    nonce: Nonce = 0
    add_keys: AddKeys = ()
    issuance_limit: Tiyn | None = None
    status: Literal["active", "suspended"] | None = None


class Issue(Body, frozen=True, tag="issue"):
    """Central bank creates new KZT on a bank's reserve keys; supply grows."""

    bank_id: Ident
    outputs: Outputs
    nonce: Nonce = 0

    def creates(self) -> tuple[Output, ...]:
        return self.outputs


class Redeem(Body, frozen=True, tag="redeem"):
    """A bank returns KZT to the central bank; supply shrinks by ``amount``."""

    bank_id: Ident
    inputs: Inputs
    amount: Amount
    change: Annotated[tuple[Output, ...], msgspec.Meta(max_length=256)] = ()

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs

    def creates(self) -> tuple[Output, ...]:
        return self.change


class WalletOpen(Body, frozen=True, tag="wallet.open"):
    """A bank registers a pseudonymous wallet with its keys and tier."""

    wallet_id: Ident
    bank_id: Ident
    tier: Tier
    keys: Keys
    mcc: Mcc | None = None
    region: Region | None = None


class WalletUpdate(Body, frozen=True, tag="wallet.update"):
    """The wallet's bank changes its tier, status (freeze) or keys."""

    wallet_id: Ident
    nonce: Nonce = 0
    tier: Tier | None = None
    status: Literal["active", "frozen"] | None = None
    add_keys: AddKeys = ()
    mcc: Mcc | None = None
    region: Region | None = None


class Transfer(Body, frozen=True, tag="transfer"):
    """Moves value: distribution, person-to-person, merchant payment, defunding."""

    inputs: Inputs
    outputs: Outputs
    memo: Memo = ""
    shortfall: Annotated[
        Amount | None,
        msgspec.Meta(
            description="reverse waterfall: KZT the payer's bank's waterfall pool adds to the"
            " inputs under the payer's mandate (its linked deposit is debited); KZT outputs"
            " equal KZT inputs plus this"
        ),
    ] = None

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs

    def creates(self) -> tuple[Output, ...]:
        return self.outputs


class DepositLink(Body, frozen=True, tag="wallet.link_deposit"):
    """The wallet's bank links a deposit account at the bank to the wallet for the waterfall;
    without ``deposit`` it unlinks it (and so ends any reverse-waterfall mandate)."""

    wallet_id: Ident
    deposit: DepositRef | None = None
    nonce: Nonce = 0


class ReverseMandate(Body, frozen=True, tag="wallet.reverse_mandate"):
    """The wallet's holder signs a standing mandate: a payment may pull up to ``per_payment``
    from its bank's waterfall pool, debiting its linked deposit; without it, revokes it."""

    wallet_id: Ident
    per_payment: Amount | None = None
    nonce: Nonce = 0


Change = Annotated[tuple[Output, ...], msgspec.Meta(max_length=256)]


class ReserveTransfer(Body, frozen=True):
    """The shape of a bank moving KZT from its reserve keys into an account the ledger
    keeps for it (its waterfall pool, its offline guarantee reserve): inputs in, change
    back to the reserve keys, ``amount`` to the account."""

    bank_id: Ident
    inputs: Inputs
    amount: Amount
    change: Change = ()

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs

    def creates(self) -> tuple[Output, ...]:
        return self.change


class PoolFund(ReserveTransfer, frozen=True, tag="waterfall.fund"):
    """A bank moves KZT from its reserve keys into its waterfall pool (reverse waterfall)."""


class PoolWithdraw(Body, frozen=True, tag="waterfall.withdraw"):
    """A bank takes KZT from its waterfall pool back to one of its reserve keys."""

    bank_id: Ident
    amount: Amount
    to: Annotated[Hex32, msgspec.Meta(description="one of the bank's reserve keys")]
    nonce: Nonce = 0

    def creates(self) -> tuple[Output, ...]:
        return (Output(owner=self.to, amount=self.amount),)


class TierLimits(Wire, frozen=True):
    """Limits of one wallet tier in tiyn; an absent field means no limit."""

    balance_cap: Amount | None = None
    per_payment: Amount | None = None
    daily: Amount | None = None


class LimitsSet(Body, frozen=True, tag="limits.set"):
    """Central bank sets the limits of one wallet tier."""

    tier: Tier
    limits: TierLimits
    nonce: Nonce = 0


class SignedTransaction(Wire, frozen=True):
    """The envelope as it travels: network, canonical body bytes, signatures."""

    network: NetworkId
    body: msgspec.Raw
    signatures: Annotated[tuple[Signature, ...], msgspec.Meta(min_length=1, max_length=16)]


class Transaction(msgspec.Struct, frozen=True, gc=False):
    """A decoded transaction with its canonical body bytes and txid."""

    network: str
    body: Body
    signatures: tuple[Signature, ...]
    body_bytes: bytes
    txid: bytes

    @property
    def kind(self) -> str:
        """The body's kind tag, e.g. ``"transfer"``."""
        return self.body.__struct_config__.tag  # type: ignore[return-value]

    @property
    def message(self) -> bytes:
        """The signed bytes: DOMAIN_TX || network || canonical body."""
        return signing_message(DOMAIN_TX, self.network, self.body_bytes)

    @property
    def signers(self) -> frozenset[str]:
        """Hex keys that signed."""
        return frozenset([s.key for s in self.signatures])

    @classmethod
    def create(cls, network: str, body: Body, signers: Sequence[KeyPair]) -> Transaction:
        """Encode ``body`` canonically and sign it with every key pair given."""
        body_bytes = canonical(body)
        message = signing_message(DOMAIN_TX, network, body_bytes)
        signatures = tuple(Signature(key=k.public_hex, sig=k.sign(message).hex()) for k in signers)
        return cls(network, body, signatures, body_bytes, sha256(message))

    def envelope(self) -> SignedTransaction:
        """The wire envelope of this transaction."""
        return SignedTransaction(
            network=self.network, body=msgspec.Raw(self.body_bytes), signatures=self.signatures
        )


def txid_of(network: str, body_bytes: bytes) -> bytes:
    """SHA-256 of the signing message; signatures are excluded."""
    return sha256(signing_message(DOMAIN_TX, network, body_bytes))


class BlockHeader(Wire, frozen=True):
    """What a block commits to; its signature covers these canonical bytes."""

    height: Annotated[int, msgspec.Meta(ge=1, le=MAX_AMOUNT, description="1 for the first block")]
    prev_hash: Annotated[Hex32, msgspec.Meta(description="hash of the previous header")]
    time_ms: Annotated[int, msgspec.Meta(ge=0, le=MAX_AMOUNT, description="producer time, Unix ms")]
    tx_root: Annotated[Hex32, msgspec.Meta(description="RFC 6962 root over txids")]
    tx_count: Annotated[int, msgspec.Meta(ge=0, le=MAX_AMOUNT)]
    state_digest: Annotated[Hex32, msgspec.Meta(description="H(prev digest || H(writes))")]
    producer: Annotated[Hex32, msgspec.Meta(description="key that signed the block")]

    def signing_message(self, network: str) -> bytes:
        """The bytes a producer signs: DOMAIN_BLOCK || network || canonical(header)."""
        return signing_message(DOMAIN_BLOCK, network, canonical(self))

    def block_hash(self, network: str) -> bytes:
        """The block's identity: SHA-256 of the header's signing message."""
        return sha256(self.signing_message(network))


class Block(Wire, frozen=True):
    """A signed header and the transactions it orders."""

    header: BlockHeader
    signature: Hex64
    txs: tuple[SignedTransaction, ...]


class Receipt(Wire, frozen=True):
    """Proof that a transaction is in a signed block; verifiable offline."""

    network: NetworkId
    header: BlockHeader
    signature: Hex64
    txid: Hex32
    index: Annotated[
        int, msgspec.Meta(ge=0, le=MAX_AMOUNT, description="position of the txid in the block")
    ]
    proof: Annotated[tuple[Hex32, ...], msgspec.Meta(description="RFC 6962 audit path, leaf first")]


class Genesis(Wire, frozen=True):
    """The parameters a network starts from; its hash is block 1's prev_hash."""

    network: NetworkId
    time_ms: int
    central_bank_keys: Keys
    producer_keys: Keys
    limits: dict[Tier, TierLimits]
