"""Blocks of the proof-of-work chain: a fixed 120-byte header and a body.

Header bytes (big-endian, what is hashed with SHA-256d)::

    version u32 | height u32 | prev_hash 32 | merkle_root 32 | time_ms u64
    | target 32 (the full 256-bit target) | nonce u64

The nonce is last so a miner hashes the 112-byte prefix once and only the
nonce per attempt. The body is a coinbase, optional reward spends and the
ledger's own signed transactions (``ledger.types.SignedTransaction``): the
Merkle root is RFC 6962 over ``[coinbase id, reward spend ids..., txids...]``.
A block's size is the length of its canonical encoding, the same bytes that
travel between miners.
"""

from __future__ import annotations

import struct
from typing import Annotated

import msgspec

from ledger.crypto import merkle_root
from ledger.encoding import Hex32, Wire, canonical, decode_json
from ledger.types import Genesis, SignedTransaction
from node.pow.coinbase import Coinbase, RewardSpend
from node.pow.licence import MiningRegister
from node.pow.params import PowParams
from node.pow.work import sha256d

DOMAIN_POW_GENESIS = b"KZT-POW/genesis/v1\x00"
MAX_NONCE = 2**53 - 1
_PREFIX = struct.Struct(">II32s32sQ32s")
_NONCE = struct.Struct(">Q")


class PowHeader(Wire, frozen=True):
    """What a miner commits to and hashes."""

    height: Annotated[int, msgspec.Meta(ge=1, le=2**32 - 1)]
    prev_hash: Annotated[Hex32, msgspec.Meta(description="SHA-256d of the parent header")]
    merkle_root: Annotated[Hex32, msgspec.Meta(description="RFC 6962 root of the body")]
    time_ms: Annotated[int, msgspec.Meta(ge=0, description="miner's clock, Unix ms")]
    target: Annotated[Hex32, msgspec.Meta(description="full 256-bit target, big-endian")]
    nonce: Annotated[int, msgspec.Meta(ge=0, le=MAX_NONCE)] = 0
    version: Annotated[int, msgspec.Meta(ge=1, le=2**32 - 1)] = 1

    @property
    def target_int(self) -> int:
        """The target as an integer."""
        return int(self.target, 16)

    def prefix(self) -> bytes:
        """The first 112 header bytes: everything but the nonce."""
        return _PREFIX.pack(
            self.version,
            self.height,
            bytes.fromhex(self.prev_hash),
            bytes.fromhex(self.merkle_root),
            self.time_ms,
            bytes.fromhex(self.target),
        )

    def serialize(self) -> bytes:
        """The 120 header bytes."""
        return self.prefix() + _NONCE.pack(self.nonce)

    def block_hash(self) -> bytes:
        """SHA-256d of the header bytes."""
        return sha256d(self.serialize())


class PowBlock(Wire, frozen=True):
    """A header and what it orders."""

    header: PowHeader
    coinbase: Coinbase
    spends: tuple[RewardSpend, ...] = ()
    txs: tuple[SignedTransaction, ...] = ()

    def block_hash(self) -> bytes:
        """The block's identity: its header's SHA-256d."""
        return self.header.block_hash()

    def size(self) -> int:
        """Bytes of the canonical encoding; what the size limit counts."""
        return len(canonical(self))

    @classmethod
    def from_bytes(cls, data: bytes) -> PowBlock:
        """Decode a block received from a peer."""
        return decode_json(data, cls, "block")


def body_root(
    network: str,
    coinbase: Coinbase,
    spends: tuple[RewardSpend, ...],
    txids: list[bytes],
) -> bytes:
    """RFC 6962 Merkle root over the coinbase id, spend ids and txids."""
    leaves = [coinbase.coinbase_id(network), *(s.spend_id(network) for s in spends), *txids]
    return merkle_root(leaves)


class PowGenesis(Wire, frozen=True):
    """Where a PoW chain starts: its rules, the ledger state it orders on, a target."""

    params: PowParams
    ledger: Genesis
    bootstrap: tuple[SignedTransaction, ...]
    """Ledger transactions applied before block 1 (banks, wallets, funding)."""
    time_ms: int
    target: Hex32
    """Target of the first blocks, before the first retarget."""
    register: MiningRegister | None = None
    """Who may mine under the 2023 law; absent, anyone may (the comparator's open chain)."""

    @property
    def network(self) -> str:
        """The ledger network whose transactions this chain orders."""
        return self.ledger.network

    def genesis_hash(self) -> bytes:
        """SHA-256d of DOMAIN || canonical(genesis): block 1's prev_hash."""
        return sha256d(DOMAIN_POW_GENESIS + canonical(self))

    @classmethod
    def from_bytes(cls, data: bytes) -> PowGenesis:
        """Decode a genesis sent to a miner process."""
        return decode_json(data, cls, "genesis")
