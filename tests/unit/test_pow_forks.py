"""Most-work fork choice, reorganisations, the mempool, and double spends across branches.

Two nodes of one network mine competing branches; then each hears the other's.
"""

from __future__ import annotations

import pytest

from ledger.params import kzt
from ledger.types import Output, Transaction
from loadtests.pow.devnet import EASY_TARGET, Devnet, devnet, mine_next, mine_on, miner_key
from loadtests.pow.workload import COIN_KZT
from node.pow.errors import RejectedTransaction
from node.pow.node import PowNode
from node.pow.params import PowParams
from wallet import builders
from wallet.builders import Coin


def _exchange(a: PowNode, b: PowNode) -> None:
    """Each node receives every block the other has, parents first."""
    for source, sink in ((a, b), (b, a)):
        for entry in sorted(source.tree.entries.values(), key=lambda e: e.height):
            if entry.block is not None:
                sink.receive(entry.block)


def _in_best_chain(node: PowNode, tx: Transaction) -> int:
    return sum(1 for entry in node.best_chain() for mined in entry.txs if mined.txid == tx.txid)


def test_fork_choice_follows_cumulative_work_not_length() -> None:
    params = PowParams.local(interval_ms=1_000, retarget_window=2)
    net = devnet(params)
    a, b, t0 = net.node(), net.node(), net.genesis.time_ms
    # Branch A: slow blocks, so the retarget at height 2 makes blocks 4x easier: 3 blocks, 1.5 work.
    for offset in (10_000, 11_000, 12_000):
        mine_next(a, miner_key("a"), t0 + offset)
    # Branch B: fast blocks, so block 2 is 4x harder: 2 blocks, 5 units of work.
    for offset in (1, 2):
        mine_next(b, miner_key("b"), t0 + offset)
    assert a.tip.height == 3 and b.tip.height == 2
    assert b.tip.target == EASY_TARGET // 4 and a.tip.target == EASY_TARGET * 4
    assert b.tip.chain_work > a.tip.chain_work
    _exchange(a, b)
    assert a.tip.block_hash == b.tip.block_hash
    assert a.tip.height == 2  # the shorter branch with more work
    assert a.reorgs == 1


def test_equal_work_keeps_the_branch_seen_first() -> None:
    net = devnet()
    a, b, t0 = net.node(), net.node(), net.genesis.time_ms
    mine_next(a, miner_key("a"), t0 + 1_000)
    mine_next(b, miner_key("b"), t0 + 1_000)
    first_a, first_b = a.tip.block_hash, b.tip.block_hash
    _exchange(a, b)
    assert (a.tip.block_hash, b.tip.block_hash) == (first_a, first_b)


def test_reorg_returns_orphaned_transactions_to_the_mempool() -> None:
    net = devnet()
    a, b, t0 = net.node(), net.node(), net.genesis.time_ms
    tx = net.transfers[0]
    a.submit(tx)
    mine_next(a, miner_key("a"), t0 + 1_000)
    assert _in_best_chain(a, tx) == 1 and tx.txid not in a.mempool
    for offset in (1_000, 2_000):  # b never heard of tx and mines a longer branch
        mine_next(b, miner_key("b"), t0 + offset)
    _exchange(a, b)
    assert a.tip.block_hash == b.tip.block_hash
    assert _in_best_chain(a, tx) == 0
    assert tx.txid in a.mempool
    assert a.returned_to_mempool == 1
    spent = tx.body.spends()[0]
    assert a.state.view().output(bytes.fromhex(spent.txid), spent.index) is not None
    mine_next(a, miner_key("a"), t0 + 3_000)  # and the next block mines it again
    assert _in_best_chain(a, tx) == 1


def _double_spend(net: Devnet) -> tuple[Transaction, Transaction]:
    """Two payments, to a shop and back to the payer, spending one and the same coin."""
    original = net.transfers[0]
    payer = net.workload.payers[original.signatures[0].key]
    coin = Coin(
        point=original.body.spends()[0],
        output=Output(owner=payer.public_hex, amount=kzt(COIN_KZT)),
    )
    shop = original.body.creates()[0].owner
    network = net.genesis.network
    return (
        builders.pay(network, [coin], [payer], shop, kzt(100), payer.public_hex, "to the shop"),
        builders.pay(network, [coin], [payer], payer.public_hex, kzt(100), payer.public_hex),
    )


def test_double_spend_across_two_branches_ends_with_exactly_one() -> None:
    net = devnet()
    a, b, t0 = net.node(), net.node(), net.genesis.time_ms
    to_a, to_b = _double_spend(net)
    a.submit(to_a)
    b.submit(to_b)
    mine_next(a, miner_key("a"), t0 + 1_000)
    mine_next(b, miner_key("b"), t0 + 1_000)
    mine_next(b, miner_key("b"), t0 + 2_000)
    _exchange(a, b)
    for node in (a, b):
        assert node.tip.block_hash == b.tip.block_hash
        assert _in_best_chain(node, to_a) + _in_best_chain(node, to_b) == 1
        assert _in_best_chain(node, to_b) == 1
        assert to_a.txid not in node.mempool  # evicted: it conflicts with the winner
    # A miner that insists on the losing payment builds an invalid block.
    stubborn = mine_on(a, a.tip, miner_key("a"), t0 + 3_000, (to_a,))
    with pytest.raises(RejectedTransaction) as refused:
        a.receive(stubborn)
    assert refused.value.error == "double_spend"
    assert a.tip.block_hash == b.tip.block_hash
