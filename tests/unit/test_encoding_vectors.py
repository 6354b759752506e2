"""The encoding vectors in docs/ are what the code produces, and the spec alone reproduces them.

Two kinds of test live here. The first regenerates every vector with the
project's code and compares it with the committed file, so
``docs/encoding-vectors.json`` cannot drift from the implementation. The
second re-derives txids, signatures, block hashes, Merkle roots, receipts and
state digests with nothing but ``hashlib``, ``json``, ``struct`` and
``nacl.bindings``, following ``docs/encoding.md`` as a bank's team would in
another language: if these pass, the document is sufficient.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from pathlib import Path
from typing import Any

import nacl.bindings
import pytest

from assets.types import DOMAIN_ASSET_CLASS, DOMAIN_ASSET_ITEM
from contracts.policy import DOMAIN_POLICY
from contracts.templates import DOMAIN_USAGE
from ledger import crypto
from ledger.encoding import canonical, decode_canonical
from ledger.errors import TengeError
from ledger.registry import Registry
from ledger.rules import core_registry
from ledger.types import Output, Receipt
from ledger.validation import parse_transaction, validate_transaction
from node.composition import full_registry
from tools.vectors import core as vectors

VECTOR_FILE = Path(__file__).resolve().parents[2] / "docs" / "encoding-vectors.json"

# Copied from docs/encoding.md section 4, not imported: the spec is the source here.
DOMAIN = {
    "tx": b"KZT-LEDGER/tx/v1\x00",
    "block": b"KZT-LEDGER/block/v1\x00",
    "genesis": b"KZT-LEDGER/genesis/v1\x00",
    "http": b"KZT-LEDGER/http/v1\x00",
    "voucher": b"KZT-LEDGER/voucher/v1\x00",
}
# The tags of ids and messages inside feature bodies (docs/kinds.md, encoding.md section 7).
FEATURE_DOMAIN = {
    "policy": b"KZT-LEDGER/policy/v1\x00",
    "usage": b"KZT-LEDGER/usage/v1\x00",
    "asset-class": b"KZT-LEDGER/asset-class/v1\x00",
    "asset-item": b"KZT-LEDGER/asset-item/v1\x00",
}


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTOR_FILE.read_bytes())
    return data


# -- a second, independent implementation of docs/encoding.md --------------------


def canonical_text(value: Any) -> bytes:
    """Canonical JSON per the spec, via the standard library's encoder.

    With ``ensure_ascii=False`` Python escapes exactly ``"``, ``\\`` and
    U+0000..U+001F (short forms for \\b \\t \\n \\f \\r, else lowercase
    ``\\u00xx``), which is the spec's rule.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# docs/encoding.md section 3: an optional field equal to its default is left out.
DEFAULTS: dict[str, Any] = {"nonce": 0, "memo": "", "token": "KZT", "add_keys": [], "change": []}


def without_defaults(value: Any) -> Any:
    if isinstance(value, list):
        return [without_defaults(v) for v in value]
    if isinstance(value, dict):
        return {
            k: without_defaults(v)
            for k, v in value.items()
            if v is not None and not (k in DEFAULTS and v == DEFAULTS[k])
        }
    return value


def canonical_body(body: Any) -> bytes:
    """A transaction body's canonical bytes: defaults dropped, then canonical JSON."""
    return canonical_text(without_defaults(body))


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def public_key(seed_hex: str) -> bytes:
    public, _secret = nacl.bindings.crypto_sign_seed_keypair(bytes.fromhex(seed_hex))
    return bytes(public)


def signature_verifies(public_hex: str, message: bytes, sig_hex: str) -> bool:
    try:
        opened = nacl.bindings.crypto_sign_open(
            bytes.fromhex(sig_hex) + message, bytes.fromhex(public_hex)
        )
    except Exception:
        return False
    return bool(opened == message)


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 section 2.1 Merkle tree hash, written recursively as the RFC does."""
    if not leaves:
        return sha256(b"")
    if len(leaves) == 1:
        return sha256(b"\x00" + leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def path(index: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 section 2.1.1 audit path, leaf side first."""
    if len(leaves) <= 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if index < k:
        return [*path(index, leaves[:k]), mth(leaves[k:])]
    return [*path(index - k, leaves[k:]), mth(leaves[:k])]


