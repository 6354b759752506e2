"""Block size limit, body commitments, and the ledger's rules inside PoW blocks."""

from __future__ import annotations

import msgspec
import pytest

from loadtests.pow.devnet import devnet, mine_next, mine_on, miner_key
from node.pow.block import PowBlock
from node.pow.errors import BadMerkleRoot, BlockTooLarge
from node.pow.params import PowParams


def test_header_is_120_bytes_with_the_nonce_last() -> None:
    net = devnet()
    node = net.node()
    block = mine_next(node, miner_key("m"), net.genesis.time_ms + 1_000)
    raw = block.header.serialize()
    assert len(raw) == 120
    assert raw[-8:] == block.header.nonce.to_bytes(8, "big")
    assert PowBlock.from_bytes(block.to_bytes()) == block


def test_block_over_the_size_limit_is_rejected() -> None:
    net = devnet(PowParams.local(interval_ms=1_000, max_block_bytes=2_500), transfers=6)
    node = net.node()
    big = mine_on(node, node.tip, miner_key("m"), net.genesis.time_ms + 1_000, net.transfers)
    assert big.size() > 2_500
    with pytest.raises(BlockTooLarge) as refused:
        node.receive(big)
    assert refused.value.size == big.size()
    assert node.tip.height == 0


def test_templates_fill_blocks_up_to_the_limit_and_never_over() -> None:
    net = devnet(PowParams.local(interval_ms=1_000, max_block_bytes=2_500), transfers=6)
    node, miner = net.node(), miner_key("m")
    for tx in net.transfers:
        node.submit(tx)
    sizes, counts = [], []
    for second in range(1, 5):
        block = mine_next(node, miner, net.genesis.time_ms + second * 1_000)
        sizes.append(block.size())
        counts.append(len(block.txs))
    assert max(sizes) <= 2_500
    assert 0 < counts[0] < len(net.transfers)
    assert sum(counts) == len(net.transfers)
    assert len(node.mempool) == 0


def test_block_whose_body_differs_from_its_merkle_root_is_rejected_but_not_its_header() -> None:
    net = devnet()
    node = net.node()
    honest = mine_on(node, node.tip, miner_key("m"), net.genesis.time_ms + 1_000, net.transfers)
    stuffed = msgspec.structs.replace(honest, txs=honest.txs[:-1])
    with pytest.raises(BadMerkleRoot):
        node.receive(stuffed)
    node.receive(honest)  # the header was never condemned: the honest copy is accepted
    assert node.tip.block_hash == honest.block_hash()


def test_ledger_transfers_in_a_block_change_the_ledger_state() -> None:
    net = devnet()
    node = net.node()
    tx = net.transfers[0]
    node.submit(tx)
    mine_next(node, miner_key("m"), net.genesis.time_ms + 1_000)
    view = node.state.view()
    assert view.tx_location(tx.txid) is not None
    spent = tx.body.spends()[0]
    assert view.output(bytes.fromhex(spent.txid), spent.index) is None
