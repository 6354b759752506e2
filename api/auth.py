"""Who is asking: verification of RFC 9421 request signatures for private reads.

The profile and its verification are :mod:`wire.httpsig`'s (the SDK signs with
the same module): ed25519, ``keyid`` = hex public key, covering ``@method``
and ``@target-uri``, with ``created``, a ``nonce`` and the network's ``tag``.
Here the HTTP layer adds the rest: a signature is accepted once per
(keyid, nonce) within the time window; the signing key must belong to a
wallet or bank, and only then does the route decide what it may read.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import quote

import msgspec
from flask import Request

from api.errors import (
    AuthenticationRequired,
    Forbidden,
    ReplayedRequest,
    SignatureExpired,
    SignatureRejected,
)
from ledger.records import KeyOwner
from wire.httpsig import WINDOW_S, SignatureFailure, verify_request


class Signer(msgspec.Struct, frozen=True):
    """The verified signer of a request and who owns its key."""

    key: str
    owner: KeyOwner


class Directory(Protocol):
    """What authentication needs from the ledger service."""

    def key_owner(self, key: str) -> KeyOwner | None: ...

    def claim_nonce(self, key: str, nonce: str, window_s: float) -> bool: ...


_PCHAR = "/!$&'()*+,;=:@"  # RFC 3986 path characters clients leave unescaped


def authenticate(request: Request, directory: Directory, network: str) -> Signer:
    """Verify the request's signature; raise a specific 401 or 403 otherwise."""
    headers = dict(request.headers.items())
    try:
        verified = verify_request(request.method, target_uri(request), headers, network)
    except SignatureFailure as failure:
        raise _refusal(failure) from None
    key, nonce = verified.key, verified.nonce
    owner = directory.key_owner(key)
    if owner is None:  # before claiming the nonce: strangers' nonces take no memory
        raise Forbidden(key=key, resource=request.path)
    if not directory.claim_nonce(key, nonce, WINDOW_S * 2):
        raise ReplayedRequest(nonce=nonce)
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


def _refusal(
    failure: SignatureFailure,
) -> AuthenticationRequired | SignatureExpired | SignatureRejected:
    if failure.kind == "expired":
        return SignatureExpired(window_s=WINDOW_S)
    if failure.kind == "missing":
        return AuthenticationRequired(reason=failure.reason)
    return SignatureRejected(reason=failure.reason)


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
