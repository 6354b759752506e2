"""Test vectors of the privacy wire formats, as ``docs/privacy.md`` prints them.

Everything here is deterministic (fixed keys, fixed blinding); the doc's
vector block is compared with :func:`vectors` by ``tests/unit/test_privacy_docs.py``,
so a bank reimplementing a format in another language can check itself
against the published bytes. Sealed boxes are randomized by design, so for
envelopes the vectors give the key conversion and the padded plaintext.
"""

from __future__ import annotations

from typing import Any

from ledger.crypto import KeyPair, sha256
from ledger.encoding import canonical
from ledger.types import OutPoint, Output
from privacy.envelopes import NoteEnvelope, pad, x25519_public, x25519_secret
from privacy.notes import (
    Note,
    PaymentAuthorization,
    authorization_message,
    shield_message,
    sign_authorization,
)
from privacy.types import ShieldStatement
from privacy.validator import ValidatorSecrets

NETWORK = "kzt-devnet"


def _key(name: str) -> KeyPair:
    return KeyPair.from_seed(sha256(b"privacy-vector:" + name.encode()))


def vectors() -> dict[str, Any]:
    """Every vector, as a JSON-ready dict."""
    payer, payee = _key("payer"), _key("payee")
    spent = Note(owner=payer.public_hex, amount=5_000_000, blinding="11" * 32)
    paid = Note(owner=payee.public_hex, amount=1_234_567, blinding="22" * 32)
    change = Note(owner=payer.public_hex, amount=3_765_433, blinding="33" * 32)
    secrets = ValidatorSecrets.derive(_key("validator"), b"\x44" * 32)
    authorization = PaymentAuthorization(
        spends=(spent.commitment(),),
        commitments=(paid.commitment(), change.commitment()),
        envelopes="55" * 32,
        memo="rent",
    )
    (signature,) = sign_authorization(NETWORK, authorization, [payer])
    point = OutPoint(txid="66" * 32, index=0)
    statement = ShieldStatement(
        inputs=(point,),
        outputs=(Output(owner=payer.public_hex, amount=100),),
        commitments=(spent.commitment(),),
    )
    envelope = NoteEnvelope(note=paid, index=0, memo="rent")
    return {
        "network": NETWORK,
        "keys": {"payer": payer.public_hex, "payee": payee.public_hex},
        "note": {"canonical": canonical(paid).decode(), "commitment": paid.commitment()},
        "nullifier": {
            "validator_seed": "44" * 32,
            "nullifier_key": secrets.nullifier_key.hex(),
            "commitment": spent.commitment(),
            "nullifier": secrets.nullifier(spent.commitment()),
        },
        "authorization": {
            "canonical": canonical(authorization).decode(),
            "message_sha256": sha256(authorization_message(NETWORK, authorization)).hex(),
            "signature": signature.sig,
        },
        "shield_statement": {
            "canonical": canonical(statement).decode(),
            "message_sha256": sha256(shield_message(NETWORK, statement)).hex(),
            "signature": payer.sign(shield_message(NETWORK, statement)).hex(),
        },
        "envelope": {
            "payee_x25519_public": x25519_public(payee.public_hex).hex(),
            "payee_x25519_secret": x25519_secret(payee).hex(),
            "plaintext_padded_hex": pad(canonical(envelope)).hex(),
        },
        "validator": {
            "box_public": secrets.box_public,
            "voprf_key_100000": secrets.voprf_key(100_000)[1].hex(),
        },
    }
