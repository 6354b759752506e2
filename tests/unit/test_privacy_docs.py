"""docs/privacy.md tells the truth: its vectors, its default table, its endpoints."""

from __future__ import annotations

import json
import re
from pathlib import Path

from nacl.public import PrivateKey, SealedBox

from ledger.crypto import sha256, verify
from privacy.envelopes import NoteEnvelope, open_envelope
from privacy.notes import DOMAIN_PRIVATE, DOMAIN_SHIELD
from privacy.params import default_tiers
from tools.vectors.privacy import vectors

DOC = (Path(__file__).resolve().parents[2] / "docs" / "privacy.md").read_text(encoding="utf-8")


def documented_vectors() -> dict:
    block = re.search(r"<!-- vectors -->\n```json\n(.+?)\n```", DOC, re.S)
    assert block, "the vector block is missing"
    return json.loads(block.group(1))


def test_the_published_vectors_are_what_the_code_computes() -> None:
    assert documented_vectors() == vectors()


def test_the_vector_signatures_and_keys_check_out() -> None:
    v = vectors()
    payer = bytes.fromhex(v["keys"]["payer"])
    secret = bytes.fromhex(v["envelope"]["payee_x25519_secret"])
    assert bytes(PrivateKey(secret).public_key).hex() == v["envelope"]["payee_x25519_public"]
    sealed = SealedBox(PrivateKey(secret).public_key).encrypt(
        bytes.fromhex(v["envelope"]["plaintext_padded_hex"])
    )
    opened = open_envelope(secret, sealed.hex(), NoteEnvelope)
    assert opened is not None and opened.note.commitment() == v["note"]["commitment"]
    for name, tag in (("authorization", DOMAIN_PRIVATE), ("shield_statement", DOMAIN_SHIELD)):
        message = tag + v["network"].encode() + v[name]["canonical"].encode()
        assert sha256(message).hex() == v[name]["message_sha256"]
        assert verify(payer, message, bytes.fromhex(v[name]["signature"]))


def test_the_default_table_is_the_code() -> None:
    rows = re.findall(r"^\| `(\w+)` \| (.+?) \| (.+?) \| (.+?) \| (.+?) \| (.*?) \|$", DOC, re.M)
    table = {tier: cells for tier, *cells in rows if tier in ("anonymous", "basic", "full")}

    def kzt(tiyn: int | None) -> str:
        return "no cap" if tiyn is None else f"{tiyn // 100:,} KZT"

    for tier, levels in default_tiers().items():
        if tier == "business":
            continue
        private, anonymous = levels.private, levels.anonymous
        expected = [
            kzt(private.per_payment),
            kzt(private.daily),
            kzt(anonymous.per_payment),
            kzt(anonymous.daily),
            kzt(anonymous.holding),
        ]
        assert table[tier] == expected, tier
