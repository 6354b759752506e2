"""Who is asking: verification of RFC 9421 request signatures for private reads.

The profile is the SDK's (:mod:`wire.httpsig`): ed25519, ``keyid`` = hex
public key, covering ``@method`` and ``@target-uri``, with ``created``, a
``nonce`` and the network's ``tag``. A signature is accepted once per
(keyid, nonce) within the time window; the signing key must belong to a
wallet or bank, and only then does the route decide what it may read.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Protocol
from urllib.parse import quote

import msgspec
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask import Request
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    algorithms,
)

from api.errors import (
    AuthenticationRequired,
    Forbidden,
    ReplayedRequest,
    SignatureExpired,
    SignatureRejected,
)
from ledger.records import KeyOwner
from wire.httpsig import COVERED, WINDOW_S, tag_for


class Signer(msgspec.Struct, frozen=True):
    """The verified signer of a request and who owns its key."""

    key: str
    owner: KeyOwner


class Directory(Protocol):
    """What authentication needs from the ledger service."""

    def key_owner(self, key: str) -> KeyOwner | None: ...

    def claim_nonce(self, key: str, nonce: str, window_s: float) -> bool: ...


class _HexKeys(HTTPSignatureKeyResolver):
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


_PCHAR = "/!$&'()*+,;=:@"  # RFC 3986 path characters clients leave unescaped
_verifier = _Verifier(signature_algorithm=algorithms.ED25519, key_resolver=_HexKeys())


def authenticate(request: Request, directory: Directory, network: str) -> Signer:
    """Verify the request's signature; raise a specific 401 or 403 otherwise."""
    if "Signature-Input" not in request.headers or "Signature" not in request.headers:
        raise AuthenticationRequired(reason="Signature-Input and Signature headers are required")
    message = SimpleNamespace(
        method=request.method, url=target_uri(request), headers=dict(request.headers.items())
    )
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
        raise SignatureRejected(reason="exactly one signature with this network's tag is allowed")
    key, nonce = str(results[0].parameters["keyid"]), results[0].nonce
    if not nonce:
        raise SignatureRejected(reason="a nonce parameter is required")
    owner = directory.key_owner(key)
    if owner is None:  # before claiming the nonce: strangers' nonces take no memory
        raise Forbidden(key=key, resource=request.path)
    if not directory.claim_nonce(key, str(nonce), WINDOW_S * 2):
        raise ReplayedRequest(nonce=str(nonce))
    return Signer(key=key, owner=owner)


def target_uri(request: Request) -> str:
    """The target URI as the client spelled it, which is what it signed (RFC 9421 2.2.2).

    ``request.url`` is an IRI that werkzeug rebuilds with percent-escapes
    decoded, so it differs from the signed string for any escaped character.
    Servers that pass the raw request target (gunicorn's ``RAW_URI``) give the
    exact spelling; otherwise the path is re-escaped as clients escape it and
    the query string is used as received.
    """
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not (isinstance(raw, str) and raw.startswith("/")):
        query = request.environ.get("QUERY_STRING", "")
        raw = quote(request.root_path + request.path, safe=_PCHAR) + (f"?{query}" if query else "")
    return f"{request.scheme}://{request.host}{raw}"


def _classify(reason: str) -> AuthenticationRequired | SignatureExpired | SignatureRejected:
    lowered = reason.lower()
    # "created" too old or in the future, "expires" in the past; not a malformed parameter
    if "age exceeds" in lowered or "time in the future" in lowered or "time in the past" in lowered:
        return SignatureExpired(window_s=WINDOW_S)
    if "no signatures found" in lowered:
        return AuthenticationRequired(reason=reason)
    return SignatureRejected(reason=reason[:200])


def require_wallet_reader(signer: Signer, wallet_id: str, bank_id: str, path: str) -> None:
    """The wallet itself or its bank may read it; nobody else."""
    owner = signer.owner
    allowed = (owner.kind == "wallet" and owner.id == wallet_id) or (
        owner.kind == "bank" and owner.id == bank_id
    )
    if not allowed:
        raise Forbidden(key=signer.key, resource=path)


def require_bank(signer: Signer, bank_id: str, path: str) -> None:
    """Only the bank's own keys may read the bank's private lists."""
    if not (signer.owner.kind == "bank" and signer.owner.id == bank_id):
        raise Forbidden(key=signer.key, resource=path)
