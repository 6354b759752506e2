"""Properties of the RFC 6962 Merkle tree: proofs verify, and any tampering breaks them."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.crypto import inclusion_proof, inclusion_proofs, merkle_root, verify_inclusion

SETTINGS = settings(max_examples=100, derandomize=True, deadline=None, database=None)

# Distinct leaves: with two equal leaves, swapping their indexes would rightly verify.
trees = st.integers(1, 70).flatmap(
    lambda n: st.lists(st.binary(max_size=40), min_size=n, max_size=n, unique=True)
)


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 6962 section 2.1 defines it, recursively."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(
        b"\x01" + reference_root(leaves[:k]) + reference_root(leaves[k:])
    ).digest()


def reference_path(index: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 section 2.1.1."""
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if index < k:
        return [*reference_path(index, leaves[:k]), reference_root(leaves[k:])]
    return [*reference_path(index - k, leaves[k:]), reference_root(leaves[:k])]


def flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[(bit // 8) % len(out)] ^= 1 << (bit % 8)
    return bytes(out)


def test_root_and_paths_match_the_rfc_definition_for_every_size_up_to_70() -> None:
    for size in range(71):
        leaves = [b"leaf-%d" % i for i in range(size)]
        assert merkle_root(leaves) == reference_root(leaves)
        for index in range(size):
            assert inclusion_proof(leaves, index) == reference_path(index, leaves)


@SETTINGS
@given(trees)
def test_every_leaf_of_a_random_tree_proves_its_inclusion(leaves: list[bytes]) -> None:
    root = merkle_root(leaves)
    assert root == reference_root(leaves)
    for index, leaf in enumerate(leaves):
        proof = inclusion_proof(leaves, index)
        assert verify_inclusion(leaf, index, len(leaves), proof, root)


@SETTINGS
@given(trees, st.data())
def test_tampered_proof_element_fails(leaves: list[bytes], data: st.DataObject) -> None:
    root, size = merkle_root(leaves), len(leaves)
    for index, leaf in enumerate(leaves):
        proof = inclusion_proof(leaves, index)
        if not proof:
            continue
        position = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 255))
        tampered = list(proof)
        tampered[position] = flip(tampered[position], bit)
        assert not verify_inclusion(leaf, index, size, tampered, root)
        assert not verify_inclusion(leaf, index, size, proof[:-1], root)
        assert not verify_inclusion(leaf, index, size, [*proof, proof[0]], root)


@SETTINGS
@given(trees, st.binary(max_size=40))
def test_another_leaf_fails(leaves: list[bytes], other: bytes) -> None:
    root, size = merkle_root(leaves), len(leaves)
    for index, leaf in enumerate(leaves):
        if other != leaf:
            assert not verify_inclusion(other, index, size, inclusion_proof(leaves, index), root)


@SETTINGS
@given(trees, st.integers(1, 71))
def test_another_index_fails(leaves: list[bytes], shift: int) -> None:
    root, size = merkle_root(leaves), len(leaves)
    for index, leaf in enumerate(leaves):
        # Walk round the cycle -1..size by 1..size+1 steps: never back to index.
        step = 1 + shift % (size + 1)
        wrong = (index + 1 + step) % (size + 2) - 1
        assert wrong != index
        assert not verify_inclusion(leaf, wrong, size, inclusion_proof(leaves, index), root)


@SETTINGS
@given(trees, st.integers(0, 255))
def test_tampered_root_fails(leaves: list[bytes], bit: int) -> None:
    root, size = merkle_root(leaves), len(leaves)
    tampered = flip(root, bit)
    for index, leaf in enumerate(leaves):
        assert not verify_inclusion(leaf, index, size, inclusion_proof(leaves, index), tampered)


@SETTINGS
@given(trees)
def test_all_paths_of_a_tree_at_once_equal_the_single_paths(leaves: list[bytes]) -> None:
    paths = inclusion_proofs(leaves, list(range(len(leaves))))
    assert paths == {i: inclusion_proof(leaves, i) for i in range(len(leaves))}
