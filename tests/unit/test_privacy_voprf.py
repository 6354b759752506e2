"""RFC 9497 VOPRF(ristretto255, SHA-512): the published vectors, and a tampered proof refused.

The hex values are the RFC's Appendix A.1.2 ("VOPRF Mode"), quoted as
published: Seed, KeyInfo, skSm, pkSm, and Test Vectors 1, 2 (batch size 1)
and 3 (batch size 2), each with its Blind, BlindedElement,
EvaluationElement, Proof, ProofRandomScalar and Output.
"""

from __future__ import annotations

import pytest

from privacy import voprf
from privacy.errors import InvalidDleqProof

SEED = bytes.fromhex("a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3")
KEY_INFO = bytes.fromhex("74657374206b6579")  # "test key"
SK = "e6f73f344b79b379f1a0dd37e07ff62e38d9f71345ce62ae3a9bc60b04ccd909"
PK = "c803e2cc6b05fc15064549b5920659ca4a77b2cca6f04f6b357009335476ad4e"
BLIND_1 = "64d37aed22a27f5191de1c1d69fadb899d8862b58eb4220029e036ec4c1f6706"
BLIND_2 = "222a5e897cf59db8145db8d16e597e8facb80ae7d4e26d9881aa6f61d645fc0e"
INPUT_1, INPUT_2 = "00", "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
BLINDED_1 = "863f330cc1a1259ed5a5998a23acfd37fb4351a793a5b3c090b642ddc439b945"
EVALUATED_1 = "aa8fa048764d5623868679402ff6108d2521884fa138cd7f9c7669a9a014267e"
OUTPUT_1 = (
    "b58cfbe118e0cb94d79b5fd6a6dafb98764dff49c14e1770b566e42402da1a7d"
    "a4d8527693914139caee5bd03903af43a491351d23b430948dd50cde10d32b3c"
)
OUTPUT_2 = (
    "8a9a2f3c7f085b65933594309041fc1898d42d0858e59f90814ae90571a6df60"
    "356f4610bf816f27afdd84f47719e480906d27ecd994985890e5f539e7ea74b6"
)

VECTORS = [
    {  # Test Vector 1, Batch Size 1
        "inputs": [INPUT_1],
        "blinds": [BLIND_1],
        "blinded": [BLINDED_1],
        "evaluated": [EVALUATED_1],
        "proof": "ddef93772692e535d1a53903db24367355cc2cc78de93b3be5a8ffcc6985dd06"
        "6d4346421d17bf5117a2a1ff0fcb2a759f58a539dfbe857a40bce4cf49ec600d",
        "r": BLIND_2,
        "outputs": [OUTPUT_1],
    },
    {  # Test Vector 2, Batch Size 1
        "inputs": [INPUT_2],
        "blinds": [BLIND_1],
        "blinded": ["cc0b2a350101881d8a4cba4c80241d74fb7dcbfde4a61fde2f91443c2bf9ef0c"],
        "evaluated": ["60a59a57208d48aca71e9e850d22674b611f752bed48b36f7a91b372bd7ad468"],
        "proof": "401a0da6264f8cf45bb2f5264bc31e109155600babb3cd4e5af7d181a2c9dc0a"
        "67154fabf031fd936051dec80b0b6ae29c9503493dde7393b722eafdf5a50b02",
        "r": BLIND_2,
        "outputs": [OUTPUT_2],
    },
    {  # Test Vector 3, Batch Size 2
        "inputs": [INPUT_1, INPUT_2],
        "blinds": [BLIND_1, BLIND_2],
        "blinded": [
            BLINDED_1,
            "90a0145ea9da29254c3a56be4fe185465ebb3bf2a1801f7124bbbadac751e654",
        ],
        "evaluated": [
            EVALUATED_1,
            "cc5ac221950a49ceaa73c8db41b82c20372a4c8d63e5dded2db920b7eee36a2a",
        ],
        "proof": "cc203910175d786927eeb44ea847328047892ddf8590e723c37205cb74600b0a"
        "5ab5337c8eb4ceae0494c2cf89529dcf94572ed267473d567aeed6ab873dee08",
        "r": "419c4f4f5052c53c45f3da494d2b67b220d02118e0857cdbcf037f9ea84bbe0c",
        "outputs": [OUTPUT_1, OUTPUT_2],
    },
]