def climb(leaf: bytes, index: int, size: int, proof: list[bytes]) -> list[bytes]:
    """RFC 9162 section 2.1.3.2: the hashes from the leaf up to the root."""
    fn, sn = index, size - 1
    hashes = [sha256(b"\x00" + leaf)]
    for sibling in proof:
        assert sn > 0, "proof longer than the tree is tall"
        if fn & 1 or fn == sn:
            hashes.append(sha256(b"\x01" + sibling + hashes[-1]))
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            hashes.append(sha256(b"\x01" + hashes[-1] + sibling))
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0, "proof shorter than the tree is tall"
    return hashes


def digest_entry(key: bytes, value: bytes | None) -> bytes:
    head = struct.pack(">I", len(key)) + key
    return head + (b"\x00" if value is None else b"\x01" + struct.pack(">I", len(value)) + value)


def writes_digest(writes: list[dict[str, Any]]) -> bytes:
    consensus = b"oxwknsplcfav"  # docs/encoding.md section 11.1: lower-case prefixes
    entries = sorted(
        (bytes.fromhex(w["key_hex"]), None if w["value"] is None else w["value"].encode())
        for w in writes
        if bytes.fromhex(w["key_hex"])[0] in consensus
    )
    return sha256(b"".join(digest_entry(k, v) for k, v in entries))


# -- the committed file is what the code generates ----------------------------


def test_committed_vectors_are_exactly_what_the_generator_produces() -> None:
    assert VECTOR_FILE.read_bytes() == vectors.render(), (
        "docs/encoding-vectors.json is stale: run "
        "`python -m tools.vectors.core --out docs/encoding-vectors.json`"
    )


def test_vector_file_is_itself_canonical_json() -> None:
    data = VECTOR_FILE.read_bytes()
    assert canonical_text(json.loads(data)) == data


def test_every_registered_transaction_kind_has_a_vector(committed: dict[str, Any]) -> None:
    """Kinds come from the node's registry at run time: a new kind without a vector fails."""
    core = {t["kind"] for t in committed["transactions"]}
    assert core == set(core_registry().rules)
    features = [t["kind"] for t in committed["kind_vectors"]["transactions"]]
    assert len(features) == len(set(features)), "one vector per kind"
    missing = set(full_registry().rules) - core - set(features)
    assert not missing, f"no vector in docs/encoding-vectors.json for {sorted(missing)}"
    assert core.isdisjoint(features)


def test_every_feature_kind_and_family_has_rejection_vectors(committed: dict[str, Any]) -> None:
    section = committed["kind_vectors"]
    refused = section["rejections"]
    assert {r["kind"] for r in refused} == {t["kind"] for t in section["transactions"]}
    families = {t["family"] for t in section["transactions"]}
    assert families >= {"program", "escrow", "meter", "mandate", "offline", "privacy", "assets"}
    for family in families:
        stages = {r["stage"] for r in refused if r["family"] == family}
        assert stages == {"decode", "validate"}, family


def test_domain_tags_in_the_vectors_are_the_documented_bytes(committed: dict[str, Any]) -> None:
    assert committed["domains"] == {name: tag.hex() for name, tag in DOMAIN.items()}
    in_code = {
        "tx": crypto.DOMAIN_TX,
        "block": crypto.DOMAIN_BLOCK,
        "genesis": crypto.DOMAIN_GENESIS,
        "http": crypto.DOMAIN_HTTP,
        "voucher": crypto.DOMAIN_VOUCHER,
    }
    assert in_code == DOMAIN
    features = {
        "policy": DOMAIN_POLICY,
        "usage": DOMAIN_USAGE,
        "asset-class": DOMAIN_ASSET_CLASS,
        "asset-item": DOMAIN_ASSET_ITEM,
    }
    assert features == FEATURE_DOMAIN
    assert committed["feature_domains"] == {name: tag.hex() for name, tag in features.items()}


def test_public_keys_are_the_rfc8032_keys_of_the_fixed_seeds(committed: dict[str, Any]) -> None:
    for key in committed["keys"]:
        assert public_key(key["seed"]).hex() == key["public"], key["name"]


