"""The cluster's stream message carries the producer's sealed writes beside the block, so the
next producer holds the same privacy limit book; consensus writes never travel (each replica
derives them by replaying the block)."""

from __future__ import annotations

import msgspec

from ledger.chain import BuiltBlock, Chain
from ledger.encoding import canonical, decode_json
from ledger.params import make_genesis
from ledger.rules import core_registry
from ledger.storage import schema
from ledger.storage.memory import MemoryStore
from node.cluster.engine import OrderedBlock
from tests.harness import NETWORK, T0, key
from wallet import builders


def built_block() -> BuiltBlock:
    genesis = make_genesis(NETWORK, [key("cb").public_hex], [key("producer").public_hex], T0)
    chain = Chain(MemoryStore(), core_registry(), genesis)
    register = builders.bank_register(NETWORK, key("cb"), "b", "B", [key("b").public_hex], 1)
    return chain.build([register], T0 + 1, key("producer"))


def test_only_the_producers_own_writes_travel_with_the_block_and_round_trip() -> None:
    built = built_block()
    book_key = schema.producer_local_key("book", "tag")
    gone_key = schema.producer_local_key("book", "gone")
    changes = {**built.changes, book_key: b"sealed", gone_key: None}
    built = msgspec.structs.replace(built, changes=changes)
    ordered = OrderedBlock.of(built)
    assert ordered.local_writes() == {book_key: b"sealed", gone_key: None}
    again = decode_json(canonical(ordered), OrderedBlock)
    assert again.local_writes() == ordered.local_writes()
    assert again.block == built.block


def test_a_block_without_sealed_writes_carries_none() -> None:
    ordered = OrderedBlock.of(built_block())
    assert ordered.local == {}