def hexes(values: list[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


def test_derive_key_pair_matches_the_rfc() -> None:
    secret, public = voprf.derive_key_pair(SEED, KEY_INFO)
    assert (secret.hex(), public.hex()) == (SK, PK)


@pytest.mark.parametrize("vector", VECTORS, ids=["tv1", "tv2", "tv3-batch2"])
def test_rfc9497_vectors_blind_evaluate_prove_and_finalize(vector: dict) -> None:
    secret, public = bytes.fromhex(SK), bytes.fromhex(PK)
    inputs, blinds = hexes(vector["inputs"]), hexes(vector["blinds"])
    blinded = [voprf.blind(x, b)[1] for x, b in zip(inputs, blinds, strict=True)]
    assert [b.hex() for b in blinded] == vector["blinded"]
    evaluated, proof = voprf.blind_evaluate(secret, public, blinded, bytes.fromhex(vector["r"]))
    assert [e.hex() for e in evaluated] == vector["evaluated"]
    assert proof.hex() == vector["proof"]
    outputs = voprf.finalize(inputs, blinds, blinded, evaluated, public, proof)
    assert [o.hex() for o in outputs] == vector["outputs"]
    assert [voprf.evaluate(secret, x).hex() for x in inputs] == vector["outputs"]


def test_a_tampered_dleq_proof_is_rejected_by_the_wallet() -> None:
    vector = VECTORS[0]
    inputs, blinds = hexes(vector["inputs"]), hexes(vector["blinds"])
    blinded, evaluated = hexes(vector["blinded"]), hexes(vector["evaluated"])
    proof = bytearray(bytes.fromhex(vector["proof"]))
    proof[5] ^= 0x01
    with pytest.raises(InvalidDleqProof):
        voprf.finalize(inputs, blinds, blinded, evaluated, bytes.fromhex(PK), bytes(proof))


def test_an_evaluation_under_another_key_is_rejected_even_with_a_valid_proof() -> None:
    """The issuer cannot tag a user: a proof for its own special key fails the published one."""
    tagging_secret, tagging_public = voprf.derive_key_pair(b"\x01" * 32, b"just for you")
    blind_scalar, blinded = voprf.blind(b"token")
    evaluated, proof = voprf.blind_evaluate(tagging_secret, tagging_public, [blinded])
    assert voprf.verify_proof(tagging_public, [blinded], evaluated, proof)
    with pytest.raises(InvalidDleqProof):
        voprf.finalize([b"token"], [blind_scalar], [blinded], evaluated, bytes.fromhex(PK), proof)


def test_tokens_verify_only_under_their_key() -> None:
    secret, public = voprf.derive_key_pair(b"\x02" * 32, b"denomination")
    blind_scalar, blinded = voprf.blind(b"x" * 32)
    evaluated, proof = voprf.blind_evaluate(secret, public, [blinded])
    (output,) = voprf.finalize([b"x" * 32], [blind_scalar], [blinded], evaluated, public, proof)
    assert voprf.verify_token(secret, b"x" * 32, output)
    assert not voprf.verify_token(secret, b"y" * 32, output)
    assert not voprf.verify_token(bytes.fromhex(SK), b"x" * 32, output)


def test_element_validation_refuses_the_identity_and_garbage() -> None:
    assert voprf.is_element(bytes.fromhex(BLINDED_1))
    assert not voprf.is_element(bytes(32))
    assert not voprf.is_element(b"\xff" * 32)
    assert not voprf.is_element(b"\x01" * 31)
