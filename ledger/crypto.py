"""Hashes, Ed25519 signatures (PyNaCl / libsodium) and the RFC 6962 Merkle tree.

Nothing here is home-made cryptography: signing and verification are
libsodium's, hashing is SHA-256 from the standard library, and the Merkle tree
is exactly RFC 6962 section 2.1 (leaf prefix 0x00, node prefix 0x01, split at
the largest power of two below the size, no duplicated last leaf).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import nacl.bindings
import nacl.exceptions
import nacl.signing

# Domain tags: each message family signs under its own tag, so a signature
# made for one purpose can never be replayed as another.
DOMAIN_TX = b"KZT-LEDGER/tx/v1\x00"
DOMAIN_BLOCK = b"KZT-LEDGER/block/v1\x00"
DOMAIN_GENESIS = b"KZT-LEDGER/genesis/v1\x00"
DOMAIN_HTTP = b"KZT-LEDGER/http/v1\x00"  # reserved: HTTP reads use RFC 9421 tags
DOMAIN_VOUCHER = b"KZT-LEDGER/voucher/v1\x00"

_LEAF = b"\x00"
_NODE = b"\x01"


def sha256(data: bytes) -> bytes:
    """SHA-256 digest."""
    return hashlib.sha256(data).digest()


def signing_message(domain: bytes, network: str, body: bytes) -> bytes:
    """The exact bytes that are signed: ``domain || network || body``.

    The body is canonical JSON and so starts with ``{``, a character network
    ids cannot contain, which keeps the concatenation unambiguous.
    """
    return domain + network.encode("ascii") + body


@dataclass(frozen=True, slots=True)
class KeyPair:
    """An Ed25519 key pair; ``public`` is the 32-byte owner key."""

    seed: bytes
    public: bytes

    @classmethod
    def from_seed(cls, seed: bytes) -> KeyPair:
        """The key pair for a 32-byte seed (RFC 8032 private key)."""
        return cls(seed=seed, public=bytes(nacl.signing.SigningKey(seed).verify_key))

    @classmethod
    def generate(cls) -> KeyPair:
        """A fresh random key pair."""
        key = nacl.signing.SigningKey.generate()
        return cls(seed=bytes(key), public=bytes(key.verify_key))

    def sign(self, message: bytes) -> bytes:
        """The 64-byte detached signature of a message."""
        return nacl.signing.SigningKey(self.seed).sign(message).signature

    @property
    def public_hex(self) -> str:
        """The public key as 64 lowercase hex digits."""
        return self.public.hex()

    def __repr__(self) -> str:  # never print the seed
        return f"KeyPair(public={self.public_hex})"


def verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message``."""
    if len(signature) != 64 or len(public) != 32:
        return False
    try:
        nacl.bindings.crypto_sign_open(signature + message, public)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError):
        return False
    return True


# -- RFC 6962 Merkle tree ------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || data)."""
    return hashlib.sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _root_of_hashes(hashes: list[bytes]) -> bytes:
    # Bottom-up pairing yields the same tree as RFC 6962's recursive split:
    # an unpaired last node is carried up unchanged, never duplicated.
    level, sha, node = hashes, hashlib.sha256, _NODE
    while len(level) > 1:  # node_hash, inline: a block's tree is thousands of them
        paired = [sha(node + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def merkle_root(leaves: list[bytes]) -> bytes:
    """The Merkle tree hash of a list of leaf data (RFC 6962 MTH)."""
    if not leaves:
        return sha256(b"")
    sha, leaf = hashlib.sha256, _LEAF
    return _root_of_hashes([sha(leaf + x).digest() for x in leaves])  # leaf_hash, inline


def inclusion_proof(leaves: list[bytes], index: int) -> list[bytes]:
    """The audit path of leaf ``index`` (RFC 6962 PATH), leaf side first."""
    if not 0 <= index < len(leaves):
        raise IndexError(index)
    return _path(index, [leaf_hash(x) for x in leaves])


def _path(index: int, hashes: list[bytes]) -> list[bytes]:
    n = len(hashes)
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*_path(index, hashes[:k]), _root_of_hashes(hashes[k:])]
    return [*_path(index - k, hashes[k:]), _root_of_hashes(hashes[:k])]


def inclusion_proofs(leaves: list[bytes], indexes: list[int]) -> dict[int, list[bytes]]:
    """The audit paths of several leaves of one tree, hashing the tree once (the same
    paths as :func:`inclusion_proof`: bottom-up pairing builds RFC 6962's tree)."""
    level = [leaf_hash(x) for x in leaves]
    positions = {i: i for i in indexes if 0 <= i < len(leaves)}
    if len(positions) != len(set(indexes)):
        raise IndexError(sorted(set(indexes) - set(positions)))
    paths: dict[int, list[bytes]] = {i: [] for i in positions}
    while len(level) > 1:
        for leaf, at in positions.items():
            sibling = at ^ 1
            if sibling < len(level):  # the unpaired last node rises without a sibling
                paths[leaf].append(level[sibling])
            positions[leaf] = at >> 1
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return paths


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """True when ``proof`` shows leaf data ``leaf`` at ``index`` in a tree of ``size``.

    The algorithm of RFC 9162 section 2.1.3.2; pure, so a phone can run it.
    """
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf_hash(leaf)
    for p in proof:
        if len(p) != 32 or sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root
