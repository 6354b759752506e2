"""Block rules that need no ledger state: work, header context, size, body shape.

Checks run cheapest first, so a flood of bogus blocks costs a hash each.
Ledger transactions get the ledger's own stateless checks
(:func:`ledger.validation.validate_transaction`); their stateful checks run
when the block is connected to a branch (:mod:`node.pow.branch`).
"""

from __future__ import annotations

from ledger.errors import InvalidBlock
from ledger.registry import Registry
from ledger.types import Transaction
from ledger.validation import decode_envelope, validate_transaction
from node.pow.block import PowBlock, PowHeader, body_root
from node.pow.coinbase import validate_reward_spend
from node.pow.errors import (
    BadMerkleRoot,
    BadProofOfWork,
    BadTarget,
    BadTimestamp,
    BlockTooLarge,
    RewardOverspend,
)
from node.pow.licence import MiningRegister, check_licensed
from node.pow.params import PowParams, target_hex
from node.pow.reward import block_reward
from node.pow.tree import BlockTree, TreeEntry
from node.pow.work import meets_target


def check_proof_of_work(header: PowHeader, params: PowParams) -> bytes:
    """The header's hash is at most its target (and the target within the limit)."""
    block_hash = header.block_hash()
    if header.target_int > params.pow_limit_int or not meets_target(block_hash, header.target_int):
        raise BadProofOfWork(
            height=header.height,
            reason="hash above target",
            block_hash=block_hash.hex(),
            target=header.target,
        )
    return block_hash


def check_header_context(
    header: PowHeader, parent: TreeEntry, tree: BlockTree, params: PowParams, now_ms: int
) -> None:
    """Height follows the parent, the target is the retarget rule's, time is sane."""
    if header.height != parent.height + 1:
        raise InvalidBlock(height=header.height, reason=f"expected height {parent.height + 1}")
    expected = tree.expected_target(parent, params)
    if header.target_int != expected:
        raise BadTarget(
            height=header.height,
            reason="wrong target",
            expected=target_hex(expected),
            got=header.target,
        )
    earliest = tree.median_time_past(parent, params.median_time_span) + 1
    latest = now_ms + params.max_future_ms
    if not earliest <= header.time_ms <= latest:
        raise BadTimestamp(
            height=header.height,
            reason="time out of range",
            time_ms=header.time_ms,
            minimum=earliest,
            maximum=latest,
        )


def check_body(
    block: PowBlock,
    params: PowParams,
    network: str,
    registry: Registry,
    register: MiningRegister | None = None,
) -> tuple[Transaction, ...]:
    """Merkle root first (a body that is not the header's says nothing about the
    header), then size, coinbase (and, under a mining register, its licence),
    and every transaction's stateless rules."""
    height = block.header.height
    txs = tuple(decode_envelope(envelope, registry) for envelope in block.txs)
    root = body_root(network, block.coinbase, block.spends, [tx.txid for tx in txs])
    if root.hex() != block.header.merkle_root:
        raise BadMerkleRoot(height=height, reason="merkle root differs")
    size = block.size()
    if size > params.max_block_bytes:
        raise BlockTooLarge(
            height=height, reason="over the limit", size=size, limit=params.max_block_bytes
        )
    check_coinbase(block, params)
    if register is not None:  # the 2023 law: pool mining only, by licensed miners
        check_licensed(block.coinbase, register, network)
    if len({tx.txid for tx in txs}) != len(txs):
        raise InvalidBlock(height=height, reason="a transaction appears twice")
    for spend in block.spends:
        validate_reward_spend(spend, network)
    for tx in txs:
        validate_transaction(tx, registry, network)
    return txs


def check_coinbase(block: PowBlock, params: PowParams) -> None:
    """The coinbase names the block's height and mints no more than the reward."""
    height = block.header.height
    if block.coinbase.height != height:
        raise InvalidBlock(height=height, reason="coinbase height differs from header")
    allowed = block_reward(height, params)
    if block.coinbase.value > allowed:
        raise RewardOverspend(
            height=height,
            reason="coinbase mints too much",
            allowed=allowed,
            claimed=block.coinbase.value,
        )
