"""The block's view of state: a journal per transaction, and the order of the first checks."""

from __future__ import annotations

from ledger.errors import DoubleSpend, DuplicateTransaction
from ledger.params import kzt
from ledger.state import StateView
from ledger.storage.memory import MemoryStore
from tests.harness import NETWORK, Harness
from wallet import builders


def test_a_rolled_back_transaction_leaves_no_write_and_the_ones_before_it_stay() -> None:
    store = MemoryStore()
    store.write_batch({b"k0": b"committed"})
    view = StateView(store)
    view.begin()
    view.write(b"k1", b"first")
    view.begin()
    view.write(b"k1", b"second")
    view.write(b"k2", b"second")
    view.delete(b"k0")
    assert view.read(b"k1", bytes) == b"second"  # type: ignore[type-var]
    view.rollback()
    assert view.read(b"k1", bytes) == b"first"  # type: ignore[type-var]
    assert view.exists(b"k0") and not view.exists(b"k2")
    assert view.changes() == {b"k1": b"first"}


def test_writes_made_without_a_journal_are_in_the_changes() -> None:
    view = StateView(MemoryStore())
    view.write(b"a", b"1")
    view.delete(b"b")
    assert view.changes() == {b"a": b"1", b"b": None}


def test_a_transfer_committed_then_spent_onwards_is_still_a_duplicate(net: Harness) -> None:
    net.add_bank("halyk", reserve=kzt(10_000))
    alice = net.add_wallet("alice", "halyk", "full", funds=kzt(100))
    bob = net.add_wallet("bob", "halyk", "full")
    first = net.pay(alice, bob, kzt(10))
    net.commit(first)
    net.commit(net.pay(alice, bob, kzt(5)))  # spends the change ``first`` created
    error = net.refusal(first)
    assert isinstance(error, DuplicateTransaction)
    assert error.txid == first.txid.hex()


def test_a_new_transfer_of_spent_coins_is_a_double_spend_not_a_duplicate(net: Harness) -> None:
    net.add_bank("halyk", reserve=kzt(10_000))
    alice = net.add_wallet("alice", "halyk", "full", funds=kzt(100))
    bob = net.add_wallet("bob", "halyk", "full")
    coins = net.coins(alice)
    net.commit(net.pay(alice, bob, kzt(10)))
    again = builders.pay(NETWORK, coins, [alice], bob.public_hex, kzt(11), alice.public_hex)
    assert isinstance(net.refusal(again), DoubleSpend)
