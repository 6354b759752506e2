"""Notes: private value as its owner knows it, and the hiding commitment everyone else sees.

A note's opening is ``(owner, amount, token, blinding)``; its commitment is
``SHA-256(DOMAIN_NOTE || canonical(opening))``. The 32 random bytes of
``blinding`` make the commitment hiding (nobody can test a guessed amount or
owner against it) and SHA-256 makes it binding (nobody can open it to a
different note). No new cryptography: one hash over canonical bytes.

The payer signs a :class:`PaymentAuthorization` with each key whose notes it
spends; the signature travels to the validator inside the sealed request and
to the regulator inside the escrow envelope, never to the ledger, so the
payer's key never appears in a block. Phone-side: ledger types only.
"""

from __future__ import annotations

import os

import msgspec

from ledger.crypto import KeyPair, sha256, signing_message, verify
from ledger.encoding import Amount, Hex32, NetworkId, Token, Wire, canonical
from ledger.types import KZT, Memo, OutPoint, Output, Signature

DOMAIN_NOTE = b"KZT-LEDGER/note/v1\x00"
DOMAIN_PRIVATE = b"KZT-LEDGER/private/v1\x00"
DOMAIN_SHIELD = b"KZT-LEDGER/shield/v1\x00"
DOMAIN_NULLIFIER = b"KZT-LEDGER/nullifier/v1\x00"


class Note(Wire, frozen=True):
    """The opening of a commitment: who holds how much of which token."""

    owner: Hex32
    """Ed25519 key of the holder (it signs to spend, its X25519 form opens envelopes)."""
    amount: Amount
    """Whole tiyn; zero only for a filler note that hides how many notes were needed."""
    blinding: Hex32
    """32 random bytes that make the commitment hiding."""
    token: Token = KZT

    def commitment(self) -> str:
        """The hex commitment stored on the ledger."""
        return sha256(DOMAIN_NOTE + canonical(self)).hex()

    def as_output(self) -> Output:
        """The note as an output, for the same limit and policy checks as open payments."""
        return Output(owner=self.owner, amount=self.amount, token=self.token)


def new_note(owner: str, amount: int, token: str = KZT) -> Note:
    """A note with fresh random blinding."""
    return Note(owner=owner, amount=amount, token=token, blinding=os.urandom(32).hex())


class PaymentAuthorization(Wire, frozen=True):
    """What the payer signs: the notes it spends, the notes and outputs it creates."""

    spends: tuple[Hex32, ...]
    """Commitments of the notes spent."""
    commitments: tuple[Hex32, ...]
    envelopes: Hex32
    """SHA-256 over the payer's envelopes in order, the AML slot left out (the validator
    may replace that one), so nobody can swap them."""
    inputs: tuple[OutPoint, ...] = ()
    outputs: tuple[Output, ...] = ()
    memo: Memo = ""


class PrivateRequest(Wire, frozen=True):
    """The plaintext of a private payment, sealed to the validator and dropped after checking."""

    network: NetworkId
    spends: tuple[Note, ...] = ()
    creates: tuple[Note, ...] = ()
    memo: Memo = ""
    signatures: tuple[Signature, ...] = ()
    """By every owner of a spent note, over the :class:`PaymentAuthorization`."""


def envelopes_digest(envelopes: tuple[str, ...]) -> str:
    """SHA-256 over the concatenated envelope bytes (hex)."""
    return sha256(b"".join(bytes.fromhex(e) for e in envelopes)).hex()


def authorization_message(network: str, authorization: PaymentAuthorization) -> bytes:
    """The bytes the payer signs: ``DOMAIN_PRIVATE || network || canonical(authorization)``."""
    return signing_message(DOMAIN_PRIVATE, network, canonical(authorization))


def sign_authorization(
    network: str, authorization: PaymentAuthorization, keys: list[KeyPair]
) -> tuple[Signature, ...]:
    """One signature per key over the authorization."""
    message = authorization_message(network, authorization)
    return tuple(Signature(key=k.public_hex, sig=k.sign(message).hex()) for k in keys)


def shield_message(network: str, statement: msgspec.Struct) -> bytes:
    """The bytes owners of open inputs sign: ``DOMAIN_SHIELD || network || canonical(...)``."""
    return signing_message(DOMAIN_SHIELD, network, canonical(statement))


def verify_signatures(message: bytes, signatures: tuple[Signature, ...]) -> str | None:
    """The first key whose signature does not verify, or None."""
    for s in signatures:
        if not verify(bytes.fromhex(s.key), message, bytes.fromhex(s.sig)):
            return s.key
    return None
