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

import hmac
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import msgspec
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nacl.bindings import crypto_sign, crypto_sign_seed_keypair
from nacl.public import PrivateKey

from ledger.crypto import DOMAIN_TX, KeyPair, sha256, signing_message
from ledger.encoding import canonical, decode_json
from ledger.types import Body, Signature, Transaction
from privacy import voprf
from privacy.book import LimitBook
from privacy.errors import PrivacyNotConfigured
from privacy.notes import DOMAIN_NULLIFIER, PrivateRequest
from privacy.types import PrivacyParams


def _derive(seed: bytes, label: str) -> bytes:
    info = b"KZT-LEDGER/validator/" + label.encode()
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=info).derive(seed)


@dataclass(frozen=True)
class ValidatorSecrets:
    """Keys only the validator holds."""

    attest_key: KeyPair
    """The Ed25519 key whose transaction signature is the attestation."""
    box: PrivateKey
    nullifier_key: bytes
    book_seal: bytes
    book_tag: bytes
    voprf_seed: bytes
    _signing: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # derived once: KeyPair.sign would rebuild the signing key for every attestation
        _, secret = crypto_sign_seed_keypair(self.attest_key.seed)
        object.__setattr__(self, "_signing", secret)

    @classmethod
    def derive(cls, attest: KeyPair, seed: bytes) -> ValidatorSecrets:
        """All secrets from the attestation key and a 32-byte seed."""
        return cls(
            attest_key=attest,
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
        return hmac.digest(self.nullifier_key, data, "sha256").hex()

    def attest(self, network: str, body: Body) -> Transaction:
        """The body as a transaction signed by the attestation key (the validator's attestation)."""
        body_bytes = canonical(body)
        message = signing_message(DOMAIN_TX, network, body_bytes)
        signed = crypto_sign(message, self._signing)[:64].hex()  # the detached signature
        signature = Signature(key=self.attest_key.public_hex, sig=signed)
        return Transaction(network, body, (signature,), body_bytes, sha256(message))

    def voprf_key(self, denomination: int) -> tuple[bytes, bytes]:
        """The (private, public) VOPRF key issuing tokens of one denomination."""
        return voprf.derive_key_pair(self.voprf_seed, f"KZT-ANON/{denomination}".encode())

    def __repr__(self) -> str:  # never print secrets
        return f"ValidatorSecrets(attest_key={self.attest_key.public_hex})"


class Witness(msgspec.Struct, frozen=True):
    """The plaintext of one private payment, held until its block is built."""

    request: PrivateRequest
    nullifiers: tuple[str, ...]
    spent: tuple[str, ...]
    """Commitments of the notes spent (checked against the request when it was opened)."""
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
    _blocks: OrderedDict[int, list[Any]] = field(default_factory=OrderedDict, init=False)
    _owners: dict[str, str] = field(default_factory=dict, init=False)
    _params_raw: bytes = field(default=b"", init=False)
    _params: PrivacyParams | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.book = LimitBook(self.secrets.book_seal, self.secrets.book_tag)

    def hold(self, txid: bytes, witness: Witness) -> None:
        """Keep a payment's plaintext for the producer (and drop expired ones)."""
        now = time.monotonic()
        with self._lock:
            self._witnesses.pop(txid, None)  # a re-submission goes to the back
            oldest = islice(self._witnesses.items(), 8)  # kept in arrival order
            for stale in [t for t, w in oldest if now - w.held_at > self.ttl_s]:
                del self._witnesses[stale]
            self._witnesses[txid] = witness

    def witness(self, txid: bytes) -> Witness | None:
        """The plaintext of a payment, if still held."""
        with self._lock:
            return self._witnesses.get(txid)

    def forget(self, txid: bytes) -> None:
        """Drop a payment's plaintext (its block has been built)."""
        with self._lock:
            self._witnesses.pop(txid, None)

    def params(self, raw: bytes) -> PrivacyParams:
        """The parameters stored as ``raw``, decoded once per change."""
        with self._lock:
            if raw != self._params_raw:
                self._params = decode_json(raw, PrivacyParams)
                self._params_raw = raw
            params = self._params
            if params is None:
                raise PrivacyNotConfigured()
            return params

    def block(self, height: int, load: Callable[[], list[Any]]) -> list[Any]:
        """A committed block's transactions, decoded once for many evaluations."""
        with self._lock:
            found = self._blocks.get(height)
        if found is None:
            found = load()
            with self._lock:
                self._blocks[height] = found
                while len(self._blocks) > 8:
                    self._blocks.popitem(last=False)
        return found

    def owner_id(self, key: str, look_up: Callable[[str], str]) -> str:
        """Who holds a key, remembered once known (a key never changes owner)."""
        found = self._owners.get(key)
        if found is None:
            found = look_up(key)
            if not found.startswith("unregistered"):
                self._owners[key] = found
        return found

    def held(self) -> int:
        """How many plaintexts are held right now."""
        with self._lock:
            return len(self._witnesses)
