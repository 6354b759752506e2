"""Wire types of customizable anonymity: parameters, transaction bodies, records.

Every type is a frozen :class:`~ledger.encoding.Wire` struct with the core's
canonical encoding (``docs/encoding.md``); ``docs/privacy.md`` specifies each
field and gives test vectors. This module imports ledger types only, so a
phone carries it.

What a private transfer's body holds is exactly what blocks, state and every
replica see: nullifiers, commitments, sealed envelopes, the open edges (if
the payment draws on or pays into open outputs) and the validator's key,
whose signature on the transaction is the attestation.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from ledger.encoding import Amount, Hex32, Ident, Wire, exact
from ledger.types import Body, Memo, Nonce, OutPoint, Output, Signature, Tier

Level = Literal["open", "private", "anonymous"]
LEVELS: tuple[Level, ...] = ("open", "private", "anonymous")
AmlMode = Literal["envelope", "refuse"]

HexBlob = Annotated[
    str,
    msgspec.Meta(
        pattern=exact("(?:[0-9a-f]{2})+"),
        min_length=96,
        max_length=32768,
        description="a sealed box (nacl SealedBox) as lowercase hex: 48 to 16,384 bytes",
    ),
]
Hex32s = Annotated[tuple[Hex32, ...], msgspec.Meta(max_length=8)]
Signatures = Annotated[tuple[Signature, ...], msgspec.Meta(max_length=8)]
OpenInputs = Annotated[tuple[OutPoint, ...], msgspec.Meta(max_length=64)]
OpenOutputs = Annotated[tuple[Output, ...], msgspec.Meta(max_length=16)]
Blinded = Annotated[tuple[Hex32, ...], msgspec.Meta(min_length=1, max_length=64)]


# -- the central bank's parameters ------------------------------------------------


class LevelCaps(Wire, frozen=True):
    """What one tier may do at one level; an absent cap means none (tier limits still apply)."""

    access: Annotated[
        Literal["allowed", "barred"],
        msgspec.Meta(description='"barred": the tier may not use the level'),
    ] = "allowed"
    per_payment: Amount | None = None
    """Largest private payment, or anonymous withdrawal, in tiyn."""
    daily: Amount | None = None
    """Per Almaty day: private outflow, or anonymous withdrawals, in tiyn."""
    holding: Amount | None = None
    """Anonymous level only: tokens withdrawn within ``holding_days``, in tiyn."""


class TierPrivacy(Wire, frozen=True):
    """The private and anonymous levels of one tier (open is always allowed)."""

    private: LevelCaps = LevelCaps()
    anonymous: LevelCaps = LevelCaps(access="barred")


class Authority(Wire, frozen=True):
    """A named disclosure authority and its Ed25519 key."""

    name: Ident
    key: Hex32


class Denomination(Wire, frozen=True):
    """An anonymous token value and the VOPRF public key (ristretto255) that issues it."""

    amount: Amount
    key: Hex32


class PrivacyParams(Wire, frozen=True):
    """Everything the central bank sets for private and anonymous payments."""

    validator: Hex32
    """Ed25519 key whose transaction signature attests private transfers and token spends."""
    validator_box: Hex32
    """X25519 key the payer seals a private request to (only the validator opens it)."""
    escrow: Hex32
    """The regulator's escrow X25519 key; its private half is split k-of-n (SLIP-39)."""
    authorities: Annotated[tuple[Authority, ...], msgspec.Meta(min_length=1, max_length=16)]
    threshold: Annotated[int, msgspec.Meta(ge=1, le=16, description="k: authorities needed")]
    tiers: dict[Tier, TierPrivacy]
    aml_threshold: Amount
    """From this payer outflow in tiyn, a private payment needs the AML step."""
    aml_mode: AmlMode = "envelope"
    """``envelope``: seal the payment to the payer's bank as well; ``refuse``: pay openly."""
    denominations: Annotated[tuple[Denomination, ...], msgspec.Meta(max_length=16)] = ()
    holding_days: Annotated[int, msgspec.Meta(ge=1, le=366)] = 30

    def tier(self, tier: str) -> TierPrivacy:
        """The levels of a tier (none allowed for a tier the parameters leave out)."""
        found = [levels for name, levels in self.tiers.items() if name == tier]
        return found[0] if found else TierPrivacy(LevelCaps(access="barred"))

    def denomination(self, amount: int) -> Denomination | None:
        """The denomination of this value, if configured."""
        return next((d for d in self.denominations if d.amount == amount), None)