# -- canonical JSON -----------------------------------------------------------


def test_string_vectors_follow_the_escaping_rule(committed: dict[str, Any]) -> None:
    for case in committed["canonical_json"]["strings"]:
        text = "".join(chr(c) for c in case["code_points"])
        assert canonical_text(text).hex() == case["json_hex"], case["name"]
        assert canonical(text).hex() == case["json_hex"], case["name"]
        assert case["json"].encode() == bytes.fromhex(case["json_hex"])


def test_integers_are_plain_decimal_up_to_2_pow_53_minus_1(committed: dict[str, Any]) -> None:
    for case in committed["canonical_json"]["integers"]:
        assert case["json"] == str(case["value"])
    assert max(c["value"] for c in committed["canonical_json"]["integers"]) == 2**53 - 1


def test_default_kzt_token_is_omitted_and_a_special_token_is_written(
    committed: dict[str, Any],
) -> None:
    objects = {o["name"]: o["json"] for o in committed["canonical_json"]["objects"]}
    assert '"token"' not in objects["Output, KZT (token omitted)"]
    assert '"token":"' in objects["Output, special-purpose token"]
    assert objects["TierLimits, no limits"] == "{}"


def test_every_body_is_its_own_canonical_form_by_the_independent_encoder(
    committed: dict[str, Any],
) -> None:
    for tx in committed["transactions"]:
        body = tx["body"].encode()
        assert canonical_body(json.loads(body)) == body, tx["name"]


def test_every_body_decodes_strictly_and_re_encodes_to_the_same_bytes(
    committed: dict[str, Any],
) -> None:
    registry = core_registry()
    for tx in committed["transactions"]:
        body = tx["body"].encode()
        decoded = decode_canonical(body, registry.rule(tx["kind"]).body)
        assert canonical(decoded) == body, tx["name"]


# -- signing ------------------------------------------------------------------


def test_txid_is_sha256_of_domain_network_and_canonical_body(committed: dict[str, Any]) -> None:
    network = committed["network"].encode("ascii")
    for tx in committed["transactions"]:
        message = DOMAIN["tx"] + network + tx["body"].encode("utf-8")
        assert message.hex() == tx["message_hex"], tx["name"]
        assert sha256(message).hex() == tx["txid"], tx["name"]


def test_every_signature_verifies_with_libsodium_over_the_signing_message(
    committed: dict[str, Any],
) -> None:
    for tx in committed["transactions"]:
        message = bytes.fromhex(tx["message_hex"])
        assert len(tx["signatures"]) == len(tx["signers"])
        for sig in tx["signatures"]:
            assert signature_verifies(sig["key"], message, sig["sig"]), tx["name"]


def test_ed25519_signatures_are_reproducible_from_the_seeds(committed: dict[str, Any]) -> None:
    seeds = {k["name"]: bytes.fromhex(k["seed"]) for k in committed["keys"]}
    for tx in committed["transactions"]:
        message = bytes.fromhex(tx["message_hex"])
        for name, sig in zip(tx["signers"], tx["signatures"], strict=True):
            _public, secret = nacl.bindings.crypto_sign_seed_keypair(seeds[name])
            assert nacl.bindings.crypto_sign(message, secret)[:64].hex() == sig["sig"]


def test_a_signature_does_not_verify_for_another_network(committed: dict[str, Any]) -> None:
    tx = committed["transactions"][0]
    other = DOMAIN["tx"] + b"kzt-mainnet" + tx["body"].encode()
    assert not signature_verifies(tx["signatures"][0]["key"], other, tx["signatures"][0]["sig"])


def test_envelopes_carry_the_body_bytes_verbatim(committed: dict[str, Any]) -> None:
    registry = core_registry()
    for tx in committed["transactions"]:
        envelope = json.loads(tx["envelope"])
        assert sorted(envelope) == ["body", "network", "signatures"]
        assert canonical_text(envelope["body"]) == tx["body"].encode()
        parsed = parse_transaction(tx["envelope"].encode(), registry)
        validate_transaction(parsed, registry, committed["network"])
        assert parsed.txid.hex() == tx["txid"]


