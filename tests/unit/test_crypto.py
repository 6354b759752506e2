"""Ed25519 against RFC 8032 and the Merkle tree against RFC 6962 reference vectors."""

from __future__ import annotations

import pytest

from ledger.crypto import (
    DOMAIN_BLOCK,
    DOMAIN_TX,
    KeyPair,
    inclusion_proof,
    merkle_root,
    signing_message,
    verify,
    verify_inclusion,
)

# RFC 8032 section 7.1, TEST 1-3: (secret key, public key, message, signature).
RFC8032_VECTORS = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]
RFC8032_IDS = ["test1", "test2", "test3"]

# Certificate Transparency reference leaves (hex data) and roots for sizes 0..8.
CT_LEAVES = [
    bytes.fromhex(x)
    for x in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (0-based leaf index, tree size, audit path)
CT_PROOFS = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def _flip_bit(data: bytes, bit: int = 0) -> bytes:
    flipped = bytearray(data)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


# -- Ed25519 -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "public", "message", "signature"), RFC8032_VECTORS, ids=RFC8032_IDS
)
def test_key_pair_from_rfc8032_seed_has_the_rfc_public_key(
    secret: str, public: str, message: str, signature: str
) -> None:
    assert KeyPair.from_seed(bytes.fromhex(secret)).public_hex == public


@pytest.mark.parametrize(
    ("secret", "public", "message", "signature"), RFC8032_VECTORS, ids=RFC8032_IDS
)
def test_signing_the_rfc8032_message_gives_the_rfc_signature(
    secret: str, public: str, message: str, signature: str
) -> None:
    pair = KeyPair.from_seed(bytes.fromhex(secret))
    assert pair.sign(bytes.fromhex(message)).hex() == signature


@pytest.mark.parametrize(
    ("secret", "public", "message", "signature"), RFC8032_VECTORS, ids=RFC8032_IDS
)
def test_rfc8032_signature_verifies(secret: str, public: str, message: str, signature: str) -> None:
    assert verify(bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature))


@pytest.mark.parametrize(
    ("secret", "public", "message", "signature"), RFC8032_VECTORS, ids=RFC8032_IDS
)
@pytest.mark.parametrize("bit", [0, 7, 255, 256, 511])
def test_signature_with_a_flipped_bit_is_rejected(
    secret: str, public: str, message: str, signature: str, bit: int
) -> None:
    tampered = _flip_bit(bytes.fromhex(signature), bit)
    assert not verify(bytes.fromhex(public), bytes.fromhex(message), tampered)


@pytest.mark.parametrize(
    ("secret", "public", "message", "signature"), RFC8032_VECTORS, ids=RFC8032_IDS
)
def test_signature_over_a_changed_message_is_rejected(
    secret: str, public: str, message: str, signature: str
) -> None:
    changed = bytes.fromhex(message) + b"\x00"
    assert not verify(bytes.fromhex(public), changed, bytes.fromhex(signature))
    if message:
        flipped = _flip_bit(bytes.fromhex(message))
        assert not verify(bytes.fromhex(public), flipped, bytes.fromhex(signature))


def test_signature_under_another_public_key_is_rejected() -> None:
    _, public_1, message, signature = RFC8032_VECTORS[0]
    _, public_2, _, _ = RFC8032_VECTORS[1]
    assert verify(bytes.fromhex(public_1), bytes.fromhex(message), bytes.fromhex(signature))
    assert not verify(bytes.fromhex(public_2), bytes.fromhex(message), bytes.fromhex(signature))


def test_signatures_and_keys_of_the_wrong_length_are_rejected() -> None:
    _, public, message, signature = RFC8032_VECTORS[1]
    assert not verify(bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature)[:63])
    assert not verify(bytes.fromhex(public)[:31], bytes.fromhex(message), bytes.fromhex(signature))
    assert not verify(bytes.fromhex(public), bytes.fromhex(message), b"")


