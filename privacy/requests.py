"""What a wallet sends the validator, and what the issuer answers (API request bodies).

Phone-side: ledger types only. The private request travels sealed
(:class:`PrivateSubmission.sealed`); everything else here is already public
or about to be.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from ledger.encoding import Amount, Hex32, Hex64, Wire, exact
from ledger.types import Memo, Output, Receipt, SignedTransaction
from privacy.types import (
    AnonSupply,
    DisclosureRecord,
    Hex32s,
    HexBlob,
    OpenInputs,
    OpenOutputs,
    Signatures,
)

Hex64Bytes = Annotated[
    str,
    msgspec.Meta(pattern=exact("[0-9a-f]{128}"), description="64 bytes as 128 lowercase hex"),
]


class PrivateSubmission(Wire, frozen=True):
    """A private payment as the wallet submits it.

    ``sealed`` is the :class:`~privacy.notes.PrivateRequest` sealed to the
    validator's box key. ``envelopes`` are the wallet's own: one per
    commitment (to the note's owner), the payer's record, then the AML slot
    (filler; the validator replaces it with a notice to the payer's bank when
    the payment is at or above the threshold).
    """

    sealed: HexBlob
    envelopes: Annotated[tuple[HexBlob, ...], msgspec.Meta(min_length=2, max_length=10)]
    commitments: Hex32s = ()
    inputs: OpenInputs = ()
    outputs: OpenOutputs = ()
    input_auth: Signatures = ()


class AnonToken(Wire, frozen=True):
    """A bearer token: the VOPRF input and its output under the denomination's key."""

    input: Hex32
    output: Hex64Bytes


class SpendRequest(Wire, frozen=True):
    """Anonymous tokens of one denomination paying identified outputs."""

    denomination: Amount
    tokens: Annotated[tuple[AnonToken, ...], msgspec.Meta(min_length=1, max_length=64)]
    outputs: Annotated[tuple[Output, ...], msgspec.Meta(min_length=1, max_length=16)]
    memo: Memo = ""


class EvaluationRequest(Wire, frozen=True):
    """Ask the issuer to evaluate the blinded elements of a committed withdrawal."""

    txid: Hex32


class Evaluation(Wire, frozen=True):
    """The issuer's answer: one evaluated element per blinded one, and one DLEQ proof."""

    txid: Hex32
    denomination: Amount
    key: Hex32
    """The denomination's public key the proof is for (check it against the parameters)."""
    evaluated: tuple[Hex32, ...]
    proof: Hex64


class FeedEntry(msgspec.Struct, frozen=True):
    """One private transfer as its block carries it."""

    txid: str
    height: int
    index: int
    tx: SignedTransaction


class Feed(msgspec.Struct, frozen=True):
    """Private transfers from a height on, for a wallet's trial decryption."""

    entries: tuple[FeedEntry, ...]
    next: int
    """The height to continue from."""


class Pools(msgspec.Struct, frozen=True):
    """Public figures: private pool per token, anonymous pool and tokens per denomination."""

    private: dict[str, int]
    anonymous: dict[str, int]
    tokens: dict[str, AnonSupply]


class TokenStatus(msgspec.Struct, frozen=True):
    """Whether an anonymous token (its VOPRF input) is spent."""

    denomination: int
    token: str
    spent: bool


class DisclosureList(msgspec.Struct, frozen=True):
    """Every committed disclosure; a wallet matches the txids against its own envelopes."""

    disclosures: tuple[DisclosureRecord, ...]


class CommittedTransaction(msgspec.Struct, frozen=True):
    """A committed transaction as its block carries it, and its receipt."""

    tx: SignedTransaction
    receipt: Receipt