def test_envelope_layout_is_free_and_does_not_change_the_txid(committed: dict[str, Any]) -> None:
    layout = committed["envelope_layout"]
    payment = next(t for t in committed["transactions"] if t["name"] == "transfer")
    assert layout["envelope"] != payment["envelope"]
    assert layout["txid"] == payment["txid"]
    parsed = parse_transaction(layout["envelope"].encode(), core_registry())
    assert parsed.txid.hex() == payment["txid"]


# -- genesis, blocks, Merkle tree ---------------------------------------------


def test_genesis_hash_is_block_one_prev_hash(committed: dict[str, Any]) -> None:
    genesis, header = committed["genesis"], json.loads(committed["block"]["header"])
    document = genesis["document"].encode()
    assert canonical_text(json.loads(document)) == document
    network = json.loads(document)["network"].encode()
    assert sha256(DOMAIN["genesis"] + network + document).hex() == genesis["hash"]
    assert header["prev_hash"] == genesis["hash"]


def test_block_hash_and_producer_signature_follow_the_documented_rule(
    committed: dict[str, Any],
) -> None:
    block = committed["block"]
    text = block["header"].encode()
    header = json.loads(text)
    assert canonical_text(header) == text
    message = DOMAIN["block"] + committed["network"].encode() + text
    assert message.hex() == block["signing_message_hex"]
    assert sha256(message).hex() == block["hash"]
    assert signature_verifies(header["producer"], message, block["signature"])


def test_tx_root_is_the_rfc6962_root_over_the_txids_in_order(committed: dict[str, Any]) -> None:
    block = committed["block"]
    header = json.loads(block["header"])
    txids = [bytes.fromhex(t) for t in block["txids"]]
    assert block["txids"] == [t["txid"] for t in committed["transactions"]]
    assert header["tx_count"] == len(txids)
    assert mth(txids).hex() == header["tx_root"] == block["tx_root"]


def test_merkle_vectors_match_rfc6962_roots_and_audit_paths(committed: dict[str, Any]) -> None:
    assert {len(t["leaves"]) for t in committed["merkle"]} >= {0, 1, 2, 3, 5, 7}
    for tree in committed["merkle"]:
        leaves = [bytes.fromhex(x) for x in tree["leaves"]]
        assert mth(leaves).hex() == tree["root"]
        for index, proof in enumerate(tree["proofs"]):
            assert [p.hex() for p in path(index, leaves)] == proof
            hashes = climb(leaves[index], index, len(leaves), [bytes.fromhex(p) for p in proof])
            assert hashes[-1].hex() == tree["root"]


# -- receipts -----------------------------------------------------------------


def test_receipt_verifies_step_by_step_from_the_text_alone(committed: dict[str, Any]) -> None:
    vector = committed["receipt"]
    receipt = json.loads(vector["receipt"])
    header = receipt["header"]
    producers = json.loads(committed["genesis"]["document"])["producer_keys"]
    # 1. the receipt is for the transaction we expect
    payment = next(t for t in committed["transactions"] if t["name"] == "transfer")
    assert receipt["txid"] == payment["txid"]
    # 2. the header is signed by a producer of this network's genesis
    assert header["producer"] in producers
    message = DOMAIN["block"] + receipt["network"].encode() + canonical_text(header)
    assert signature_verifies(header["producer"], message, receipt["signature"])
    # 3. the audit path climbs from the txid to the header's tx_root
    proof = [bytes.fromhex(p) for p in receipt["proof"]]
    hashes = climb(bytes.fromhex(receipt["txid"]), receipt["index"], header["tx_count"], proof)
    assert [h.hex() for h in hashes] == vector["path_hashes"]
    assert hashes[-1].hex() == header["tx_root"]


def test_receipt_vector_passes_the_projects_verifier_and_a_tampered_one_fails(
    committed: dict[str, Any],
) -> None:
    from ledger.errors import InvalidReceipt
    from ledger.receipts import verify_receipt

    receipt = decode_canonical(committed["receipt"]["receipt"].encode(), Receipt)
    producers = json.loads(committed["genesis"]["document"])["producer_keys"]
    verify_receipt(receipt, producers, receipt.txid)
    wrong_index = Receipt(
        network=receipt.network,
        header=receipt.header,
        signature=receipt.signature,
        txid=receipt.txid,
        index=receipt.index + 1,
        proof=receipt.proof,
    )
    with pytest.raises(InvalidReceipt):
        verify_receipt(wrong_index, producers)


