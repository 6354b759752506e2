"""The chain's record cache: decoded committed state kept across blocks, never stale."""

from __future__ import annotations

from pathlib import Path

from ledger.chain import Chain
from ledger.errors import DoubleSpend
from ledger.params import kzt
from ledger.records import WalletRecord
from ledger.rules import core_registry
from ledger.state import MISSING, RecordCache, StateView
from ledger.storage import schema
from ledger.storage.leveldb import LevelDBStore
from ledger.storage.memory import MemoryStore
from tests.harness import NETWORK, Harness
from wallet import builders


def test_a_full_young_generation_becomes_the_old_one_and_a_hit_moves_back() -> None:
    cache = RecordCache(limit=2)
    cache.committed({b"a": 1, b"b": 2})
    assert len(cache) == 0  # the block filled it: its entries are the old generation now
    assert cache[b"a"] == 1
    assert len(cache) == 1  # the hit moved back to the young generation
    cache.committed({b"c": 3, b"d": 4})
    assert cache[b"b"] is MISSING  # dropped with the generation before
    assert cache[b"a"] == 1 and cache[b"c"] == 3


def test_an_absent_key_is_cached_as_none_and_replaced_when_committed() -> None:
    cache = RecordCache()
    cache[b"x"] = None
    cache.committed({b"x": 7})
    assert cache[b"x"] == 7


def run_story(net: Harness) -> None:
    """Payments whose inputs were created in earlier blocks, and a double spend."""
    net.add_bank("halyk", reserve=kzt(10_000))
    alice = net.add_wallet("alice", "halyk", "full", funds=kzt(1_000))
    bob = net.add_wallet("bob", "halyk", "full")
    for amount in (10, 20, 30):
        net.commit(net.pay(alice, bob, kzt(amount)))
    spent = net.coins(alice)
    net.commit(net.pay(alice, bob, kzt(5)))
    # The same coins again, spent by the block before: the cache must know they are gone.
    again = builders.pay(NETWORK, spent, [alice], bob.public_hex, kzt(6), alice.public_hex)
    assert isinstance(net.refusal(again), DoubleSpend)


def test_chains_with_any_cache_size_reach_the_same_state_digest() -> None:
    digests = set()
    for limit in (1, 3, 100_000):
        net = Harness(MemoryStore())
        net.chain = Chain(net.store, core_registry(), net.chain.genesis, cached_records=limit)
        run_story(net)
        digests.add(net.chain.tip.state_digest)
    assert len(digests) == 1


def test_a_reopened_chain_reads_from_disk_what_the_cached_chain_committed(tmp_path: Path) -> None:
    store = LevelDBStore(str(tmp_path / "db"))
    net = Harness(store)
    run_story(net)
    cached = net.chain.records[schema.wallet_key("alice")]
    assert isinstance(cached, WalletRecord)
    reopened = Chain(store, core_registry())
    assert StateView(reopened.store).wallet("alice") == cached
    assert reopened.tip == net.chain.tip
    store.close()
