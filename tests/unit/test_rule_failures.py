"""A rule that raises something unexpected refuses its own transaction, and nothing else.

Issue 18: one bad transaction used to sink its whole block. ``test.faulty``
(``tests/faulty_rule.py``) fails on purpose at each stage of its rule; the
block around it must go on, the failed transaction must leave no write
behind (not even the inputs the core had already deleted for it), the
failure is logged with its traceback, and a replica whose rule fails while
replaying a stored block refuses the block (replay stays strict).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ledger.chain import Chain
from ledger.crypto import KeyPair
from ledger.encoding import canonical
from ledger.errors import InvalidBlock, RuleFailed, Unavailable
from ledger.params import kzt
from ledger.rules import core_registry
from ledger.storage import KeyValueStore, StorageError
from ledger.storage.leveldb import LevelDBStore
from ledger.storage.memory import MemoryStore
from node.producer import Producer
from node.service import LedgerService
from tests.faulty_rule import KIND, Stage, faulty, marker, with_faulty
from tests.harness import NETWORK, Harness, key

STAGES: list[Stage] = ["validate", "check", "guard", "apply"]


def world(store: KeyValueStore) -> tuple[Harness, KeyPair, KeyPair, KeyPair]:
    """halyk, alice (funded) and bob, on a chain that also runs ``test.faulty``."""
    net = Harness(store, with_faulty(core_registry()))
    bank = net.add_bank("halyk")
    alice = net.add_wallet("alice", "halyk", "full", kzt(1_000))
    bob = net.add_wallet("bob", "halyk", "full")
    return net, bank, alice, bob


def dump(store: KeyValueStore) -> dict[bytes, bytes]:
    return {k: v for p in range(256) for k, v in store.iterate(bytes([p]))}


@pytest.mark.parametrize("stage", STAGES)
def test_a_rule_that_raises_refuses_only_its_transaction(
    store: KeyValueStore, stage: Stage
) -> None:
    net, bank, alice, bob = world(store)
    before, after = net.pay(bank, bob, kzt(5)), net.pay(alice, bob, kzt(1))
    outcomes = net.block([before, faulty(NETWORK, alice, stage), after])
    assert [o.committed for o in outcomes] == [True, False, True]
    error = outcomes[1].error
    assert isinstance(error, RuleFailed)
    assert (error.code, error.status, error.kind, error.stage) == ("rule_failed", 422, KIND, stage)
    assert net.balance(bob) == kzt(6)


def test_an_apply_that_fails_after_writing_leaves_no_trace(store: KeyValueStore) -> None:
    """The core deleted the faulty transaction's input and the rule wrote a marker before it
    raised; the journal undoes both, so an honest payment spending that same coin later in
    the block is committed and the state equals a run that never saw the faulty one."""
    net, _, alice, bob = world(store)
    coins = tuple(c.point for c in net.coins(alice))
    hostile, honest = faulty(NETWORK, alice, "apply", coins), net.pay(alice, bob, kzt(1))
    outcomes = net.block([hostile, honest])
    assert isinstance(outcomes[0].error, RuleFailed) and outcomes[1].committed
    assert store.get(marker(hostile.txid)) is None
    clean, _, _, _ = world(MemoryStore())
    assert clean.block([honest])[0].committed
    assert net.chain.tip == clean.chain.tip
    assert dump(net.store) == dump(clean.store)


def test_a_rule_failure_is_logged_with_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    net, _, alice, _ = world(MemoryStore())
    tx = faulty(NETWORK, alice, "check")
    with caplog.at_level(logging.ERROR):
        net.block([tx])
    (record,) = [r for r in caplog.records if "rule_failed" in r.getMessage()]
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    message = record.getMessage()
    assert f"kind={KIND}" in message and "stage=check" in message
    assert f"txid={tx.txid.hex()}" in message


def test_replaying_a_block_whose_rule_now_fails_is_an_invalid_block() -> None:
    net, _, alice, _ = world(MemoryStore())
    net.commit(faulty(NETWORK, alice, "ok"))
    replica = Chain(MemoryStore(), with_faulty(core_registry(), True), net.chain.genesis)
    for height in range(1, net.chain.tip.height):
        block = net.chain.block(height)
        assert block is not None
        replica.commit(replica.replay(block))
    last = net.chain.block(net.chain.tip.height)
    assert last is not None
    with pytest.raises(InvalidBlock) as caught:
        replica.replay(last)
    assert "rule_failed" in caught.value.reason


def test_the_dry_run_answers_rule_failed() -> None:
    net, _, alice, _ = world(MemoryStore())
    service = LedgerService(net.chain, Producer(net.chain, key("producer")))
    for stage in ("check", "guard", "apply"):
        tx = faulty(NETWORK, alice, stage)
        result = service.dry_run(canonical(tx.envelope()), net.time_ms)
        assert not result.accepted and result.problem is not None
        assert result.problem.code == "rule_failed"


def test_a_storage_failure_fails_the_block_and_blames_no_transaction(tmp_path: Path) -> None:
    """The real LevelDB, closed under the producer: every read fails. That is the node's
    trouble, not the transaction's: the block is abandoned and submitters get 503."""
    store = LevelDBStore(str(tmp_path / "db"))
    net, bank, _, bob = world(store)
    payment = net.pay(bank, bob, kzt(5))
    store.close()
    with pytest.raises(StorageError):  # the build may need no read: its records are cached
        net.chain.commit(net.chain.build([payment], net.time_ms + 1000, key("producer")))
    with Producer(net.chain, key("producer"), max_wait_ms=5) as producer:
        refusal = producer.submit(payment).exception(timeout=10)
    assert isinstance(refusal, Unavailable)