# -- state digest -------------------------------------------------------------


def test_writes_digest_entries_are_length_prefixed_and_sorted(committed: dict[str, Any]) -> None:
    example = committed["state_digest_example"]
    consensus = [c for c in example["changes"] if bytes.fromhex(c["key_hex"])[:1] != b"O"]
    expected = sorted(
        (bytes.fromhex(c["key_hex"]), None if c["value"] is None else c["value"].encode())
        for c in consensus
    )
    assert [digest_entry(k, v).hex() for k, v in expected] == example["entries_hex"]
    assert any(c["value"] is None for c in consensus), "the example must show a deletion"
    assert writes_digest(example["changes"]).hex() == example["writes_digest"]
    previous = bytes.fromhex(example["previous"])
    assert (
        sha256(previous + bytes.fromhex(example["writes_digest"])).hex() == (example["next_digest"])
    )


def test_non_consensus_writes_do_not_change_the_digest(committed: dict[str, Any]) -> None:
    example = committed["state_digest_example"]
    without = [c for c in example["changes"] if bytes.fromhex(c["key_hex"])[:1] != b"O"]
    assert len(without) < len(example["changes"])
    assert writes_digest(without).hex() == example["writes_digest"]


def test_genesis_and_block_writes_reproduce_the_headers_state_digest(
    committed: dict[str, Any],
) -> None:
    genesis, block = committed["genesis"], committed["block"]
    start = sha256(bytes(32) + writes_digest(genesis["writes"]))
    assert start.hex() == genesis["state_digest"]
    assert writes_digest(block["writes"]).hex() == block["writes_digest"]
    after = sha256(start + writes_digest(block["writes"]))
    assert after.hex() == block["state_digest"] == json.loads(block["header"])["state_digest"]


# -- rejections ---------------------------------------------------------------


def refusal(envelope: bytes, network: str, registry: Registry | None = None) -> tuple[str, str]:
    registry = registry or core_registry()
    try:
        tx = parse_transaction(envelope, registry)
    except TengeError as error:
        return "decode", error.code
    try:
        validate_transaction(tx, registry, network)
    except TengeError as error:
        return "validate", error.code
    return "accepted", ""


def test_each_non_canonical_or_invalid_input_is_refused_with_its_code(
    committed: dict[str, Any],
) -> None:
    assert len(committed["rejections"]) >= 20
    for case in committed["rejections"]:
        got = refusal(case["envelope"].encode("utf-8"), committed["network"])
        assert got == (case["stage"], case["code"]), case["name"]


def test_a_non_canonical_body_is_accepted_once_respelled_canonically(
    committed: dict[str, Any],
) -> None:
    # The refused bytes are valid JSON of a valid body: only the spelling was wrong.
    registry = core_registry()
    refused = [c for c in committed["rejections"] if c["code"] == "non_canonical"]
    assert len(refused) >= 10
    for case in refused:
        envelope = json.loads(case["envelope"])
        respelled = (
            b'{"body":'
            + canonical_body(envelope["body"])
            + b',"network":'
            + canonical_text(envelope["network"])
            + b',"signatures":'
            + canonical_text(envelope["signatures"])
            + b"}"
        )
        parse_transaction(respelled, registry)


# -- every other kind: the same rules, by the independent implementation ------------


def test_kind_vectors_txids_are_sha256_of_domain_network_and_body(
    committed: dict[str, Any],
) -> None:
    section = committed["kind_vectors"]
    network = section["network"].encode("ascii")
    for tx in section["transactions"]:
        message = DOMAIN["tx"] + network + tx["body"].encode("utf-8")
        assert message.hex() == tx["message_hex"], tx["kind"]
        assert sha256(message).hex() == tx["txid"], tx["kind"]
        assert json.loads(tx["body"])["kind"] == tx["kind"]


def test_kind_vectors_bodies_are_canonical_by_the_independent_encoder(
    committed: dict[str, Any],
) -> None:
    for tx in committed["kind_vectors"]["transactions"]:
        body = tx["body"].encode()
        assert canonical_text(json.loads(body)) == body, tx["kind"]


