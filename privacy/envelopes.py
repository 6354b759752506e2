"""Sealed envelopes: nacl SealedBox to the X25519 form of an Ed25519 key, padded.

Whoever holds an Ed25519 key (a wallet, a bank, the regulator's escrow key
once reassembled) opens the envelopes sealed to it; nobody else learns even
whom an envelope is for (SealedBox hides the recipient). Payloads are
canonical JSON padded with spaces to a multiple of :data:`BUCKET` bytes, so
an envelope's length says only its bucket. The key conversion is libsodium's
``crypto_sign_ed25519_{pk,sk}_to_curve25519``.

Payload types, one per reader: :class:`NoteEnvelope` (a note's owner),
:class:`PayerRecord` (the payer), :class:`RegulatorRecord` (the escrow key,
after a recorded disclosure), :class:`AmlNotice` (the payer's bank, at or
above the threshold). Phone-side: ledger types and PyNaCl only.
"""

from __future__ import annotations

import os
from typing import TypeVar

import msgspec
import nacl.bindings
import nacl.exceptions
from nacl.public import PrivateKey, PublicKey, SealedBox

from ledger.crypto import KeyPair
from ledger.encoding import Hex32, NetworkId, Wire, canonical
from ledger.types import Memo, OutPoint, Output
from privacy.notes import Note, PrivateRequest

BUCKET = 256
AML_BUCKET = 768  # the AML slot: a notice or a filler, one length (a longer notice: 1,536)
W = TypeVar("W", bound=msgspec.Struct)


def x25519_public(ed25519_public_hex: str) -> bytes:
    """The X25519 public key of an Ed25519 public key."""
    public = bytes.fromhex(ed25519_public_hex)
    return bytes(nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(public))


def x25519_secret(key: KeyPair) -> bytes:
    """The X25519 private key of an Ed25519 key pair."""
    return bytes(nacl.bindings.crypto_sign_ed25519_sk_to_curve25519(key.seed + key.public))


def pad(payload: bytes, bucket: int = BUCKET) -> bytes:
    """Spaces up to the next multiple of ``bucket`` (JSON ignores them)."""
    return payload + b" " * (-len(payload) % bucket)


def seal(recipient_x25519: bytes, payload: msgspec.Struct | bytes, bucket: int = BUCKET) -> str:
    """A SealedBox of the padded payload, as hex."""
    data = payload if isinstance(payload, bytes) else canonical(payload)
    return SealedBox(PublicKey(recipient_x25519)).encrypt(pad(data, bucket)).hex()


def seal_to_key(
    ed25519_public_hex: str, payload: msgspec.Struct | bytes, bucket: int = BUCKET
) -> str:
    """Seal to the holder of an Ed25519 key."""
    return seal(x25519_public(ed25519_public_hex), payload, bucket)


def filler() -> str:
    """An envelope nobody can open, as long as an AML notice: the AML slot below the threshold."""
    throwaway = PrivateKey.generate().public_key
    return SealedBox(throwaway).encrypt(os.urandom(AML_BUCKET)).hex()


def open_envelope(x25519_secret_key: bytes, envelope: str, type_: type[W]) -> W | None:
    """The payload if this key opens the envelope and it decodes as ``type_``, else None."""
    try:
        plain = SealedBox(PrivateKey(x25519_secret_key)).decrypt(bytes.fromhex(envelope))
    except (nacl.exceptions.CryptoError, ValueError):
        return None
    try:
        return msgspec.json.decode(plain, type=type_)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


class NoteEnvelope(Wire, frozen=True):
    """For a note's owner: its opening and the payer's memo."""

    note: Note
    index: int
    """The position of the note's commitment in the transaction."""
    memo: Memo = ""


class PayerRecord(Wire, frozen=True):
    """For the payer: the whole payment, to show in its history and to restore from."""

    spends: tuple[Note, ...]
    creates: tuple[Note, ...]
    inputs: tuple[OutPoint, ...] = ()
    outputs: tuple[Output, ...] = ()
    memo: Memo = ""


class RegulatorRecord(Wire, frozen=True):
    """For the escrow key: the full plaintext the validator checked, with who the parties are."""

    network: NetworkId
    request: PrivateRequest
    nullifiers: tuple[Hex32, ...]
    payer: str
    """The paying wallet's id."""
    recipients: tuple[str, ...]
    """The wallet or bank id of each created note, then of each open output."""


class AmlNotice(Wire, frozen=True):
    """For the payer's bank at or above the threshold: who paid whom how much."""

    payer: str
    outflow: int
    """The payer's net outflow in tiyn."""
    payments: tuple[Output, ...]
    recipients: tuple[str, ...]
    memo: Memo = ""
