"""The shortest path through the core: issue, open, distribute, pay, audit."""

from __future__ import annotations

from ledger.audit import audit
from ledger.params import kzt
from tests.harness import Harness


def test_issued_money_reaches_a_wallet_and_the_audit_agrees(net: Harness) -> None:
    net.add_bank("halyk", reserve=kzt(1_000_000))
    alice = net.add_wallet("alice", "halyk", "basic", funds=kzt(10_000))
    bob = net.add_wallet("bob", "halyk", "basic")
    net.commit(net.pay(alice, bob, kzt(2_500)))
    assert net.balance(bob) == kzt(2_500)
    assert net.balance(alice) == kzt(7_500)
    report = audit(net.store, net.chain.registry)
    assert report.ok, report.problems
    assert report.supply == {"KZT": kzt(1_000_000)}