# -- transaction bodies -------------------------------------------------------------


class PrivacyConfigure(Body, frozen=True, tag="privacy.configure"):
    """Central bank sets the privacy parameters (replacing the previous ones)."""

    params: PrivacyParams
    nonce: Nonce = 0


class PrivateTransfer(Body, frozen=True, tag="private.transfer"):
    """A private payment as everyone but its parties sees it.

    ``envelopes`` are, in order: one per commitment (to the note's owner), the
    payer's record, the regulator's, and the AML slot (to the payer's bank at
    or above the threshold, else indistinguishable filler).
    """

    validator: Hex32
    envelopes: Annotated[tuple[HexBlob, ...], msgspec.Meta(min_length=3, max_length=11)]
    nullifiers: Hex32s = ()
    commitments: Hex32s = ()
    inputs: OpenInputs = ()
    """Open edge in: outputs of the payer moved into the private pool (visible)."""
    outputs: OpenOutputs = ()
    """Open edge out: outputs paid from the private pool (visible)."""
    input_auth: Signatures = ()
    """Owners of ``inputs``: Ed25519 over the :class:`ShieldStatement`."""

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs

    def creates(self) -> tuple[Output, ...]:
        return self.outputs


class ShieldStatement(Wire, frozen=True):
    """What the owners of a private transfer's open inputs sign (all of it public)."""

    inputs: tuple[OutPoint, ...]
    outputs: tuple[Output, ...]
    commitments: tuple[Hex32, ...]


class AnonWithdraw(Body, frozen=True, tag="anon.withdraw"):
    """A wallet buys blinded tokens of one denomination; value moves to the anonymous pool."""

    inputs: Annotated[tuple[OutPoint, ...], msgspec.Meta(min_length=1, max_length=64)]
    denomination: Amount
    blinded: Blinded
    change: OpenOutputs = ()

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs

    def creates(self) -> tuple[Output, ...]:
        return self.change


class AnonSpend(Body, frozen=True, tag="anon.spend"):
    """Anonymous tokens pay an identified payee; the validator verified them."""

    validator: Hex32
    denomination: Amount
    tokens: Annotated[tuple[Hex32, ...], msgspec.Meta(min_length=1, max_length=64)]
    """The tokens' VOPRF inputs, spent from now on."""
    outputs: Annotated[tuple[Output, ...], msgspec.Meta(min_length=1, max_length=16)]
    memo: Memo = ""

    def creates(self) -> tuple[Output, ...]:
        return self.outputs


class PrivacyDisclose(Body, frozen=True, tag="privacy.disclose"):
    """k disclosure authorities record that they open one private transfer, and why."""

    txid: Hex32
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    case: Annotated[str, msgspec.Meta(max_length=100)] = ""
    nonce: Nonce = 0


BODIES: tuple[type[Body], ...] = (
    PrivacyConfigure,
    PrivateTransfer,
    AnonWithdraw,
    AnonSpend,
    PrivacyDisclose,
)


# -- records in state ---------------------------------------------------------------


class AnonSupply(Wire, frozen=True):
    """Tokens of one denomination: issued (blinded elements evaluated) and spent."""

    issued: int = 0
    spent: int = 0

    @property
    def outstanding(self) -> int:
        return self.issued - self.spent


class Withdrawals(Wire, frozen=True):
    """A wallet's anonymous withdrawals per Almaty day, the last ``holding_days`` days."""

    days: tuple[tuple[int, int], ...] = ()


class DisclosureRecord(Wire, frozen=True):
    """A committed disclosure: which private transfer, why, by whom."""

    txid: Hex32
    disclosure: Hex32
    """The txid of the ``privacy.disclose`` transaction."""
    reason: str
    case: str
    authorities: tuple[str, ...]
    height: int
    time_ms: int
