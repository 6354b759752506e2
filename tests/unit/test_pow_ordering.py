"""The proof-of-work comparator behind the ordering seam: outcomes settle at six confirmations.

The same protocol the node's service uses with the local producer
(:class:`node.ordering.Ordering`): submit, and a future per transaction that
resolves with the height and index of its block once the block is final.
"""

from __future__ import annotations

from ledger.errors import TengeError
from loadtests.pow.devnet import devnet, miner_key
from node.ordering import Outcome
from node.pow.ordering import PowOrdering


def test_a_mined_payment_settles_only_at_six_confirmations() -> None:
    net = devnet(transfers=3)
    node = net.node()
    ordering = PowOrdering(node, miner_key("pool"), confirmations=6)
    settled: list[tuple[int, list[Outcome]]] = []
    ordering.on_commit.append(lambda height, outcomes: settled.append((height, list(outcomes))))
    futures = [ordering.submit(tx) for tx in net.transfers]
    ordering.mine_one()  # the payments are in block 1, which has one confirmation
    assert not any(f.done() for f in futures)
    for _ in range(5):
        ordering.mine_one()
    outcomes = [f.result(timeout=0) for f in futures]
    assert all(o.committed for o in outcomes)
    assert {o.height for o in outcomes} == {1}
    assert sorted(o.index for o in outcomes) == [0, 1, 2]
    assert [h for h, _ in settled] == [1]
    assert node.confirmations(node.best_chain()[0].block_hash) == 6


def test_a_conflicting_payment_is_refused_with_its_code() -> None:
    net = devnet(transfers=1)
    ordering = PowOrdering(net.node(), miner_key("pool"))
    first = ordering.submit(net.transfers[0])
    again = ordering.submit(net.transfers[0])
    refused = again.result(timeout=0)
    assert isinstance(refused.error, TengeError)
    assert refused.error.code == "duplicate_transaction"
    assert not first.done()
