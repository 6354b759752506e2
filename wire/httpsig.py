"""HTTP Message Signatures (RFC 9421) for private reads: the profile, signing and verifying.

One module for both sides: the SDK signs with :func:`sign_request` (or the
:class:`SignedReads` auth flow), the API verifies with :func:`verify_request`
and then decides, from the ledger, who the key belongs to.

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

import datetime
import secrets
from collections.abc import Generator, Mapping
from types import SimpleNamespace
from typing import Literal

import httpx
import msgspec
from cryptography.hazmat.primitives.asymmetric import ed25519
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    MappingKeyResolver,
    algorithms,
)

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


class VerifiedSignature(msgspec.Struct, frozen=True):
    """A request signature that checks out under the profile: whose key, which nonce."""

    key: str
    nonce: str


Failure = Literal["missing", "expired", "rejected"]


class SignatureFailure(Exception):
    """Why a request's signature does not pass the profile (the API maps ``kind`` to 401s)."""

    def __init__(self, kind: Failure, reason: str) -> None:
        super().__init__(reason)
        self.kind, self.reason = kind, reason


class _HexKeys(HTTPSignatureKeyResolver):
    """The ``keyid`` is the Ed25519 public key itself, as 64 lowercase hex digits."""

    def resolve_public_key(self, key_id: str) -> ed25519.Ed25519PublicKey | None:
        try:
            raw = bytes.fromhex(key_id)
        except ValueError:
            return None
        if len(raw) != 32 or key_id != raw.hex():
            return None
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)


class _Verifier(HTTPMessageVerifier):
    max_clock_skew = datetime.timedelta(seconds=30)


_verifier = _Verifier(signature_algorithm=algorithms.ED25519, key_resolver=_HexKeys())


def verify_request(
    method: str, target_uri: str, headers: Mapping[str, str], network: str
) -> VerifiedSignature:
    """Check one request's signature against the profile; :class:`SignatureFailure` if not.

    ``target_uri`` must be the URI exactly as the client sent it (what it signed).
    """
    if "Signature-Input" not in headers or "Signature" not in headers:
        raise SignatureFailure("missing", "Signature-Input and Signature headers are required")
    message = SimpleNamespace(method=method, url=target_uri, headers=dict(headers))
    try:
        results = _verifier.verify(
            message,
            max_age=datetime.timedelta(seconds=WINDOW_S),
            expect_tag=tag_for(network),
            require_components=COVERED,
        )
    except HTTPMessageSignaturesException as error:
        raise _classify(str(error)) from None
    if len(results) != 1:
        raise SignatureFailure("rejected", "exactly one signature with this network's tag")
    key, nonce = str(results[0].parameters["keyid"]), results[0].nonce
    if not nonce:
        raise SignatureFailure("rejected", "a nonce parameter is required")
    return VerifiedSignature(key=key, nonce=str(nonce))


def _classify(reason: str) -> SignatureFailure:
    lowered = reason.lower()
    # "created" too old or in the future, "expires" in the past; not a malformed parameter
    if "age exceeds" in lowered or "time in the future" in lowered or "time in the past" in lowered:
        return SignatureFailure("expired", reason)
    if "no signatures found" in lowered:
        return SignatureFailure("missing", reason)
    return SignatureFailure("rejected", reason[:200])