def test_signature_made_for_one_domain_does_not_verify_for_another() -> None:
    pair = KeyPair.from_seed(bytes(range(32)))
    body = b'{"kind":"x"}'
    signature = pair.sign(signing_message(DOMAIN_BLOCK, "kzt-test", body))
    assert verify(pair.public, signing_message(DOMAIN_BLOCK, "kzt-test", body), signature)
    assert not verify(pair.public, signing_message(DOMAIN_TX, "kzt-test", body), signature)
    assert not verify(pair.public, signing_message(DOMAIN_BLOCK, "kzt-main", body), signature)


def test_key_pair_repr_does_not_reveal_the_seed() -> None:
    secret = RFC8032_VECTORS[0][0]
    assert secret not in repr(KeyPair.from_seed(bytes.fromhex(secret)))


# -- RFC 6962 Merkle tree ------------------------------------------------------


@pytest.mark.parametrize("size", range(len(CT_ROOTS)))
def test_merkle_root_matches_the_rfc6962_reference_root(size: int) -> None:
    assert merkle_root(CT_LEAVES[:size]).hex() == CT_ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), CT_PROOFS)
def test_inclusion_proof_matches_the_rfc6962_reference_path(
    index: int, size: int, path: list[str]
) -> None:
    assert [p.hex() for p in inclusion_proof(CT_LEAVES[:size], index)] == path


@pytest.mark.parametrize(("index", "size", "path"), CT_PROOFS)
def test_rfc6962_reference_path_verifies_against_the_reference_root(
    index: int, size: int, path: list[str]
) -> None:
    proof = [bytes.fromhex(p) for p in path]
    root = bytes.fromhex(CT_ROOTS[size])
    assert verify_inclusion(CT_LEAVES[index], index, size, proof, root)


@pytest.mark.parametrize(("index", "size", "path"), CT_PROOFS)
def test_reference_path_fails_for_another_leaf_index_or_length(
    index: int, size: int, path: list[str]
) -> None:
    proof = [bytes.fromhex(p) for p in path]
    root = bytes.fromhex(CT_ROOTS[size])
    other_leaf = CT_LEAVES[(index + 1) % size]
    assert not verify_inclusion(other_leaf, index, size, proof, root)
    assert not verify_inclusion(CT_LEAVES[index], (index + 1) % size, size, proof, root)
    assert not verify_inclusion(CT_LEAVES[index], index, index, proof, root)
    assert not verify_inclusion(CT_LEAVES[index], index, size, proof[:-1], root)
    assert not verify_inclusion(CT_LEAVES[index], index, size, [*proof, proof[0]], root)


def test_every_leaf_of_every_reference_tree_proves_its_inclusion() -> None:
    for size in range(1, len(CT_LEAVES) + 1):
        root = merkle_root(CT_LEAVES[:size])
        for index in range(size):
            proof = inclusion_proof(CT_LEAVES[:size], index)
            assert verify_inclusion(CT_LEAVES[index], index, size, proof, root)


def test_single_leaf_tree_has_an_empty_path() -> None:
    assert inclusion_proof(CT_LEAVES[:1], 0) == []
    assert verify_inclusion(CT_LEAVES[0], 0, 1, [], bytes.fromhex(CT_ROOTS[1]))


@pytest.mark.parametrize("index", [-1, 3])
def test_inclusion_proof_for_an_index_outside_the_tree_is_refused(index: int) -> None:
    with pytest.raises(IndexError):
        inclusion_proof(CT_LEAVES[:3], index)
    assert not verify_inclusion(CT_LEAVES[0], index, 3, [], bytes.fromhex(CT_ROOTS[3]))


def test_proof_element_of_the_wrong_length_fails() -> None:
    index, size, path = CT_PROOFS[0]
    proof = [bytes.fromhex(p) for p in path]
    proof[1] = proof[1] + b"\x00"
    assert not verify_inclusion(CT_LEAVES[index], index, size, proof, bytes.fromhex(CT_ROOTS[size]))