def test_kind_vectors_signatures_come_from_the_named_signers_seeds(
    committed: dict[str, Any],
) -> None:
    section = committed["kind_vectors"]
    seeds = {k["name"]: bytes.fromhex(k["seed"]) for k in section["keys"]}
    for key in section["keys"]:
        assert public_key(key["seed"]).hex() == key["public"], key["name"]
    for tx in section["transactions"]:
        message = bytes.fromhex(tx["message_hex"])
        assert len(tx["signatures"]) == len(tx["signers"]) >= 1, tx["kind"]
        for name, sig in zip(tx["signers"], tx["signatures"], strict=True):
            _public, secret = nacl.bindings.crypto_sign_seed_keypair(seeds[name])
            assert nacl.bindings.crypto_sign(message, secret)[:64].hex() == sig["sig"], tx["kind"]
            assert signature_verifies(sig["key"], message, sig["sig"]), tx["kind"]


def test_kind_vectors_envelopes_parse_and_validate_with_the_full_registry(
    committed: dict[str, Any],
) -> None:
    registry = full_registry()
    section = committed["kind_vectors"]
    for tx in section["transactions"]:
        envelope = json.loads(tx["envelope"])
        assert sorted(envelope) == ["body", "network", "signatures"]
        assert canonical_text(envelope["body"]) == tx["body"].encode()
        parsed = parse_transaction(tx["envelope"].encode(), registry)
        validate_transaction(parsed, registry, section["network"])
        assert (parsed.kind, parsed.txid.hex()) == (tx["kind"], tx["txid"])


def test_each_kind_rejection_is_refused_with_its_recorded_code(
    committed: dict[str, Any],
) -> None:
    registry = full_registry()
    section = committed["kind_vectors"]
    for case in section["rejections"]:
        got = refusal(case["envelope"].encode("utf-8"), section["network"], registry)
        assert got == (case["stage"], case["code"]), case["name"]


# -- known deviations of the code from docs/encoding.md -----------------------


def test_explicit_default_kzt_token_is_refused_as_non_canonical(committed: dict[str, Any]) -> None:
    output = json.loads(committed["canonical_json"]["objects"][1]["json"])
    spelled = canonical_text({**output, "token": "KZT"})
    with pytest.raises(TengeError) as caught:
        decode_canonical(spelled, Output)
    assert caught.value.code == "non_canonical"


def test_hex_key_with_a_trailing_newline_is_refused() -> None:
    spelled = canonical({"amount": 1, "owner": "ab" * 32 + "\n"})
    with pytest.raises(TengeError) as caught:
        decode_canonical(spelled, Output)
    assert caught.value.code == "schema_violation"


def test_invalid_utf8_inside_a_string_is_malformed_json() -> None:
    with pytest.raises(TengeError) as caught:
        decode_canonical(b'{"amount":1,"owner":"\xff"}', Output)
    assert caught.value.code == "malformed_json"


# -- the document quotes the vectors faithfully -------------------------------

SPEC = VECTOR_FILE.with_name("encoding.md")


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings_in(v)]
    return []


def test_every_hash_quoted_in_the_spec_is_in_the_vectors(committed: dict[str, Any]) -> None:
    spec, hexes = SPEC.read_text(encoding="utf-8"), "\n".join(strings_in(committed))
    for run in re.findall(r"(?<![0-9a-f…])[0-9a-f]{16,}(?![0-9a-f…])", spec):
        assert run in hexes, run
    for head, tail in re.findall(r"([0-9a-f]{8,})…([0-9a-f]{2,})", spec):
        assert re.search(f"{head}[0-9a-f]*{tail}", hexes), f"{head}…{tail}"


def test_every_json_line_quoted_in_the_spec_is_a_vector(committed: dict[str, Any]) -> None:
    values = set(strings_in(committed))
    quoted = [line for line in SPEC.read_text(encoding="utf-8").splitlines() if line[:2] == '{"']
    parsed = 0
    for line in quoted:
        try:
            json.loads(line)
        except ValueError:
            continue  # a template such as the envelope's, not a value
        parsed += 1
        assert line in values, line
    assert parsed >= 2
