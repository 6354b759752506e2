"""The validator: the block producer's privacy secrets and the plaintext it holds briefly.

Its secrets derive from one 32-byte seed with HKDF-SHA-256, one label each:
the X25519 box key requests are sealed to, the nullifier key (a note's
nullifier is ``HMAC-SHA-256(key, DOMAIN_NULLIFIER || commitment)``, so only
the validator links a nullifier to its note), the two keys of the limit book,
and the VOPRF seed from which each denomination's issuing key is derived
(RFC 9497 DeriveKeyPair). The attestation key is the validator's Ed25519
key, named in the privacy parameters.

A request's plaintext is held in memory from the moment it is opened until
the block that carries the payment is built (or for ``ttl_s`` at most), so
the producer can check it again against the state of that block; then it is
dropped. Nothing of it is ever written.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field

import msgspec
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nacl.public import PrivateKey

from ledger.crypto import KeyPair
from privacy import voprf
from privacy.book import LimitBook
from privacy.notes import DOMAIN_NULLIFIER, PrivateRequest


def _derive(seed: bytes, label: str) -> bytes:
    info = b"KZT-LEDGER/validator/" + label.encode()
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=info).derive(seed)


@dataclass(frozen=True)
class ValidatorSecrets:
    """Keys only the validator holds."""

    attest: KeyPair
    box: PrivateKey
    nullifier_key: bytes
    book_seal: bytes
    book_tag: bytes
    voprf_seed: bytes

    @classmethod
    def derive(cls, attest: KeyPair, seed: bytes) -> ValidatorSecrets:
        """All secrets from the attestation key and a 32-byte seed."""
        return cls(
            attest=attest,
            box=PrivateKey(_derive(seed, "box")),
            nullifier_key=_derive(seed, "nullifier"),
            book_seal=_derive(seed, "book-seal"),
            book_tag=_derive(seed, "book-tag"),
            voprf_seed=_derive(seed, "voprf"),
        )

    @property
    def box_public(self) -> str:
        """The X25519 key to publish as ``PrivacyParams.validator_box``."""
        return bytes(self.box.public_key).hex()

    def nullifier(self, commitment: str) -> str:
        """The nullifier of a note, from its commitment."""
        data = DOMAIN_NULLIFIER + bytes.fromhex(commitment)
        return hmac.new(self.nullifier_key, data, hashlib.sha256).hexdigest()

    def voprf_key(self, denomination: int) -> tuple[bytes, bytes]:
        """The (private, public) VOPRF key issuing tokens of one denomination."""
        return voprf.derive_key_pair(self.voprf_seed, f"KZT-ANON/{denomination}".encode())

    def __repr__(self) -> str:  # never print secrets
        return f"ValidatorSecrets(attest={self.attest.public_hex})"


class Witness(msgspec.Struct, frozen=True):
    """The plaintext of one private payment, held until its block is built."""

    request: PrivateRequest
    nullifiers: tuple[str, ...]
    aml: bool
    """The AML slot holds a notice to the payer's bank."""
    held_at: float


@dataclass
class Validator:
    """The secrets, the limit book, and the briefly held plaintexts."""

    secrets: ValidatorSecrets
    ttl_s: float = 120.0
    book: LimitBook = field(init=False)
    _witnesses: dict[bytes, Witness] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.book = LimitBook(self.secrets.book_seal, self.secrets.book_tag)

    def hold(self, txid: bytes, witness: Witness) -> None:
        """Keep a payment's plaintext for the producer (and drop expired ones)."""
        now = time.monotonic()
        with self._lock:
            expired = [t for t, w in self._witnesses.items() if now - w.held_at > self.ttl_s]
            for old in expired:
                del self._witnesses[old]
            self._witnesses[txid] = witness

    def witness(self, txid: bytes) -> Witness | None:
        """The plaintext of a payment, if still held."""
        with self._lock:
            return self._witnesses.get(txid)

    def forget(self, txid: bytes) -> None:
        """Drop a payment's plaintext (its block has been built)."""
        with self._lock:
            self._witnesses.pop(txid, None)

    def held(self) -> int:
        """How many plaintexts are held right now."""
        with self._lock:
            return len(self._witnesses)
