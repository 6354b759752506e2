"""Test vectors for signed reads (RFC 9421, the profile of :mod:`wire.httpsig`).

Run ``python -m tools.vectors.httpsig --out docs/httpsig-vectors.json`` to
write them, or add ``--check`` to fail when the committed file is stale.
``docs/api-guide.md`` explains them; ``tests/unit/test_api_guide.py``
regenerates them and also re-derives every signature base and signature from
the guide's rules alone.

Everything is fixed: the key seeds (the same one-byte seeds as
``docs/encoding-vectors.json``), the requests, ``created`` and ``nonce``.
Ed25519 is deterministic, so the signatures are fixed too. The signatures are
made and checked by the ``http_message_signatures`` library, the one the node
verifies with.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ed25519
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    algorithms,
)

from ledger.crypto import KeyPair
from wire.httpsig import COVERED, LABEL, WINDOW_S, tag_for

NETWORK = "kzt-devnet"
CREATED = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)  # 1767225600
# Seeds as in docs/encoding-vectors.json: "bank" is 03 x 32, "alice" 05 x 32.
SEEDS: dict[str, bytes] = {"bank": bytes([3]) * 32, "alice": bytes([5]) * 32}


@dataclass(frozen=True)
class Case:
    """One signed request of the vector file."""

    name: str
    signer: str
    method: str
    url: str
    nonce: str
    about: str


CASES = (
    Case(
        "wallet-history",
        "alice",
        "GET",
        "http://127.0.0.1:8080/v1/wallets/w-alice/history?limit=10&before=42",
        "00112233445566778899aabbccddeeff",
        "a wallet reads its own history; a query string is covered as sent",
    ),
    Case(
        "wallet",
        "alice",
        "GET",
        "http://localhost:8080/v1/wallets/w-alice",
        "ffeeddccbbaa99887766554433221100",
        "the authority is the Host header as sent: here a name and a port",
    ),
    Case(
        "bank-wallets",
        "bank",
        "GET",
        "https://ledger.example.kz/v1/banks/halyk/wallets?limit=100&after=w-alice",
        "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        "a bank lists its wallets over https on the default port (no port written)",
    ),
)


class _Keys(HTTPSignatureKeyResolver):
    """Private and public keys of the vector seeds, looked up by hex public key."""

    def __init__(self) -> None:
        self._private = {
            KeyPair.from_seed(seed).public_hex: ed25519.Ed25519PrivateKey.from_private_bytes(seed)
            for seed in SEEDS.values()
        }

    def resolve_private_key(self, key_id: str) -> ed25519.Ed25519PrivateKey:
        return self._private[key_id]

    def resolve_public_key(self, key_id: str) -> ed25519.Ed25519PublicKey:
        return self._private[key_id].public_key()


def _member(header: str) -> str:
    """The value of the one ``tenge=...`` dictionary member of a signature header."""
    label, _, value = header.partition("=")
    if label != LABEL:
        raise ValueError(f"expected the label {LABEL!r} in {header!r}")
    return value


def vector(case: Case) -> dict[str, Any]:
    """Sign ``case`` with the library, verify it with the library, and describe it."""
    key = KeyPair.from_seed(SEEDS[case.signer])
    keys = _Keys()
    request = httpx.Request(case.method, case.url)
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=keys)
    prepared = signer.prepare(
        request,
        key_id=key.public_hex,
        created=CREATED,
        nonce=case.nonce,
        tag=tag_for(NETWORK),
        label=LABEL,
        covered_component_ids=COVERED,
    )
    signer.sign(
        request,
        key_id=key.public_hex,
        created=CREATED,
        nonce=case.nonce,
        tag=tag_for(NETWORK),
        label=LABEL,
        covered_component_ids=COVERED,
    )
    headers = {
        "Signature-Input": request.headers["signature-input"],
        "Signature": request.headers["signature"],
    }
    _verify(case, headers, keys)
    signature = base64.b64decode(_member(headers["Signature"]).strip(":"))
    return {
        "name": case.name,
        "about": case.about,
        "signer": case.signer,
        "seed_hex": SEEDS[case.signer].hex(),
        "keyid": key.public_hex,
        "method": case.method,
        "url": case.url,
        "created": int(CREATED.timestamp()),
        "nonce": case.nonce,
        "tag": tag_for(NETWORK),
        "covered_components": list(COVERED),
        "signature_params": prepared.signature_params,
        "signature_base": prepared.signature_base.decode("ascii"),
        "signature_base_lines": prepared.signature_base.decode("ascii").split("\n"),
        "signature_hex": signature.hex(),
        "signature_base64": base64.b64encode(signature).decode("ascii"),
        "headers": headers,
    }


def _verify(case: Case, headers: dict[str, str], keys: _Keys) -> None:
    """The library accepts what it signed (no age limit: the vectors are old by design)."""
    message = SimpleNamespace(method=case.method, url=case.url, headers=headers)
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=keys)
    (result,) = verifier.verify(
        message, max_age=None, expect_tag=tag_for(NETWORK), require_components=COVERED
    )
    if result.nonce != case.nonce or result.label != LABEL:
        raise ValueError(f"vector {case.name}: the library read back {result}")


def document() -> dict[str, Any]:
    """The whole vector file as a JSON value."""
    return {
        "about": (
            "RFC 9421 request signatures for private reads of the digital tenge API; "
            "see docs/api-guide.md, section 'Signed reads'"
        ),
        "profile": {
            "algorithm": "ed25519",
            "label": LABEL,
            "covered_components": list(COVERED),
            "keyid": "the signer's Ed25519 public key, 64 lowercase hex digits",
            "tag": "kzt-ledger/<network id>",
            "created_window_s": WINDOW_S,
        },
        "network": NETWORK,
        "keys": {
            name: {"seed_hex": seed.hex(), "public_hex": KeyPair.from_seed(seed).public_hex}
            for name, seed in SEEDS.items()
        },
        "vectors": [vector(case) for case in CASES],
    }


def render() -> bytes:
    """The file's bytes: indented JSON with sorted keys, so a rerun gives the same bytes."""
    text = json.dumps(document(), indent=2, sort_keys=True, ensure_ascii=True)
    return (text + "\n").encode("ascii")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True, help="where to write the vectors")
    parser.add_argument("--check", action="store_true", help="fail if the file differs")
    args = parser.parse_args(argv)
    data = render()
    if args.check:
        same = args.out.exists() and args.out.read_bytes() == data
        print(f"{args.out}: {'up to date' if same else 'STALE, regenerate it'}")
        return 0 if same else 1
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
