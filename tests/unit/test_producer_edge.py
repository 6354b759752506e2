"""The producer with edge workers: raw envelopes checked whole in worker processes."""

from __future__ import annotations

from concurrent.futures import wait

from ledger.crypto import DOMAIN_BLOCK, signing_message
from ledger.encoding import canonical
from ledger.errors import BadSignature, MalformedJson, UnknownInput
from ledger.params import kzt
from ledger.storage.memory import MemoryStore
from ledger.types import Signature, Transaction
from node.producer import Producer
from tests.harness import NETWORK, Harness


def test_edge_workers_refuse_bad_envelopes_and_the_writer_commits_the_rest() -> None:
    net = Harness(MemoryStore())
    net.add_bank("halyk", reserve=kzt(1_000))
    alice = net.add_wallet("alice", "halyk", "basic", funds=kzt(100))
    bob = net.add_wallet("bob", "halyk", "basic")
    good = net.pay(alice, bob, kzt(10))
    forged_sig = alice.sign(signing_message(DOMAIN_BLOCK, NETWORK, good.body_bytes)).hex()
    forged = Transaction(
        good.network,
        good.body,
        (Signature(key=alice.public_hex, sig=forged_sig),),
        good.body_bytes,
        good.txid,
    )
    spent_twice = net.pay(alice, bob, kzt(20))  # spends the same coin as `good`
    raws = [
        canonical(good.envelope()),
        canonical(forged.envelope()),
        b"{nope",
        canonical(spent_twice.envelope()),
    ]
    producer = edge_producer(net, workers=1, max_wait_ms=50)
    with producer:
        futures = [producer.submit(raw) for raw in raws]
        wait(futures, timeout=60)
    outcomes = [f.result() for f in futures]
    assert outcomes[0].committed
    assert isinstance(outcomes[1].error, BadSignature) and outcomes[1].error.key == alice.public_hex
    assert isinstance(outcomes[2].error, MalformedJson)
    assert outcomes[3].error is not None and outcomes[3].error.code in (
        "double_spend",
        UnknownInput.code,
    )
    assert net.balance(bob) == kzt(10)


def test_a_started_producer_has_its_edge_workers_before_the_first_submission() -> None:
    net = Harness(MemoryStore())
    producer = edge_producer(net, workers=2)
    assert producer.verifier.worker_pids() == []
    with producer:
        # the first block must not wait for the pool to spawn its workers and build registries
        assert len(producer.verifier.worker_pids()) == 2


def edge_producer(net: Harness, workers: int, max_wait_ms: int = 20) -> Producer:
    """A producer whose edge worker processes check whole envelopes with the core registry."""
    return Producer(
        net.chain,
        net.producer,
        verify_workers=workers,
        verify_mode="process",
        edge_registry="ledger.rules:core_registry",
        max_wait_ms=max_wait_ms,
    )
