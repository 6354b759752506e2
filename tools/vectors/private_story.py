"""The privacy family's story for the per-kind vectors, with its randomness fixed.

Private notes, sealed envelopes and VOPRF blinds are random by design, so the
story runs inside :func:`fixed_randomness`: ``os.urandom``, the ephemeral key
of every sealed box and every random ristretto255 scalar are drawn from one
SHA-512 counter stream over a fixed seed. The bytes produced are still
genuine: a sealed box made with a chosen ephemeral key is exactly libsodium's
``crypto_box_seal`` format (``epk || crypto_box(m, blake2b-192(epk || pk), pk, esk)``)
and opens with ``crypto_box_seal_open``. Only these vectors do this; a node
never does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import nacl.bindings
import nacl.hash
import nacl.public
from nacl.encoding import RawEncoder
from nacl.public import PrivateKey, PublicKey

from ledger.crypto import sha256
from ledger.params import kzt
from ledger.types import Transaction
from privacy import envelopes, escrow, voprf
from privacy.params import default_params
from privacy.prepare import evaluate, prepare_private, prepare_spend
from privacy.types import Authority, PrivacyConfigure, PrivacyDisclose
from privacy.validator import Validator, ValidatorSecrets
from tools.vectors.stories import BLOCK_MS, NETWORK, Ledger, story_key
from wallet.privacy import payments as pw
from wallet.privacy import tokens

AUTHORITIES = ("afm", "prosecutor", "court", "national-bank", "ombudsman")
THRESHOLD = 3


class Stream:
    """Deterministic bytes: SHA-512(seed || counter), concatenated."""

    def __init__(self, seed: bytes) -> None:
        self.seed, self.counter = seed, 0

    def take(self, size: int) -> bytes:
        out = b""
        while len(out) < size:
            out += hashlib.sha512(self.seed + self.counter.to_bytes(8, "big")).digest()
            self.counter += 1
        return out[:size]


def sealed_box_class(stream: Stream) -> type:
    """A ``nacl.public.SealedBox`` whose ephemeral keys come from ``stream``."""

    class FixedSealedBox:
        def __init__(self, key: PublicKey | PrivateKey) -> None:
            self.key = key

        def encrypt(self, plaintext: bytes) -> bytes:
            assert isinstance(self.key, PublicKey)
            recipient = bytes(self.key)
            secret = stream.take(32)
            public = nacl.bindings.crypto_scalarmult_base(secret)
            nonce = nacl.hash.blake2b(public + recipient, digest_size=24, encoder=RawEncoder)
            return public + nacl.bindings.crypto_box(plaintext, nonce, recipient, secret)

        def decrypt(self, ciphertext: bytes) -> bytes:
            assert isinstance(self.key, PrivateKey)
            return nacl.public.SealedBox(self.key).decrypt(ciphertext)

    return FixedSealedBox


@contextmanager
def fixed_randomness(seed: bytes) -> Iterator[None]:
    """Draw the privacy code's randomness from a stream over ``seed`` while inside."""
    stream = Stream(seed)

    class FixedPrivateKey(PrivateKey):
        @classmethod
        def generate(cls) -> FixedPrivateKey:
            return cls(stream.take(32))

    def scalar() -> bytes:
        return int.to_bytes(int.from_bytes(stream.take(64), "little") % voprf.ORDER, 32, "little")

    with (
        mock.patch("os.urandom", stream.take),
        mock.patch.object(envelopes, "SealedBox", sealed_box_class(stream)),
        mock.patch.object(envelopes, "PrivateKey", FixedPrivateKey),
        mock.patch.object(voprf, "_random_scalar", scalar),
    ):
        yield


def privacy_net() -> Ledger:
    """A ledger whose producer is the privacy validator (secrets from a fixed seed)."""
    secrets = ValidatorSecrets.derive(story_key("producer"), sha256(b"kind-vector validator"))
    return Ledger(validator=Validator(secrets))


def privacy_story(net: Ledger) -> None:
    """Parameters, a shielded payment, anonymous tokens withdrawn and spent, a disclosure."""
    assert net.validator is not None
    with fixed_randomness(b"kind-vector privacy"):
        bank = net.bank("jusan", kzt(100_000_000))
        payer = net.wallet(bank, "jusan", "payer", kzt(100_000), tier="full")
        shop = net.wallet(bank, "jusan", "shop-private", 0)
        public, _shares = escrow.ceremony(
            AUTHORITIES, THRESHOLD, seed=sha256(b"kind-vector escrow")
        )
        authorities = [Authority(name=n, key=net.key(n).public_hex) for n in AUTHORITIES]
        params = default_params(net.validator.secrets, public, authorities, THRESHOLD)
        net.commit(Transaction.create(NETWORK, PrivacyConfigure(params=params), [net.cb]))
        shielded = pw.shield(NETWORK, params, payer, net.coins(payer), kzt(5_000))
        context = net.chain.context(net.time_ms + BLOCK_MS)
        private = prepare_private(net.validator, shielded, net.chain, context)
        net.commit(private)
        batch = tokens.blind_batch(kzt(1_000), 2)
        withdraw = tokens.withdrawal(NETWORK, net.coins(payer), [payer], batch, payer.public_hex)
        net.commit(withdraw)
        minted = tokens.unblind(
            batch, evaluate(net.validator, net.chain, withdraw.txid.hex()), params
        )
        request = tokens.spend_request(minted[:1], kzt(1_000), shop.public_hex)
        net.commit(prepare_spend(net.validator, request, net.chain))
        reason = "an inquiry of the financial monitoring agency"
        body = PrivacyDisclose(txid=private.txid.hex(), reason=reason, case="AFM-1")
        signers = [net.key(n) for n in AUTHORITIES[:THRESHOLD]]
        net.commit(Transaction.create(NETWORK, body, signers))
