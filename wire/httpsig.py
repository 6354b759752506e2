"""HTTP Message Signatures (RFC 9421) for private reads: the profile and the client side.

Profile (the server checks exactly this; ``docs/api-guide.md`` spells it out):

- algorithm ``ed25519``; ``keyid`` is the signer's public key as 64 hex digits
  (a key registered to a wallet or a bank);
- covered components ``"@method"`` and ``"@target-uri"`` (method, scheme,
  authority, path and query);
- parameters ``created`` (Unix seconds, within ``WINDOW_S`` of the server's
  clock), a fresh random ``nonce`` (each (keyid, nonce) is accepted once), and
  ``tag`` = ``kzt-ledger/<network id>`` so a signature for one network is
  useless on another.
"""

from __future__ import annotations

import secrets
from collections.abc import Generator

import httpx
from cryptography.hazmat.primitives.asymmetric import ed25519
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

from ledger.crypto import KeyPair

COVERED = ("@method", "@target-uri")
WINDOW_S = 300
LABEL = "tenge"


def tag_for(network: str) -> str:
    """The signed application tag that binds a request signature to a network."""
    return f"kzt-ledger/{network}"


def sign_request(
    request: httpx.Request, key: KeyPair, network: str, nonce: str | None = None
) -> None:
    """Add ``Signature-Input`` and ``Signature`` headers to ``request`` in place."""
    private = ed25519.Ed25519PrivateKey.from_private_bytes(key.seed)
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={key.public_hex: private}),
    )
    signer.sign(
        request,
        key_id=key.public_hex,
        nonce=nonce or secrets.token_hex(16),
        tag=tag_for(network),
        label=LABEL,
        covered_component_ids=COVERED,
    )


class SignedReads(httpx.Auth):
    """An httpx auth flow that signs every request with one key."""

    def __init__(self, key: KeyPair, network: str) -> None:
        self.key, self.network = key, network

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        sign_request(request, self.key, self.network)
        yield request
