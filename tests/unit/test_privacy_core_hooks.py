"""The core's two generic extension points used by privacy: producer guards and local keys.

``BlockContext.producing`` is True only while a block is built, so a guard
(``Registry.guards``) may refuse at the producer while every replay accepts
the block it built; ``schema.PRODUCER_LOCAL`` records travel in the block's
batch but stay outside the state digest.
"""

from __future__ import annotations

import pytest

from ledger.audit import audit
from ledger.chain import Chain
from ledger.errors import NotAuthorized
from ledger.params import kzt
from ledger.registry import Pending
from ledger.rules import core_registry
from ledger.state import StateView, next_digest
from ledger.storage import schema
from ledger.storage.memory import MemoryStore
from tests.harness import Harness, key


def test_privacy_records_are_consensus_and_producer_records_are_not() -> None:
    assert schema.is_consensus(schema.privacy_key("nf", "ab"))
    assert not schema.is_consensus(schema.producer_local_key("book", "ab"))
    local = {schema.producer_local_key("book", "x"): b"sealed"}
    assert next_digest(b"\x00" * 32, local) == next_digest(b"\x00" * 32, {})


def test_guards_run_while_producing_and_never_on_replay() -> None:
    seen: list[bool] = []

    def guard(pending: Pending, state: StateView) -> None:
        seen.append(pending.block.producing)
        if pending.tx.kind == "transfer":
            raise NotAuthorized(action="guarded", signer="test")

    registry = core_registry()
    registry.guards.append(guard)
    net = Harness(MemoryStore(), registry)
    net.add_bank("halyk", reserve=kzt(1_000))
    alice = net.add_wallet("alice", "halyk")
    assert net.refusal(net.pay(key("halyk"), alice, kzt(10))).code == "not_authorized"
    assert seen and all(seen)
    seen.clear()
    replica = Chain(MemoryStore(), registry, net.chain.genesis)
    for height in range(1, net.chain.tip.height + 1):
        block = net.chain.block(height)
        assert block is not None
        replica.commit(replica.replay(block))
    assert seen == [] and replica.tip == net.chain.tip
    assert audit(net.store, registry).ok


def test_the_context_of_a_built_block_is_producing() -> None:
    net = Harness(MemoryStore())
    assert net.chain.context(0).producing is True


@pytest.mark.parametrize("prefix", [schema.PRIVACY, schema.PRODUCER_LOCAL])
def test_the_new_prefixes_are_unique(prefix: bytes) -> None:
    prefixes = [
        value
        for name, value in vars(schema).items()
        if name.isupper() and isinstance(value, bytes) and len(value) == 1
    ]
    assert prefixes.count(prefix) == 1
